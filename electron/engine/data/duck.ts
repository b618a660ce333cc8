// One DuckDB instance per engine, created on first use (it reads delimited text, Parquet and JSON).
// Each read gets its own connection: a connection serves one streaming result at a time.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let instance: Promise<DuckDBInstance> | null = null;

export async function duckConnect(): Promise<DuckDBConnection> {
  instance ??= DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB' });
  return (await instance).connect();
}

/** SQL string literal. */
export const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
/** SQL identifier. */
export const sqlIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;
