// The engine methods that let a client on another machine use the engine's files as its own:
// browsing the allowed folders (never through a link that leads out), a served engine refusing
// every path outside them, uploads in pieces (offsets, resends, caps, swaps refused), downloads of
// what the engine wrote in this session only, and the job states a reconnecting client asks for.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { removeUploads } from '../../electron/engine/data/uploads';
import { Engine } from '../../electron/engine/engine';
import { installPathPolicy } from '../../electron/engine/files/roots';
import { awaitJob } from '../../electron/engine/session/await-job';
import type { LabEvent } from '../../shared/api';
import { pathPolicy } from '../../shared/schemas';
import type { DatasetSummary, EmbeddingId } from '../../shared/types';
import { badChunks, malformedChunks } from '../fixtures/bad/remote';

const blobs = fileURLToPath(new URL('../fixtures/good/blobs.csv', import.meta.url));
let root: string; // an allowed folder
let outside: string; // a folder that is not
const saved = { roots: process.env.LAB_ALLOWED_ROOTS, served: process.env.LAB_SERVED, runtime: process.env.XDG_RUNTIME_DIR, max: process.env.LAB_MAX_UPLOAD_MB };
const engine = new Engine();

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'lab-roots-')));
  outside = realpathSync(mkdtempSync(join(tmpdir(), 'lab-outside-')));
  process.env.XDG_RUNTIME_DIR = realpathSync(mkdtempSync(join(tmpdir(), 'lab-runtime-')));
  chmodSync(process.env.XDG_RUNTIME_DIR, 0o700);
  mkdirSync(join(root, 'data', 'inner'), { recursive: true });
  writeFileSync(join(root, 'data', 'b.csv'), 'x,y\n1,2\n');
  writeFileSync(join(root, 'data', 'a.csv'), 'x,y\n1,2\n');
  writeFileSync(join(root, 'data', '.hidden'), 'secret');
  writeFileSync(join(outside, 'secret.csv'), 'x,y\n1,2\n');
  writeFileSync(join(root, 'blobs.csv'), readFileSync(blobs));
  writeFileSync(join(outside, 'blobs.csv'), readFileSync(blobs));
  symlinkSync(outside, join(root, 'data', 'link-out'));
  symlinkSync(join(outside, 'secret.csv'), join(root, 'data', 'file-out.csv'));
  symlinkSync(join(root, 'data', 'a.csv'), join(root, 'data', 'link-in.csv'));
  process.env.LAB_ALLOWED_ROOTS = JSON.stringify([root]);
});

