// Export: writing embeddings to CSV with the engine's atomic exporter.
import { median, type BenchContext, type BenchRow } from '../context';

export const title = 'Export embeddings to CSV';

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const r = await ctx.runNode<Record<string, { seconds: number[]; bytes: number }>>('bench/child/export.ts');
  const rows: BenchRow[] = [];
  const out: Record<string, unknown> = {};
  for (const [shape, { seconds, bytes }] of Object.entries(r)) {
    if (typeof bytes !== 'number') continue;
    const s = median(seconds);
    rows.push({ metric: `${shape} embedding (${(bytes / 2 ** 20).toFixed(1)} MB)`, value: s, unit: 's', note: `${(bytes / 2 ** 20 / s).toFixed(0)} MB/s` });
    out[shape] = { seconds, median: s, bytes };
  }
  return { rows, ...out };
}
