// The loopback server in a process of its own, with a stand-in engine, for tests that must see the
// server die (a malformed frame) or look at it from outside (another user's view of /proc).
// Run: node --import tsx tests/unit/helpers/stub-server.ts [--chromium=/path/to/program]
// Prints one line `READY <json>` with the port and, without --chromium, a launch address.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineClient } from '../../../shared/api';
import { openAppWindow } from '../../../electron/server/launch';
import { startServer } from '../../../electron/server/server';
import type { JobListener } from '../../../shared/api';

const engine = {
  backend: async () => ({ name: 'cpu', detail: 'cpu (stub)', skipped: [] }),
  listDatasets: async () => [{ name: 'mnist' }],
  onEvent: (_l: JobListener) => () => {},
  call: (method: string, args: unknown[]) => (engine as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method](...args),
} as unknown as EngineClient;

const rendererDir = mkdtempSync(join(tmpdir(), 'lab-stub-renderer-'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>stub</title>');
process.on('exit', () => rmSync(rendererDir, { recursive: true, force: true }));

const server = await startServer({ engine, rendererDir, version: 'stub', log: (line) => process.stderr.write(`[stub] ${line}\n`) });
const chromium = process.argv.find((a) => a.startsWith('--chromium='))?.slice('--chromium='.length);
const info: Record<string, unknown> = { port: server.port, pid: process.pid, cookieName: server.cookieName };
if (chromium) {
  const child = openAppWindow(server, chromium, { DISPLAY: ':99' });
  info.chromiumPid = child?.pid;
  process.on('exit', () => child?.kill());
} else {
  info.launchUrl = server.launchUrl(server.issueLaunchCode());
}
process.stdout.write(`READY ${JSON.stringify(info)}\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void server.close().finally(() => process.exit(0)));
