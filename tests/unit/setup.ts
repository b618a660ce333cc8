// Every unit test runs on the same backend chain as the app (wasm here), started once per file,
// with its own empty data folder (runs, workspaces) unless the file sets one.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll } from 'vitest';
import { initBackend } from '../../electron/engine/core/backend';

process.env.LAB_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'lab-data-'));

beforeAll(async () => {
  await initBackend();
});
