// "Connect to engine…" in the shell: the loopback server (browser window mode) switches the
// window's engine between this machine's and a remote one behind TLS, and back. A certificate no
// authority vouches for is shown by its fingerprint before any token is sent; the token is kept per
// host in a 0600 file and never handed back to the page; calls and events follow the active
// engine; a dropped connection is announced to the page and comes back; bad addresses and wrong
// tokens leave the window on the engine it had.
import { lstatSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { validateCall } from '../../electron/engine/api';
import { EngineSwitch } from '../../electron/engine/host/switch';
import { KnownEngines } from '../../electron/remote/known-engines';
import { startRemoteServer, type RemoteServer } from '../../electron/remote/server';
import { TokenFile } from '../../electron/remote/token';
import { startServer, type RunningServer } from '../../electron/server/server';
import type { EngineClient, JobListener, LabEvent } from '../../shared/api';
import { decodeMessage, encodeMessage } from '../../shared/wire';
import { makeCert, makeToken, privateDir, relay, type Relay, type TestCert } from './helpers/remote';

/** A stand-in engine that says which machine it is: the switch's job is routing, not computing. */
function stubEngine(name: string, folder: string) {
  const listeners = new Set<JobListener>();
  const impl: Record<string, (...a: unknown[]) => Promise<unknown>> = {
    backend: async () => ({ name: 'cpu', detail: `${name} backend`, skipped: [] }),
    listDatasets: async () => [{ name: `${name}-data` }],
    engineInfo: async () => ({ hostname: name, roots: [folder], defaultFolder: folder, served: name === 'remote', maxUploadBytes: 1 }),
    jobs: async () => ({ running: [], ended: [] }),
  };
  const engine = {
    ...impl,
    onEvent: (l: JobListener) => (listeners.add(l), () => listeners.delete(l)),
    call: async (method: string, args: unknown[]) => {
      const checked = validateCall(method, args);
      return impl[checked.method](...checked.args);
    },
  } as unknown as EngineClient;
  return { engine, emit: (e: LabEvent) => listeners.forEach((l) => l(e)) };
}

const local = stubEngine('local', '/home/here');
const remote = stubEngine('remote', '/srv/far');
let cert: TestCert;
let token: { path: string; token: string };
let tokenFile: TokenFile;
let remoteServer: RemoteServer;
let hop: Relay;
let known: KnownEngines;
let engines: EngineSwitch;
let server: RunningServer;
let page: WebSocket;
const pageEvents: LabEvent[] = [];
let nextId = 1;
const replies = new Map<number, (r: { ok: boolean; value?: unknown; error?: { code: string; message: string } }) => void>();

/** One call from the page, as the window makes it. */
function call(method: string, ...args: unknown[]): Promise<{ ok: boolean; value?: any; error?: { code: string; message: string } }> {
  const id = nextId++;
  return new Promise((resolve) => {
    replies.set(id, resolve);
    page.send(encodeMessage({ kind: 'call', id, method, args }));
  });
}

function pageEvent(pred: (e: LabEvent) => boolean): Promise<LabEvent> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      const found = pageEvents.find(pred);
      if (found) {
        clearInterval(t);
        resolve(found);
      }
    }, 20);
  });
}

beforeAll(async () => {
  const dir = privateDir('lab-switch-');
  cert = makeCert(dir);
  token = makeToken(dir);
  tokenFile = new TokenFile(token.path);
  remoteServer = await startRemoteServer({ engine: remote.engine, host: '127.0.0.1', port: 0, tls: { cert: cert.pem, key: readFileSync(cert.key) }, token: tokenFile });
  hop = await relay(remoteServer.port);
  known = new KnownEngines(join(privateDir('lab-switch-known-'), 'engines.json'));
  engines = new EngineSwitch(local.engine, { known });
  const rendererDir = mkdtempSync(join(tmpdir(), 'lab-switch-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  server = await startServer({ engine: engines.api, engines, rendererDir, version: 'test' });
  const origin = `http://127.0.0.1:${server.port}`;
  const res = await fetch(`${origin}/session`, { method: 'POST', body: server.issueLaunchCode(), headers: { origin } });
  const cookie = String(res.headers.get('set-cookie')).split(';')[0];
  page = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { cookie, origin } });
  page.on('message', (data, isBinary) => {
    const msg = decodeMessage(isBinary ? new Uint8Array(data as Buffer) : data.toString()) as { kind: string; id: number; event: LabEvent };
    if (msg.kind === 'event') pageEvents.push(msg.event);
    else replies.get(msg.id)?.(msg as never);
  });
  await new Promise((r) => page.once('open', r));
});

