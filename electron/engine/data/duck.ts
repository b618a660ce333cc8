// One DuckDB instance per engine, created on first use (it reads delimited text, Parquet and JSON).
// Each read gets its own connection: a connection serves one streaming result at a time.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let instance: Promise<DuckDBInstance> | null = null;
/** What DuckDB may use while it reads (its own limit, apart from the engine's budget). */
export const duckMemoryLimit = '1GB';

export async function duckConnect(): Promise<DuckDBConnection> {
  instance ??= DuckDBInstance.create(':memory:', { threads: '2', memory_limit: duckMemoryLimit });
  return (await instance).connect();
}

/** SQL string literal. */
export const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
/**
 * A file path as DuckDB's readers take it: they expand * ? [ ] as a glob (a file called `*.csv`
 * would read and merge every CSV beside it), so each such character is put in brackets, where it
 * stands for itself.
 */
export const duckPath = (path: string) => path.replace(/[*?[\]]/g, (c) => `[${c}]`);
/** SQL string literal of a file path, matching only that file. */
export const sqlPath = (path: string) => sqlString(duckPath(path));
/** SQL identifier. */
export const sqlIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;
