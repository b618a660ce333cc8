import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../electron/engine/host/host';
import type { JobEvent } from '../../shared/api';

// The host runs the BUILT worker (npm test builds first), exactly as the app does.
const workerPath = fileURLToPath(new URL('../../out/main/worker.js', import.meta.url));
const host = new EngineHost({ workerPath });
afterAll(() => host.close());

/** Resolves with the job's last event (done, error or cancelled). */
function runToEnd(jobId: string): Promise<JobEvent> {
  return new Promise((resolve) => {
    const off = host.api.onEvent((e) => {
      if (e.jobId === jobId && (e.type === 'done' || e.type === 'error' || e.type === 'cancelled')) {
        off();
        resolve(e);
      }
    });
  });
}

describe.skipIf(!existsSync(workerPath))('EngineHost with the engine worker', () => {
  it('answers calls from the worker thread and streams job events', async () => {
    const list = await host.api.listDatasets();
    expect(list.map((d) => d.name)).toContain('mnist');
    const events: JobEvent[] = [];
    const done = new Promise<JobEvent>((resolve) => {
      host.api.onEvent((e) => {
        events.push(e);
        if (e.type === 'done' || e.type === 'error') resolve(e);
      });
    });
    await host.api.openDataset({ source: { kind: 'file', path: '/no/such/file.csv' } });
    const end = await done;
    expect(end.type).toBe('error');
    if (end.type === 'error') expect(end.error.message).toContain('file.csv: not found at /no/such/file.csv');
    expect(events[0].type).toBe('started');
  });

  it('turns a crash into an error event for the running job and starts a fresh worker', async () => {
    expect(host.starts).toBe(1);
    const blobs = fileURLToPath(new URL('../fixtures/good/blobs.csv', import.meta.url));
    const opened = await runToEnd(await host.api.openDataset({ source: { kind: 'file', path: blobs } }));
    expect(opened.type).toBe('done');
    const datasetId = opened.type === 'done' && opened.kind === 'open' ? opened.result.id : '';
    const config = { latent: 2, hidden: [32], epochs: 10000, batchSize: 8, learningRate: 0.001, seed: 1, limit: 0 };
    const jobId = await host.api.train({ datasetId: datasetId as never, config });
    await new Promise<void>((resolve) => {
      const off = host.api.onEvent((e) => e.jobId === jobId && e.type === 'progress' && (off(), resolve()));
    });
    const ended = runToEnd(jobId);
    await host.simulateCrash();
    const end = await ended;
    expect(end).toMatchObject({ type: 'error', error: { code: 'engine-crashed' } });
    const again = await host.api.listDatasets();
    expect(again.length).toBeGreaterThan(0);
    expect(host.starts).toBe(2);
  });
});

if (!existsSync(workerPath)) console.warn(`host.test: skipped, ${workerPath} is not built (run npm run build)`);
