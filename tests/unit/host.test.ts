// The engine in its own process, as the app and the CLI run it (the BUILT entry: npm test builds
// first; a missing or stale build fails): calls and events cross the process boundary, and a
// crash of the engine process is contained — running jobs end with an error saying how it ended
// and what was running, the UI gets a notice, and a fresh engine answers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeExit } from '../../electron/engine/host/channel';
import { EngineHost } from '../../electron/engine/host/host';
import type { JobEvent, LabEvent } from '../../shared/api';
import { assertFreshBuild } from './helpers/build';

const entry = fileURLToPath(new URL('../../out/main/engine.js', import.meta.url));
const blobs = fileURLToPath(new URL('../fixtures/good/blobs.csv', import.meta.url));
const hosts: EngineHost[] = [];
beforeAll(() => assertFreshBuild(['out/main/engine.js']));
afterAll(() => Promise.all(hosts.map((h) => h.close())));

function newHost(): EngineHost {
  const host = new EngineHost({ entry });
  hosts.push(host);
  return host;
}

/**
 * Resolves with the job's last event (done, error or cancelled). Listens before the call: several
 * messages can arrive in one read, so a job's events may come before its id has been handed back.
 */
function runToEnd(host: EngineHost, start: Promise<string> | string): Promise<JobEvent> {
  const seen: JobEvent[] = [];
  return new Promise((resolve) => {
    let id: string | null = null;
    const check = (e: JobEvent) => {
      if (e.jobId === id && (e.type === 'done' || e.type === 'error' || e.type === 'cancelled')) {
        off();
        resolve(e);
      }
    };
    const off = host.api.onEvent((e) => {
      if (e.type === 'engine-restarted' || e.type === 'engine-connection') return;
      if (id === null) seen.push(e);
      else check(e);
    });
    void Promise.resolve(start).then((jobId) => {
      id = jobId;
      seen.splice(0).forEach(check);
    });
  });
}

function nextNotice(host: EngineHost): Promise<LabEvent> {
  return new Promise((resolve) => {
    const off = host.api.onEvent((e) => e.type === 'engine-restarted' && (off(), resolve(e)));
  });
}

describe('EngineHost with the engine process', () => {
  it('answers calls from another process and streams job events', async () => {
    const host = newHost();
    expect(host.pid).not.toBe(process.pid);
    const list = await host.api.listDatasets();
    expect(list.map((d) => d.name)).toContain('mnist');
    const end = await runToEnd(host, host.api.openDataset({ source: { kind: 'file', path: '/no/such/file.csv' } }));
    expect(end.type).toBe('error');
    if (end.type === 'error') expect(end.error.message).toContain('file.csv: not found at /no/such/file.csv');
    // typed arrays cross the boundary as typed arrays
    const opened = await runToEnd(host, host.api.openDataset({ source: { kind: 'file', path: blobs } }));
    if (opened.type !== 'done' || opened.kind !== 'open') throw new Error('blobs.csv did not open');
    const rows = await host.api.getRows({ datasetId: opened.result.id, split: 'train', rowIds: [opened.result.sampleRowIds[0]] });
    expect(rows.features).toBeInstanceOf(Float32Array);
  });

  it('turns a native crash during training into an error naming the job, a notice, and a fresh engine', async () => {
    const host = newHost();
    const opened = await runToEnd(host, host.api.openDataset({ source: { kind: 'file', path: blobs } }));
    const datasetId = opened.type === 'done' && opened.kind === 'open' ? opened.result.id : '';
    const firstPid = host.pid;
    const config = { latent: 2, hidden: [32], epochs: 10000, batchSize: 8, learningRate: 0.001, seed: 1, limit: 0 };
    const jobId = await host.api.train({ datasetId: datasetId as never, config });
    await new Promise<void>((resolve) => {
      const off = host.api.onEvent((e) => e.type === 'progress' && e.jobId === jobId && (off(), resolve()));
    });
    const ended = runToEnd(host, jobId);
    const notice = nextNotice(host);
    host.simulateCrash('SIGSEGV');
    const end = await ended;
    expect(end).toMatchObject({ type: 'error', error: { code: 'engine-crashed' } });
    if (end.type === 'error') expect(end.error.message).toMatch(/crashed in native code \(SIGSEGV\) while “Train VAE on blobs\.csv” was running/);
    expect(await notice).toMatchObject({ type: 'engine-restarted' });
    expect(host.starts).toBe(2);
    expect(host.pid).not.toBe(firstPid);
    expect((await host.api.listDatasets()).length).toBeGreaterThan(0);
    // the dataset lived in the engine that stopped
    await expect(host.api.getDataset(datasetId as never)).rejects.toMatchObject({ code: 'no-such-dataset' });
  });

  it('names the file being opened when the engine dies opening it', async () => {
    process.env.LAB_TEST_CRASH_ON_OPEN = 'blobs.csv';
    try {
      const host = newHost();
      const end = await runToEnd(host, host.api.openDataset({ source: { kind: 'file', path: blobs } }));
      expect(end.type).toBe('error');
      if (end.type === 'error') {
        expect(end.error.message).toMatch(/The engine stopped: it crashed in native code \(SIGSEGV\) while “Open blobs\.csv” was running\./);
        expect(end.error.detail).toMatch(/file being opened may be the cause/);
      }
    } finally {
      delete process.env.LAB_TEST_CRASH_ON_OPEN;
    }
  });
});

