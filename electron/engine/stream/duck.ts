// The DuckDB instance streamed datasets read through: apart from the one that loads files whole
// (data/duck.ts), so its memory limit can follow the memory budget (a quarter of it, 32 MB to
// 1 GB) and what it cannot hold spills into a folder of the user data folder, not into RAM.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { userDataDir } from '../core/paths';
import { memoryBudget } from '../data/budget';

let instance: Promise<DuckDBInstance> | null = null;

/** Where streamed datasets keep their Parquet copies and views (one folder per engine user). */
export function streamsDir(): string {
  return join(userDataDir(), 'streams');
}

/** DuckDB's share of the budget, in MB. */
export function duckLimitMb(): number {
  return Math.max(32, Math.min(1024, Math.floor(memoryBudget().bytes / 2 ** 20 / 4)));
}

export async function streamConnect(): Promise<DuckDBConnection> {
  const spill = join(streamsDir(), 'spill');
  instance ??= (async () => {
    mkdirSync(spill, { recursive: true, mode: 0o700 });
    // one thread under a small budget: each scanning thread holds its own row group buffers
    return DuckDBInstance.create(':memory:', { threads: memoryBudget().bytes < 2 ** 31 ? '1' : '2', memory_limit: `${duckLimitMb()}MB`, temp_directory: spill });
  })();
  const conn = await (await instance).connect();
  // the budget may have changed since the instance started
  await conn.run(`SET memory_limit = '${duckLimitMb()}MB'`);
  return conn;
}