afterAll(async () => {
  await removeUploads();
  for (const [k, v] of [['LAB_ALLOWED_ROOTS', saved.roots], ['LAB_SERVED', saved.served], ['XDG_RUNTIME_DIR', saved.runtime], ['LAB_MAX_UPLOAD_MB', saved.max]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** A served engine's policy, on for one test. */
function served(): void {
  process.env.LAB_SERVED = '1';
  installPathPolicy();
}
afterEach(() => {
  delete process.env.LAB_SERVED;
  pathPolicy.check = null;
});

describe('listFolder', () => {
  it('lists the allowed folders, then a folder inside: folders first, hidden files and links that lead out left out', async () => {
    const top = await engine.listFolder({});
    expect(top).toMatchObject({ path: null, roots: [root], entries: [{ path: root, kind: 'folder' }] });
    const data = await engine.listFolder({ path: join(root, 'data') });
    expect(data.entries.map((e) => `${e.kind}:${e.name}`)).toEqual(['folder:inner', 'file:a.csv', 'file:b.csv', 'file:link-in.csv']);
    // .hidden, the link to a folder outside and the link to a file outside
    expect(data.omitted).toBe(3);
    expect(data.parent).toBe(root);
    expect((await engine.listFolder({ path: root })).parent).toBeNull();
    expect((await engine.listFolder({ path: join(root, 'data'), hidden: true })).entries.map((e) => e.name)).toContain('.hidden');
  });

  it.each([
    ['a folder outside', () => outside, /is outside the folders this engine serves/],
    ['the parent of an allowed folder', () => join(root, '..'), /is outside the folders this engine serves/],
    ['a link inside that leads out', () => join(root, 'data', 'link-out'), /link-out is outside the folders this engine serves \(.*\): it leads to .*lab-outside-/],
    ['a relative path', () => 'data', /"data" is not a full path/],
  ])('refuses %s', async (_name, path, says) => {
    await expect(engine.listFolder({ path: path() })).rejects.toThrow(says);
  });
});

describe('a served engine uses no path outside its folders', () => {
  it('refuses to open, export to or save into a path outside, or through a link that leads out', async () => {
    served();
    await expect(engine.openDataset({ source: { kind: 'file', path: join(outside, 'secret.csv') } })).rejects.toMatchObject({ code: 'outside-roots', message: expect.stringMatching(/secret\.csv is outside the folders this engine serves/) });
    await expect(engine.openDataset({ source: { kind: 'file', path: join(root, 'data', 'file-out.csv') } })).rejects.toMatchObject({ code: 'outside-roots', message: expect.stringMatching(/it leads to .*secret\.csv/) });
    await expect(engine.openDataset({ source: { kind: 'file', path: join(root, 'data', 'link-out', 'new.csv') } })).rejects.toMatchObject({ code: 'outside-roots' });
    await expect(engine.openDataset({ source: { kind: 'file', path: '/etc/passwd' } })).rejects.toMatchObject({ code: 'outside-roots' });
    await expect(engine.loadModel({ path: outside })).rejects.toMatchObject({ code: 'outside-roots' });
    await expect(engine.inspectWorkspace(join(outside, 'w.latentlab'))).rejects.toMatchObject({ code: 'outside-roots' });
    const ds = await awaitJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path: join(root, 'blobs.csv') } }));
    const pca = await awaitJob(engine, 'pca', engine.computePca({ datasetId: ds.id, components: 2 }));
    await expect(engine.exportEmbedding({ embeddingId: pca.id, path: join(outside, 'pca.csv') })).rejects.toMatchObject({ code: 'outside-roots' });
    await expect(engine.exportEmbedding({ embeddingId: pca.id, path: join(root, 'data', 'link-out', 'pca.csv') })).rejects.toMatchObject({ code: 'outside-roots' });
    expect(existsSync(join(outside, 'pca.csv'))).toBe(false);
    // inside: fine
    const ok = await awaitJob(engine, 'export', engine.exportEmbedding({ embeddingId: pca.id, path: join(root, 'pca.csv') }));
    expect(ok.path).toBe(join(root, 'pca.csv'));
  });

  it('lets a served engine open what was uploaded to it', async () => {
    served();
    const path = await engine.uploadFile('up.csv', new Uint8Array(readFileSync(blobs)));
    const ds = await awaitJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path } }));
    expect(ds.rows).toBeGreaterThan(0);
  });

  it('does not reopen (or even read) a dataset a workspace names outside its folders', async () => {
    const ds = await awaitJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path: join(outside, 'blobs.csv') } }));
    const ws = join(root, 'study.latentlab');
    await engine.saveWorkspace({ path: ws, datasets: [ds.id], overwrite: true });
    await engine.closeDataset(ds.id);
    served();
    const opened = await awaitJob(engine, 'workspace', engine.openWorkspace({ path: ws }));
    expect(opened.datasets[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/blobs\.csv did not open: .*blobs\.csv is outside the folders this engine serves/) });
  });

  it('leaves this machine\'s engine free to open any file (the policy is for served engines only)', async () => {
    const ds = await awaitJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path: join(outside, 'blobs.csv') } }));
    expect(ds.rows).toBeGreaterThan(0);
  });
});

describe('uploadChunk', () => {
  const piece = (n: number, fill: number) => new Uint8Array(n).fill(fill);

  it('writes pieces at their offsets into a 0600 file, accepts a piece sent again, and answers the path at the end', async () => {
    const id = 'test-upload-1';
    expect(await engine.uploadChunk({ uploadId: id, name: 'data.csv', offset: 0, bytes: piece(5, 65), last: false })).toEqual({ received: 5, path: null });
    expect(await engine.uploadChunk({ uploadId: id, name: 'data.csv', offset: 5, bytes: piece(3, 66), last: false })).toEqual({ received: 8, path: null });
    // the answer was lost: the same piece again
    expect(await engine.uploadChunk({ uploadId: id, name: 'data.csv', offset: 5, bytes: piece(3, 66), last: false })).toEqual({ received: 8, path: null });
    const end = await engine.uploadChunk({ uploadId: id, name: 'data.csv', offset: 8, bytes: piece(2, 67), last: true });
    expect(end.received).toBe(10);
    expect(readFileSync(end.path!, 'latin1')).toBe('AAAAABBBCC');
    expect(lstatSync(end.path!).mode & 0o777).toBe(0o600);
  });

  it.each(badChunks.map((c) => [c.name, c] as const))('refuses %s', async (_name, c) => {
    process.env.LAB_MAX_UPLOAD_MB = '1';
    try {
      const id = `bad-${Math.random().toString(36).slice(2, 10)}`;
      const calls = c.calls.map((k) => () => engine.uploadChunk({ uploadId: id, name: k.name ?? 'data.csv', offset: k.offset, bytes: piece(k.size, 1), last: k.last }));
      for (const call of calls.slice(0, -1)) await call();
      await expect(calls.at(-1)!()).rejects.toMatchObject({ code: c.code, message: expect.stringMatching(c.says) });
    } finally {
      delete process.env.LAB_MAX_UPLOAD_MB;
    }
  });

  it.each(malformedChunks)('refuses a malformed request: %s', async (_name, req, says) => {
    await expect(engine.call('uploadChunk', [req])).rejects.toThrow(says);
  });

  it('refuses to go on when the partial file was swapped, and cancelUpload deletes what arrived', async () => {
    const first = await engine.uploadChunk({ uploadId: 'swap-test-1', name: 'swap.csv', offset: 0, bytes: piece(4, 1), last: false });
    expect(first.received).toBe(4);
    const { path } = await engine.uploadChunk({ uploadId: 'probe-test-1', name: 'probe.csv', offset: 0, bytes: piece(1, 1), last: true });
    const partial = join(path!, '..', '..', 'swap-test-1', 'swap.csv');
    expect(existsSync(partial)).toBe(true);
    writeFileSync(`${partial}.other`, 'XXXX');
    renameSync(`${partial}.other`, partial);
    await expect(engine.uploadChunk({ uploadId: 'swap-test-1', name: 'swap.csv', offset: 4, bytes: piece(4, 2), last: true })).rejects.toThrow(/was changed by something else/);
    await engine.uploadChunk({ uploadId: 'cancel-test', name: 'c.csv', offset: 0, bytes: piece(4, 1), last: false });
    const cancelled = join(path!, '..', '..', 'cancel-test', 'c.csv');
    expect(existsSync(cancelled)).toBe(true);
    await engine.cancelUpload('cancel-test');
    expect(existsSync(cancelled)).toBe(false);
  });
});

