// Parquet, JSON (an array of records) and JSON Lines, all read by DuckDB.
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { LabFailure } from '../../../shared/api';
import type { DatasetFormat } from '../../../shared/types';
import { Cancelled } from '../session/jobs';
import { checkMemory, datasetBytes } from './budget';
import { duckConnect, sqlPath } from './duck';
import { describeSource, raiseStreamError, streamColumns } from './duckread';
import { checkFile, fileFailure, readHead, statFailure, type LoadContext } from './files';
import { cellValue, emptyTable, type RawTable } from './table';

type ColumnarFormat = Extract<DatasetFormat, 'parquet' | 'json' | 'jsonl'>;

const READERS: Record<ColumnarFormat, (f: string) => string> = {
  parquet: (f) => `read_parquet(${sqlPath(f)})`,
  json: (f) => `read_json(${sqlPath(f)}, format='array', sample_size=20480, maximum_object_size=67108864)`,
  jsonl: (f) => `read_json(${sqlPath(f)}, format='newline_delimited', sample_size=20480)`,
};

/**
 * The deepest nesting we hand to DuckDB: its JSON reader recurses per level and crashes the whole
 * process (a segfault, nothing to catch) on a few thousand levels. Records are one or two deep.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Scans JSON or JSON Lines text for its nesting depth without parsing it (strings and their
 * escapes are skipped, so brackets inside text do not count), and counts the records: objects
 * opened at the record level (inside the top array for JSON, on each line for JSON Lines). Throws,
 * naming the line, as soon as the nesting passes MAX_JSON_DEPTH.
 */
export async function scanJson(file: string, format: 'json' | 'jsonl', ctx?: LoadContext): Promise<{ records: number; maxDepth: number }> {
  const recordDepth = format === 'json' ? 1 : 0;
  let depth = 0;
  let maxDepth = 0;
  let records = 0;
  let inString = false;
  let escaped = false;
  let line = 1;
  const fh = await open(file, 'r').catch((err: unknown) => {
    throw statFailure(file, err);
  });
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let position = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.byteLength, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      for (let i = 0; i < bytesRead; i++) {
        const b = buf[i];
        if (b === 10) {
          line++;
          // each line of JSON Lines is a document of its own
          if (format === 'jsonl' && !inString) depth = 0;
        }
        if (inString) {
          if (escaped) escaped = false;
          else if (b === 92) escaped = true;
          else if (b === 34) inString = false;
        } else if (b === 34) inString = true;
        else if (b === 123 || b === 91) {
          if (b === 123 && depth === recordDepth) records++;
          if (++depth > maxDepth) {
            maxDepth = depth;
            if (depth > MAX_JSON_DEPTH) {
              throw fileFailure(file, 'too-deep', `is nested more than ${MAX_JSON_DEPTH} levels deep (line ${line.toLocaleString('en-US')}); Latent Lab reads records of numbers and text, nested at most ${MAX_JSON_DEPTH} levels.`,
                'Flatten the records to one level of fields (e.g. with pandas.json_normalize) and save them again.');
            }
          }
        } else if ((b === 125 || b === 93) && depth > 0) depth--;
      }
      ctx?.checkCancelled();
    }
  } finally {
    await fh.close();
  }
  return { records, maxDepth };
}

const WHAT: Record<ColumnarFormat, string> = { parquet: 'a Parquet file', json: 'a JSON array of records', jsonl: 'JSON Lines (one record per line)' };

