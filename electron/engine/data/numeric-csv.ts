// Plain numeric delimited text (every column a number, no quotes, no text) read by a tight byte
// loop straight into one row-major Float32 matrix, which prepareTable() then turns into the split
// matrices in place: the data is written to fresh memory once, not twice (first touches of memory
// are a large part of opening a big file), and the loop takes about a third of the CPU time of
// DuckDB's reader and its streamed result. DuckDB stays the authority: it sniffs the settings and
// the column types, its reading of the first rows must match ours cell for cell, and any file this
// reader is not sure about (a quote, a word, a ragged or blank line, a whole-number column with a
// decimal point) goes back to DuckDB's reader, which then gives today's answer and messages.
//
// Values are exactly DuckDB's: DuckDB parses DOUBLE (correctly rounded) and BIGINT and casts to
// FLOAT; here a decimal with an integer mantissa below 2^53 and a power of ten within ±22 is one
// correctly rounded IEEE multiply or divide, anything longer goes through Number(), which rounds
// correctly too, and the Float32 store then rounds the double as DuckDB's cast does.
import { open } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent } from './duck';
import type { SourceColumn } from './duckread';
import type { LoadContext } from './files';
import { MAX_LINE_BYTES, NULL_TEXTS } from './sniff';
import type { BlockMoments, NumberColumn } from './table';

/** How DuckDB was told to read the file (the parts this reader needs). */
export interface PlainNumericPlan {
  delimiter: string;
  decimal: string;
  quote: string;
  header: boolean;
  bom: boolean;
  columns: SourceColumn[];
}

/** Why a file went back to DuckDB (for tests and diagnostics); null when it was read here. */
export type Refusal = string;

const READ_BYTES = 4 << 20;
/** Rows of DuckDB's reading that the start of ours must match. */
export const CHECK_ROWS = 5;
/** Lines DuckDB's sniffer may skip before the header (a title, a comment) that we look past. */
const MAX_PREAMBLE_LINES = 64;
const MAX_SAFE = 9007199254740992; // 2^53: below it, integers are exact doubles
const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);
const FLOAT32_MAX = 3.4028234663852886e38;
const NULLS = new Set(NULL_TEXTS);
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Column types this reader converts exactly as DuckDB does. */
const PLAIN_TYPES: Record<string, 'number' | 'integer'> = { DOUBLE: 'number', BIGINT: 'integer' };

/** Whether every column is of a type this reader handles (and there are at least two). */
export function plainNumericColumns(columns: SourceColumn[]): boolean {
  return columns.length >= 2 && columns.every((c) => PLAIN_TYPES[c.duckType] !== undefined);
}

/**
 * Parser state passed between calls: [0] rows parsed into the block, [1] position in the buffer,
 * [2] refusal code (0 = none).
 */
type State = Int32Array;

const REFUSALS = [
  '', 'a field that is not a plain number', 'a ragged line', 'a blank line', 'a lone carriage return',
  'a decimal or exponent in a whole-number column', 'a whole number beyond 2^53', 'a value beyond the Float32 range',
];

/**
 * Parses whole lines of b[p, end) (every line ends with '\n') into `block`, row-major, until the
 * block is full or the range is done. Fields that are not a short plain number go to `slow`, which
 * returns the value or NaN-with-refusal through `state[2]`.
 */
