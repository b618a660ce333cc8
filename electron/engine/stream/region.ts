// Reads back a view's every-row data (every-row.ts) through DuckDB without loading it: the rows in
// a rectangle of the view's two shown coordinates (what the scatter fetches on zoom), and the whole
// table streamed into an export file by DuckDB's own COPY (CSV, TSV, JSON, Parquet).
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LabFailure } from '../../../shared/api';
import type { ExportFormat } from '../../../shared/export';
import type { ExportResult, RegionRows } from '../../../shared/types';
import { sqlString } from '../data/duck';
import { noteWritten } from '../files/written';
import { streamConnect } from './duck';
import { everyRowRelation, type EveryRowFile } from './every-row';
import { num } from './sql';

export interface Rect {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** The rows of `f` whose first two coordinates lie in `r` (edges included): the first `limit` in row order, and how many there are. */
export async function regionRows(f: EveryRowFile, r: Rect, limit: number): Promise<RegionRows> {
  if (![r.x0, r.x1, r.y0, r.y1].every(Number.isFinite) || r.x0 > r.x1 || r.y0 > r.y1) {
    throw new LabFailure('bad-request', `The region [${r.x0}, ${r.x1}] × [${r.y0}, ${r.y1}] is not a rectangle.`, 'Give x0 ≤ x1 and y0 ≤ y1, finite numbers.');
  }
  const empty = { embeddingId: f.embeddingId, total: 0, rowIds: new Int32Array(0), coords: new Float32Array(0), labels: null, test: new Uint8Array(0) };
  if (f.rows === 0) return empty;
  const y = f.dims > 1 ? 'c2' : '0';
  // compared as doubles: a literal would otherwise be read as a DECIMAL and the float column cast
  // to it, which can move a row on the rectangle's edge (the edges are often a view's own bounds)
  const d = (v: number) => `${num(v)}::DOUBLE`;
  const where = `c1::DOUBLE BETWEEN ${d(r.x0)} AND ${d(r.x1)} AND ${y}::DOUBLE BETWEEN ${d(r.y0)} AND ${d(r.y1)}`;
  const conn = await streamConnect();
  try {
    const total = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${everyRowRelation(f)} WHERE ${where}`)).getRowObjects()[0].n);
    const reader = await conn.runAndReadAll(`SELECT row, c1, ${y} AS y, label, split = 'test' AS test FROM ${everyRowRelation(f)} WHERE ${where} ORDER BY row LIMIT ${Math.max(0, Math.floor(limit))}`);
    const n = reader.currentRowCount;
    if (n === 0) return { ...empty, total };
    const cols = reader.getColumns();
    const rowIds = Int32Array.from(cols[0] as number[]);
    const coords = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      coords[2 * i] = Number(cols[1][i]);
      coords[2 * i + 1] = Number(cols[2][i]);
    }
    const labelled = (cols[3] as (number | null)[]).some((v) => v !== null);
    const labels = labelled ? Int32Array.from(cols[3] as (number | null)[], (v) => (v === null ? -1 : v)) : null;
    const test = Uint8Array.from(cols[4] as boolean[], (v) => (v ? 1 : 0));
    return { embeddingId: f.embeddingId, total, rowIds, coords, labels, test };
  } finally {
    conn.closeSync();
  }
}

const COPY_FORMATS: Partial<Record<ExportFormat, string>> = {
  csv: "FORMAT csv, HEADER true, DELIMITER ','",
  tsv: "FORMAT csv, HEADER true, DELIMITER '\t'",
  json: 'FORMAT json, ARRAY true',
  parquet: 'FORMAT parquet, COMPRESSION zstd',
};

/** Refuses the formats DuckDB cannot stream every row into. */
export function exportEveryRowCheck(format: ExportFormat): string {
  const how = COPY_FORMATS[format];
  if (!how) {
    throw new LabFailure('bad-request', `Every row cannot be exported as ${format === 'npy' ? 'a .npy file' : 'Embedding Projector files'}: that format is written from rows held in memory.`,
      'Export every row as CSV, TSV, JSON or Parquet, or export the sample.');
  }
  return how;
}

/** Writes every row of `f` to `path` (DuckDB streams it: nothing is held whole); labels by name. */
export async function exportEveryRow(f: EveryRowFile, path: string, format: ExportFormat, labelNames: string[] | null): Promise<ExportResult> {
  const how = exportEveryRowCheck(format);
  if (f.rows === 0) throw new LabFailure('empty', 'The view has no rows to export.', 'Check the dataset\'s missing-value policy: every row was left out.');
  const coords = Array.from({ length: f.dims }, (_, j) => `z${j + 1}`);
  const latent = Array.from({ length: f.latent }, (_, j) => `latent${j + 1}`);
  const select = [
    'row AS id',
    'split',
    ...(labelNames ? [`list_extract([${labelNames.map(sqlString).join(', ')}], label + 1) AS label`] : []),
    ...coords.map((c, j) => `c${j + 1} AS ${c}`),
    ...latent.map((c, j) => `z${j + 1} AS ${c}`),
    'score',
  ];
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const conn = await streamConnect();
  try {
    await conn.run(`COPY (SELECT ${select.join(', ')} FROM ${everyRowRelation(f)}) TO ${sqlString(tmp)} (${how})`);
    await rename(tmp, path);
    await noteWritten(path);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof LabFailure) throw err;
    throw new LabFailure('write-failed', `Saving ${basename(path)} failed: ${(err as Error).message.split('\n')[0]}`, 'Check free disk space and permissions, then try again.');
  } finally {
    conn.closeSync();
  }
  return {
    path,
    rows: f.rows,
    columns: select.map((s) => s.split(' AS ').at(-1)!),
    notes: [`Every row of the streamed dataset (${f.rows.toLocaleString('en-US')}), both splits; score: ${f.scoreName}.`],
  };
}