function explain(file: string, format: ColumnarFormat, err: unknown) {
  if (err instanceof LabFailure) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split('\n')[0].replace(/^[A-Za-z ]+Error:\s*/, '').slice(0, 200);
  if (format === 'parquet') {
    if (/too small|magic|No magic|not a parquet|truncated|corrupt|Invalid|out of range/i.test(msg)) {
      return fileFailure(file, 'bad-parquet', `is not a complete Parquet file (${first}).`, 'The file may be cut short or damaged: export or download it again.');
    }
  } else if (/Failed to cast value|Could not convert/i.test(msg)) {
    // a value of another type far below the records DuckDB typed its columns from
    const line = /line\s*(\d+)/i.exec(msg)?.[1];
    return fileFailure(file, 'bad-json', `has a value that does not fit its column's type${line ? ` at line ${line}` : ''}: ${first}.`,
      'Make every value of that field the same type (numbers, or text in quotes for every record), or convert the file to CSV or Parquet, where Latent Lab reads such a column as text.');
  } else if (/line\s*(\d+)/i.test(msg) || /malformed|JSON|parse/i.test(msg)) {
    const line = /line\s*(\d+)/i.exec(msg)?.[1];
    const hint = format === 'json' ? 'Latent Lab reads a JSON array of records ([{"a": 1, …}, …]) or JSON Lines (.jsonl).' : 'Each line must hold one JSON object.';
    return fileFailure(file, 'bad-json', `is not valid ${WHAT[format]}${line ? ` (line ${line})` : ''}: ${first}.`, hint);
  }
  return fileFailure(file, `bad-${format}`, `could not be read as ${WHAT[format]}: ${first}.`, 'Check that the file is complete and of the type its name says.');
}

export async function readColumnar(file: string, format: ColumnarFormat, ctx: LoadContext): Promise<RawTable> {
  const size = await checkFile(file);
  if (format !== 'parquet') {
    const head = (await readHead(file, 4096)).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    if (format === 'json' && head.startsWith('{')) format = 'jsonl';
    else if (format === 'json' && !head.startsWith('[')) {
      throw fileFailure(file, 'bad-json', 'does not start with "[" or "{", so it is not JSON records.', 'Latent Lab reads a JSON array of records or JSON Lines; check the file type.');
    }
  }
  // JSON is scanned before DuckDB sees it: a deep file would crash the process
  const scanned = format === 'parquet' ? null : await scanJson(file, format, ctx);
  const conn = await duckConnect();
  try {
    const source = READERS[format](file);
    ctx.progress(0.02, `Reading the schema of ${basename(file)}`);
    let read;
    try {
      const columns = await describeSource(conn, source);
      let expectedRows = Math.max(1, scanned?.records ?? size / 100);
      if (format === 'parquet') {
        const meta = (await conn.runAndReadAll(`SELECT sum(num_rows) AS n FROM parquet_file_metadata(${sqlPath(file)})`)).getRowObjects()[0];
        expectedRows = Number(meta.n ?? expectedRows);
      }
      checkMemory(file, datasetBytes(expectedRows * columns.length, 4, columns.length),
        `${expectedRows.toLocaleString('en-US')} records × ${columns.length.toLocaleString('en-US')} columns`);
      read = await streamColumns(conn, source, columns, ctx, { expectedRows, what: basename(file) });
      // a conversion error while streaming ends the result quietly (duckread.ts): fewer rows than
      // the scan counted (JSON) or the metadata says (Parquet) are counted again by DuckDB itself
      const known = format === 'parquet' ? expectedRows : scanned?.records;
      if (known !== undefined && known !== read.rows) {
        const total = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${source}`)).getRows()[0][0]);
        if (total !== read.rows) {
          await raiseStreamError(conn, source, columns);
          throw fileFailure(file, `bad-${format}`, `was read only in part: DuckDB's reader stopped after ${read.rows.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} records without saying why.`,
            'Convert the file to Parquet or CSV and open that, or check the records after that one.');
        }
      }
    } catch (err) {
      if (err instanceof Cancelled) throw err;
      throw explain(file, format, err);
    }
    if (read.rows === 0) throw fileFailure(file, 'empty', 'holds no records.', 'Pick a file with data rows.');
    const table = emptyTable(file, format);
    table.rows = read.rows;
    table.columns = read.columns;
    table.notes = [`Read ${read.rows.toLocaleString('en-US')} records from ${WHAT[format]}.`];
    const show = Math.min(10, read.rows);
    table.preview = {
      header: read.columns.map((c) => c.name),
      rows: Array.from({ length: show }, (_, r) => read.columns.map((c) => String(cellValue(c, r) ?? ''))),
    };
    return table;
  } finally {
    conn.closeSync();
  }
}
