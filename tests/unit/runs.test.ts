// Training through the Engine as the UI does: live events, pause/resume/cancel, checkpoints, the
// run list, and models saved, loaded and used on new data with their own preprocessing.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../shared/api';
import type { BatchMetrics, DatasetId, DatasetSummary, EmbeddingData, TrainConfig } from '../../shared/types';
import { Engine } from '../../electron/engine/engine';
import { mulberry32 } from '../../electron/engine/core/random';
import { binaryClusters, runJob, tempDir, writeCsv } from './helpers/train';

const runsRoot = tempDir('runs');
process.env.LAB_RUNS_DIR = runsRoot;
// a checkpoint after every epoch here; the app writes one every few seconds (tested below)
process.env.LAB_CHECKPOINT_SECONDS = '0';

const engine = new Engine();
const dir = tempDir('data');
let binary: DatasetSummary;
let tabular: DatasetSummary;
// tabular: 6 numeric columns on different scales (standardized by the loader → Gaussian)
const rand = mulberry32(11);
const T_ROWS = 200;
const tab = new Float32Array(T_ROWS * 6).map((_, i) => (rand() - 0.5) * 10 ** (i % 6 % 3) + (i % 6));
const tabLabels = Int32Array.from({ length: T_ROWS }, (_, i) => i % 2);

const open = (path: string) => runJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path } }));
const quick = (over: Partial<TrainConfig> = {}): Partial<TrainConfig> => ({ latent: 2, hidden: [16], epochs: 3, batchSize: 16, validationFraction: 0.2, ...over });

beforeAll(async () => {
  const b = binaryClusters(400, 12);
  binary = await open(writeCsv(dir, 'binary.csv', b.x, 12, b.labels));
  tabular = await open(writeCsv(dir, 'tabular.csv', tab, 6, tabLabels));
  expect(binary.likelihood).toBe('bernoulli');
  expect(tabular.likelihood).toBe('gaussian-learned');
});

function train(datasetId: DatasetId, config: Partial<TrainConfig>, onEvent?: (e: JobEvent, jobId: string) => void) {
  return runJob(engine, 'train', engine.train({ datasetId, config }), onEvent);
}

