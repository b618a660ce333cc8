// Where a streamed dataset's rows come from: a Parquet file read in place, or — for delimited text
// and JSON, which cannot be read from the middle — a Parquet copy DuckDB writes once into the user
// data folder (reused while the file is unchanged). Every later pass (statistics, sample, training
// chunks, PCA) reads row ranges of that Parquet by its row number, which DuckDB resolves to row
// groups without scanning the rest.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LabFailure } from '../../../shared/api';
import type { DatasetFormat, DelimitedSettings } from '../../../shared/types';
import { scanJson } from '../data/columnar';
import { formatBytes, memoryBudget } from '../data/budget';
import { explainCsvError } from '../data/csv';
import { sqlPath, sqlString } from '../data/duck';
import { describeSource, type SourceColumn } from '../data/duckread';
import { fileFailure, readHead, type LoadContext } from '../data/files';
import { readArgs, SAMPLE_BYTES, sniffDelimited, type GivenSettings } from '../data/sniff';
import { streamConnect, streamsDir } from './duck';

export type StreamFormat = Extract<DatasetFormat, 'csv' | 'parquet' | 'json' | 'jsonl'>;
export const STREAM_FORMATS: readonly DatasetFormat[] = ['csv', 'parquet', 'json', 'jsonl'];

export interface StreamSource {
  /** The file the user opened. */
  file: string;
  format: StreamFormat;
  /** The Parquet file rows are read from (the file itself, or its copy). */
  parquet: string;
  /** A relation with the source's columns plus `file_row_number` (BIGINT, from 0). */
  relation: string;
  columns: SourceColumn[];
  rows: number;
  /** Rows per Parquet row group (the first group's), the natural chunk size. */
  groupRows: number;
  delimited: DelimitedSettings | null;
  notes: string[];
}

/** Copies of text files not used for this long are removed when another one is made. */
const KEEP_COPIES_MS = 14 * 24 * 3600 * 1000;
/** Rows per row group of the copies: a chunk small enough for a tight budget, large enough to read fast. */
const COPY_GROUP_ROWS = 65_536;
const MAX_TEXT_RETRIES = 8;

export const relationOf = (parquet: string) => `read_parquet(${sqlPath(parquet)}, file_row_number=true)`;

async function describeParquet(conn: DuckDBConnection, parquet: string): Promise<{ columns: SourceColumn[]; rows: number; groupRows: number }> {
  const columns = (await describeSource(conn, `read_parquet(${sqlPath(parquet)})`));
  const meta = (await conn.runAndReadAll(
    `SELECT sum(num_rows) AS n, max(num_rows) AS g FROM (SELECT DISTINCT file_name, row_group_id, row_group_num_rows AS num_rows FROM parquet_metadata(${sqlPath(parquet)}))`)).getRowObjects()[0];
  const rows = Number(meta.n ?? 0);
  return { columns, rows, groupRows: Math.max(1, Number(meta.g ?? rows)) };
}

function pruneCopies(keep: string): void {
  const dir = join(streamsDir(), 'copies');
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const n of names) {
    const p = join(dir, n);
    if (p === keep) continue;
    try {
      if (now - statSync(p).atimeMs > KEEP_COPIES_MS && now - statSync(p).mtimeMs > KEEP_COPIES_MS) rmSync(p, { force: true });
    } catch {
      // another engine removed it
    }
  }
}

/** The copy's path: one per source file (path, size, modification time) and read settings. */
async function copyPath(file: string, settings: unknown): Promise<string> {
  const info = await stat(file);
  const key = JSON.stringify({ path: resolve(file), size: info.size, mtime: Math.round(info.mtimeMs), settings, v: 1 });
  return join(streamsDir(), 'copies', `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.parquet`);
}

/** Writes `select` to `target` as Parquet (temp file, then rename: a copy is whole or absent). */
async function writeCopy(conn: DuckDBConnection, select: string, target: string): Promise<void> {
  mkdirSync(join(streamsDir(), 'copies'), { recursive: true, mode: 0o700 });
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    await conn.run(`COPY (${select}) TO ${sqlString(tmp)} (FORMAT parquet, ROW_GROUP_SIZE ${COPY_GROUP_ROWS}, COMPRESSION zstd)`);
    await rename(tmp, target);
  } finally {
    await rm(tmp, { force: true });
  }
}

function copyFailure(file: string, err: unknown): LabFailure {
  const msg = err instanceof Error ? err.message : String(err);
  // DuckDB ran out of the budget's share while reading the file into its Parquet copy: say so (the
  // text reader's own message would blame wide rows, the generic one a damaged file)
  if ((err instanceof LabFailure && err.code === 'too-big' && !/memory budget/.test(msg)) || /Out of Memory/i.test(msg)) {
    const budget = memoryBudget();
    return fileFailure(file, 'too-big', `could not be streamed within the memory budget of ${formatBytes(budget.bytes)} (${budget.description}): the reader ran out of memory while copying it to Parquet.`,
      'Raise the memory budget (the Memory budget setting in the Data panel, lab --memory-budget MB, or LAB_MEMORY_BUDGET_MB), or save the file as Parquet, which streams in place.');
  }
  if (err instanceof LabFailure) return err;
  if (/No space left|disk full|Could not write/i.test(msg)) {
    return fileFailure(file, 'disk-full', `could not be copied for streaming into ${join(streamsDir(), 'copies')} (${msg.split('\n')[0].slice(0, 160)}).`,
      'A file over the memory budget is read through a Parquet copy in the user data folder: free some disk space there, or save the file as Parquet, which streams in place.');
  }
  return fileFailure(file, 'bad-file', `could not be read for streaming: ${msg.split('\n')[0].slice(0, 200)}.`, 'Check that the file is complete and of the type its name says.');
}

