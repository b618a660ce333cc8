// Delimited text (CSV, TSV, semicolon, pipe) through DuckDB's CSV reader. We add what DuckDB's
// errors do not say plainly: which file, which line, and what the user can do about it.
import type { DuckDBConnection } from '@duckdb/node-api';
import { LabFailure } from '../../../shared/api';
import type { DelimitedSettings } from '../../../shared/types';
import { Cancelled } from '../session/jobs';
import { checkMemory, datasetBytes, formatBytes } from './budget';
import { duckConnect, duckMemoryLimit, sqlString } from './duck';
import { columnType, describeSource, raiseStreamError, streamColumns, type SourceColumn } from './duckread';
import { duckFirstRows, plainNumericColumns, readPlainNumeric, type PlainRead } from './numeric-csv';
import { checkFile, fileFailure, readHead, type LoadContext } from './files';
import {
  checkText, COMMON_DELIMITERS, decodeSample, describeDelimiter, firstLineWidth, guessDelimiter, MAX_LINE_BYTES, NULL_TEXTS, readArgs,
  SAMPLE_BYTES, sampleRecords, sniffDelimited, sniffEncoding, type GivenSettings,
} from './sniff';
import { emptyTable, type RawTable } from './table';

const MAX_TEXT_RETRIES = 8;
/**
 * The widest delimited file we read. DuckDB's reader needs ~70 KB per column and may use 1 GB
 * (duck.ts): past ~13,000 columns it fails with an out-of-memory error.
 */
export const MAX_COLUMNS = 10_000;
/** Spellings of infinity DuckDB's sniffer takes for a date (it accepts 'infinity'::DATE). */
const INFINITY_TEXT = /^[+-]?inf(inity)?$/i;

function duckMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Turns a DuckDB CSV error into a message naming the file, the line and what to do. */
export function explainCsvError(file: string, err: unknown, s: DelimitedSettings | null): LabFailure {
  if (err instanceof LabFailure) return err;
  const msg = duckMessage(err);
  const line = /Line:\s*(\d+)/.exec(msg)?.[1];
  const at = line ? `line ${line}` : 'a line';
  if (/Maximum line size/i.test(msg)) {
    return fileFailure(file, 'line-too-long', `${at} is longer than 2 MB.`, 'Is this really a delimited text file? Check that rows end with a line break.');
  }
  if (/Expected Number of Columns/i.test(msg) || /too many columns|not enough columns/i.test(msg)) {
    const m = /Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)/i.exec(msg);
    const sep = s ? ` (${describeDelimiter(s.delimiter)}-separated)` : '';
    return fileFailure(file, 'ragged', `${at} has ${m?.[2] ?? 'a different number of'} fields but the header has ${m?.[1] ?? 'another number'}${sep}.`,
      'Every row needs the same number of fields: fix or remove that line, or choose another delimiter.');
  }
  if (/unterminated quote|quote/i.test(msg) && /CSV Error/i.test(msg)) {
    return fileFailure(file, 'quote', `${at} has a quote that is never closed.`, 'Close or remove the stray quote character, or set the quote character to "none".');
  }
  if (/Out of Memory/i.test(msg)) {
    return fileFailure(file, 'too-big', `needs more memory than the text reader may use (${duckMemoryLimit}) at ${at}.`,
      'Very wide rows (thousands of columns) or very long cells need more: keep the columns you need, or save a wide numeric matrix as .npy (numpy.save).');
  }
  if (/Invalid unicode|not utf-8/i.test(msg)) {
    return fileFailure(file, 'encoding', `is not valid UTF-8 text (${at}).`, 'Choose its encoding (e.g. Latin-1) in the Data panel or with --encoding latin-1, or save it as UTF-8.');
  }
  if (/No such file|Cannot open file|could not open/i.test(msg)) {
    return fileFailure(file, 'unreadable', 'cannot be opened.', 'Check that the file is still there and readable.');
  }
  return fileFailure(file, 'csv', `could not be read as delimited text (${msg.split('\n')[0].slice(0, 200)}).`,
    'Check the delimiter, quote and header settings, or save the file again as a plain CSV.');
}

