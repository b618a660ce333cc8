// The file formats of an export table: delimited text (CSV, TSV), JSON (an array of records),
// NumPy .npy (the float32 coordinates, format version 1.0) and Parquet (written by DuckDB). Every
// file appears whole or not at all (temp file in the same folder, then rename).
import { randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DOUBLE, DuckDBDataChunk, FLOAT, INTEGER, VARCHAR, type DuckDBType } from '@duckdb/node-api';
import { LabFailure } from '../../../shared/api';
import { duckConnect, sqlIdent, sqlString } from '../data/duck';
import { noteWritten } from '../files/written';
import { csvField, writeFileAtomic } from './csv';
import { dataNumberString, f32String } from './numbers';
import type { ExportColumn, ExportTable } from './table';

/** Turns cell i of a column into text; `text` quotes a text value for the format. */
function cellWriter(c: ExportColumn, text: (s: string) => string, missing: string): (i: number) => string {
  switch (c.type) {
    case 'int': {
      const { data, missing: m } = c;
      return (i) => (data[i] === m ? missing : String(data[i]));
    }
    case 'text': {
      const quoted = c.dictionary.map(text);
      const { codes } = c;
      return (i) => (codes[i] < 0 ? missing : quoted[codes[i]]);
    }
    case 'float': {
      const { data, stride, offset } = c;
      const exp = c.columnExp ?? null;
      const fmt = c.rounding === 'f32' ? f32String : (v: number) => dataNumberString(v, exp);
      return (i) => {
        const v = data[offset + i * stride];
        return v !== v ? missing : fmt(v);
      };
    }
  }
}