afterAll(async () => {
  page?.close();
  await server?.close();
  await engines?.close();
  await hop?.close();
  await remoteServer?.close();
  tokenFile?.close();
});

const url = () => `wss://127.0.0.1:${hop.port}`;

describe('Connect to engine… (shell side)', () => {
  it('starts on this machine\'s engine', async () => {
    const info = await call('info');
    expect(info.value).toMatchObject({ engine: { kind: 'local' }, backend: { detail: 'local backend' } });
    expect((await call('listDatasets')).value).toEqual([{ name: 'local-data' }]);
  });

  it('refuses ws:// off loopback, and a malformed request, staying on the engine it has', async () => {
    expect((await call('connectEngine', { url: 'ws://192.0.2.9:8765', token: token.token })).error).toMatchObject({ code: 'bad-address', message: expect.stringMatching(/without TLS the token and your data would cross the network in the clear/) });
    expect((await call('connectEngine', { url: url(), token: token.token, trust: 'not a fingerprint' })).error).toMatchObject({ code: 'bad-request' });
    expect((await call('engineStatus')).value).toEqual({ kind: 'local' });
  });

  it('shows a self-signed certificate by its fingerprint before sending the token anywhere', async () => {
    const r = await call('connectEngine', { url: url(), token: token.token });
    expect(r.value).toMatchObject({ kind: 'untrusted', host: `127.0.0.1:${hop.port}`, fingerprint: cert.fingerprint, subject: expect.stringContaining('latent-lab-test') });
    expect(known.list()).toEqual([]);
    expect((await call('engineStatus')).value).toEqual({ kind: 'local' });
  });

  it('a wrong token leaves the window where it was', async () => {
    const r = await call('connectEngine', { url: url(), token: 'W'.repeat(43), trust: cert.fingerprint });
    expect(r.error).toMatchObject({ code: 'refused', message: expect.stringMatching(/refused the token/) });
    expect((await call('engineStatus')).value).toEqual({ kind: 'local' });
  });

  it('once trusted: calls, the backend and the export folder are the remote engine\'s; the token stays in a 0600 file of the shell', async () => {
    const r = await call('connectEngine', { url: url(), token: token.token, trust: cert.fingerprint });
    expect(r.value).toMatchObject({ kind: 'connected', status: { kind: 'remote', host: `127.0.0.1:${hop.port}`, state: 'connected' } });
    expect((await call('info')).value).toMatchObject({ engine: { kind: 'remote', state: 'connected' }, backend: { detail: 'remote backend' }, defaultExportDir: '/srv/far', nativeDialogs: false });
    expect((await call('listDatasets')).value).toEqual([{ name: 'remote-data' }]);
    const list = await call('knownEngines');
    expect(list.value).toEqual([{ host: `127.0.0.1:${hop.port}`, url: `wss://127.0.0.1:${hop.port}/engine`, fingerprint: cert.fingerprint, lastUsed: expect.any(String) }]);
    expect(JSON.stringify(list.value)).not.toContain(token.token);
    expect(lstatSync(known.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(known.path, 'utf8')).toContain(token.token);
  });

  it('passes the remote engine\'s events to the page, not the idle local engine\'s', async () => {
    remote.emit({ type: 'log', jobId: 'j-remote' as never, message: 'from far' });
    local.emit({ type: 'log', jobId: 'j-local' as never, message: 'from here' });
    await pageEvent((e) => e.type === 'log' && e.message === 'from far');
    expect(pageEvents.some((e) => e.type === 'log' && e.message === 'from here')).toBe(false);
  });

  it('tells the page when the connection drops and when it is back', async () => {
    hop.cut();
    expect(await pageEvent((e) => e.type === 'engine-connection' && e.state === 'reconnecting')).toMatchObject({ message: expect.stringMatching(/was lost; reconnecting/) });
    await pageEvent((e) => e.type === 'engine-connection' && e.state === 'connected');
    expect((await call('listDatasets')).value).toEqual([{ name: 'remote-data' }]);
  });

  it('goes back to the local engine, and reconnects later with the remembered token and certificate', async () => {
    expect((await call('useLocalEngine')).value).toEqual({ kind: 'local' });
    expect((await call('listDatasets')).value).toEqual([{ name: 'local-data' }]);
    const again = await call('connectEngine', { url: `127.0.0.1:${hop.port}` });
    expect(again.value).toMatchObject({ kind: 'connected' });
    expect((await call('listDatasets')).value).toEqual([{ name: 'remote-data' }]);
    await call('useLocalEngine');
    await call('forgetEngine', `127.0.0.1:${hop.port}`);
    expect((await call('knownEngines')).value).toEqual([]);
    expect((await call('connectEngine', { url: url() })).error).toMatchObject({ code: 'no-token' });
  });
});
