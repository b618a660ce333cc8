// Works out how a delimited text file is written: encoding, delimiter, quote, header, decimal mark.
// DuckDB's sniffer decides delimiter, quote and header; we add what it does not detect (encoding,
// decimal comma) and split the first 64 KB ourselves, to name the exact line of a ragged row.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DelimitedSettings, QuoteChar, TextEncoding } from '../../../shared/types';
import { sqlPath, sqlString } from './duck';
import { fileFailure } from './files';

export const SAMPLE_BYTES = 1 << 16;
/** Cell texts read as missing (pandas' usual ones, and UCI's "?"). */
export const NULL_TEXTS = ['', 'NA', 'N/A', 'NaN', 'nan', 'NULL', 'null', 'None', '?'];

export type GivenSettings = Partial<Omit<DelimitedSettings, 'bom'>>;

export function describeDelimiter(d: string): string {
  return d === '\t' ? 'tab' : d === ',' ? 'comma' : d === ';' ? 'semicolon' : d === '|' ? 'pipe' : d === ' ' ? 'space' : `"${d}"`;
}

function validUtf8(bytes: Buffer, cutAtEnd: boolean): boolean {
  // a multi-byte character may be cut by the end of the sample: drop up to 3 trailing bytes
  let end = bytes.byteLength;
  if (cutAtEnd) {
    let back = 0;
    while (back < 3 && end - back - 1 >= 0 && (bytes[end - back - 1] & 0xc0) === 0x80) back++;
    if (end - back - 1 >= 0 && bytes[end - back - 1] >= 0xc0) end = end - back - 1;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/** Refuses binary files and UTF-16; returns whether the sample starts with a UTF-8 BOM. */
export function checkText(file: string, sample: Buffer): { bom: boolean } {
  const utf16 = (sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff);
  if (utf16) throw fileFailure(file, 'encoding', 'is UTF-16 text, which Latent Lab does not read.', 'Save it again as UTF-8 (in Excel: "CSV UTF-8").');
  if (sample.includes(0)) {
    throw fileFailure(file, 'binary', 'is not a text file (it contains binary data).', 'Pick a CSV/TSV text file, or a format Latent Lab knows (Parquet, JSON, NPY, IDX, an image folder).');
  }
  return { bom: sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf };
}

export function sniffEncoding(sample: Buffer, wholeFile: boolean): TextEncoding {
  return validUtf8(sample, !wholeFile) ? 'utf-8' : 'latin-1';
}

export function decodeSample(sample: Buffer, encoding: TextEncoding, bom: boolean): string {
  const body = bom ? sample.subarray(3) : sample;
  return encoding === 'latin-1' ? body.toString('latin1') : body.toString('utf8');
}

/**
 * The sample's records (quote-aware: a quoted field may span lines), each split into fields.
 * The last record is dropped when the sample ends inside the file, as it may be cut.
 */
export function sampleRecords(text: string, delim: string, quote: string, wholeFile: boolean): { fields: string[]; line: number }[] {
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  let touched = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote && ch === quote) {
      if (quoted && text[i + 1] === quote) {
        field += ch;
        i++;
      } else quoted = !quoted;
      touched = true;
    } else if (ch === '\n' && !quoted) {
      fields.push(field);
      if (touched || fields.length > 1 || field.trim() !== '') records.push({ fields, line: startLine });
      fields = [];
      field = '';
      touched = false;
      line++;
      startLine = line;
    } else if (ch === '\r' && !quoted && text[i + 1] === '\n') {
      continue;
    } else if (ch === delim && !quoted) {
      fields.push(field);
      field = '';
      touched = true;
    } else {
      if (ch === '\n') line++;
      field += ch;
      touched = true;
    }
  }
  if (wholeFile && (touched || field !== '')) {
    fields.push(field);
    records.push({ fields, line: startLine });
  }
  return records;
}