describe('training through the engine', () => {
  it('streams the run, throttled batch metrics and epoch metrics with validation terms', async () => {
    const events: JobEvent[] = [];
    const run = await train(binary.id, quick({ model: 'info-vae' }), (e) => events.push(e));
    const first = events.find((e) => e.type === 'run');
    expect(first && first.type === 'run' && first.run).toMatchObject({ id: run.id, status: 'running', architecture: 'mlp', likelihood: 'bernoulli' });
    const epochs = events.filter((e) => e.type === 'metrics');
    expect(epochs).toHaveLength(3);
    const batches = events.flatMap((e) => (e.type === 'batch' ? [e.metrics] : [])) as BatchMetrics[];
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((b) => Number.isFinite(b.loss) && b.mmd !== null && b.etaSeconds >= 0 && b.samplesPerSec > 0)).toBe(true);
    expect(run.status).toBe('finished');
    expect(run.epochs[2].val).toMatchObject({ loss: expect.any(Number), kl: expect.any(Number), mmd: expect.any(Number), negElbo: expect.any(Number) });
    expect(run.test!.negElbo).toBeGreaterThan(0);
    expect(run.trainRows + run.validationRows).toBe(binary.trainRows);
    const emb = await engine.getEmbedding(run.embeddingId!);
    expect(emb).toMatchObject({ method: 'info-vae', runId: run.id, dims: 2, rows: binary.testRows });
  });

  it('writes a checkpoint at the end of every epoch, and a cancelled run leaves the last one loadable', async () => {
    const seenAtEpoch: number[] = [];
    let cancelled = false;
    let runId = '';
    const run = await train(binary.id, quick({ epochs: 50 }), (e, jobId) => {
      if (e.type === 'run') runId = e.run.id;
      if (e.type !== 'metrics') return;
      // at epoch k's event the previous epoch's checkpoint is on disk (k's is written right after)
      const json = join(runsRoot, runId, 'checkpoint', 'model.json');
      seenAtEpoch.push(existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')).training.epochs.length : 0);
      if (e.metrics.epoch === 3 && !cancelled) {
        cancelled = true;
        void engine.cancel(jobId as never);
      }
    });
    expect(run.status).toBe('cancelled');
    expect(run.epochs).toHaveLength(3);
    expect(seenAtEpoch).toEqual([0, 1, 2]);
    const files = readdirSync(run.checkpointDir!);
    expect(files.sort()).toEqual(['model.json', 'weights-epoch3.bin']);
    const loaded = await engine.loadModel({ path: run.checkpointDir! });
    expect(loaded).toMatchObject({ status: 'loaded', epochs: [{ epoch: 1 }, { epoch: 2 }, { epoch: 3 }] });
    const scored = await runJob(engine, 'evaluate', engine.evaluate({ runId: loaded.id, datasetId: binary.id }));
    expect(Number.isFinite(scored.values.negElbo)).toBe(true);
    const record = JSON.parse(readFileSync(join(runsRoot, run.id, 'run.json'), 'utf8'));
    expect(record).toMatchObject({ format: 'latent-lab-run', summary: { id: run.id, status: 'cancelled', checkpointDir: run.checkpointDir }, owner: null });
  });

  it('with fast epochs writes checkpoints every few seconds, and always the last epoch', async () => {
    process.env.LAB_CHECKPOINT_SECONDS = '3600';
    try {
      let runId = '';
      const written: number[] = [];
      const run = await train(binary.id, quick({ epochs: 6 }), (e) => {
        if (e.type === 'run') runId = e.run.id;
        if (e.type !== 'metrics') return;
        const json = join(runsRoot, runId, 'checkpoint', 'model.json');
        written.push(existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')).training.epochs.length : 0);
      });
      // the first epoch is written (none before it), then nothing until the run ends
      expect(written).toEqual([0, 1, 1, 1, 1, 1]);
      expect(readdirSync(run.checkpointDir!).sort()).toEqual(['model.json', 'weights-epoch6.bin']);
      const loaded = await engine.loadModel({ path: run.checkpointDir! });
      expect(loaded.epochs).toHaveLength(6);
    } finally {
      process.env.LAB_CHECKPOINT_SECONDS = '0';
    }
  });

  it('cancels within one batch: a cancel at the first live update ends the job before an epoch is done', async () => {
    let jobId = '';
    const err = await train(binary.id, quick({ epochs: 1, batchSize: 1, validationFraction: 0 }), (e, id) => {
      jobId = id;
      if (e.type === 'batch') void engine.cancel(id as never).catch(() => {});
    }).catch((e) => e);
    expect(err).toMatchObject({ code: 'cancelled' });
    const run = (await engine.listRuns()).at(-1)!;
    expect(run).toMatchObject({ status: 'cancelled', epochs: [] });
    expect(jobId).not.toBe('');
  });

  it('pauses after the current batch and resumes where it was', async () => {
    const log: string[] = [];
    let pausedAt = 0;
    const run = await train(binary.id, quick({ epochs: 1, batchSize: 4 }), (e, id) => {
      if (e.type === 'batch' && !pausedAt) {
        pausedAt = performance.now();
        void engine.pause(id as never);
      } else if (e.type === 'paused') {
        log.push('paused');
        setTimeout(() => {
          log.push('resume');
          void engine.resume(id as never);
        }, 400);
      } else if (e.type === 'resumed') log.push('resumed');
      else if (e.type === 'batch' && log.length === 1) log.push('batch while paused');
    });
    expect(log).toEqual(['paused', 'resume', 'resumed']);
    expect(run.status).toBe('finished');
    expect(run.epochs).toHaveLength(1);
  });

  it('a paused run can be cancelled', async () => {
    // pause as soon as the run exists: on a fast backend the first batch event may only come
    // after a whole epoch, and a run cancelled after an epoch ends 'cancelled' with a model
    const err = await train(binary.id, quick({ epochs: 5, batchSize: 2 }), (e, id) => {
      if (e.type === 'run') void engine.pause(id as never).catch(() => {});
      if (e.type === 'paused') void engine.cancel(id as never);
    }).catch((e) => e);
    expect(err).toMatchObject({ code: 'cancelled' });
  });

  it('keeps every run with its config, curves and final metrics', async () => {
    const a = await train(tabular.id, quick({ model: 'ae', epochs: 2 }));
    const b = await train(tabular.id, quick({ model: 'wae-mmd', epochs: 2, likelihood: 'gaussian-learned' }));
    const list = await engine.listRuns();
    const ids = list.map((r) => r.id);
    expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
    const got = await engine.getRun(b.id);
    expect(got).toMatchObject({ config: { model: 'wae-mmd', epochs: 2 }, likelihood: 'gaussian-learned', status: 'finished' });
    expect(got.epochs).toHaveLength(2);
    expect(got.test).toMatchObject({ kl: null, negElbo: null, mmd: expect.any(Number) });
  });

  it('refuses a config that does not fit the data before any job starts', async () => {
    const noLabel = await runJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path: join(dir, 'binary.csv') }, labelColumn: null }));
    await expect(engine.train({ datasetId: noLabel.id, config: { model: 'cvae' } })).rejects.toMatchObject({ code: 'bad-config', message: /label column/ });
    await expect(engine.train({ datasetId: tabular.id, config: { likelihood: 'bernoulli' } })).rejects.toMatchObject({ code: 'bad-config', message: /\[0, 1\]/ });
    await expect(engine.train({ datasetId: tabular.id, config: { architecture: 'conv' } })).rejects.toMatchObject({ code: 'bad-config', message: /not an image dataset/ });
    await expect(engine.train({ datasetId: tabular.id, config: { model: 'info-vae', alpha: -5, lambda: 2 } })).rejects.toMatchObject({ code: 'bad-config' });
  });
});

