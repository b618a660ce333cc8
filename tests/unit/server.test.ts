import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { validateCall } from '../../electron/engine/api';
import { startServer, type RunningServer } from '../../electron/server/server';
import type { EngineClient } from '../../shared/api';
import type { JobListener } from '../../shared/api';
import { decodeMessage, encodeMessage } from '../../shared/wire';

// A stand-in engine: the server's job is transport and guarding, not computing.
const listeners = new Set<JobListener>();
const engine = {
  backend: async () => ({ name: 'cpu', detail: 'cpu (test)', skipped: [] }),
  listDatasets: async () => [{ name: 'mnist' }],
  onEvent: (l: JobListener) => (listeners.add(l), () => listeners.delete(l)),
  // the engine validates each call against its method's schema before handling it
  call: async (method: string, args: unknown[]) => {
    const checked = validateCall(method, args);
    return (engine as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[checked.method](...checked.args);
  },
} as unknown as EngineClient;

let server: RunningServer;
let origin: string;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lab-renderer-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  server = await startServer({ engine, rendererDir: dir, version: 'test' });
  origin = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.close());

function connect(token: string, originHeader = origin): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${token}`, { origin: originHeader });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, method: string, args: unknown[]): Promise<unknown> {
  return new Promise((resolve) => {
    ws.once('message', (data, binary) => resolve(decodeMessage(binary ? new Uint8Array(data as Buffer) : data.toString())));
    ws.send(encodeMessage({ kind: 'call', id: 7, method, args }));
  });
}

describe('loopback server', () => {
  it('binds to 127.0.0.1 and puts the token in the URL fragment', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{20,}$/);
  });

  it('rejects a wrong token', async () => {
    await expect(connect('not-the-token')).rejects.toThrow('HTTP 401');
  });

  it('rejects another origin even with the right token', async () => {
    await expect(connect(server.token, 'http://evil.example')).rejects.toThrow('HTTP 403');
  });

  it('answers calls with the right token and origin, and validates them', async () => {
    const ws = await connect(server.token);
    expect(await call(ws, 'listDatasets', [])).toEqual({ kind: 'result', id: 7, ok: true, value: [{ name: 'mnist' }] });
    const bad = (await call(ws, 'getDataset', [123])) as { ok: boolean; error: { code: string } };
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('bad-request');
    ws.close();
  });

  it('refuses requests for another Host (DNS rebinding) and paths outside the app', async () => {
    const res = await fetch(`${origin}/index.html`, { headers: { host: 'evil.example' } }).catch(() => null);
    // fetch may refuse to override Host; when it does not, the server must
    if (res) expect([200, 421]).toContain(res.status);
    const ok = await fetch(`${origin}/`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'self'");
    const escape = await fetch(`${origin}/..%2f..%2fetc/passwd`);
    expect([403, 404]).toContain(escape.status);
  });
});
