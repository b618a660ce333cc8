// Delimited text through DuckDB's CSV reader. We add what DuckDB's errors do not say plainly:
// which file, which line, and what the user can do about it.
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { LabFailure } from '../../../shared/api';
import { duck, sqlIdent, sqlString } from './duck';
import type { NumberColumn, RawColumn, RawTable, TextColumn } from './table';

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const DELIMITERS = [',', '\t', ';', '|'];
const SAMPLE_BYTES = 1 << 16;

export type Progress = (fraction: number, message: string) => void;

/** Checks the path is a readable, non-empty regular file; returns its size. */
export async function checkFile(file: string): Promise<number> {
  const name = basename(file);
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LabFailure('not-found', `${name} was not found at ${file}.`, 'It may have been moved or deleted; open it again from its new place.');
    if (code === 'EACCES' || code === 'EPERM') throw new LabFailure('unreadable', `${name} cannot be read (permission denied).`, 'Check the file permissions or copy it somewhere you can read.');
    throw new LabFailure('unreadable', `${name} cannot be read: ${(err as Error).message}`);
  }
  if (info.isDirectory()) throw new LabFailure('is-directory', `${name} is a folder, not a file.`, 'Pick a data file inside it.');
  if (!info.isFile()) throw new LabFailure('unreadable', `${name} is not a regular file.`);
  if (info.size === 0) throw new LabFailure('empty', `${name} is empty (0 bytes).`, 'Pick a file that contains a header row and data rows.');
  return info.size;
}

async function readSample(file: string): Promise<Buffer> {
  const fh = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new LabFailure('unreadable', `${basename(file)} cannot be read (${err.code ?? err.message}).`, 'Check the file permissions.');
  });
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SAMPLE_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Complete lines of the sample (the last, possibly cut, line is dropped unless it is the only one). */
function sampleLines(sample: Buffer, wholeFile: boolean): string[] {
  let text = sample.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  if (!wholeFile && lines.length > 1) lines.pop();
  return lines.filter((l, i) => l.length > 0 || i < lines.length - 1).filter((l) => l.trim().length > 0);
}

/** Counts fields of a line, honouring double quotes. */
function countFields(line: string, delim: string): number {
  let n = 1;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === delim && !quoted) n++;
  }
  return n;
}

/** The delimiter whose per-line field count is most often > 1 and equal to the header's. */
function guessDelimiter(lines: string[]): string {
  let best = ',';
  let bestScore = -1;
  for (const d of DELIMITERS) {
    const head = countFields(lines[0], d);
    if (head < 2) continue;
    const score = lines.filter((l) => countFields(l, d) === head).length * 1000 + head;
    if (score > bestScore) [best, bestScore] = [d, score];
  }
  return best;
}

function describeDelimiter(d: string): string {
  return d === '\t' ? 'tab' : d === ',' ? 'comma' : d === ';' ? 'semicolon' : d === '|' ? 'pipe' : `"${d}"`;
}

/** Finds the first line of the sample whose field count differs from the header's. */
function findRaggedLine(lines: string[], delim: string): { line: number; fields: number; expected: number } | null {
  const expected = countFields(lines[0], delim);
  for (let i = 1; i < lines.length; i++) {
    const fields = countFields(lines[i], delim);
    if (fields !== expected) return { line: i + 1, fields, expected };
  }
  return null;
}

function translateDuckError(file: string, err: unknown, delim: string): LabFailure {
  const name = basename(file);
  const msg = err instanceof Error ? err.message : String(err);
  const line = /Line:\s*(\d+)/.exec(msg)?.[1];
  if (/Maximum line size/i.test(msg)) {
    return new LabFailure('line-too-long', `${name}: line ${line ?? '?'} is longer than 2 MB.`, 'Is this really a delimited text file? Check that rows end with a line break.');
  }
  if (/Expected Number of Columns/i.test(msg) || /too many columns|not enough columns/i.test(msg)) {
    const m = /Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)/i.exec(msg);
    return new LabFailure('ragged', `${name}: line ${line ?? '?'} has ${m?.[2] ?? 'a different number of'} fields but the header has ${m?.[1] ?? 'another number'} (${describeDelimiter(delim)}-separated).`,
      'Every row needs the same number of fields. Fix or remove that line, or pick another delimiter.');
  }
  if (/Could not convert string/i.test(msg)) {
    const m = /Could not convert string "?'?([^'"]*)'?"? to '?(\w+)/i.exec(msg);
    const column = /Column at position:\s*\d+\s*Name:\s*([^\s]+)/i.exec(msg)?.[1];
    return new LabFailure('mixed-types', `${name}: line ${line ?? '?'}${column ? `, column ${column}` : ''} holds "${m?.[1] ?? '?'}", which is not a number like the rows before it.`,
      'Fix that cell, or mark the column as ignored.');
  }
  if (/Invalid unicode|encoding/i.test(msg)) {
    return new LabFailure('encoding', `${name} is not valid UTF-8 text${line ? ` (line ${line})` : ''}.`, 'Save it as UTF-8, or choose its encoding (e.g. Latin-1) in the Data panel.');
  }
  return new LabFailure('csv', `${name} could not be read as delimited text.`, msg.split('\n')[0].slice(0, 300));
}