function parseLines(
  b: Uint8Array, end: number, cols: number, delim: number, dec: number, isInt: Uint8Array,
  block: Float32Array, maxRows: number, state: State,
  slow: (start: number, stop: number, col: number) => number,
): void {
  let p = state[1];
  let row = state[0];
  let o = row * cols;
  while (row < maxRows && p < end) {
    let c = b[p];
    if (c === 10 || c === 13) {
      state[2] = 3;
      break;
    }
    let col = 0;
    for (;;) {
      const start = p;
      let neg = false;
      if (c === 45) {
        neg = true;
        c = b[++p];
      } else if (c === 43) c = b[++p];
      let m = 0;
      let digits = 0;
      while (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        digits++;
        c = b[++p];
      }
      let power = 0;
      let plain = true;
      if (c === dec) {
        c = b[++p];
        while (c >= 48 && c <= 57) {
          m = m * 10 + (c - 48);
          digits++;
          power--;
          c = b[++p];
        }
        plain = false;
      }
      if (c === 101 || c === 69) {
        plain = false;
        c = b[++p];
        let eneg = false;
        if (c === 45) {
          eneg = true;
          c = b[++p];
        } else if (c === 43) c = b[++p];
        let e = 0;
        let eDigits = 0;
        while (c >= 48 && c <= 57) {
          if (e < 100000) e = e * 10 + (c - 48);
          eDigits++;
          c = b[++p];
        }
        if (eDigits === 0) digits = 0; // "1e" is not a number: let the slow path refuse it
        power += eneg ? -e : e;
      }
      let v: number;
      if (digits > 0 && (c === delim || c === 10 || c === 13) && m < MAX_SAFE) {
        if (isInt[col]) {
          if (!plain) {
            state[2] = 5;
            state[0] = row;
            state[1] = p;
            return;
          }
          v = neg ? 0 - m : m; // whole numbers have no negative zero
        } else {
          if (power === 0) v = m;
          else if (power > 0 && power <= 22) v = m * POW10[power];
          else if (power < 0 && power >= -22) v = m / POW10[-power];
          else {
            v = slow(start, p, col); // reads the sign itself
            neg = false;
          }
          if (neg) v = -v;
        }
      } else {
        // anything else: find the field's end and let the slow path decide
        while (c !== delim && c !== 10 && c !== 13 && p < end) c = b[++p];
        v = slow(start, p, col);
      }
      if (state[2] !== 0) {
        state[0] = row;
        state[1] = p;
        return;
      }
      block[o++] = v;
      col++;
      if (c === delim) {
        if (col >= cols) {
          state[2] = 2;
          break;
        }
        c = b[++p];
        continue;
      }
      if (c === 13) {
        if (b[p + 1] !== 10) {
          state[2] = 4;
          break;
        }
        p++;
      }
      // c is '\n' here (the buffer always ends with one)
      p++;
      if (col !== cols) state[2] = 2;
      break;
    }
    if (state[2] !== 0) break;
    row++;
  }
  state[0] = row;
  state[1] = p;
}

/**
 * The row-major matrix the lines are parsed into (rows × columns, a plain array so that it can become
 * the split matrices later), with the missing / infinite counts numberColumn() would keep.
 */
class BlockSink {
  data: Float32Array;
  rows = 0;
  readonly missing: Float64Array;
  readonly infinite: Float64Array;
  readonly firstInfinite: Float64Array;
  readonly moments: BlockMoments;

  constructor(readonly cols: number, expectedRows: number) {
    // untouched capacity costs address space only: the estimate from the sample plus a margin
    this.data = new Float32Array(Math.ceil(expectedRows * 1.1 + 1024) * cols);
    this.missing = new Float64Array(cols);
    this.infinite = new Float64Array(cols);
    this.firstInfinite = new Float64Array(cols).fill(-1);
    this.moments = {
      min: new Float64Array(cols).fill(Infinity), max: new Float64Array(cols).fill(-Infinity),
      sum: new Float64Array(cols), sumSq: new Float64Array(cols), count: new Float64Array(cols),
    };
  }

  get capacity(): number {
    return this.data.length / this.cols;
  }

  /** A bigger matrix when the file holds more rows than the sample suggested. */
  grow(): void {
    const next = new Float32Array(Math.ceil(this.capacity * 1.5) * this.cols);
    next.set(this.data.subarray(0, this.rows * this.cols));
    this.data = next;
  }