/** Column that DuckDB could not convert later in the file (its sample said numbers). */
function unconvertibleColumn(err: unknown): { column: string; value: string; line: string } | null {
  const msg = duckMessage(err);
  if (!/Could not convert|Conversion Error|CSV Error/i.test(msg)) return null;
  const column = /Column at position:\s*\d+\s*Name:\s*(.+)/i.exec(msg)?.[1]?.trim()
    ?? /converting column "([^"\n]+)"/i.exec(msg)?.[1]
    ?? /column "?([^"\n]+)"? /i.exec(msg)?.[1];
  const value = /Could not convert string "?'?([^'"\n]*)/i.exec(msg)?.[1] ?? '?';
  if (!column) return null;
  return { column, value, line: /Line:\s*(\d+)/.exec(msg)?.[1] ?? '?' };
}

/**
 * Columns the sniffer typed as dates or times whose sampled cells all spell infinity ("inf",
 * "-Infinity"): DuckDB accepts 'infinity' as a date, but the user wrote numbers.
 */
function infinityColumns(columns: SourceColumn[], body: { fields: string[] }[]): string[] {
  return columns.filter((c, j) => columnType(c.duckType) === 'date' && body.length > 0 && body.every((r) => {
    const v = (r.fields[j] ?? '').trim();
    return INFINITY_TEXT.test(v) || NULL_TEXTS.includes(v);
  }) && body.some((r) => INFINITY_TEXT.test((r.fields[j] ?? '').trim()))).map((c) => c.name);
}

/**
 * A file of plain numbers read by our own loop (numeric-csv.ts) when DuckDB's reading of its start
 * agrees; null sends it to DuckDB's reader. LAB_CSV_READER=duckdb turns the loop off (to compare).
 */
async function readPlain(
  conn: DuckDBConnection, file: string, s: DelimitedSettings, args: string, columns: SourceColumn[], ctx: LoadContext,
  opts: { expectedRows: number; what: string; check?: number[][] | null },
): Promise<PlainRead | null> {
  if (process.env.LAB_CSV_READER === 'duckdb' || !plainNumericColumns(columns)) return null;
  const check = opts.check ?? await duckFirstRows(conn, args, columns);
  if (!check || check.length === 0) return null;
  const read = await readPlainNumeric(file, { ...s, columns }, ctx, { ...opts, check });
  return typeof read === 'string' ? null : read;
}

/** DuckDB's typing (and first rows) of a file, taken early under settings its sniffer later confirms. */
interface EarlyLook {
  settings: DelimitedSettings;
  result: Promise<{ columns: SourceColumn[]; check: number[][] | null } | null>;
}

/**
 * Starts DESCRIBE and the first-rows check under the settings most files have (the delimiter we
 * guess, double quotes, a header row, a decimal point) on a connection of their own, while DuckDB's
 * sniffer runs on the other: the two take about as long, and DuckDB has a thread for each. Used
 * only when the sniffer's settings are exactly these (the same queries, so the same answers);
 * anything going wrong here only means the usual order.
 */
function lookEarly(file: string, sample: Buffer, wholeFile: boolean, given: GivenSettings): EarlyLook | null {
  let settings: DelimitedSettings;
  try {
    const { bom } = checkText(file, sample);
    const encoding = given.encoding ?? sniffEncoding(sample, wholeFile);
    const delimiter = given.delimiter ?? guessDelimiter(decodeSample(sample, encoding, bom), wholeFile);
    if (!delimiter) return null;
    settings = { delimiter, quote: given.quote ?? '"', header: given.header ?? true, decimal: given.decimal ?? '.', encoding, bom };
  } catch {
    return null;
  }
  const result = (async () => {
    const conn = await duckConnect();
    try {
      const columns = await describeSource(conn, `read_csv(${readArgs(file, settings)})`);
      const check = process.env.LAB_CSV_READER !== 'duckdb' && plainNumericColumns(columns) ? await duckFirstRows(conn, readArgs(file, settings), columns) : null;
      return { columns, check };
    } catch {
      return null;
    } finally {
      conn.closeSync();
    }
  })();
  return { settings, result };
}