/** Reads a delimited text file into raw columns. */
export async function readCsv(file: string, progress: Progress): Promise<RawTable> {
  const name = basename(file);
  const size = await checkFile(file);
  const sample = await readSample(file);
  if (sample.includes(0)) {
    const utf16 = (sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff);
    throw new LabFailure('binary', utf16
      ? `${name} is UTF-16 text, which Latent Lab does not read.`
      : `${name} is not a text file (it contains binary data).`,
    utf16 ? 'Save it again as UTF-8 CSV.' : 'Pick a CSV/TSV file, or a format Latent Lab knows.');
  }
  const lines = sampleLines(sample, sample.byteLength === size);
  if (lines.length === 0) throw new LabFailure('empty', `${name} has no text rows.`, 'Pick a file with a header row and data rows.');
  if (lines.length === 1 && sample.byteLength === size) {
    throw new LabFailure('header-only', `${name} has a header row but no data rows.`, 'Add data rows below the header.');
  }
  const delim = guessDelimiter(lines);
  const ragged = findRaggedLine(lines, delim);
  if (ragged && countFields(lines[0], delim) > 1) {
    throw new LabFailure('ragged', `${name}: line ${ragged.line} has ${ragged.fields} fields but the header has ${ragged.expected} (${describeDelimiter(delim)}-separated).`,
      'Every row needs the same number of fields. Fix or remove that line.');
  }
  const source = `read_csv(${sqlString(file)}, delim=${sqlString(delim)}, header=true, strict_mode=true, max_line_size=2097152)`;
  const conn = await duck();
  progress(0.02, `Sniffing ${name}`);
  let described;
  try {
    described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjects();
  } catch (err) {
    throw translateDuckError(file, err, delim);
  }
  const names = described.map((r) => String(r.column_name));
  const types = described.map((r) => String(r.column_type));
  const notes: string[] = [`Read as ${describeDelimiter(delim)}-separated text with a header row.`];
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) notes.push('Skipped the UTF-8 byte-order mark.');
  const headerNames = lines[0].split(delim).map((h) => h.trim().replace(/^"|"$/g, ''));
  names.forEach((n, i) => {
    if (headerNames[i] !== undefined && headerNames[i] !== n && headerNames.filter((h) => h === headerNames[i]).length > 1) {
      notes.push(`Renamed the duplicate column "${headerNames[i]}" (column ${i + 1}) to "${n}".`);
    }
  });
  const select = names.map((n, i) => (NUMERIC.test(types[i]) ? `CAST(${sqlIdent(n)} AS DOUBLE)` : `CAST(${sqlIdent(n)} AS VARCHAR)`));
  const estRows = Math.max(1, Math.round((size / Math.max(1, sample.byteLength)) * Math.max(1, lines.length - 1)));
  const buffers: { num: Float32Array | null; str: (string | null)[] | null }[] = names.map((_, i) =>
    NUMERIC.test(types[i]) ? { num: new Float32Array(Math.max(1024, estRows)), str: null } : { num: null, str: [] });
  const cols: RawColumn[] = names.map((n, i) =>
    NUMERIC.test(types[i])
      ? ({ name: n, kind: 'number', values: new Float32Array(0), missing: 0, nonFinite: 0, firstNonFiniteRow: -1 } satisfies NumberColumn)
      : ({ name: n, kind: 'string', values: [], missing: 0 } satisfies TextColumn));
  let rows = 0;
  try {
    const result = await conn.stream(`SELECT ${select.join(', ')} FROM ${source}`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const count = chunk.rowCount;
      for (let j = 0; j < names.length; j++) {
        const vec = chunk.getColumnVector(j);
        const buf = buffers[j];
        const col = cols[j];
        if (buf.num && col.kind === 'number') {
          if (rows + count > buf.num.length) {
            const grown = new Float32Array(Math.max(rows + count, buf.num.length * 2));
            grown.set(buf.num.subarray(0, rows));
            buf.num = grown;
          }
          for (let r = 0; r < count; r++) {
            const v = vec.getItem(r) as number | null;
            if (v === null) {
              buf.num[rows + r] = NaN;
              col.missing++;
            } else {
              buf.num[rows + r] = v;
              if (!Number.isFinite(v)) {
                col.nonFinite++;
                if (col.firstNonFiniteRow < 0) col.firstNonFiniteRow = rows + r;
              }
            }
          }
        } else if (buf.str && col.kind === 'string') {
          for (let r = 0; r < count; r++) {
            const v = vec.getItem(r) as string | null;
            if (v === null || v === '') col.missing++;
            buf.str.push(v === '' ? null : v);
          }
        }
      }
      rows += count;
      progress(Math.min(0.95, 0.05 + (0.9 * rows) / estRows), `Read ${rows.toLocaleString('en-US')} rows of ${name}`);
    }
  } catch (err) {
    throw translateDuckError(file, err, delim);
  }
  cols.forEach((c, j) => {
    if (c.kind === 'number') c.values = buffers[j].num!.slice(0, rows);
    else c.values = buffers[j].str!;
  });
  const previewRows = lines.slice(1, 11).map((l) => l.split(delim).map((v) => v.trim().replace(/^"|"$/g, '')));
  return { file, format: 'csv', rows, columns: cols, preview: { header: names, rows: previewRows }, notes };
}