  /**
   * Takes in rows [this.rows, upTo) while they are still in cache: counts missing and infinite
   * cells and sums the finite ones in row order, as numericSummary() would.
   */
  take(upTo: number): void {
    const { cols, data } = this;
    const { min, max, sum, sumSq, count } = this.moments;
    for (let r = this.rows; r < upTo; r++) {
      for (let k = 0, s = r * cols; k < cols; k++, s++) {
        const v = data[s];
        if (v !== v) this.missing[k]++;
        else if (v === Infinity || v === -Infinity) {
          if (this.infinite[k]++ === 0) this.firstInfinite[k] = r;
        } else {
          if (v < min[k]) min[k] = v;
          if (v > max[k]) max[k] = v;
          sum[k] += v;
          sumSq[k] += v * v;
          count[k]++;
        }
      }
    }
    this.rows = upTo;
  }

  release(): void {
    this.data = new Float32Array(0);
  }
}

/** Byte offset of the line after the one holding b[from] (-1 when no line break follows). */
function nextLine(b: Uint8Array, from: number, end: number): number {
  const nl = b.indexOf(10, from);
  return nl < 0 || nl >= end ? -1 : nl + 1;
}

/** Whether the lines from `at` parse to exactly `rows` (DuckDB's first rows). */
function startsWith(
  b: Uint8Array, at: number, end: number, rows: number[][], cols: number, delim: number, dec: number, isInt: Uint8Array,
  slow: (start: number, stop: number, col: number) => number, state: State,
): boolean {
  const block = new Float32Array(rows.length * cols);
  state.fill(0);
  state[1] = at;
  parseLines(b, end, cols, delim, dec, isInt, block, rows.length, state, slow);
  const ok = state[2] === 0 && state[0] === rows.length && rows.every((r, i) => r.length === cols && r.every((w, k) => {
    const got = block[i * cols + k];
    const want = Math.fround(w);
    return got === want || (got !== got && want !== want);
  }));
  state.fill(0);
  return ok;
}

export interface PlainRead {
  rows: number;
  columns: NumberColumn[];
}

/**
 * Reads the file as plain numbers, or returns why not (then nothing of the file is kept and the
 * caller reads it with DuckDB). `check` is DuckDB's reading of the first rows: the start of the
 * data must agree with it cell by cell.
 */
