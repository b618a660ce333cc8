// Parquet, JSON (an array of records) and JSON Lines, all read by DuckDB.
import { basename } from 'node:path';
import type { DatasetFormat } from '../../../shared/types';
import { Cancelled } from '../session/jobs';
import { duckConnect, sqlString } from './duck';
import { describeSource, streamColumns } from './duckread';
import { checkFile, fileFailure, readHead, type LoadContext } from './files';
import { cellValue, emptyTable, type RawTable } from './table';

type ColumnarFormat = Extract<DatasetFormat, 'parquet' | 'json' | 'jsonl'>;

const READERS: Record<ColumnarFormat, (f: string) => string> = {
  parquet: (f) => `read_parquet(${sqlString(f)})`,
  json: (f) => `read_json(${sqlString(f)}, format='array', sample_size=20480, maximum_object_size=67108864)`,
  jsonl: (f) => `read_json(${sqlString(f)}, format='newline_delimited', sample_size=20480)`,
};

const WHAT: Record<ColumnarFormat, string> = { parquet: 'a Parquet file', json: 'a JSON array of records', jsonl: 'JSON Lines (one record per line)' };

function explain(file: string, format: ColumnarFormat, err: unknown) {
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split('\n')[0].replace(/^[A-Za-z ]+Error:\s*/, '').slice(0, 200);
  if (format === 'parquet') {
    if (/too small|magic|No magic|not a parquet|truncated|corrupt|Invalid|out of range/i.test(msg)) {
      return fileFailure(file, 'bad-parquet', `is not a complete Parquet file (${first}).`, 'The file may be cut short or damaged: export or download it again.');
    }
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
  const conn = await duckConnect();
  try {
    const source = READERS[format](file);
    ctx.progress(0.02, `Reading the schema of ${basename(file)}`);
    let read;
    try {
      const columns = await describeSource(conn, source);
      let expectedRows = Math.max(1, size / 100);
      if (format === 'parquet') {
        const meta = (await conn.runAndReadAll(`SELECT sum(num_rows) AS n FROM parquet_file_metadata(${sqlString(file)})`)).getRowObjects()[0];
        expectedRows = Number(meta.n ?? expectedRows);
      }
      read = await streamColumns(conn, source, columns, ctx, { expectedRows, what: basename(file) });
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
