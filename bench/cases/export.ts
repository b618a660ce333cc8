// Export: the engine's writers — embedding CSV at 10k × 20 and 1M × 2, and a 70,000 × 20 view
// (MNIST's every row) in each export format. The goal for the latter: under a second each.
import { median, type BenchContext, type BenchRow } from '../context';

export const title = 'Export embeddings (CSV; 70k × 20 in every format)';

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const r = await ctx.runNode<Record<string, { seconds: number[]; bytes: number }>>('bench/child/export.ts', [], { BENCH_REPEATS: String(ctx.repeats) });
  const rows: BenchRow[] = [];
  const out: Record<string, unknown> = {};
  for (const [shape, { seconds, bytes }] of Object.entries(r)) {
    if (typeof bytes !== 'number') continue;
    const s = median(seconds);
    const every = shape.startsWith('70000x20');
    rows.push({
      metric: every ? `70k × 20 view as ${shape.split(' ')[1]} (${(bytes / 2 ** 20).toFixed(1)} MB)` : `${shape} embedding CSV (${(bytes / 2 ** 20).toFixed(1)} MB)`,
      value: s,
      unit: 's',
      note: `${(bytes / 2 ** 20 / s).toFixed(0)} MB/s${every ? (s < 1 ? ' · under 1 s' : ' · over the 1 s goal') : ''}`,
    });
    out[shape] = { seconds, median: s, bytes };
  }
  return { rows, ...out };
}