export async function readPlainNumeric(
  file: string, plan: PlainNumericPlan, ctx: LoadContext, opts: { expectedRows: number; what: string; check: number[][] },
): Promise<PlainRead | Refusal> {
  const cols = plan.columns.length;
  if (!plainNumericColumns(plan.columns)) return 'a column that is not DOUBLE or BIGINT';
  if (plan.delimiter.length !== 1 || plan.decimal.length !== 1) return 'a multi-character delimiter';
  const delim = plan.delimiter.charCodeAt(0);
  const dec = plan.decimal.charCodeAt(0);
  if (delim === dec || delim === 10 || delim === 13 || (delim >= 48 && delim <= 57) || delim === 45 || delim === 43 || delim === 101 || delim === 69) {
    return 'a delimiter that can be part of a number';
  }
  const isInt = Uint8Array.from(plan.columns, (c) => (PLAIN_TYPES[c.duckType] === 'integer' ? 1 : 0));
  const sink = new BlockSink(cols, opts.expectedRows);
  const state: State = new Int32Array(3);
  // one spare byte: the last line gets a '\n' when the file does not end with one
  const buf = Buffer.allocUnsafe(READ_BYTES + 1);
  let filled = 0;
  let position = 0;
  let eof = false;
  let started = false;
  let lastReport = 0;
  let refusal: Refusal | null = null;

  const slow = (start: number, stop: number, col: number): number => {
    const text = buf.toString('latin1', start, stop);
    if (NULLS.has(text)) return NaN;
    if (!isInt[col] && NUMBER_TEXT.test(dec === 46 ? text : text.replace(plan.decimal, '.'))) {
      const v = Number(dec === 46 ? text : text.replace(plan.decimal, '.'));
      if (Number.isFinite(v) && Math.abs(v) <= FLOAT32_MAX) {
        if (Math.abs(Math.fround(v)) !== Infinity) return v;
      }
      state[2] = 7;
      return NaN;
    }
    state[2] = isInt[col] && NUMBER_TEXT.test(text) ? 6 : 1;
    return NaN;
  };

  const fh = await open(file, 'r');
  try {
    for (;;) {
      if (!eof && filled < READ_BYTES) {
        const { bytesRead } = await fh.read(buf, filled, READ_BYTES - filled, position);
        position += bytesRead;
        filled += bytesRead;
        if (bytesRead === 0) eof = true;
      }
      let begin = 0;
      if (!started) {
        // the data starts where our parse gives DuckDB's first rows: after the header, and after any
        // lines its sniffer skipped (a title, comments)
        if (!eof && filled < READ_BYTES) continue;
        let at = plan.bom && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
        const scanEnd = eof && filled > 0 && buf[filled - 1] !== 10 ? (buf[filled] = 10, filled + 1) : filled;
        for (let l = 0; l < (plan.header ? 1 : 0) && at >= 0; l++) at = nextLine(buf, at, scanEnd);
        let found = -1;
        for (let l = 0; l <= MAX_PREAMBLE_LINES && at >= 0 && found < 0; l++) {
          if (startsWith(buf, at, scanEnd, opts.check, cols, delim, dec, isInt, slow, state)) found = at;
          else at = nextLine(buf, at, scanEnd);
        }
        if (found < 0) return 'rows that DuckDB reads differently';
        begin = found;
        started = true;
      }
      // parse up to the last complete line; at the end of the file the rest is the last line
      let end = filled;
      if (!eof) {
        const nl = buf.lastIndexOf(10, filled - 1);
        if (nl < begin) {
          if (filled - begin >= READ_BYTES - 1) return 'a line longer than 4 MB';
          buf.copy(buf, 0, begin, filled);
          filled -= begin;
          continue;
        }
        end = nl + 1;
      } else if (end > begin && buf[end - 1] !== 10) {
        buf[end++] = 10;
      }
      state[1] = begin;
      state[0] = sink.rows;
      while (state[1] < end) {
        if (state[0] === sink.capacity) sink.grow();
        parseLines(buf, end, cols, delim, dec, isInt, sink.data, sink.capacity, state, slow);
        if (state[2] !== 0) {
          refusal = REFUSALS[state[2]];
          break;
        }
        sink.take(state[0]);
      }
      if (refusal) break;
      if (sink.rows - lastReport >= 50_000) {
        lastReport = sink.rows;
        ctx.checkCancelled();
        const fraction = Math.min(0.9, (0.85 * sink.rows) / Math.max(sink.rows, opts.expectedRows));
        ctx.progress(0.05 + fraction, `Read ${sink.rows.toLocaleString('en-US')} rows of ${opts.what}`);
      }
      if (eof) break;
      buf.copy(buf, 0, end, filled);
      filled -= end;
    }
  } finally {
    await fh.close();
  }
  if (refusal || sink.rows === 0) {
    sink.release();
    return refusal ?? 'no data rows';
  }
  const columns = plan.columns.map((c, k): NumberColumn => ({
    name: c.name,
    kind: 'number',
    type: PLAIN_TYPES[c.duckType],
    values: new Float32Array(0),
    missing: sink.missing[k],
    infinite: sink.infinite[k],
    firstInfiniteRow: sink.firstInfinite[k],
    block: { data: sink.data, stride: cols, offset: k, moments: sink.moments },
  }));
  return { rows: sink.rows, columns };
}

/** DuckDB's reading of the first rows of `read_csv(args)` as numbers; null when it cannot say. */
export async function duckFirstRows(conn: DuckDBConnection, args: string, columns: SourceColumn[], rows = CHECK_ROWS): Promise<number[][] | null> {
  try {
    const select = columns.map((c) => `CAST(${sqlIdent(c.name)} AS DOUBLE)`).join(', ');
    // a small read buffer: DuckDB's default leaves tens of MB with its allocator for a few rows
    const first = (await conn.runAndReadAll(`SELECT ${select} FROM read_csv(${args}, buffer_size=${2 * MAX_LINE_BYTES + 1}) LIMIT ${rows}`)).getRows();
    return first.map((r) => r.map((v) => (v === null ? NaN : Number(v))));
  } catch {
    return null;
  }
}
