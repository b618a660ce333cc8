// Data larger than memory: a generated 4,000,000 × 10 Parquet file (1,000,000 rows with
// BENCH_QUICK=1, still over the budget; written by DuckDB into a private temp folder) trained one
// epoch and fitted with PCA under a memory budget of 100 MB (streamed; there also every row written
// through a PCA view and a region fetched) and under the default budget (loaded whole):
// samples/s each way, and the peak RSS of the engine against the budget plus the runtime alone
// (the same engine training on a tiny built-in dataset).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeStreamFile } from '../../tests/unit/helpers/stream-files';
import type { BenchContext, BenchRow } from '../context';

export const title = 'Streamed dataset: training and PCA under a 100 MB memory budget';

const BUDGET_MB = 100;

interface ChildOut {
  backend: string; streamed: boolean; rows: number; trainRows: number; sampleRows: number | null; openSeconds: number;
  samplesPerSec: number; testLoss: number | null; pcaSeconds: number; pcaExplainedVariance: number[] | null; peakRssMb: number;
  everyRow: { seconds: number; rows: number; regionSeconds: number; regionTotal: number } | null;
}

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-bench-stream-'));
  try {
    const rows = ctx.quick ? 1_000_000 : 4_000_000;
    ctx.log(`stream: writing ${rows.toLocaleString('en-US')} × 10 rows of Parquet`);
    const file = await writeStreamFile(join(dir, 'rows.parquet'), { rows, features: 10, extras: true });
    const env = { LAB_DATA_DIR: join(dir, 'data'), LAB_MEMORY_BUDGET_MB: '' };
    const runtime = await ctx.runNode<ChildOut>('bench/child/stream.ts', ['--file', 'iris'], env);
    ctx.log('stream: streamed under the budget');
    const streamed = await ctx.runNode<ChildOut>('bench/child/stream.ts', ['--file', file, '--budget', String(BUDGET_MB)], env);
    ctx.log('stream: loaded whole');
    const whole = await ctx.runNode<ChildOut>('bench/child/stream.ts', ['--file', file, '--budget', '0'], env);
    if (!streamed.streamed || whole.streamed) throw new Error(`expected the file streamed under ${BUDGET_MB} MB and loaded whole under the default budget (streamed: ${streamed.streamed}, ${whole.streamed})`);
    const over = streamed.peakRssMb - runtime.peakRssMb;
    const table: BenchRow[] = [
      { metric: `training samples/s, ${streamed.trainRows.toLocaleString('en-US')} rows streamed (${streamed.backend})`, value: streamed.samplesPerSec, unit: 'samples/s',
        reference: whole.samplesPerSec, referenceName: 'loaded whole', ratio: streamed.samplesPerSec / whole.samplesPerSec },
      { metric: 'PCA seconds, streamed (passes over the chunks)', value: streamed.pcaSeconds, unit: 's', reference: whole.pcaSeconds, referenceName: 'loaded whole', ratio: streamed.pcaSeconds / whole.pcaSeconds },
      ...(streamed.everyRow ? [
        { metric: `every row through a PCA-2 view to Parquet (${streamed.everyRow.rows.toLocaleString('en-US')} rows)`, value: streamed.everyRow.seconds, unit: 's',
          note: `${Math.round(streamed.everyRow.rows / streamed.everyRow.seconds).toLocaleString('en-US')} rows/s` },
        { metric: 'rows of a zoomed region fetched (first 50,000)', value: streamed.everyRow.regionSeconds, unit: 's', note: `${streamed.everyRow.regionTotal.toLocaleString('en-US')} rows in the region` },
      ] : []),
      { metric: 'open seconds (statistics pass + sample)', value: streamed.openSeconds, unit: 's', reference: whole.openSeconds, referenceName: 'loaded whole' },
      { metric: `peak RSS, streamed, budget ${BUDGET_MB} MB`, value: Math.round(streamed.peakRssMb), unit: 'MB', reference: Math.round(whole.peakRssMb), referenceName: 'loaded whole' },
      { metric: 'peak RSS of the runtime alone (iris)', value: Math.round(runtime.peakRssMb), unit: 'MB' },
      { metric: 'streamed peak RSS above the runtime', value: Math.round(over), unit: 'MB', note: over <= BUDGET_MB ? `within the ${BUDGET_MB} MB budget` : `OVER the ${BUDGET_MB} MB budget` },
    ];
    return { rows: table, streamed, whole, runtime, budgetMb: BUDGET_MB, withinBudget: over <= BUDGET_MB };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
