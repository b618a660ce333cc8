// Work that lasts: the run list is rebuilt from disk by a fresh engine (as after a restart or a
// crash), a run left 'running' by a dead process is 'interrupted' and resumable, runs can be
// renamed and deleted, titles never repeat, and the same data opened with the same settings is
// the same dataset in every session, so its runs find it again.
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import type { DatasetSummary, RunSummary, TrainConfig } from '../../shared/types';
import { binaryClusters, runJob, tempDir, writeCsv } from './helpers/train';

const runsRoot = tempDir('runs');
process.env.LAB_RUNS_DIR = runsRoot;
process.env.LAB_CHECKPOINT_SECONDS = '0';

const dir = tempDir('data');
const data = binaryClusters(300, 10);
const csv = writeCsv(dir, 'clusters.csv', data.x, 10, data.labels);
const quick: Partial<TrainConfig> = { latent: 2, hidden: [12], epochs: 4, batchSize: 32 };

const open = (engine: Engine, path = csv, options = {}) =>
  runJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path }, ...options }));
const train = (engine: Engine, ds: DatasetSummary, config = quick) => runJob(engine, 'train', engine.train({ datasetId: ds.id, config }));

describe('dataset identity', () => {
  it('gives the same file with the same settings the same id in another engine, and changed settings or content another', async () => {
    const a = await open(new Engine());
    const b = await open(new Engine());
    expect(b.id).toBe(a.id);
    // reopening with the settings the engine resolved (what a workspace or a restart sends) is the same dataset
    const again = new Engine();
    expect((await open(again, csv, a.options)).id).toBe(a.id);
    expect((await open(again, csv, { scaling: 'standardize' })).id).not.toBe(a.id);
    // another file with the same bytes is another dataset; so is this one once it changed
    const copy = writeCsv(dir, 'copy.csv', data.x, 10, data.labels);
    const c = await open(again, copy);
    expect(c.id).not.toBe(a.id);
    utimesSync(copy, new Date(), new Date(Date.now() + 60_000));
    expect((await open(again, copy)).id).not.toBe(c.id);
  });
});

describe('runs kept on disk', () => {
  let ds: DatasetSummary;
  let first: RunSummary;
  beforeAll(async () => {
    const engine = new Engine();
    ds = await open(engine);
    first = await train(engine, ds);
  });

  it('are listed by a fresh engine with their curves and metrics, and their model works once the data is open', async () => {
    const fresh = new Engine();
    const runs = await fresh.listRuns();
    const back = runs.find((r) => r.id === first.id)!;
    expect(back).toMatchObject({ status: 'finished', title: first.title, datasetId: ds.id });
    expect(back.epochs).toHaveLength(4);
    expect(back.test!.negElbo).toBeCloseTo(first.test!.negElbo!, 5);
    const reopened = await open(fresh);
    expect(reopened.id).toBe(ds.id);
    // the model is read from its checkpoint when first used: same codes as the engine that trained it
    const emb = await runJob(fresh, 'reduce', fresh.reduce({ datasetId: reopened.id, method: 'latent', params: { runId: first.id } }));
    expect(emb.dims).toBe(2);
    const samples = await fresh.generateSamples({ runId: first.id, count: 4, seed: 3 });
    expect(samples.samples.rows).toBe(4);
  });

  it('appear in an engine that was already running when another process (the CLI) trained them', async () => {
    const app = new Engine();
    const before = (await app.listRuns()).length;
    const cli = new Engine();
    const extra = await train(cli, await open(cli));
    const after = await app.listRuns();
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)!.id).toBe(extra.id);
  });

  it('never repeat a title: a second run of the same model on the same data is numbered', async () => {
    const engine = new Engine();
    const d = await open(engine);
    const second = await train(engine, d);
    expect(second.title.startsWith(`${first.title} #`)).toBe(true);
    const titles = (await engine.listRuns()).map((r) => r.title);
    expect(new Set(titles).size).toBe(titles.length);
    const renamed = await engine.renameRun({ runId: second.id, title: 'my favourite' });
    expect(renamed.title).toBe('my favourite');
    expect((await new Engine().listRuns()).find((r) => r.id === second.id)!.title).toBe('my favourite');
    await engine.deleteRun(second.id);
    expect((await engine.listRuns()).some((r) => r.id === second.id)).toBe(false);
    expect((await new Engine().listRuns()).some((r) => r.id === second.id)).toBe(false);
  });

  it('shows a run left running by a process that is gone as interrupted, and resumes it from its checkpoint', async () => {
    const engine = new Engine();
    const d = await open(engine);
    const done = await train(engine, d, { ...quick, epochs: 6 });
    // as a killed process leaves it: 'running', 3 epochs done, owned by a pid that no longer exists
    const file = join(runsRoot, done.id, 'run.json');
    const record = JSON.parse(readFileSync(file, 'utf8'));
    record.summary.status = 'running';
    record.summary.epochs = record.summary.epochs.slice(0, 3);
    record.owner = { pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname() };
    writeFileSync(file, JSON.stringify(record));
    const fresh = new Engine();
    const run = (await fresh.listRuns()).find((r) => r.id === done.id)!;
    expect(run.status).toBe('interrupted');
    expect(run.message).toMatch(/Interrupted: the app stopped during training \(epoch 4 of 6\)/);
    await expect(fresh.resumeRun(done.id)).rejects.toMatchObject({ code: 'no-dataset' });
    await open(fresh);
    const resumed = await runJob(fresh, 'train', fresh.resumeRun(done.id));
    expect(resumed.title).toBe(`${done.title} (resumed)`);
    expect(resumed.epochs).toHaveLength(3);
    expect(resumed.status).toBe('finished');
  });

  it('warns that checkpoints are off when the runs folder cannot be written, instead of finishing silently', async () => {
    // a folder that cannot be made, even by root: its parent is a file
    const blocker = join(tempDir('locked'), 'not-a-folder');
    writeFileSync(blocker, 'x');
    const before = process.env.LAB_RUNS_DIR;
    process.env.LAB_RUNS_DIR = join(blocker, 'runs');
    try {
      const engine = new Engine();
      const d = await open(engine);
      const run = await train(engine, d);
      expect(run.status).toBe('finished');
      expect(run.warnings.join(' ')).toMatch(/Checkpoints are off: the runs folder .* cannot be written/);
    } finally {
      process.env.LAB_RUNS_DIR = before;
    }
  });
});