const DECIMAL_COMMA = /^[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+$/;
const PLAIN_INTEGER = /^[-+]?\d+$/;

/** A non-comma-separated file whose number-like cells use a decimal comma ("3,14"). */
function looksDecimalComma(records: { fields: string[] }[], header: boolean): boolean {
  const body = header ? records.slice(1) : records;
  if (body.length === 0) return false;
  const width = body[0].fields.length;
  for (let j = 0; j < width; j++) {
    let comma = 0;
    let other = 0;
    for (const r of body) {
      const v = (r.fields[j] ?? '').trim();
      if (v === '' || PLAIN_INTEGER.test(v)) continue;
      if (DECIMAL_COMMA.test(v)) comma++;
      else other++;
    }
    if (comma > 0 && other === 0) return true;
  }
  return false;
}

function sniffArgs(file: string, s: GivenSettings & { encoding: TextEncoding }): string {
  const args = [sqlPath(file), `encoding=${sqlString(s.encoding)}`, `nullstr=[${NULL_TEXTS.map(sqlString).join(', ')}]`];
  if (s.delimiter !== undefined) args.push(`delim=${sqlString(s.delimiter)}`);
  if (s.quote !== undefined) args.push(`quote=${sqlString(s.quote)}`);
  if (s.header !== undefined) args.push(`header=${s.header}`);
  if (s.decimal !== undefined) args.push(`decimal_separator=${sqlString(s.decimal)}`);
  return args.join(', ');
}

/** The read_csv(...) arguments that read the file with these settings. */
export function readArgs(file: string, s: DelimitedSettings): string {
  return [
    sqlPath(file),
    `delim=${sqlString(s.delimiter)}`,
    `quote=${sqlString(s.quote)}`,
    `escape=${sqlString(s.quote)}`,
    `header=${s.header}`,
    `decimal_separator=${sqlString(s.decimal)}`,
    `encoding=${sqlString(s.encoding)}`,
    `nullstr=[${NULL_TEXTS.map(sqlString).join(', ')}]`,
    'strict_mode=true',
    `max_line_size=${MAX_LINE_BYTES}`,
    'sample_size=20480',
  ].join(', ');
}

export const COMMON_DELIMITERS = [',', '\t', ';', '|'];
/** DuckDB's reader rejects longer lines (max_line_size in readArgs). */
export const MAX_LINE_BYTES = 2097152;

/**
 * The widest reading of the first line: for each delimiter, the fields it splits the line into
 * (outside quotes), and the delimiter giving the most. Bytes are scanned as they are (every
 * delimiter and quote is ASCII), up to the first line break outside quotes or the end of `head`.
 */
export function firstLineWidth(head: Uint8Array, delimiters: string[], quote: string): { fields: number; delimiter: string } {
  const codes = delimiters.map((d) => d.charCodeAt(0));
  const counts = new Array<number>(codes.length).fill(0);
  const q = quote ? quote.charCodeAt(0) : -1;
  let quoted = false;
  for (let i = 0; i < head.length; i++) {
    const b = head[i];
    if (b === q) quoted = !quoted;
    else if (!quoted) {
      if (b === 10) break;
      const k = codes.indexOf(b);
      if (k >= 0) counts[k]++;
    }
  }
  let best = 0;
  for (let k = 1; k < counts.length; k++) if (counts[k] > counts[best]) best = k;
  return { fields: counts[best] + 1, delimiter: delimiters[best] };
}

/**
 * The common delimiter that splits the header into the most fields while most sample lines agree
 * with it. DuckDB's sniffer gives up on a comma file with one ragged line and picks something odd;
 * this guess keeps the comma so the ragged line can be named.
 */
export function guessDelimiter(text: string, wholeFile: boolean): string | null {
  let best: string | null = null;
  let bestScore = 0;
  for (const d of COMMON_DELIMITERS) {
    const records = sampleRecords(text, d, '"', wholeFile).slice(0, 200);
    if (records.length === 0) continue;
    const width = records[0].fields.length;
    if (width < 2) continue;
    const agree = records.filter((r) => r.fields.length === width).length;
    if (agree < records.length * 0.6) continue;
    const score = agree * 1000 + width;
    if (score > bestScore) [best, bestScore] = [d, score];
  }
  return best;
}

/** Sniffs every setting the request did not give. DuckDB errors are left to the caller to explain. */
export async function sniffDelimited(
  conn: DuckDBConnection,
  file: string,
  sample: Buffer,
  wholeFile: boolean,
  given: GivenSettings,
): Promise<DelimitedSettings> {
  const { bom } = checkText(file, sample);
  const encoding = given.encoding ?? sniffEncoding(sample, wholeFile);
  const guess = given.delimiter ?? guessDelimiter(decodeSample(sample, encoding, bom), wholeFile) ?? undefined;
  let row: Record<string, unknown>;
  try {
    row = (await conn.runAndReadAll(`SELECT Delimiter, Quote, HasHeader FROM sniff_csv(${sniffArgs(file, { ...given, delimiter: guess, encoding })})`)).getRowObjects()[0];
  } catch (err) {
    // a ragged or badly quoted file can make the sniffer fail with our delimiter: say what we know
    if (given.delimiter !== undefined || guess === undefined) throw err;
    row = { Delimiter: guess, Quote: '"', HasHeader: true };
  }
  const delimiter = given.delimiter ?? String(row.Delimiter);
  const sniffedQuote = String(row.Quote);
  const quote: QuoteChar = given.quote ?? (sniffedQuote === "'" ? "'" : '"');
  const header = given.header ?? Boolean(row.HasHeader);
  let decimal = given.decimal;
  if (decimal === undefined) {
    const records = sampleRecords(decodeSample(sample, encoding, bom), delimiter, quote, wholeFile);
    decimal = delimiter !== ',' && looksDecimalComma(records, header) ? ',' : '.';
  }
  let settings: DelimitedSettings = { delimiter, quote, header, decimal, encoding, bom };
  if (decimal === ',' && given.header === undefined) {
    // with the decimal mark known, numeric columns no longer look like text: sniff the header again
    const again = (await conn.runAndReadAll(`SELECT HasHeader FROM sniff_csv(${sniffArgs(file, { ...settings, header: undefined })})`)).getRowObjects()[0];
    settings = { ...settings, header: Boolean(again.HasHeader) };
  }
  return settings;
}
