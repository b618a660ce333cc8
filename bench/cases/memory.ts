// Peak resident memory of the engine while it trains the reference VAE on all of MNIST (one epoch,
// dataset loaded, default backend chain).
import type { BenchContext, BenchRow } from '../context';

export const title = 'Peak RSS of the engine training on MNIST';

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const r = await ctx.runNode<{ detail: string; rows: number; maxRssMb: number | null }>('bench/child/train.ts', ['--rows', ctx.quick ? '12800' : '60000', '--epochs', '1']);
  const rows: BenchRow[] = [{ metric: `peak RSS, ${r.rows} rows, ${r.detail}`, value: r.maxRssMb === null ? null : Math.round(r.maxRssMb), unit: 'MB',
    note: r.maxRssMb === null ? 'needs /usr/bin/time' : undefined }];
  return { rows, peakRssMb: r.maxRssMb, backend: r.detail, trainRows: r.rows };
}
