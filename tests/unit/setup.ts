// Every unit test runs on the same backend chain as the app (wasm here), started once per file.
import { beforeAll } from 'vitest';
import { initBackend } from '../../electron/engine/core/backend';

beforeAll(async () => {
  await initBackend();
});
