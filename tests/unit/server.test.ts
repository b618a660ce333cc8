// The loopback server's guards: single-use launch codes traded for an HttpOnly session cookie,
// the WebSocket needing that cookie plus an allowed Origin and Host, DNS rebinding refused (421),
// paths outside the app refused (403). Requests are written raw (node:net / setHost: false) so the
// server, not the HTTP client, decides what a forged Host or a `..` path gets.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect as tcp } from 'node:net';
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
let cookie: string;

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with exactly these headers (no Host added by the client). */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers, setHost: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The request line written byte for byte, for paths an HTTP client would normalise first. */
function rawLine(target: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const sock = tcp(server.port, '127.0.0.1');
    let text = '';
    sock.on('data', (d) => (text += d.toString('latin1')));
    sock.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    sock.on('error', reject);
    sock.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);
  });
}

const self = () => ({ host: `127.0.0.1:${server.port}`, origin });

async function redeem(code: string, headers = self()): Promise<RawReply> {
  return raw('POST', '/session', { ...headers, 'content-type': 'text/plain;charset=UTF-8' }, code);
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lab-renderer-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  server = await startServer({ engine, rendererDir: dir, version: 'test' });
  origin = `http://127.0.0.1:${server.port}`;
  const res = await redeem(server.issueLaunchCode());
  cookie = String(res.headers['set-cookie']).split(';')[0];
});
afterAll(() => server.close());

function connect(opts: { cookie?: string; origin?: string; path?: string; host?: string } = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.host) headers.host = opts.host;
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${opts.path ?? '/ws'}`, { origin: opts.origin ?? origin, headers });
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

describe('loopback server: launch codes and the session cookie', () => {
  it('binds to 127.0.0.1, its address carries no credential, a launch address carries the code in the fragment', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const code = server.issueLaunchCode();
    expect(code).toMatch(/^[\w-]{32}$/);
    expect(server.launchUrl(code)).toBe(`http://127.0.0.1:${server.port}/#code=${code}`);
  });

  it.runIf(process.platform === 'linux')('listens on 127.0.0.1 only: another address of this machine is refused', async () => {
    // Linux routes all of 127/8 to the loopback device: a server on 0.0.0.0 would answer 127.0.0.2
    const code = await new Promise<string>((resolve) => {
      const sock = tcp(server.port, '127.0.0.2');
      sock.once('connect', () => (sock.destroy(), resolve('connected')));
      sock.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(code).toBe('ECONNREFUSED');
  });

  it('trades a launch code once for an HttpOnly SameSite=Strict session cookie with no lifetime', async () => {
    let used = 0;
    const code = server.issueLaunchCode(() => used++);
    const first = await redeem(code);
    expect(first.status).toBe(204);
    const set = String(first.headers['set-cookie']);
    expect(set).toMatch(new RegExp(`^${server.cookieName}=[\\w-]{40,}; HttpOnly; SameSite=Strict; Path=/$`));
    expect(set).not.toMatch(/max-age|expires/i);
    expect(used).toBe(1);
    const again = await redeem(code);
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(used).toBe(1);
  });

  it('refuses to trade a code for a page of another origin (and keeps the code for the real page)', async () => {
    const code = server.issueLaunchCode();
    expect((await redeem(code, { host: `127.0.0.1:${server.port}`, origin: 'http://evil.example' })).status).toBe(403);
    expect((await redeem(code, { host: `127.0.0.1:${server.port}` } as never)).status).toBe(403);
    expect((await redeem(code)).status).toBe(204);
  });

  it('refuses unknown codes, GET, and oversized bodies', async () => {
    expect((await redeem('not-a-code')).status).toBe(401);
    expect((await redeem('')).status).toBe(401);
    expect((await raw('GET', '/session', self())).status).toBe(405);
    expect((await redeem('x'.repeat(10_000))).status).toBe(413);
  });

  it('opens the WebSocket only with a live session cookie', async () => {
    await expect(connect()).rejects.toThrow('HTTP 401');
    await expect(connect({ cookie: `${server.cookieName}=forged-session-value` })).rejects.toThrow('HTTP 401');
    await expect(connect({ cookie: cookie.replace(/^[^=]+/, 'lab_session_1') })).rejects.toThrow('HTTP 401');
    // a launch code is not a session: it never opens the socket itself, in a cookie or in the query
    const code = server.issueLaunchCode();
    await expect(connect({ cookie: `${server.cookieName}=${code}` })).rejects.toThrow('HTTP 401');
    await expect(connect({ path: `/ws?token=${code}` })).rejects.toThrow('HTTP 401');
    const ws = await connect({ cookie });
    ws.close();
  });

  it('rejects another origin even with a valid session', async () => {
    await expect(connect({ cookie, origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
  });

  it('answers calls with the session and origin, and validates them', async () => {
    const ws = await connect({ cookie });
    expect(await call(ws, 'listDatasets', [])).toEqual({ kind: 'result', id: 7, ok: true, value: [{ name: 'mnist' }] });
    const bad = (await call(ws, 'getDataset', [123])) as { ok: boolean; error: { code: string } };
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('bad-request');
    ws.close();
  });
});

describe('loopback server: DNS rebinding and paths', () => {
  it('answers 421 to a request for another Host (DNS rebinding), for pages and for the socket', async () => {
    const page = await raw('GET', '/index.html', { host: 'evil.example' });
    expect(page.status).toBe(421);
    expect(page.body).not.toContain('<title>');
    expect((await raw('GET', '/index.html', { host: `evil.example:${server.port}` })).status).toBe(421);
    expect((await redeem(server.issueLaunchCode(), { host: 'evil.example', origin })).status).toBe(421);
    await expect(connect({ cookie, host: 'evil.example' })).rejects.toThrow('HTTP 421');
    // the same request with the right Host is served
    expect((await raw('GET', '/index.html', self())).status).toBe(200);
  });

  it('serves the app with its CSP', async () => {
    const ok = await fetch(`${origin}/`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each([
    '/../../../../etc/passwd',
    '/..%2f..%2f..%2f..%2fetc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/assets/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/..%5c..%5cetc%5cpasswd',
  ])('answers 403 to a request path that leaves the app folder: %s', async (target) => {
    const res = await rawLine(target);
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('root:');
  });
});
