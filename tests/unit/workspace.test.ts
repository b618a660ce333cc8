// Workspaces: a session's work saved into one .latentlab file and opened again by another engine
// (another day, a colleague): datasets reopened from their files with their settings, embeddings
// with their coordinates (nothing recomputed), table rows, anomaly results, runs with their models
// and the window's views; a moved or changed file is asked for again, never swapped; an old or
// damaged workspace gives a clear message and opens what it can.
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import type { DatasetSummary, EmbeddingSummary, RunSummary } from '../../shared/types';
import { badWorkspaces } from '../fixtures/bad/workspaces';
import { binaryClusters, runJob, tempDir, writeCsv } from './helpers/train';

process.env.LAB_CHECKPOINT_SECONDS = '0';
const dir = tempDir('ws-data');
const data = binaryClusters(240, 8);
const csv = writeCsv(dir, 'clusters.csv', data.x, 8, data.labels);
const wsDir = tempDir('ws');

/** A new engine with its own runs folder, as another machine or another day would have. */
function freshEngine(): Engine {
  process.env.LAB_RUNS_DIR = tempDir('ws-runs');
  return new Engine();
}

const open = (engine: Engine, path = csv) => runJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path }, labelColumn: 'label' }));

describe('workspaces', () => {
  let engine: Engine;
  let ds: DatasetSummary;
  let pca: EmbeddingSummary;
  let tsne: EmbeddingSummary;
  let run: RunSummary;
  let saved: string;
  const selection = Int32Array.from([1, 4, 9]);

  beforeAll(async () => {
    engine = freshEngine();
    ds = await open(engine);
    pca = await runJob(engine, 'pca', engine.computePca({ datasetId: ds.id, components: 2 }));
    tsne = await runJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'tsne', params: { iterations: 250, perplexity: 10 } }));
    run = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: { latent: 2, hidden: [8], epochs: 3, batchSize: 32 } }));
    await runJob(engine, 'metrics', engine.computeMetrics({ datasetId: ds.id }));
    await runJob(engine, 'anomalies', engine.detectAnomalies({ datasetId: ds.id, normalClasses: [0], methods: ['pca-error'], pcaComponents: 3 }));
    saved = join(wsDir, 'day-one.latentlab');
    const result = await engine.saveWorkspace({ path: saved, views: { [ds.id]: { shown: [pca.id, tsne.id], colorBy: 'label', selection, selections: [{ name: 'odd ones', rows: Int32Array.from([3, 5]) }] } }, active: ds.id, panel: 'compare' });
    expect(result).toMatchObject({ datasets: 1, runs: 1 });
    expect(result.embeddings).toBe(3);
  });

  it('opens in another engine with the same embeddings (coordinates, not recomputed), table rows, anomaly results, runs and views', async () => {
    const other = freshEngine();
    const opened = await runJob(other, 'workspace', other.openWorkspace({ path: saved }));
    expect(opened.datasets).toEqual([expect.objectContaining({ savedId: ds.id, id: ds.id, status: 'opened', embeddings: 3, anomalies: 1 })]);
    expect(opened.active).toBe(ds.id);
    expect(opened.panel).toBe('compare');
    const view = opened.views[ds.id] as { shown: string[]; selection: Int32Array; selections: { name: string; rows: Int32Array }[] };
    expect(view.shown).toEqual([pca.id, tsne.id]);
    expect(Array.from(view.selection)).toEqual([1, 4, 9]);
    // named selections come back as typed rows
    expect(view.selections).toHaveLength(1);
    expect(view.selections[0].name).toBe('odd ones');
    expect(view.selections[0].rows).toBeInstanceOf(Int32Array);
    expect(Array.from(view.selections[0].rows)).toEqual([3, 5]);
    // t-SNE is random: equal coordinates mean it was read back, not run again
    const before = await engine.getEmbedding(tsne.id);
    const after = await other.getEmbedding(tsne.id);
    expect(Array.from(after.coords)).toEqual(Array.from(before.coords));
    // the comparison table comes back without being computed again
    const table = await runJob(other, 'metrics', other.computeMetrics({ datasetId: ds.id }));
    const originalTable = await runJob(engine, 'metrics', engine.computeMetrics({ datasetId: ds.id }));
    expect(table.rows.map((r) => r.seconds)).toEqual(originalTable.rows.map((r) => r.seconds));
    // the run and its model came along
    expect((await other.listRuns()).map((r) => r.id)).toContain(run.id);
    const samples = await other.generateSamples({ runId: run.id, count: 3, seed: 1 });
    const same = await engine.generateSamples({ runId: run.id, count: 3, seed: 1 });
    expect(Array.from(samples.samples.values)).toEqual(Array.from(same.samples.values));
    const anomalies = opened.datasets[0].anomalies;
    expect(anomalies).toBe(1);
  });

  it('keeps a dataset the engine still holds (a page reload) and only fills in what is missing', async () => {
    const opened = await runJob(engine, 'workspace', engine.openWorkspace({ path: saved }));
    expect(opened.datasets[0]).toMatchObject({ status: 'kept', id: ds.id, embeddings: 0 });
  });

  it('asks for a moved file, takes it where the user located it, and refuses a different file', async () => {
    const movedDir = tempDir('ws-moved');
    const copy = join(movedDir, 'clusters.csv');
    copyFileSync(csv, copy);
    const work = join(movedDir, 'work.latentlab');
    const e1 = freshEngine();
    const d1 = await open(e1, copy);
    await runJob(e1, 'pca', e1.computePca({ datasetId: d1.id, components: 2 }));
    await e1.saveWorkspace({ path: work, views: {} });
    const moved = join(movedDir, 'elsewhere.csv');
    renameSync(copy, moved);
    const e2 = freshEngine();
    const missing = await runJob(e2, 'workspace', e2.openWorkspace({ path: work }));
    expect(missing.datasets[0]).toMatchObject({ status: 'missing', id: null });
    expect(missing.datasets[0].message).toMatch(/clusters\.csv is no longer at .*Locate it/);
    // another file with other content is not the one
    const other = writeCsv(movedDir, 'other.csv', binaryClusters(240, 8, 99).x, 8, data.labels);
    const wrong = await runJob(e2, 'workspace', e2.openWorkspace({ path: work, relocate: { [d1.id]: other } }));
    expect(wrong.datasets[0]).toMatchObject({ status: 'changed', id: null });
    expect(wrong.datasets[0].message).toMatch(/not the file this workspace was saved with/);
    const located = await runJob(e2, 'workspace', e2.openWorkspace({ path: work, relocate: { [d1.id]: moved } }));
    expect(located.datasets[0]).toMatchObject({ status: 'opened', embeddings: 1 });
    expect(located.datasets[0].id).not.toBe(d1.id);
    expect((await e2.listEmbeddings(located.datasets[0].id!)).map((e) => e.method)).toEqual(['pca']);
  });

  it('says when a file changed since the workspace was saved instead of opening it silently', async () => {
    const changedDir = tempDir('ws-changed');
    const file = join(changedDir, 'data.csv');
    copyFileSync(csv, file);
    const e1 = freshEngine();
    await open(e1, file);
    const work = join(changedDir, 'w.latentlab');
    await e1.saveWorkspace({ path: work, views: {} });
    writeFileSync(file, readFileSync(csv, 'utf8').replace(/\n[^\n]+\n?$/, '\n'));
    const e2 = freshEngine();
    const opened = await runJob(e2, 'workspace', e2.openWorkspace({ path: work }));
    expect(opened.datasets[0].status).toBe('changed');
  });

  it('never replaces a file without asking; merge adds to it; the autosave is restored with no path', async () => {
    await expect(engine.saveWorkspace({ path: saved, views: {} })).rejects.toMatchObject({ code: 'exists' });
    const autosave = await engine.saveWorkspace({ views: {}, active: ds.id });
    expect(autosave.path).toBe(join(process.env.LAB_DATA_DIR!, 'autosave.latentlab'));
    const back = await runJob(engine, 'workspace', engine.openWorkspace({}));
    expect(back.datasets.map((d) => d.status)).toEqual(['kept']);
    // a second dataset added to the first workspace with merge: both are in the file
    const mergeDir = tempDir('ws-merge');
    const second = writeCsv(mergeDir, 'second.csv', data.x, 8, data.labels);
    const e3 = freshEngine();
    await open(e3, second);
    await e3.saveWorkspace({ path: saved, views: {}, merge: true });
    const shown = await e3.inspectWorkspace(saved);
    expect(shown.datasets.map((d) => d.name).sort()).toEqual(['clusters.csv', 'second.csv']);
    expect(shown.runs[0]).toMatchObject({ id: run.id, name: run.title, model: 'vae', status: 'finished', testLoss: expect.any(Number) });
    expect(shown.embeddings.map((e) => e.method)).toEqual(expect.arrayContaining(['pca', 'tsne', 'vae']));
  });

  it.each(badWorkspaces)('%s: a clear message, or what can be read', async (_name, make, expected) => {
    const path = make(saved, tempDir('ws-bad'));
    const e = freshEngine();
    if (expected.refused) {
      await expect(runJob(e, 'workspace', e.openWorkspace({ path }))).rejects.toMatchObject({ code: 'bad-workspace', message: expect.stringMatching(expected.refused) });
    } else {
      const opened = await runJob(e, 'workspace', e.openWorkspace({ path }));
      expect(opened.notes.join(' ')).toMatch(expected.note!);
      expect(opened.datasets.length).toBeGreaterThan(0);
    }
  });
});

mkdirSync(wsDir, { recursive: true });
