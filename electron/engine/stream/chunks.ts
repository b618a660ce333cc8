// Reads rows of a streamed dataset and prepares them as the plan says, one block at a time: the
// feature matrix (filled, one-hot encoded, scaled), labels, source row numbers and the split of
// each row. Numbers come out of DuckDB's vectors as float32 blocks (no per-value conversion);
// text is read per value, only for the columns that need it.
import duckdb from '@duckdb/node-bindings';
import type { DuckDBConnection, DuckDBVarCharVector } from '@duckdb/node-api';
import { sqlIdent } from '../data/duck';
import { isTestRow, type StreamPlan } from './plan';
import { and, isNumeric, ROW } from './sql';

/** Prepared rows: n × d features, row-major, like a split in memory. */
export interface Block {
  n: number;
  x: Float32Array;
  labels: Int32Array | null;
  rowIds: Int32Array;
  /** 1 where the row is in the test split. */
  test: Uint8Array;
  /** Raw cells of every source column (for the sample): numbers (NaN = missing) or text (null = missing). */
  raw: (Float32Array | (string | null)[])[] | null;
  /** Per source column: rows (positions in the block) whose value was filled in. */
  imputed: number[][] | null;
}

export interface ReadOptions {
  /** Extra SQL condition (e.g. a row range, a sample). */
  where?: string;
  /** Which rows to keep: 'all', or one split. */
  split?: 'all' | 'train' | 'test';
  /** Also return the raw cells (the in-memory sample keeps them for hover cards and colours). */
  raw?: boolean;
  /** Rows per block (blocks end at DuckDB chunk boundaries, so a block may be a little larger). */
  blockRows?: number;
  /** Checked between DuckDB chunks. */
  check?: () => void;
  /** Read the label column (default true): training an unconditional model and PCA skip it. */
  labels?: boolean;
}

/**
 * A vector's floats, NaN where missing. Read in place (DuckDB's memory, valid until the next
 * chunk) when nothing is missing: no copy per column per chunk, so streaming leaves little garbage.
 */
const floatsOf = (vector: duckdb.Vector, count: number): Float32Array => {
  const bytes = duckdb.vector_get_data(vector, count * 4);
  const src = bytes.byteOffset % 4 === 0 ? new Float32Array(bytes.buffer, bytes.byteOffset, count) : new Float32Array(bytes.slice().buffer, 0, count);
  const validity = duckdb.vector_get_validity(vector, Math.ceil(count / 64) * 8);
  if (!validity) return src;
  let all = true;
  for (let r = 0; r < count && all; r++) if ((validity[r >> 3] & (1 << (r & 7))) === 0) all = false;
  if (all) return src;
  const out = Float32Array.from(src);
  for (let r = 0; r < count; r++) if ((validity[r >> 3] & (1 << (r & 7))) === 0) out[r] = NaN;
  return out;
};

const intsOf = (vector: duckdb.Vector, count: number): Int32Array => {
  const bytes = duckdb.vector_get_data(vector, count * 4);
  return bytes.byteOffset % 4 === 0 ? Int32Array.from(new Int32Array(bytes.buffer, bytes.byteOffset, count)) : new Int32Array(bytes.slice().buffer, 0, count);
};

/** Collects prepared rows until a block is full. */
class BlockBuilder {
  x: Float32Array;
  labels: Int32Array | null;
  rowIds: Int32Array;
  test: Uint8Array;
  raw: (Float32Array | (string | null)[])[] | null;
  imputed: number[][] | null;
  n = 0;
  constructor(readonly plan: StreamPlan, readonly capacity: number, withRaw: boolean, withLabels: boolean) {
    this.x = new Float32Array(capacity * plan.d);
    this.labels = plan.label && withLabels ? new Int32Array(capacity) : null;
    this.rowIds = new Int32Array(capacity);
    this.test = new Uint8Array(capacity);
    this.raw = withRaw ? plan.columns.map((c) => (isNumeric(c) ? new Float32Array(capacity) : new Array<string | null>(capacity).fill(null))) : null;
    this.imputed = withRaw ? plan.columns.map(() => []) : null;
  }

  finish(): Block {
    const n = this.n;
    return {
      n, x: this.x.subarray(0, n * this.plan.d), labels: this.labels?.subarray(0, n) ?? null, rowIds: this.rowIds.subarray(0, n), test: this.test.subarray(0, n),
      raw: this.raw?.map((r) => (r instanceof Float32Array ? r.subarray(0, n) : r.slice(0, n))) ?? null, imputed: this.imputed,
    };
  }
}

/** The columns a read needs: features, the label, the split column, or (raw) all. */
function neededColumns(plan: StreamPlan, raw: boolean, labels: boolean): number[] {
  if (raw) return plan.columns.map((_, j) => j);
  const set = new Set<number>([...plan.numeric.map((f) => f.col), ...plan.onehot.map((f) => f.col)]);
  if (plan.label && labels) set.add(plan.label.col);
  if (plan.split.kind === 'file') set.add(plan.split.col);
  return [...set].sort((a, b) => a - b);
}