describe('saved models', () => {
  it('round-trips: a loaded model gives identical embeddings', async () => {
    const run = await train(tabular.id, quick({ model: 'vae', epochs: 2 }));
    const out = join(tempDir('save'), 'my model');
    const saved = await engine.saveModel({ runId: run.id, path: out });
    expect(saved.files).toEqual(['model.json', 'weights.bin']);
    const loaded = await engine.loadModel({ path: join(out, 'model.json') });
    expect(loaded).toMatchObject({ status: 'loaded', likelihood: 'gaussian-learned', config: run.config, test: run.test, datasetName: 'tabular.csv' });
    const e = await runJob(engine, 'embed', engine.embed({ runId: loaded.id, datasetId: tabular.id }));
    const a = await engine.getEmbedding(run.embeddingId!);
    const b = await engine.getEmbedding(e.id);
    expect(b.rowIds).toEqual(a.rowIds);
    expect(b.coords).toEqual(a.coords);
  });

  it('embeds a new file with the model’s own preprocessing (columns by name, its scaling)', async () => {
    const run = await train(tabular.id, quick({ model: 'cvae', epochs: 2 }));
    const out = tempDir('save2');
    await engine.saveModel({ runId: run.id, path: out });
    const loaded = await engine.loadModel({ path: out });
    // the same rows plus 60 others (so the loader standardizes differently), columns reversed
    const extra = new Float32Array(60 * 6).map((_, i) => 100 + i);
    const all = new Float32Array([...tab, ...extra]);
    const reversed = new Float32Array(all.length);
    for (let i = 0; i < all.length / 6; i++) for (let j = 0; j < 6; j++) reversed[i * 6 + j] = all[i * 6 + 5 - j];
    const labels = Int32Array.from({ length: all.length / 6 }, (_, i) => i % 2);
    const names = ['f6', 'f5', 'f4', 'f3', 'f2', 'f1'];
    const other = await open(writeCsv(dir, 'other.csv', reversed, 6, labels, names));
    const embedAll = async (runId: typeof run.id, datasetId: DatasetId) =>
      engine.getEmbedding((await runJob(engine, 'embed', engine.embed({ runId, datasetId, rows: 'all' }))).id);
    const original = await embedAll(run.id, tabular.id);
    const moved = await embedAll(loaded.id, other.id);
    const byRow = (e: EmbeddingData) => new Map(Array.from(e.rowIds, (r, i) => [r, [e.coords[2 * i], e.coords[2 * i + 1]]]));
    const want = byRow(original);
    const got = byRow(moved);
    expect(moved.rows).toBe(T_ROWS + 60);
    for (let r = 0; r < T_ROWS; r++) {
      expect(got.get(r)![0]).toBeCloseTo(want.get(r)![0], 4);
      expect(got.get(r)![1]).toBeCloseTo(want.get(r)![1], 4);
    }
  });

  it('trains further from a loaded model', async () => {
    const run = await train(binary.id, quick({ epochs: 2 }));
    const out = tempDir('save3');
    await engine.saveModel({ runId: run.id, path: out });
    const loaded = await engine.loadModel({ path: out });
    const more = await runJob(engine, 'train', engine.train({ datasetId: binary.id, initFrom: loaded.id, config: { epochs: 1, latent: 7, validationFraction: 0.2 } }));
    expect(more.config.latent).toBe(2);
    expect(more.epochs[0].loss).toBeLessThan(run.epochs[0].loss);
  });

  it('refuses to save into a folder that holds other files', async () => {
    const run = (await engine.listRuns()).find((r) => r.status === 'finished')!;
    const busy = tempDir('busy');
    writeFileSync(join(busy, 'notes.txt'), 'mine');
    await expect(engine.saveModel({ runId: run.id, path: busy })).rejects.toMatchObject({ code: 'folder-not-empty' });
  });

  it.each([
    ['not-ours', /was not written by Latent Lab/],
    ['truncated-weights', /weights\.bin holds 60 bytes where the manifest lists 100/],
    ['missing-weights', /weights file weights\.bin is missing/],
    ['bad-json', /model\.json is not valid JSON/],
    ['wrong-shape', /weight "enc\/mu\/w" \[2, 3\] does not fit its spec/],
    ['no-model-json', /model\.json is missing/],
  ])('refuses the bad model folder %s with a clear message', async (name, says) => {
    await expect(engine.loadModel({ path: join(__dirname, '..', 'fixtures', 'bad', 'models', name) }))
      .rejects.toMatchObject({ code: 'bad-model', message: says });
  });
});
