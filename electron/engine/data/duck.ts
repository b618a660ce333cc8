// One DuckDB instance per engine, created on first use (it is only needed for delimited/columnar files).
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let connection: Promise<DuckDBConnection> | null = null;

export function duck(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create(':memory:', { threads: '2' }).then((db) => db.connect());
  return connection;
}

/** SQL string literal. */
export const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
/** SQL identifier. */
export const sqlIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;
