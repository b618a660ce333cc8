// Streams a DuckDB query into raw columns. Numbers are cast to FLOAT in SQL and copied straight out
// of DuckDB's vectors as Float32 blocks (no per-value JS work); text is dictionary-encoded as read.
import duckdb from '@duckdb/node-bindings';
import type { DuckDBConnection, DuckDBVarCharVector } from '@duckdb/node-api';
import type { ColumnType } from '../../../shared/types';
import { sqlIdent } from './duck';
import type { LoadContext } from './files';
import { nudgeGc } from './gc';
import { numberColumn, type NumberColumn, type RawColumn, type TextColumn } from './table';

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
const DATE = /^(DATE|TIME|TIMESTAMP.*|INTERVAL)/;

export interface SourceColumn {
  name: string;
  duckType: string;
}

export function columnType(duckType: string): ColumnType {
  if (INTEGER.test(duckType)) return 'integer';
  if (NUMERIC.test(duckType)) return 'number';
  if (duckType === 'BOOLEAN') return 'boolean';
  if (duckType === 'VARCHAR') return 'string';
  if (DATE.test(duckType)) return 'date';
  return 'other';
}

/** Column names and DuckDB types of a relation (e.g. `read_parquet('x')`). */
export async function describeSource(conn: DuckDBConnection, source: string): Promise<SourceColumn[]> {
  const rows = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjects();
  return rows.map((r) => ({ name: String(r.column_name), duckType: String(r.column_type) }));
}

/**
 * A typed array that grows in place: a resizable ArrayBuffer reserves address space up front and
 * commits memory as it grows, so a long column is never copied (a doubling array would briefly need
 * three times its size).
 */
class GrowingArray<T extends Float32Array | Int32Array> {
  private buffer: ArrayBuffer;
  array: T;
  length = 0;

  constructor(private readonly Ctor: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, expected: number) {
    this.buffer = GrowingArray.reserve(Ctor.BYTES_PER_ELEMENT, Math.max(1024, Math.ceil(expected * 1.05)));
    this.array = new Ctor(this.buffer);
  }

  private static reserve(bytesPer: number, items: number): ArrayBuffer {
    const max = Math.min(2 ** 31 - 8, Math.max(items * bytesPer * 4, 1 << 24));
    return new ArrayBuffer(items * bytesPer, { maxByteLength: max });
  }

  /** Makes room for `extra` more items and returns the array to write them into. */
  grow(extra: number): T {
    const need = (this.length + extra) * this.Ctor.BYTES_PER_ELEMENT;
    if (need > this.buffer.byteLength) {
      const want = Math.max(need, Math.ceil(this.buffer.byteLength * 1.25));
      if (want <= this.buffer.maxByteLength) this.buffer.resize(want);
      else {
        const next = GrowingArray.reserve(this.Ctor.BYTES_PER_ELEMENT, want / this.Ctor.BYTES_PER_ELEMENT);
        new Uint8Array(next).set(new Uint8Array(this.buffer, 0, this.length * this.Ctor.BYTES_PER_ELEMENT));
        this.buffer = next;
      }
      this.array = new this.Ctor(this.buffer);
    }
    return this.array;
  }

  finish(): T {
    this.buffer.resize(this.length * this.Ctor.BYTES_PER_ELEMENT);
    return new this.Ctor(this.buffer);
  }
}

class FloatBuilder {
  private readonly out: GrowingArray<Float32Array>;
  constructor(expected: number) {
    this.out = new GrowingArray(Float32Array, expected);
  }

  /** Appends `count` values from a DuckDB FLOAT vector, NaN where the vector is NULL. */
  append(vector: duckdb.Vector, count: number): void {
    const bytes = duckdb.vector_get_data(vector, count * 4);
    const src = bytes.byteOffset % 4 === 0
      ? new Float32Array(bytes.buffer, bytes.byteOffset, count)
      : new Float32Array(bytes.slice().buffer, 0, count);
    const at = this.out.length;
    const dst = this.out.grow(count);
    dst.set(src, at);
    const validity = duckdb.vector_get_validity(vector, Math.ceil(count / 64) * 8);
    if (validity) {
      // a byte of eight valid rows (the usual case) is skipped whole
      for (let byte = 0, bytes = (count + 7) >> 3; byte < bytes; byte++) {
        const bits = validity[byte];
        if (bits === 0xff) continue;
        for (let r = byte << 3, end = Math.min(count, r + 8); r < end; r++) if ((bits & (1 << (r & 7))) === 0) dst[at + r] = NaN;
      }
    }
    this.out.length += count;
  }