describe('downloadFile', () => {
  let ds: DatasetSummary;
  let pcaId: EmbeddingId;
  beforeAll(async () => {
    ds = await awaitJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path: blobs } }));
    pcaId = (await awaitJob(engine, 'pca', engine.computePca({ datasetId: ds.id, components: 2 }))).id;
  });

  it('hands back, piece by piece, a file the engine wrote, and lists it among the written files', async () => {
    const out = await engine.outputFolder();
    const target = join(out, 'pca.csv');
    await awaitJob(engine, 'export', engine.exportEmbedding({ embeddingId: pcaId, path: target }));
    expect(await engine.writtenFiles({ folder: out })).toEqual([{ path: target, size: readFileSync(target).byteLength }]);
    const parts: Uint8Array[] = [];
    for (let offset = 0; ;) {
      const p = await engine.downloadFile({ path: target, offset, length: 1000 });
      parts.push(p.bytes);
      offset += p.bytes.byteLength;
      if (p.done) break;
    }
    expect(parts.length).toBeGreaterThan(1);
    expect(Buffer.concat(parts).equals(readFileSync(target))).toBe(true);
  });

  it('refuses a file the engine did not write in this session, and one replaced since', async () => {
    await expect(engine.downloadFile({ path: blobs, offset: 0 })).rejects.toMatchObject({ code: 'not-downloadable' });
    await expect(engine.downloadFile({ path: '/etc/passwd', offset: 0 })).rejects.toMatchObject({ code: 'not-downloadable' });
    const out = await engine.outputFolder();
    const target = join(out, 'pca.csv');
    await awaitJob(engine, 'export', engine.exportEmbedding({ embeddingId: pcaId, path: target }));
    writeFileSync(`${target}.x`, 'not what was written');
    renameSync(`${target}.x`, target);
    await expect(engine.downloadFile({ path: target, offset: 0 })).rejects.toMatchObject({ code: 'changed' });
  });
});

describe('jobs', () => {
  it('lists a running job with its last progress, and keeps how it ended', async () => {
    const ds = await awaitJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path: blobs } }));
    // listening before the call: a job's first events can come before its id is handed back
    const seen: LabEvent[] = [];
    const stopListening = engine.onEvent((e) => seen.push(e));
    const jobId = await engine.train({ datasetId: ds.id, config: { epochs: 300, hidden: [16], latent: 2, batchSize: 16 } });
    const firstNews = await new Promise<LabEvent>((resolve) => {
      const look = () => {
        const e = seen.find((x) => x.jobId === jobId && x.type !== 'started' && x.type !== 'run');
        if (e) resolve(e);
        else setTimeout(look, 10);
      };
      look();
    });
    stopListening();
    expect(firstNews.type).not.toMatch(/done|error|cancelled/);
    const running = await engine.jobs();
    expect(running.running.find((j) => j.jobId === jobId)).toMatchObject({ kind: 'train', title: expect.stringMatching(/^Train VAE on blobs\.csv/), paused: false, fraction: expect.any(Number) });
    await engine.pause(jobId);
    expect((await engine.jobs()).running.find((j) => j.jobId === jobId)?.paused).toBe(true);
    const ended = new Promise<void>((resolve) => {
      const off = engine.onEvent((e) => e.type === 'cancelled' && e.jobId === jobId && (off(), resolve()));
    });
    await engine.cancel(jobId);
    await ended;
    const after = await engine.jobs();
    expect(after.running.some((j) => j.jobId === jobId)).toBe(false);
    expect(after.ended.find((e) => e.jobId === jobId)).toEqual({ type: 'cancelled', jobId });
  });
});
