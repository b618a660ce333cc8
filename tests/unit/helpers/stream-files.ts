// Parquet files for the streamed-dataset tests and the benchmark, written by DuckDB from seeded
// formulas (no randomness: the same file every time): correlated features with a clear spectrum,
// a label, a text category, missing cells and, optionally, the file's own split column.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll } from 'vitest';
import { BUDGET_ENV, resetMemoryBudget } from '../../../electron/engine/data/budget';

/**
 * A private temporary folder for a test file's streamed data, removed after its tests, which also
 * leave the memory budget setting as they found it (the tests set it to force streaming).
 */
export function streamTestDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const outside = process.env[BUDGET_ENV];
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    if (outside !== undefined) process.env[BUDGET_ENV] = outside;
    else delete process.env[BUDGET_ENV];
    resetMemoryBudget();
  });
  return dir;
}

/** A deterministic pseudo-random number in [0, 1) from integers (DuckDB's hash of a struct). */
const u = (i: string, salt: number) => `((hash(${i}, ${salt}) % 1000003)::DOUBLE + 0.5) / 1000003.0`;
/** A standard normal from two uniforms (Box–Muller). */
const normal = (i: string, salt: number) => `(sqrt(-2 * ln(${u(i, salt)})) * cos(2 * pi() * ${u(i, salt + 1000)}))`;

export interface StreamFileOptions {
  rows: number;
  /** Numeric features (their spread falls from feature to feature). */
  features: number;
  /** Spread of feature j's own factor: decay^j (a steep spectrum with clear gaps); default a gentle linear fall. */
  decay?: number;
  /** Add label (4 classes), cat (3 values, some missing) and a few missing numbers. */
  extras?: boolean;
  /** Add a `split` column (train/test, every 5th row test). */
  fileSplit?: boolean;
}

/** SQL selecting the file's rows (for COPY … TO). */
export function streamFileSql(o: StreamFileOptions): string {
  const k = o.features;
  const z = Array.from({ length: k }, (_, j) => `${normal('i', 7 + 2 * j)} * ${o.decay ? o.decay ** j : (k - j) / k + 0.05} AS z${j}`).join(', ');
  // each feature mixes its own factor with the next two: a non-trivial, full-rank covariance
  const f = Array.from({ length: k }, (_, j) => {
    const terms = [`z${j}`, `0.6 * z${(j + 1) % k}`, `-0.3 * z${(j + 2) % k}`];
    const v = `(${terms.join(' + ')}) + ${j}`;
    return o.extras && j === 1 ? `CASE WHEN i % 97 = 3 THEN NULL ELSE ${v} END AS f${j}` : `${v} AS f${j}`;
  }).join(', ');
  const extras = o.extras
    ? `, CASE WHEN i % 211 = 5 THEN NULL ELSE ['red', 'green', 'blue'][1 + (i % 3)::INTEGER] END AS cat, 'class' || ((i * 7) % 4)::VARCHAR AS label`
    : '';
  const split = o.fileSplit ? `, CASE WHEN i % 5 = 0 THEN 'test' ELSE 'train' END AS split` : '';
  return `SELECT ${f}${extras}${split} FROM (SELECT i, ${z} FROM range(${o.rows}) t(i))`;
}

export async function writeStreamFile(path: string, o: StreamFileOptions, format: 'parquet' | 'csv' = 'parquet'): Promise<string> {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await db.connect();
  try {
    await conn.run(`COPY (${streamFileSql(o)}) TO '${path.replaceAll("'", "''")}' (FORMAT ${format}${format === 'parquet' ? ', ROW_GROUP_SIZE 32768' : ''})`);
  } finally {
    conn.closeSync();
  }
  return path;
}
