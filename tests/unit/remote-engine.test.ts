// The engine on another machine, as two processes on loopback over TLS: `lab serve` (its own
// process, with its engine in a third) and a RemoteEngine client here. Open, train, compare, export
// and download through it; a self-signed certificate trusted by its fingerprint only; a wrong or
// missing token, a web page, plain ws:// off loopback and a changed token refused; a dropped
// connection comes back and catches up with the job that kept running on the server meanwhile.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peekCertificate, RemoteEngine } from '../../electron/engine/host/remote';
import { awaitJob } from '../../electron/engine/session/await-job';
import { writeTokenFile, newToken } from '../../electron/remote/token';
import type { LabEvent } from '../../shared/api';
import { parseEngineAddress, UPLOAD_CHUNK_BYTES, type EngineConnectionEvent } from '../../shared/remote';
import { badAddresses } from '../fixtures/bad/remote';
import { frame } from '../fixtures/bad/wire/frames';
import { labSource, makeCert, makeToken, nonLoopbackAddress, privateDir, relay, startServe, type Serving, type TestCert } from './helpers/remote';

const good = fileURLToPath(new URL('../fixtures/good', import.meta.url));
const blobs = join(good, 'blobs.csv');
let dir: string;
let work: string;
let cert: TestCert;
let token: { path: string; token: string };
let serving: Serving;
const clients: RemoteEngine[] = [];

beforeAll(async () => {
  dir = privateDir('lab-remote-');
  work = privateDir('lab-remote-work-');
  cert = makeCert(dir);
  token = makeToken(dir);
  serving = await startServe(['--listen', '127.0.0.1:0', '--tls-cert', cert.cert, '--tls-key', cert.key, '--token-file', token.path, '--allow', good, '--allow', work],
    { LAB_DATA_DIR: privateDir('lab-remote-data-') });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await serving?.stop();
});

function client(opts: Partial<ConstructorParameters<typeof RemoteEngine>[0]> = {}): RemoteEngine {
  const c = new RemoteEngine({ url: `wss://127.0.0.1:${serving.port}`, token: token.token, ca: cert.pem, backoffMs: [50, 500], ...opts });
  clients.push(c);
  return c;
}

/** The next connection event of a client with this state. */
function connection(c: RemoteEngine, state: EngineConnectionEvent['state']): Promise<EngineConnectionEvent> {
  return new Promise((resolve) => {
    const off = c.onEvent((e: LabEvent) => e.type === 'engine-connection' && e.state === state && (off(), resolve(e)));
  });
}

