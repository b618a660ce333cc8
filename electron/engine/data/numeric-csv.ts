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
//
// This module reads the file and runs the parse on threads; the byte parser is in
// numeric-csv-parse.ts and the matrix with its column statistics in numeric-csv-sink.ts.
import { open } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent } from './duck';
import type { SourceColumn } from './duckread';
import type { LoadContext } from './files';
import { MAX_LINE_BYTES, NULL_TEXTS } from './sniff';
import { countLines, nextLine, parseLines, parseRange, parseSpan, POW10, REFUSALS, slowField, startsWith, type State } from './numeric-csv-parse';
import { BlockSink, sumColumns } from './numeric-csv-sink';
import { HISTOGRAM_BINS, histogramBin, histogramColumns } from './stats';
import type { NumberColumn } from './table';
import { nativeAddon } from '../native/addon';
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

const READ_BYTES = 16 << 20;
/** Rows of DuckDB's reading that the start of ours must match. */
export const CHECK_ROWS = 5;
/** Lines DuckDB's sniffer may skip before the header (a title, a comment) that we look past. */
const MAX_PREAMBLE_LINES = 64;
/** Column types this reader converts exactly as DuckDB does. */
const PLAIN_TYPES: Record<string, 'number' | 'integer'> = { DOUBLE: 'number', BIGINT: 'integer' };

/** Whether every column is of a type this reader handles (and there are at least two). */
export function plainNumericColumns(columns: SourceColumn[]): boolean {
  return columns.length >= 2 && columns.every((c) => PLAIN_TYPES[c.duckType] !== undefined);
}

/**
 * Below this many bytes of whole lines a chunk is parsed on the calling thread alone; above, its
 * lines are cut into one part per thread, each written straight into its rows of the shared matrix,
 * and the column sums are taken by column ranges on every thread: parsing is most of the reader's time. LAB_CSV_THREADS=1 keeps one thread.
 */
const SPLIT_BYTES = 256 << 10;

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
  // parseSpan finds the addon as a global on every thread (threads.ts sets it on workers)
  (globalThis as { labAddon?: unknown }).labAddon = nativeAddon().addon;
  const sink = new BlockSink(cols, opts.expectedRows);
  const state: State = new Int32Array(3);
  // one spare byte: the last line gets a '\n' when the file does not end with one (shared memory:
  // parse threads read it)
  const buf = Buffer.from(new SharedArrayBuffer(READ_BYTES + 1));
  const threads = Math.max(1, Math.min(Number(process.env.LAB_CSV_THREADS) || layoutThreads(), 8));
  let pool: KernelPool | null = null;
  const states: Int32Array[] = [];
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
          if (filled - begin >= READ_BYTES - 1) return `a line longer than ${READ_BYTES >> 20} MB`;
          buf.copy(buf, 0, begin, filled);
          filled -= begin;
          continue;
        }
        end = nl + 1;
      } else if (end > begin && buf[end - 1] !== 10) {
        buf[end++] = 10;
      }
      if (threads > 1 && end - begin >= SPLIT_BYTES) {
        // one part per thread, cut at line breaks, each parsed straight into its rows of the matrix
        // (a part's rows are its line breaks: a blank line or a lone '\r' is refused anyway); then
        // the sums, by column ranges on every thread
        pool ??= KernelPool.create([parseLines, slowField, parseRange, parseSpan, sumColumns, histogramBin, histogramColumns], threads, true);
        const cuts = [begin];
        for (let t = 1; t < threads; t++) {
          const nl = buf.indexOf(10, Math.max(cuts[t - 1], begin + Math.floor(((end - begin) * t) / threads)));
          cuts.push(nl < 0 || nl >= end ? end : nl + 1);
        }
        cuts.push(end);
        const lines = cuts.slice(0, -1).map((from, t) => countLines(buf, from, cuts[t + 1]));
        const upTo = sink.rows + lines.reduce((a, b) => a + b, 0);
        while (sink.capacity < upTo) sink.grow();
        let at = sink.rows;
        const tasks = cuts.slice(0, -1).map((from, t) => {
          states[t] ??= new Int32Array(new SharedArrayBuffer(12));
          const out = sink.data.subarray(at * cols, (at + lines[t]) * cols);
          at += lines[t];
          return { kernel: parseRange.name, args: [buf, from, cuts[t + 1], cols, delim, plan.decimal, isInt, out, lines[t], states[t], NULL_TEXTS, POW10] };
        });
        await pool.runParts(tasks);
        // the first refusal in file order, as one thread would have met it
        for (let t = 0; t < tasks.length && !refusal; t++) {
          if (states[t][2] !== 0) refusal = REFUSALS[states[t][2]];
          else if (states[t][1] !== cuts[t + 1] || states[t][0] !== lines[t]) refusal = 'a line the parser stopped in'; // cannot happen: every line is a row
        }
        if (refusal) break;
        const cut = (t: number) => Math.round((t * cols) / pool!.threads);
        await pool.runParts(Array.from({ length: pool.threads }, (_, t) => ({ kernel: sumColumns.name, args: sink.sumArgs(upTo, cut(t), cut(t + 1)) })));
        sink.rows = upTo;
      } else {
        state[1] = begin;
        state[0] = sink.rows;
        while (state[1] < end) {
          if (state[0] === sink.capacity) sink.grow();
          parseSpan(buf, end, cols, delim, dec, isInt, sink.data, sink.capacity, state, slow, POW10);
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
    if (pool && !refusal && sink.rows > 0) {
      // the column histograms while the threads are up (blockColumnStats takes them from here)
      const { min, max } = sink.moments;
      const bins = new Float64Array(new SharedArrayBuffer(cols * HISTOGRAM_BINS * 8));
      const cut = (t: number) => Math.round((t * cols) / pool!.threads);
      await pool.runParts(Array.from({ length: pool.threads }, (_, t) => ({
        kernel: histogramColumns.name, args: [sink.data, sink.rows, cols, cut(t), cut(t + 1), min, max, HISTOGRAM_BINS, bins],
      })));
      sink.moments.bins = bins;
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
