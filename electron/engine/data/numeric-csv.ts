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
import { KernelPool, layoutThreads } from '../reduce/threads';

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
const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);
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
  slow: (start: number, stop: number, col: number) => number, pow10: Float64Array,
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
      // m below 2^53: an exact double
      if (digits > 0 && (c === delim || c === 10 || c === 13) && m < 9007199254740992) {
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
          else if (power > 0 && power <= 22) v = m * pow10[power];
          else if (power < 0 && power >= -22) v = m / pow10[-power];
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
 * The slow path of parseLines: a field that is not a short plain number (b[start, stop)) is a
 * missing cell, a longer number (through Number(), which rounds correctly), or a refusal (its code
 * in state[2], NaN returned). Self-contained: worker threads build it too (parseRange).
 */
function slowField(
  b: Uint8Array, decimal: string, isInt: Uint8Array, nullTexts: readonly string[], state: State,
): (start: number, stop: number, col: number) => number {
  const nulls = new Set(nullTexts);
  const numberText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  const float32Max = 3.4028234663852886e38;
  return (start, stop, col) => {
    let text = '';
    for (let i = start; i < stop; i++) text += String.fromCharCode(b[i]); // latin1
    if (nulls.has(text)) return NaN;
    const dotted = decimal === '.' ? text : text.replace(decimal, '.');
    if (!isInt[col] && numberText.test(dotted)) {
      const v = Number(dotted);
      if (Number.isFinite(v) && Math.abs(v) <= float32Max) {
        if (Math.abs(Math.fround(v)) !== Infinity) return v;
      }
      state[2] = 7;
      return NaN;
    }
    state[2] = isInt[col] && numberText.test(text) ? 6 : 1;
    return NaN;
  };
}

/**
 * A kernel (threads.ts): parses the whole lines of b[begin, end) into `out` from row 0, at most
 * maxRows; state as parseLines leaves it ([0] rows, [1] position, [2] refusal code).
 */
export function parseRange(
  b: Uint8Array, begin: number, end: number, cols: number, delim: number, decimal: string, isInt: Uint8Array,
  out: Float32Array, maxRows: number, state: Int32Array, nullTexts: string[], pow10: Float64Array,
): number {
  state[0] = 0;
  state[1] = begin;
  state[2] = 0;
  const slow = slowField(b, decimal, isInt, nullTexts, state);
  parseLines(b, end, cols, delim, decimal.charCodeAt(0), isInt, out, maxRows, state, slow, pow10);
  return state[0];
}

/** Lines (line breaks) in b[from, to). */
function countLines(b: Buffer, from: number, to: number): number {
  let n = 0;
  for (let p = b.indexOf(10, from); p >= 0 && p < to; p = b.indexOf(10, p + 1)) n++;
  return n;
}

/**
 * Below this many bytes of whole lines a chunk is parsed on the calling thread alone; above, its
 * lines are cut into one part per thread (the later parts into their own shared blocks, copied in
 * after): parsing is most of the reader's time. LAB_CSV_THREADS=1 keeps one thread.
 */
const SPLIT_BYTES = 256 << 10;

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
  parseLines(b, end, cols, delim, dec, isInt, block, rows.length, state, slow, POW10);
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
  // one spare byte: the last line gets a '\n' when the file does not end with one (shared memory:
  // parse threads read it)
  const buf = Buffer.from(new SharedArrayBuffer(READ_BYTES + 1));
  const threads = Math.max(1, Math.min(Number(process.env.LAB_CSV_THREADS) || layoutThreads(), 8));
  let pool: KernelPool | null = null;
  const parts: { out: Float32Array; state: Int32Array }[] = [];
  let filled = 0;
  let position = 0;
  let eof = false;
  let started = false;
  let lastReport = 0;
  let refusal: Refusal | null = null;

  const slow = slowField(buf, plan.decimal, isInt, NULL_TEXTS, state);

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
      if (threads > 1 && end - begin >= SPLIT_BYTES) {
        // one part per thread, cut at line breaks; part 0 straight into the matrix, the others into
        // their own blocks (a row can be no shorter than its delimiters and line break)
        pool ??= KernelPool.create([parseLines, slowField, parseRange], threads);
        const cuts = [begin];
        for (let t = 1; t < threads; t++) {
          const nl = buf.indexOf(10, Math.max(cuts[t - 1], begin + Math.floor(((end - begin) * t) / threads)));
          cuts.push(nl < 0 || nl >= end ? end : nl + 1);
        }
        cuts.push(end);
        const firstRows = countLines(buf, cuts[0], cuts[1]);
        while (sink.capacity < sink.rows + firstRows) sink.grow();
        const tasks = cuts.slice(0, -1).map((from, t) => {
          const to = cuts[t + 1];
          if (t === 0) {
            return { kernel: parseRange.name, args: [buf, from, to, cols, delim, plan.decimal, isInt, sink.data.subarray(sink.rows * cols), firstRows, state, NULL_TEXTS, POW10] };
          }
          const need = Math.ceil((to - from) / cols) * cols;
          if (!parts[t] || parts[t].out.length < need) {
            parts[t] = { out: new Float32Array(new SharedArrayBuffer(Math.max(need, 1) * 4)), state: new Int32Array(new SharedArrayBuffer(12)) };
          }
          return { kernel: parseRange.name, args: [buf, from, to, cols, delim, plan.decimal, isInt, parts[t].out, need / cols, parts[t].state, NULL_TEXTS, POW10] };
        });
        await pool.runParts(tasks);
        // the first refusal in file order, as one thread would have met it
        for (let t = 0; t < tasks.length && !refusal; t++) {
          const st = t === 0 ? state : parts[t].state;
          if (st[2] !== 0) refusal = REFUSALS[st[2]];
          else if (st[1] !== cuts[t + 1]) refusal = 'a line the parser stopped in'; // cannot happen: every line is a row
        }
        if (refusal) break;
        let rows = sink.rows + firstRows;
        for (let t = 1; t < tasks.length; t++) {
          const r = parts[t].state[0];
          while (sink.capacity < rows + r) sink.grow();
          sink.data.set(parts[t].out.subarray(0, r * cols), rows * cols);
          rows += r;
        }
        sink.take(rows);
      } else {
        state[1] = begin;
        state[0] = sink.rows;
        while (state[1] < end) {
          if (state[0] === sink.capacity) sink.grow();
          parseLines(buf, end, cols, delim, dec, isInt, sink.data, sink.capacity, state, slow, POW10);
          if (state[2] !== 0) {
            refusal = REFUSALS[state[2]];
            break;
          }
          sink.take(state[0]);
        }
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
    await pool?.close();
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