describe('how an engine process ended, in words', () => {
  it.each([
    [{ code: null, signal: 'SIGSEGV', stderr: '' }, 'it crashed in native code (SIGSEGV)'],
    [{ code: 134, signal: 'SIGABRT', stderr: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory' }, 'it ran out of memory'],
    [{ code: null, signal: 'SIGKILL', stderr: '' }, 'it was killed (SIGKILL, often the system running out of memory)'],
    [{ code: 3, signal: null, stderr: '' }, 'it exited with code 3'],
  ])('%j', (exit, words) => {
    expect(describeExit(exit)).toBe(words);
  });
});

const backends = ['native', 'wasm', 'cpu'] as const;

describe('a crash and restart on every backend', () => {
  it.each(backends)('%s: the fresh engine runs on the same backend and lists the finished run from disk, the running one interrupted', async (backend) => {
    const runs = mkdtempSync(join(tmpdir(), `lab-crash-${backend}-`));
    const host = new EngineHost({ entry, env: { LAB_BACKEND: backend, LAB_RUNS_DIR: runs, LAB_CHECKPOINT_SECONDS: '0' } });
    hosts.push(host);
    const info = await host.api.backend();
    if (info.name !== backend) {
      // native needs the addon: under CI it must be there (tests/unit/helpers/native.ts)
      if (backend === 'native' && !process.env.CI && !process.env.LAB_REQUIRE_NATIVE) return console.warn(`host.test: native backend not available (${info.detail}); skipped`);
      throw new Error(`asked for ${backend}, got ${info.detail}`);
    }
    const opened = await runToEnd(host, host.api.openDataset({ source: { kind: 'file', path: blobs } }));
    const datasetId = (opened.type === 'done' && opened.kind === 'open' ? opened.result.id : '') as never;
    const small = { latent: 2, hidden: [8], batchSize: 32, learningRate: 0.001, seed: 1, limit: 0 };
    const finished = await runToEnd(host, host.api.train({ datasetId, config: { ...small, epochs: 2 } }));
    expect(finished).toMatchObject({ type: 'done' });
    const finishedId = finished.type === 'done' && finished.kind === 'train' ? finished.result.id : '';
    // listen before the call: the job's first events can arrive with its id
    let runningId = '';
    const epochDone = new Promise<void>((resolve) => {
      const off = host.api.onEvent((e) => {
        if (e.type === 'run') runningId = e.run.id;
        if (e.type === 'metrics' && runningId) (off(), resolve());
      });
    });
    await host.api.train({ datasetId, config: { ...small, epochs: 10000 } });
    await epochDone;
    const notice = nextNotice(host);
    host.simulateCrash('SIGSEGV');
    await notice;
    expect((await host.api.backend()).name).toBe(backend);
    const list = await host.api.listRuns();
    expect(list.find((r) => r.id === finishedId)).toMatchObject({ status: 'finished', epochs: [{}, {}] });
    expect(list.find((r) => r.id === runningId)).toMatchObject({ status: 'interrupted' });
    // the finished model still works in the fresh engine once its data is open again
    const again = await runToEnd(host, host.api.openDataset({ source: { kind: 'file', path: blobs } }));
    expect(again.type === 'done' && again.kind === 'open' && again.result.id).toBe(datasetId);
    const samples = await host.api.generateSamples({ runId: finishedId as never, count: 2, seed: 1 });
    expect(samples.samples.rows).toBe(2);
  });
});