/** The column DuckDB could not convert (its sample said numbers), or null. */
function unconvertible(err: unknown): string | null {
  const msg = err instanceof Error ? err.message : String(err);
  if (!/Could not convert|Conversion Error|CSV Error/i.test(msg)) return null;
  return /Column at position:\s*\d+\s*Name:\s*(.+)/i.exec(msg)?.[1]?.trim() ?? /column "?([^"\n]+)"? /i.exec(msg)?.[1] ?? null;
}

async function delimitedCopy(conn: DuckDBConnection, file: string, given: GivenSettings, ctx: LoadContext, notes: string[]) {
  const sample = await readHead(file, SAMPLE_BYTES);
  const size = (await stat(file)).size;
  let s: DelimitedSettings;
  try {
    s = await sniffDelimited(conn, file, sample, sample.byteLength === size, given);
  } catch (err) {
    throw explainCsvError(file, err, null);
  }
  const target = await copyPath(file, s);
  if (!(await stat(target).catch(() => null))) {
    const asText: string[] = [];
    for (let attempt = 0; ; attempt++) {
      ctx.checkCancelled();
      ctx.progress(0.05, `Copying ${basename(file)} to Parquet for streaming`);
      const types = asText.length ? `, types={${asText.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}` : '';
      try {
        await writeCopy(conn, `SELECT * FROM read_csv(${readArgs(file, s)}${types})`, target);
        break;
      } catch (err) {
        const bad = unconvertible(err);
        if (!bad || attempt >= MAX_TEXT_RETRIES || asText.includes(bad)) throw explainCsvError(file, err, s);
        asText.push(bad);
        notes.push(`Column "${bad}" looked numeric at first, but holds text further down: read it as text.`);
      }
    }
  } else {
    utimesSync(target, new Date(), statSync(target).mtime);
  }
  notes.unshift(`Read as ${s.delimiter === '\t' ? 'tab' : `"${s.delimiter}"`}-separated text, ${s.header ? 'with a header row' : 'without a header row'}, through a Parquet copy in the user data folder.`);
  return { target, settings: s };
}

async function jsonCopy(conn: DuckDBConnection, file: string, format: 'json' | 'jsonl', ctx: LoadContext): Promise<string> {
  const head = (await readHead(file, 4096)).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  const kind = format === 'json' && head.startsWith('{') ? 'jsonl' : format;
  if (kind === 'json' && !head.startsWith('[')) {
    throw fileFailure(file, 'bad-json', 'does not start with "[" or "{", so it is not JSON records.', 'Latent Lab reads a JSON array of records or JSON Lines; check the file type.');
  }
  // a deeply nested file would crash DuckDB's reader: scanned first, as when it is loaded whole
  await scanJson(file, kind, ctx);
  const target = await copyPath(file, kind);
  if (!(await stat(target).catch(() => null))) {
    ctx.progress(0.05, `Copying ${basename(file)} to Parquet for streaming`);
    const reader = kind === 'json'
      ? `read_json(${sqlPath(file)}, format='array', sample_size=20480, maximum_object_size=67108864)`
      : `read_json(${sqlPath(file)}, format='newline_delimited', sample_size=20480)`;
    await writeCopy(conn, `SELECT * FROM ${reader}`, target);
  }
  return target;
}

/** Opens the source of a streamed dataset: its columns, rows and the relation to read ranges of. */
export async function openStreamSource(file: string, format: StreamFormat, given: GivenSettings, ctx: LoadContext): Promise<StreamSource> {
  const conn = await streamConnect();
  const notes: string[] = [];
  try {
    let parquet = file;
    let delimited: DelimitedSettings | null = null;
    try {
      if (format === 'csv') {
        const copy = await delimitedCopy(conn, file, given, ctx, notes);
        parquet = copy.target;
        delimited = copy.settings;
      } else if (format === 'json' || format === 'jsonl') {
        parquet = await jsonCopy(conn, file, format, ctx);
        notes.push('Read through a Parquet copy in the user data folder.');
      }
      if (parquet !== file) pruneCopies(parquet);
      const d = await describeParquet(conn, parquet);
      if (d.rows === 0) throw fileFailure(file, 'empty', 'holds no records.', 'Pick a file with data rows.');
      return { file, format, parquet, relation: relationOf(parquet), ...d, delimited, notes };
    } catch (err) {
      throw copyFailure(file, err);
    }
  } finally {
    conn.closeSync();
  }
}