  finish(): Float32Array {
    return this.out.finish();
  }
}

class TextBuilder {
  private readonly out: GrowingArray<Int32Array>;
  private readonly index = new Map<string, number>();
  readonly dictionary: string[] = [];
  missing = 0;
  constructor(expected: number) {
    this.out = new GrowingArray(Int32Array, expected);
  }

  append(vector: DuckDBVarCharVector, count: number): void {
    const at = this.out.length;
    const dst = this.out.grow(count);
    for (let r = 0; r < count; r++) {
      const v = vector.getItem(r);
      let code = -1;
      if (v === null || v.length === 0) this.missing++;
      else {
        code = this.index.get(v) ?? -1;
        if (code < 0) {
          code = this.dictionary.length;
          this.index.set(v, code);
          this.dictionary.push(v);
        }
      }
      dst[at + r] = code;
    }
    this.out.length += count;
  }

  finish(): Int32Array {
    return this.out.finish();
  }
}

/**
 * DuckDB's streamed result ends quietly at an error met while streaming (a word far below its
 * sniffer's sample, in a column typed as numbers): the last chunk is empty, as at the end. Called
 * when fewer rows came than the source holds: the same conversions without streaming raise that
 * error, for the caller to handle like one met at the start. Returns when none is raised.
 */
export async function raiseStreamError(conn: DuckDBConnection, source: string, columns: SourceColumn[]): Promise<void> {
  const numeric = columns.filter((c) => ['number', 'integer', 'boolean'].includes(columnType(c.duckType)));
  if (!numeric.length) return;
  const casts = numeric.map((c) => `CAST(${sqlIdent(c.name)} AS FLOAT) IS NOT NULL`).join(' OR ');
  await conn.runAndReadAll(`SELECT count(*) FROM ${source} WHERE ${casts}`);
}

export interface StreamOptions {
  /** Rows expected (for the progress bar); a guess is fine. */
  expectedRows: number;
  /** Label for progress messages, e.g. the file name. */
  what: string;
}

/**
 * Runs `SELECT <columns> FROM <source>` and collects every column: numeric and boolean ones as
 * Float32 (NaN = missing), everything else as dictionary-encoded text.
 */
export async function streamColumns(
  conn: DuckDBConnection,
  source: string,
  columns: SourceColumn[],
  ctx: LoadContext,
  opts: StreamOptions,
): Promise<{ rows: number; columns: RawColumn[] }> {
  const types = columns.map((c) => columnType(c.duckType));
  const isNumber = types.map((t) => t === 'number' || t === 'integer' || t === 'boolean');
  const select = columns
    .map((c, j) => `CAST(${sqlIdent(c.name)} AS ${isNumber[j] ? 'FLOAT' : 'VARCHAR'})`)
    .join(', ');
  const builders = columns.map((_, j) => (isNumber[j] ? new FloatBuilder(opts.expectedRows) : new TextBuilder(opts.expectedRows)));
  const result = await conn.stream(`SELECT ${select} FROM ${source}`);
  let rows = 0;
  let chunks = 0;
  let lastReport = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const count = chunk.rowCount;
    for (let j = 0; j < columns.length; j++) {
      const b = builders[j];
      if (b instanceof FloatBuilder) b.append(duckdb.data_chunk_get_vector(chunk.chunk, j), count);
      else b.append(chunk.getColumnVector(j) as DuckDBVarCharVector, count);
    }
    rows += count;
    if (++chunks % 32 === 0) nudgeGc();
    if (rows - lastReport >= 50_000) {
      lastReport = rows;
      ctx.checkCancelled();
      const fraction = Math.min(0.9, (0.85 * rows) / Math.max(rows, opts.expectedRows));
      ctx.progress(0.05 + fraction, `Read ${rows.toLocaleString('en-US')} rows of ${opts.what}`);
    }
  }
  const out: RawColumn[] = columns.map((c, j) => {
    const b = builders[j];
    // NaN stored in the file (Parquet, JSON) counts as missing like NULL does
    if (b instanceof FloatBuilder) return numberColumn(c.name, b.finish(), types[j] as NumberColumn['type']);
    return {
      name: c.name, kind: 'text', type: types[j] as TextColumn['type'], codes: b.finish(),
      dictionary: b.dictionary, missing: b.missing,
    } satisfies TextColumn;
  });
  return { rows, columns: out };
}