describe('lab serve over TLS, a client in another process', () => {
  it('prints where the token is, never the token, and the certificate fingerprint', () => {
    expect(serving.url).toBe(`wss://127.0.0.1:${serving.port}/engine`);
    expect(serving.fingerprint).toBe(cert.fingerprint);
    expect(serving.output()).toContain(`Token: in ${token.path}`);
    expect(serving.output()).not.toContain(token.token);
  });

  it('opens, trains, compares and exports through the remote engine; the export downloads byte for byte', async () => {
    const c = client();
    await c.connect();
    const api = c.api;
    expect(await api.engineInfo()).toMatchObject({ served: true, roots: [good, work] });
    const progress: number[] = [];
    const ds = await awaitJob(c, 'open', api.openDataset({ source: { kind: 'file', path: blobs } }));
    expect(ds.rows).toBeGreaterThan(100);
    const run = await awaitJob(c, 'train', api.train({ datasetId: ds.id, config: { epochs: 3, hidden: [16], latent: 2, batchSize: 32 } }), (e) => {
      if (e.type === 'progress') progress.push(e.fraction);
    });
    expect(run.status).toBe('finished');
    expect(progress.length).toBeGreaterThan(0);
    const pca = await awaitJob(c, 'reduce', api.reduce({ datasetId: ds.id, method: 'pca', params: { components: 2 } }));
    const table = await awaitJob(c, 'metrics', api.computeMetrics({ datasetId: ds.id, embeddingIds: [pca.id, run.embeddingId!] }));
    expect(table.rows.map((r) => r.name)).toEqual(expect.arrayContaining(['PCA-2']));
    expect(table.rows.every((r) => r.trustworthiness === null || (r.trustworthiness > 0 && r.trustworthiness <= 1))).toBe(true);
    // exports are written on the server, then downloaded
    const out = await api.outputFolder();
    const exported = await awaitJob(c, 'export', api.exportView({ embeddingId: run.embeddingId!, path: join(out, 'vae.parquet'), format: 'parquet', split: 'all', columns: { id: true, label: true } }));
    const parts: Uint8Array[] = [];
    for (let offset = 0; ;) {
      const piece = await api.downloadFile({ path: exported.path, offset });
      parts.push(piece.bytes);
      offset += piece.bytes.byteLength;
      if (piece.done) break;
    }
    expect(Buffer.concat(parts).equals(readFileSync(exported.path))).toBe(true);
    expect(Buffer.concat(parts).subarray(0, 4).toString()).toBe('PAR1');
    // a path outside the allowed folders is refused by the served engine
    await expect(api.openDataset({ source: { kind: 'file', path: '/etc/passwd' } })).rejects.toMatchObject({ code: 'outside-roots' });
    await expect(api.downloadFile({ path: blobs, offset: 0 })).rejects.toMatchObject({ code: 'not-downloadable' });
  });

  it('pauses, resumes and cancels a job on the remote engine, with its events', async () => {
    const c = client();
    await c.connect();
    const seen: string[] = [];
    const ds = await awaitJob(c, 'open', c.api.openDataset({ source: { kind: 'file', path: blobs } }));
    const jobId = await c.api.train({ datasetId: ds.id, config: { epochs: 500, hidden: [16], latent: 2, batchSize: 16 } });
    // the outcome is taken at once: a cancel can end the job before the cancel call returns
    const outcome = awaitJob(c, 'train', Promise.resolve(jobId), (e) => seen.push(e.type)).then((run) => `run ${run.status}`, (err: { code: string }) => err.code);
    const next = (type: string) => new Promise<void>((resolve) => {
      const off = c.onEvent((e) => e.type === type && e.jobId === jobId && (off(), resolve()));
    });
    await next('progress');
    const paused = next('paused');
    await c.api.pause(jobId);
    await paused;
    expect((await c.api.jobs()).running.find((j) => j.jobId === jobId)?.paused).toBe(true);
    const resumed = next('resumed');
    await c.api.resume(jobId);
    await resumed;
    await c.api.cancel(jobId);
    // as locally: cancelled before the first epoch ends, the job ends cancelled; later, it is done
    // with its run cancelled (kept, resumable)
    expect(await outcome).toMatch(/^(run )?cancelled$/);
    expect(seen).toEqual(expect.arrayContaining(['progress', 'paused', 'resumed']));
  });

  it('takes a large file in pieces and opens it', async () => {
    const c = client();
    await c.connect();
    const rows = ['a,b,c,d,e,label', ...Array.from({ length: 240_000 }, (_, i) => `${(i % 7) / 3},${((i * 3) % 11) / 7},${((i * 5) % 13) / 9},${(i % 17) / 11},${(i % 19) / 13},${i % 2 ? 'x' : 'y'}`)];
    const bytes = new TextEncoder().encode(`${rows.join('\n')}\n`);
    expect(bytes.byteLength).toBeGreaterThan(UPLOAD_CHUNK_BYTES);
    let path: string | null = null;
    for (let offset = 0; offset < bytes.byteLength;) {
      const piece = bytes.slice(offset, offset + UPLOAD_CHUNK_BYTES);
      const last = offset + piece.byteLength >= bytes.byteLength;
      const r = await c.api.uploadChunk({ uploadId: 'remote-test-big', name: 'big.csv', offset, bytes: piece, last });
      offset += piece.byteLength;
      expect(r.received).toBe(offset);
      path = r.path;
    }
    expect(Buffer.from(readFileSync(path!)).equals(Buffer.from(bytes))).toBe(true);
    const ds = await awaitJob(c, 'open', c.api.openDataset({ source: { kind: 'file', path: path! } }));
    expect(ds.rows).toBe(240_000);
  });

  it('trusts a self-signed certificate only by its fingerprint', async () => {
    const address = parseEngineAddress(`wss://127.0.0.1:${serving.port}`);
    const peek = await peekCertificate(address);
    expect(peek).toMatchObject({ fingerprint: cert.fingerprint, trusted: false });
    // no trust given: refused before the token is sent
    await expect(client({ ca: undefined }).connect()).rejects.toMatchObject({ code: 'untrusted' });
    const wrong = cert.fingerprint.replace(/^../, cert.fingerprint.startsWith('00') ? '11' : '00');
    await expect(client({ ca: undefined, fingerprint: wrong }).connect()).rejects.toMatchObject({ code: 'untrusted', message: expect.stringMatching(/has changed: its fingerprint is/) });
    const pinned = client({ ca: undefined, fingerprint: cert.fingerprint });
    await pinned.connect();
    expect((await pinned.api.backend()).name).toBeTruthy();
  });

  it('refuses a wrong or missing token, a web page, and any other path', async () => {
    await expect(client({ token: newToken() }).connect()).rejects.toMatchObject({ code: 'refused', message: expect.stringMatching(/refused the token/) });
    const raw = (headers: Record<string, string>, path = '/engine') => new Promise<number>((resolve) => {
      const ws = new WebSocket(`wss://127.0.0.1:${serving.port}${path}`, { ca: cert.pem, headers });
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => {
        resolve(101);
        ws.close();
      });
      ws.on('error', () => {});
    });
    expect(await raw({})).toBe(401);
    expect(await raw({ authorization: `Bearer ${token.token.slice(0, -1)}` })).toBe(401);
    expect(await raw({ authorization: `Basic ${token.token}` })).toBe(401);
    expect(await raw({ authorization: `Bearer ${token.token}`, origin: 'https://evil.example' })).toBe(403);
    expect(await raw({ authorization: `Bearer ${token.token}` }, '/ws')).toBe(404);
    // the token is not taken from the URL either
    expect(await raw({}, `/engine?token=${token.token}`)).toBe(401);
    expect(await raw({ authorization: `Bearer ${token.token}` })).toBe(101);
    expect(serving.output()).not.toContain(token.token);
  });

  it('closes a connection that announces a frame over the cap (from its header), and goes on serving', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${serving.port}/engine`, { ca: cert.pem, headers: { authorization: `Bearer ${token.token}` } });
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.on('error', () => {});
    (ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(frame({ opcode: 2, length: 2n ** 30n }));
    expect(await closed).toBe(1009);
    const c = client();
    await c.connect();
    expect(await c.api.listDatasets()).not.toHaveLength(0);
  });

  it('reconnects after the connection drops, and catches up with a job that ended on the server meanwhile', async () => {
    const r = await relay(serving.port);
    try {
      const c = client({ url: `wss://127.0.0.1:${r.port}` });
      await c.connect();
      const witness = client(); // connected directly: sees the job go on while `c` is cut off
      await witness.connect();
      const ds = await awaitJob(c, 'open', c.api.openDataset({ source: { kind: 'file', path: blobs } }));
      const jobId = await c.api.train({ datasetId: ds.id, config: { epochs: 40, hidden: [16], latent: 2, batchSize: 16 } });
      const result = awaitJob(c, 'train', Promise.resolve(jobId));
      await new Promise<void>((resolve) => {
        const off = c.onEvent((e) => e.type === 'progress' && e.jobId === jobId && (off(), resolve()));
      });
      const lost = connection(c, 'reconnecting');
      const back = connection(c, 'connected');
      r.hold();
      r.cut();
      expect((await lost).message).toMatch(/was lost; reconnecting/);
      // a call made while cut off waits for the connection
      const queued = c.api.listDatasets();
      // the job goes on without any client of its own and ends on the server
      const endedOnServer = await awaitJob(witness, 'train', Promise.resolve(jobId));
      expect(endedOnServer.status).toBe('finished');
      r.release();
      await back;
      expect((await queued).length).toBeGreaterThan(0);
      // the final event missed while cut off is replayed from the engine's job record
      const run = await result;
      expect(run.id).toBe(endedOnServer.id);
      expect(run.epochs).toHaveLength(40);
    } finally {
      await r.close();
    }
  });

  it('a changed token ends the connections made with the old one, and the old token is refused', async () => {
    const c = client();
    await c.connect();
    const refused = connection(c, 'refused');
    const next = newToken();
    writeTokenFile(token.path, next);
    token = { ...token, token: next };
    expect((await refused).message).toMatch(/refused the token/);
    await expect(c.api.listDatasets()).rejects.toMatchObject({ code: 'disconnected' });
    const fresh = client({ token: next });
    await fresh.connect();
    expect(await fresh.api.listDatasets()).not.toHaveLength(0);
  });
});

describe('no token or data in the clear off loopback', () => {
  it.each(badAddresses)('the client refuses the address %j', (address, says) => {
    expect(() => parseEngineAddress(address)).toThrow(says);
  });

  it('lab serve refuses a non-loopback address without TLS', async (ctx) => {
    const ip = nonLoopbackAddress();
    if (!ip) {
      console.log('skipped: this machine has no non-loopback IPv4 address to try');
      ctx.skip();
      return;
    }
    const r = await labSource(['serve', '--listen', `${ip}:0`, '--token-file', token.path], { LAB_DATA_DIR: privateDir('lab-remote-data-') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`Refusing to serve the engine on ${ip.replace(/\./g, '\\.')} without TLS: the token and your data would cross the network in the clear`));
    expect(r.stdout).not.toMatch(/serving at/);
  });

  it('lab serve refuses an unsafe token file before serving', async () => {
    const open = join(dir, 'open.token');
    writeFileSync(open, `${newToken()}\n`, { mode: 0o644 });
    const r = await labSource(['serve', '--listen', '127.0.0.1:0', '--token-file', open]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Refusing the token file: .*open\.token can be read by other users \(mode 644\); run chmod 600/);
  });
});