/**
 * Reads the rows of `relation` that the plan keeps (and `opts.where` selects), in row order
 * (DuckDB preserves the file's order; no sort is asked for, which would hold the whole result),
 * as prepared blocks of about `blockRows` rows.
 */
export async function* readBlocks(conn: DuckDBConnection, relation: string, plan: StreamPlan, opts: ReadOptions = {}): AsyncGenerator<Block> {
  const raw = opts.raw ?? false;
  const withLabels = raw || opts.labels !== false;
  const need = neededColumns(plan, raw, withLabels);
  const at = new Map(need.map((j, k) => [j, k + 1]));
  const select = [`CAST(${ROW} AS INTEGER)`, ...need.map((j) => `CAST(${sqlIdent(plan.columns[j].name)} AS ${isNumeric(plan.columns[j]) ? 'FLOAT' : 'VARCHAR'})`)];
  const splitWhere = opts.split === 'train' ? `NOT (${plan.sql.test})` : opts.split === 'test' ? plan.sql.test : null;
  const where = and(plan.sql.kept, splitWhere, opts.where ?? null);
  const result = await conn.stream(`SELECT ${select.join(', ')} FROM ${relation} WHERE ${where}`);
  const cap = Math.max(2048, opts.blockRows ?? 65_536);
  const { d, numeric, onehot, label, center, spread } = plan;
  const inv = spread.map((s) => 1 / s);
  const scale = plan.scaling !== 'none';
  let block = new BlockBuilder(plan, cap + 2048, raw, withLabels);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    opts.check?.();
    const count = chunk.rowCount;
    const rows = intsOf(duckdb.data_chunk_get_vector(chunk.chunk, 0), count);
    const floats = new Map<number, Float32Array>();
    const texts = new Map<number, DuckDBVarCharVector>();
    for (const j of need) {
      if (isNumeric(plan.columns[j])) floats.set(j, floatsOf(duckdb.data_chunk_get_vector(chunk.chunk, at.get(j)!), count));
      else texts.set(j, chunk.getColumnVector(at.get(j)!) as DuckDBVarCharVector);
    }
    const text = (j: number, r: number): string | null => {
      const v = texts.get(j)!.getItem(r);
      return v === null || v === '' ? null : v;
    };
    if (block.n + count > block.capacity) {
      yield block.finish();
      block = new BlockBuilder(plan, cap + 2048, raw, withLabels);
    }
    for (let r = 0; r < count; r++) {
      const row = rows[r];
      const test = isTestRow(plan, row, plan.split.kind === 'file' ? text(plan.split.col, r) : null);
      const i = block.n++;
      block.rowIds[i] = row;
      block.test[i] = test ? 1 : 0;
      const base = i * d;
      for (const f of numeric) {
        const v = floats.get(f.col)![r];
        let x = v;
        if (v !== v) {
          x = f.fill;
          block.imputed?.[f.col].push(i);
        }
        block.x[base + f.at] = scale ? (x - center[f.at]) * inv[f.at] : x;
      }
      for (const o of onehot) {
        let v = text(o.col, r);
        if (v === null) {
          v = o.fill;
          block.imputed?.[o.col].push(i);
        }
        const k = v === null ? undefined : o.slot.get(v);
        if (k !== undefined) block.x[base + o.at + k] = 1;
      }
      if (label && withLabels) {
        const c = label.col;
        const v = isNumeric(plan.columns[c]) ? floats.get(c)![r] : text(c, r);
        block.labels![i] = v === null || v !== v ? -1 : label.index.get(v) ?? -1;
      }
      if (block.raw) {
        for (const j of need) {
          const dst = block.raw[j];
          if (dst instanceof Float32Array) dst[i] = floats.get(j)![r];
          else dst[i] = text(j, r);
        }
      }
    }
    if (block.n >= cap) {
      yield block.finish();
      block = new BlockBuilder(plan, cap + 2048, raw, withLabels);
    }
  }
  if (block.n > 0) yield block.finish();
}

/** Keeps the rows of a block that `keep` says (a copy). */
export function filterBlock(b: Block, d: number, keep: (i: number) => boolean): Block {
  const idx: number[] = [];
  for (let i = 0; i < b.n; i++) if (keep(i)) idx.push(i);
  if (idx.length === b.n) return b;
  const x = new Float32Array(idx.length * d);
  idx.forEach((i, k) => x.set(b.x.subarray(i * d, (i + 1) * d), k * d));
  return {
    n: idx.length, x, labels: b.labels ? Int32Array.from(idx, (i) => b.labels![i]) : null, rowIds: Int32Array.from(idx, (i) => b.rowIds[i]),
    test: Uint8Array.from(idx, (i) => b.test[i]), raw: null, imputed: null,
  };
}
