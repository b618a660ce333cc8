// Benchmark: open a 1,000,000-row × 50-column numeric CSV (generated on the fly into a temp folder)
// with Latent Lab's loader (read + prepare) and with pandas.read_csv on the same file, each in its
// own process so peak memory (VmHWM / ru_maxrss) is measured cleanly.
//   npx tsx bench/cases/csv-load.ts            (or through `npm run bench`)
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from '../context';

export const title = 'Open a 1,000,000 × 50 numeric CSV (read + prepare) beside pandas.read_csv';

const ROWS = 1_000_000;
const COLS = 50;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** Writes the CSV once per machine (deterministic values, 5 decimals, about 400 MB). */
async function makeCsv(): Promise<string> {
  const dir = join(tmpdir(), 'latent-lab-bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `numeric-${ROWS}x${COLS}.csv`);
  if (existsSync(path) && statSync(path).size > ROWS * COLS * 5) return path;
  const out = createWriteStream(`${path}.tmp`);
  const write = (s: string) => new Promise<void>((resolve) => (out.write(s) ? resolve() : out.once('drain', resolve)));
  await write(Array.from({ length: COLS }, (_, j) => `f${j}`).join(',') + '\n');
  let state = 1;
  const rand = () => ((state = (state * 48271) % 2147483647) / 2147483647);
  const block: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const row = new Array<string>(COLS);
    for (let j = 0; j < COLS; j++) row[j] = ((rand() - 0.5) * 4 + j * 0.1).toFixed(5);
    block.push(row.join(','));
    if (block.length === 10_000) {
      await write(block.join('\n') + '\n');
      block.length = 0;
    }
  }
  if (block.length) await write(block.join('\n') + '\n');
  await new Promise<void>((resolve) => out.end(resolve));
  (await import('node:fs')).renameSync(`${path}.tmp`, path);
  return path;
}

/** The child side: load + prepare through the engine's openDataset, print one JSON line. */
async function child(path: string): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const { openDataset } = await import('../../electron/engine/data/open');
  const peakMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
  const baseline = process.memoryUsage().rss / 2 ** 20;
  const t0 = performance.now();
  const ds = await openDataset('bench' as never, { source: { kind: 'file', path }, labelColumn: null }, { progress: () => {}, checkCancelled: () => {} });
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ seconds, peakRssMb: peakMb(), baselineRssMb: baseline, rows: ds.summary.rows, features: ds.summary.features }));
}

function runOurs(path: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', path], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`loader child failed: ${r.stderr.slice(-500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; peakRssMb: number; baselineRssMb: number; rows: number; features: number };
}

function runPandas(path: string) {
  const code = [
    'import json, resource, sys, time',
    'import pandas',
    'base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024',
    't = time.perf_counter()',
    'df = pandas.read_csv(sys.argv[1])',
    'print(json.dumps({"seconds": time.perf_counter() - t, "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "baselineRssMb": base, "rows": len(df), "pandas": pandas.__version__}))',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', code, path], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout.trim()) as { seconds: number; peakRssMb: number; baselineRssMb: number; rows: number; pandas: string };
}

export async function run(): Promise<Record<string, unknown>> {
  const path = await makeCsv();
  const float32Mb = (ROWS * COLS * 4) / 2 ** 20;
  const repeats = 2;
  const ours = Array.from({ length: repeats }, () => runOurs(path));
  const pandas = Array.from({ length: repeats }, () => runPandas(path)).filter((p) => p !== null);
  const best = <T extends { seconds: number }>(xs: T[]) => xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const o = best(ours);
  const p = pandas.length ? best(pandas) : null;
  const peak = Math.max(...ours.map((x) => x.peakRssMb));
  const rows: BenchRow[] = [
    { metric: 'load seconds (fastest of 2)', value: o.seconds, unit: 's', reference: p?.seconds ?? null, referenceName: p ? `pandas ${p.pandas}` : undefined, ratio: p ? o.seconds / p.seconds : null, note: p ? undefined : 'pandas not available (apt-get install python3-pandas)' },
    { metric: 'peak RSS', value: peak, unit: 'MB', reference: p ? Math.max(...pandas.map((x) => x.peakRssMb)) : null, referenceName: p ? 'pandas' : undefined },
    { metric: 'peak RSS ÷ Float32 size of the data', value: peak / float32Mb, unit: '×', note: 'kept under 3×' },
  ];
  return {
    rows,
    case: 'csv-load 1M×50',
    fileMb: Math.round(statSync(path).size / 2 ** 20),
    float32Mb,
    oursSeconds: ours.map((x) => +x.seconds.toFixed(2)),
    oursPeakRssMb: ours.map((x) => Math.round(x.peakRssMb)),
    oursBaselineRssMb: Math.round(o.baselineRssMb),
    oursPeakOverFloat32: +(Math.max(...ours.map((x) => x.peakRssMb)) / float32Mb).toFixed(2),
    pandasSeconds: pandas.length ? pandas.map((x) => +x.seconds.toFixed(2)) : null,
    pandasPeakRssMb: pandas.length ? pandas.map((x) => Math.round(x.peakRssMb)) : null,
    pandasVersion: pandas[0]?.pandas ?? null,
    speedupVsPandas: pandas.length ? +(best(pandas).seconds / o.seconds).toFixed(2) : null,
    // lifted by bench/run.ts to csv.ratio in --json: our seconds ÷ pandas' (lower is better)
    summary: {
      seconds: +o.seconds.toFixed(3),
      pandasSeconds: p ? +p.seconds.toFixed(3) : null,
      ratio: p ? +(o.seconds / p.seconds).toFixed(3) : null,
    },
  };
}

if (process.argv[2] === '--child') await child(process.argv[3]);
else if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2));