/** Text fields of a tab-separated file: quoted (RFC 4180 style) only when they hold a tab, a quote or a line break. */
export const tsvField = (s: string) => (/[\t"\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

function* delimitedLines(t: ExportTable, sep: ',' | '\t', header: boolean, columns = t.columns): Generator<string> {
  const quote = sep === ',' ? csvField : tsvField;
  if (header) yield `${columns.map((c) => quote(c.name)).join(sep)}\n`;
  const cells = columns.map((c) => cellWriter(c, quote, ''));
  const k = cells.length;
  // a block of lines per chunk: fewer, larger writes
  let block = '';
  for (let i = 0; i < t.rows; i++) {
    let line = k ? cells[0](i) : '';
    for (let j = 1; j < k; j++) line += sep + cells[j](i);
    block += `${line}\n`;
    if (block.length > 1 << 16) {
      yield block;
      block = '';
    }
  }
  if (block) yield block;
}

export async function writeDelimited(path: string, t: ExportTable, sep: ',' | '\t'): Promise<void> {
  await writeFileAtomic(path, delimitedLines(t, sep, true));
}

/** Tab-separated values without quoting (the Embedding Projector reads no quotes): tabs and line breaks become spaces. */
export function* projectorLines(t: ExportTable, columns: ExportColumn[], header: boolean): Generator<string> {
  const clean = (s: string) => s.replace(/[\t\r\n]+/g, ' ');
  if (header) yield `${columns.map((c) => clean(c.name)).join('\t')}\n`;
  const cells = columns.map((c) => cellWriter(c, clean, ''));
  let block = '';
  for (let i = 0; i < t.rows; i++) {
    block += `${cells.map((cell) => cell(i)).join('\t')}\n`;
    if (block.length > 1 << 16) {
      yield block;
      block = '';
    }
  }
  if (block) yield block;
}

function* jsonRecords(t: ExportTable): Generator<string> {
  const keys = t.columns.map((c) => `${JSON.stringify(c.name)}:`);
  const cells = t.columns.map((c) => cellWriter(c, (s) => JSON.stringify(s), 'null'));
  const k = cells.length;
  let block = '[';
  for (let i = 0; i < t.rows; i++) {
    let rec = i ? ',\n{' : '\n{';
    for (let j = 0; j < k; j++) rec += (j ? ',' : '') + keys[j] + cells[j](i);
    block += `${rec}}`;
    if (block.length > 1 << 16) {
      yield block;
      block = '';
    }
  }
  yield `${block}\n]\n`;
}

export async function writeJson(path: string, t: ExportTable): Promise<void> {
  await writeFileAtomic(path, jsonRecords(t));
}

/** The .npy v1.0 header of a C-order float32 array of `shape`, padded to a multiple of 64 bytes. */
export function npyHeader(shape: number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // magic (6) + version (2) + header length (2) + dict + spaces + '\n' ≡ 0 mod 64
  const len = Math.ceil((10 + dict.length + 1) / 64) * 64 - 10;
  if (len > 0xffff) throw new LabFailure('internal', 'The .npy header is too long.');
  const out = new Uint8Array(10 + len);
  out.set([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0, len & 0xff, len >> 8]);
  out.set(Buffer.from(`${dict}${' '.repeat(len - dict.length - 1)}\n`, 'latin1'), 10);
  return out;
}

export async function writeNpy(path: string, t: ExportTable): Promise<void> {
  let data = new Uint8Array(t.coords.buffer, t.coords.byteOffset, t.coords.byteLength);
  if (endianness() !== 'LE') {
    const swapped = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i += 4) for (let b = 0; b < 4; b++) swapped[i + b] = data[i + 3 - b];
    data = swapped;
  }
  await writeFileAtomic(path, [npyHeader([t.rows, t.dims]), data]);
}

const ROWS_PER_CHUNK = 2048;

function duckType(c: ExportColumn): DuckDBType {
  if (c.type === 'int') return INTEGER;
  if (c.type === 'text') return VARCHAR;
  return c.rounding === 'f32' ? FLOAT : DOUBLE;
}

/** Copies rows [from, from + n) of a column into a chunk's vector. */
function fillVector(chunk: DuckDBDataChunk, j: number, c: ExportColumn, from: number, n: number): void {
  const v = chunk.getColumnVector(j) as unknown as { setItem(i: number, value: unknown): void; flush(): void };
  if (c.type === 'int') {
    for (let i = 0; i < n; i++) {
      const x = c.data[from + i];
      v.setItem(i, x === c.missing ? null : x);
    }
  } else if (c.type === 'text') {
    for (let i = 0; i < n; i++) {
      const code = c.codes[from + i];
      v.setItem(i, code < 0 ? null : c.dictionary[code]);
    }
  } else {
    const round = c.rounding === 'data';
    const exp = c.columnExp ?? null;
    for (let i = 0; i < n; i++) {
      const x = c.data[c.offset + (from + i) * c.stride];
      v.setItem(i, x !== x ? null : round ? Number(dataNumberString(x, exp)) : x);
    }
  }
  v.flush();
}

/** Parquet through DuckDB: the rows are appended chunk by chunk into a scratch table of the in-memory database, copied out, and dropped. */
export async function writeParquet(path: string, t: ExportTable, onProgress?: (fraction: number) => void): Promise<void> {
  const conn = await duckConnect();
  const table = `export_${randomBytes(6).toString('hex')}`;
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const types = t.columns.map(duckType);
    await conn.run(`CREATE TABLE ${table} (${t.columns.map((c, j) => `${sqlIdent(c.name)} ${types[j].toString()}`).join(', ')})`);
    const appender = await conn.createAppender(table);
    try {
      for (let from = 0; from < t.rows; from += ROWS_PER_CHUNK) {
        const n = Math.min(ROWS_PER_CHUNK, t.rows - from);
        const chunk = DuckDBDataChunk.create(types, n);
        t.columns.forEach((c, j) => fillVector(chunk, j, c, from, n));
        appender.appendDataChunk(chunk);
        if ((from / ROWS_PER_CHUNK) % 16 === 15) onProgress?.(from / t.rows);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    await conn.run(`COPY ${table} TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
    await rename(tmp, path);
    await noteWritten(path);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof LabFailure) throw err;
    throw new LabFailure('write-failed', `Saving ${basename(path)} failed: ${(err as Error).message}`, 'Check free disk space and permissions, then try again.');
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    conn.closeSync();
  }
}