const sameSettings = (a: DelimitedSettings, b: DelimitedSettings) =>
  a.delimiter === b.delimiter && a.quote === b.quote && a.header === b.header && a.decimal === b.decimal && a.encoding === b.encoding && a.bom === b.bom;

async function readWithFallback(
  conn: DuckDBConnection, file: string, s: DelimitedSettings, ctx: LoadContext, expectedRows: number, notes: string[],
  body: { fields: string[] }[], early: EarlyLook | null,
) {
  const looked = early && sameSettings(early.settings, s) ? await early.result : null;
  const asText: string[] = [];
  let asNumber: string[] | null = null;
  let tryPlain = true;
  for (let attempt = 0; ; attempt++) {
    const typed = [...asText.map((c) => [c, 'VARCHAR']), ...(asNumber ?? []).filter((c) => !asText.includes(c)).map((c) => [c, 'DOUBLE'])];
    const types = typed.length ? `, types={${typed.map(([c, t]) => `${sqlString(c)}: '${t}'`).join(', ')}}` : '';
    const source = `read_csv(${readArgs(file, s)}${types})`;
    let columns: SourceColumn[];
    // the early look answered the first of these queries (no column types given yet)
    const first = attempt === 0 && typed.length === 0 ? looked : null;
    try {
      columns = first?.columns ?? await describeSource(conn, source);
      if (asNumber === null) {
        asNumber = infinityColumns(columns, body);
        if (asNumber.length) {
          attempt--;
          continue;
        }
      }
      const what = file.split(/[\\/]/).pop()!;
      // our own loop for plain numbers, once; DuckDB's reader for everything else and every retry
      const plain = tryPlain ? await readPlain(conn, file, s, `${readArgs(file, s)}${types}`, columns, ctx, { expectedRows, what, check: first?.check }) : null;
      tryPlain = false;
      const read = plain ?? await streamColumns(conn, source, columns, ctx, { expectedRows, what });
      if (!plain) await checkComplete(conn, file, source, columns, read.rows);
      for (const c of asNumber.filter((n) => !asText.includes(n))) notes.push(`Column "${c}" starts with infinite values ("inf"), which looked like dates: read it as numbers.`);
      return read;
    } catch (err) {
      if (err instanceof Cancelled) throw err;
      const bad = unconvertibleColumn(err);
      if (!bad || attempt >= MAX_TEXT_RETRIES || asText.includes(bad.column)) throw explainCsvError(file, err, s);
      asText.push(bad.column);
      notes.push(`Column "${bad.column}" looked numeric at first, but line ${bad.line} holds "${bad.value}": read it as text.`);
    }
  }
}

/**
 * DuckDB's streamed result ends quietly at an error met while streaming (a word far below its
 * sniffer's sample, in a column typed as numbers): the last chunk is empty, as at the end. So the
 * rows are counted again; when some are missing, the same conversions without streaming raise
 * the error, which readWithFallback handles like one met at the start (the column read as text).
 */
async function checkComplete(conn: DuckDBConnection, file: string, source: string, columns: SourceColumn[], rows: number): Promise<void> {
  const total = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${source}`)).getRows()[0][0]);
  if (total === rows) return;
  await raiseStreamError(conn, source, columns);
  throw fileFailure(file, 'csv', `was read only in part: DuckDB's reader stopped after ${rows.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows without saying why.`,
    'Save the file again as a plain CSV, or convert it to Parquet, and open that.');
}

/**
 * Refuses a file wider than MAX_COLUMNS from its first line, before DuckDB reads it (its reader
 * would fail with an out-of-memory error that does not say why).
 */
function checkWidth(file: string, head: Buffer, given: GivenSettings): void {
  const { fields, delimiter } = firstLineWidth(head, given.delimiter ? [given.delimiter] : COMMON_DELIMITERS, given.quote ?? '"');
  if (fields > MAX_COLUMNS) {
    throw fileFailure(file, 'too-many-columns', `has ${fields.toLocaleString('en-US')} columns (${describeDelimiter(delimiter)}-separated) in its first line; Latent Lab reads up to ${MAX_COLUMNS.toLocaleString('en-US')} columns from delimited text.`,
      'Keep the columns you need (in a spreadsheet, or e.g. cut -d, -f1-1000), or save a wide numeric matrix as .npy (numpy.save), which may be wider. If rows and columns are swapped, transpose it.');
  }
}

/** Reads a delimited text file into raw columns, sniffing every setting the request did not give. */
export async function readDelimited(file: string, given: GivenSettings, ctx: LoadContext): Promise<RawTable> {
  const size = await checkFile(file);
  const sample = await readHead(file, SAMPLE_BYTES);
  const wholeFile = sample.byteLength === size;
  checkWidth(file, sample.includes(10) || wholeFile ? sample : await readHead(file, MAX_LINE_BYTES + 1), given);
  const early = lookEarly(file, sample, wholeFile, given);
  const conn = await duckConnect();
  try {
    ctx.progress(0.02, 'Sniffing the delimiter, quotes and header');
    let s: DelimitedSettings;
    try {
      s = await sniffDelimited(conn, file, sample, wholeFile, given);
    } catch (err) {
      throw explainCsvError(file, err, null);
    }
    const text = decodeSample(sample, s.encoding, s.bom);
    const records = sampleRecords(text, s.delimiter, s.quote, wholeFile);
    if (records.length === 0) throw fileFailure(file, 'empty', 'has no rows of text (only blank lines).', 'Pick a file with a header row and data rows.');
    const dataRecords = s.header ? records.length - 1 : records.length;
    if (wholeFile && dataRecords === 0) {
      throw fileFailure(file, 'header-only', 'has a header row but no data rows.', 'Add data rows below the header.');
    }
    const expected = records[0].fields.length;
    const ragged = records.find((r) => r.fields.length !== expected);
    if (ragged && Math.max(expected, ragged.fields.length) > 1) {
      throw fileFailure(file, 'ragged', `line ${ragged.line} has ${ragged.fields.length} fields but ${s.header ? 'the header' : 'line 1'} has ${expected} (${describeDelimiter(s.delimiter)}-separated).`,
        'Every row needs the same number of fields: fix or remove that line, or choose another delimiter.');
    }
    const notes = [
      `Read as ${describeDelimiter(s.delimiter)}-separated text, ${s.header ? 'with a header row' : 'without a header row (columns named column0, column1, …)'}, ${s.encoding === 'utf-8' ? 'UTF-8' : 'Latin-1'}${s.decimal === ',' ? ', decimal comma' : ''}.`,
    ];
    if (s.bom) notes.push('Skipped the UTF-8 byte-order mark at the start of the file.');
    const bytesPerRow = sample.byteLength / Math.max(1, records.length);
    const rowsGuess = Math.round(size / bytesPerRow);
    checkMemory(file, datasetBytes(rowsGuess * expected, 4, expected),
      `about ${rowsGuess.toLocaleString('en-US')} rows × ${expected.toLocaleString('en-US')} columns, estimated from the first ${formatBytes(sample.byteLength)} of ${formatBytes(size)}`);
    const read = await readWithFallback(conn, file, s, ctx, rowsGuess, notes, records.slice(s.header ? 1 : 0), early);
    const table = emptyTable(file, 'csv');
    table.rows = read.rows;
    table.columns = read.columns;
    table.delimited = s;
    if (s.header) {
      const headerNames = records[0].fields.map((h) => h.trim());
      table.columns.forEach((c, i) => {
        const h = headerNames[i];
        if (h === undefined || h === c.name) return;
        if (h === '') notes.push(`Column ${i + 1} has no name: called it "${c.name}".`);
        else if (headerNames.indexOf(h) !== i) notes.push(`Renamed the second column called "${h}" (column ${i + 1}) to "${c.name}".`);
      });
    }
    table.notes = notes;
    table.preview = {
      header: table.columns.map((c) => c.name),
      rows: records.slice(s.header ? 1 : 0, (s.header ? 1 : 0) + 10).map((r) => r.fields.map((f) => f.trim())),
    };
    return table;
  } finally {
    conn.closeSync();
  }
}
