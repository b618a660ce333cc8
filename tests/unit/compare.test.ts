// The comparison through the engine's LabApi methods, on a small CSV of three blobs (150 rows:
// 120 train / 30 test): reducers as jobs, the numbers table and its CSV, neighbours,
// reconstructions, data rows, cancel, and the errors a user can run into.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LabFailure, type JobKind, type JobResults } from '../../shared/api';
import type { DatasetSummary, EmbeddingId, JobId, RunSummary } from '../../shared/types';
import { awaitJob } from '../../electron/engine/session/await-job';
import { Engine } from '../../electron/engine/engine';
import { validateCall } from '../../electron/engine/api';

const blobs = join(__dirname, '../fixtures/blobs.csv');

/** Waits for a job's outcome: its result, or a LabFailure (error) / 'cancelled'. */
/** The job's result, or 'cancelled'. */
function outcome<K extends JobKind>(engine: Engine, start: Promise<JobId>, kind: K): Promise<JobResults[K] | 'cancelled'> {
  return awaitJob(engine, kind, start).catch((e: LabFailure) => {
    if (e.code === 'cancelled') return 'cancelled' as const;
    throw e;
  });
}

/** MSE overall, per row and per column of x̂ against x (n×d), in doubles: the test's own arithmetic. */
function errorsOf(x: ArrayLike<number>, xHat: ArrayLike<number>, n: number, d: number) {
  const rowMse: number[] = [];
  const columnMse = new Array<number>(d).fill(0);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < d; j++) {
      const e2 = (x[i * d + j] - xHat[i * d + j]) ** 2;
      row += e2;
      columnMse[j] += e2 / n;
    }
    rowMse.push(row / d);
    total += row;
  }
  return { mse: total / (n * d), rowMse, columnMse };
}

const result = <K extends JobKind>(engine: Engine, start: Promise<JobId>, kind: K) => awaitJob(engine, kind, start);

describe('comparing embeddings through the engine', () => {
  const engine = new Engine();
  let ds: DatasetSummary;
  let run: RunSummary;
  const ids: Record<string, EmbeddingId> = {};

  beforeAll(async () => {
    ds = await result(engine, engine.openDataset({ source: { kind: 'file', path: blobs } }), 'open');
    run = await result(engine, engine.train({
      datasetId: ds.id,
      config: { latent: 3, hidden: [16], epochs: 2, batchSize: 32, learningRate: 0.01, seed: 1, limit: 0, architecture: 'mlp', validationFraction: 0 },
    }), 'train');
    ids.pca2 = (await result(engine, engine.reduce({ datasetId: ds.id, method: 'pca', params: { components: 2 } }), 'reduce')).id;
    ids.umap = (await result(engine, engine.reduce({ datasetId: ds.id, method: 'umap', params: { nEpochs: 100 } }), 'reduce')).id;
    ids.tsne = (await result(engine, engine.reduce({ datasetId: ds.id, method: 'tsne', params: { perplexity: 10, iterations: 300 } }), 'reduce')).id;
    ids.latent = (await result(engine, engine.reduce({ datasetId: ds.id, method: 'latent', params: { runId: run.id } }), 'reduce')).id;
    ids.vae = run.embeddingId!;
  });

  it('makes embeddings with test coordinates for plotting and training ones for kNN accuracy', async () => {
    expect(ds.trainRows).toBe(120);
    expect(ds.testRows).toBe(30);
    const pca = await engine.getEmbedding(ids.pca2);
    expect(pca.split).toBe('test');
    expect(pca.coords.length).toBe(30 * 2);
    expect(pca.diagnostics.explainedVarianceRatio).toHaveLength(8); // every component, for the scree plot
    expect(pca.explainedVariance).toHaveLength(2);
    expect(pca.fitRows).toBe(120);
    const umapTrain = await engine.getEmbedding(ids.umap, 'train');
    expect(umapTrain.split).toBe('train');
    expect(umapTrain.rows).toBe(120);
    expect(umapTrain.coords.length).toBe(120 * 2);
    const umap = await engine.getEmbedding(ids.umap);
    expect(umap.fitRows).toBe(150);
    expect(umap.diagnostics.notes.join(' ')).toMatch(/all 150 rows/);
    const tsne = await engine.getEmbedding(ids.tsne);
    expect(tsne.diagnostics.trace.length).toBeGreaterThan(0);
    expect(tsne.params.perplexity).toBe(10);
    // a 3-D latent is projected to 2-D, and says so
    const latent = await engine.getEmbedding(ids.latent);
    expect(latent.dims).toBe(2);
    expect(latent.title).toMatch(/PCA 2-D of the latent means/);
    expect(latent.runId).toBe(run.id);
    // the training job's own embedding is the full latent; its training rows are encoded on demand
    expect((await engine.getEmbedding(ids.vae)).dims).toBe(3);
    expect((await engine.getEmbedding(ids.vae, 'train')).coords.length).toBe(120 * 3);
    const listed = await engine.listEmbeddings(ds.id);
    expect(listed.map((e) => e.id).sort()).toEqual(Object.values(ids).sort());
    expect(listed.every((e) => !('coords' in e))).toBe(true);
  });

  it('scores every embedding in one table', async () => {
    const table = await result(engine, engine.computeMetrics({ datasetId: ds.id }), 'metrics');
    expect(table.testRows).toBe(30);
    expect(table.rows).toHaveLength(5);
    const byId = new Map(table.rows.map((r) => [r.embeddingId, r]));
    const pca = byId.get(ids.pca2)!;
    expect(pca.name).toBe('PCA-2');
    expect(pca.mse).toBeGreaterThan(0);
    expect(pca.explainedVariance).toBeCloseTo((await engine.getEmbedding(ids.pca2)).explainedVariance!.reduce((a, b) => a + b), 12);
    const umap = byId.get(ids.umap)!;
    expect(umap.mse).toBeNull();
    expect(umap.negElbo).toBeNull();
    const vae = byId.get(ids.vae)!;
    expect(vae.name).toBe('VAE-3');
    expect(vae.negElbo).toBe(run.test!.negElbo);
    expect(byId.get(ids.latent)!.name).toBe('VAE-3→PCA-2');
    for (const r of table.rows) {
      // three blobs far apart: every method separates them
      expect(r.knnAccuracy).toBe(1);
      expect(r.trustworthiness).toBeGreaterThan(0.5);
      expect(r.trustworthiness).toBeLessThanOrEqual(1);
      expect(r.continuity).toBeGreaterThan(0.5);
      expect(r.silhouette).toBeGreaterThan(0.3);
      expect(r.seconds).toBeGreaterThan(0);
    }
    // The table's MSEs (and the error figures `reconstruct` reports) come from a per-dataset cache
    // of test-split errors. Check them against errors computed here from the rows rebuilt afresh
    // (`values` bypasses that cache): a wrong cache key or a stale entry shows as a mismatch.
    const every = Array.from({ length: ds.testRows }, (_, i) => i);
    const rec = await engine.reconstruct({ datasetId: ds.id, rows: every, methods: [{ kind: 'pca', components: 2 }, { kind: 'model', runId: run.id }] });
    const fresh = rec.methods.map((m) => errorsOf(rec.original, m.values, ds.testRows, ds.features));
    // the two methods rebuild the rows differently, so a cache entry shared between them would show
    expect(Math.abs(fresh[0].mse - fresh[1].mse)).toBeGreaterThan(1e-3 * fresh[0].mse);
    expect(pca.mse).toBeCloseTo(fresh[0].mse, 6);
    expect(vae.mse).toBeCloseTo(fresh[1].mse, 6);
    rec.methods.forEach((m, k) => {
      expect(m.mse).toBeCloseTo(fresh[k].mse, 6);
      for (let i = 0; i < ds.testRows; i++) expect(m.rowMse[i]).toBeCloseTo(fresh[k].rowMse[i], 5);
      for (let j = 0; j < ds.features; j++) expect(m.columnMse[j]).toBeCloseTo(fresh[k].columnMse[j], 5);
    });
  });

  it('exports the table as CSV', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lab-metrics-'));
    const path = join(dir, 'table.csv');
    const res = await result(engine, engine.exportMetrics({ datasetId: ds.id, embeddingIds: [ids.pca2, ids.umap], path }), 'export');
    expect(res.rows).toBe(2);
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('name,method,dims,mse,knn_accuracy,trustworthiness,continuity,silhouette,explained_variance,neg_elbo,seconds,title');
    expect(lines[1]).toMatch(/^PCA-2,pca,2,0\.\d+,1,/);
    expect(lines[2]).toMatch(/^UMAP,umap,2,,1,/); // no reconstruction: empty cell
  });

  it('lists the neighbours of a row in data space and in each embedding', async () => {
    const nb = await engine.neighbours({ datasetId: ds.id, row: 4, k: 5, embeddingIds: [ids.pca2, ids.umap] });
    expect(nb.k).toBe(5);
    expect(nb.data.rows).toHaveLength(5);
    expect(Array.from(nb.data.rows)).not.toContain(4);
    // all five nearest rows share the row's blob
    expect(Array.from(nb.data.labels!).every((l) => l === nb.label)).toBe(true);
    for (let t = 1; t < 5; t++) expect(nb.data.distances[t]).toBeGreaterThanOrEqual(nb.data.distances[t - 1]);
    expect(nb.embeddings.map((e) => e.embeddingId)).toEqual([ids.pca2, ids.umap]);
    for (const e of nb.embeddings) {
      const shared = Array.from(e.list.rows).filter((r) => nb.data.rows.includes(r)).length;
      expect(e.kept).toBe(shared);
    }
  });

  it('reconstructs chosen rows: PCA with every component gives the rows back', async () => {
    const rec = await engine.reconstruct({
      datasetId: ds.id,
      rows: [0, 7],
      methods: [{ kind: 'pca', components: 8 }, { kind: 'pca', components: 1 }, { kind: 'model', runId: run.id }],
    });
    expect(rec.original.length).toBe(2 * 8);
    expect(rec.featureNames).toEqual(['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8']);
    const [full, one, vae] = rec.methods;
    for (let i = 0; i < rec.original.length; i++) expect(full.values[i]).toBeCloseTo(rec.original[i], 4);
    expect(full.mse).toBeLessThan(1e-8);
    expect(one.mse).toBeGreaterThan(full.mse);
    expect(one.columnMse).toHaveLength(8);
    expect(vae.title).toBe('VAE-3');
    expect(vae.values.length).toBe(16);
    const rows = await engine.getRows({ datasetId: ds.id, split: 'test', rowIds: Array.from(rec.rowIds) });
    expect(rows.features).toEqual(rec.original);
  });

  it('keeps computePca working as before', async () => {
    const s = await result(engine, engine.computePca({ datasetId: ds.id, components: 3 }), 'pca');
    expect(s.method).toBe('pca');
    expect(s.dims).toBe(3);
    expect(s.explainedVariance).toHaveLength(3);
  });

  it('cancels a running reducer', async () => {
    const start = engine.reduce({ datasetId: ds.id, method: 'tsne', params: { iterations: 5000 } });
    const jobId = await start;
    const finished = outcome(engine, Promise.resolve(jobId), 'reduce');
    await new Promise((r) => setTimeout(r, 50));
    await engine.cancel(jobId);
    expect(await finished).toBe('cancelled');
  });

  it('says what is wrong with a bad request', async () => {
    await expect(engine.neighbours({ datasetId: ds.id, row: 30, k: 5, embeddingIds: [] })).rejects.toThrow(/Row 30 is outside the test split \(30 rows/);
    await expect(engine.reconstruct({ datasetId: ds.id, rows: [0], methods: [{ kind: 'pca', components: 9 }] })).rejects.toThrow(/has 8 components; 9 were asked for/);
    await expect(engine.reduce({ datasetId: ds.id, method: 'latent', params: { runId: 'run-nope' as RunSummary['id'] } })).rejects.toThrow(/not in the run list/);
    await expect(engine.getEmbedding('emb-nope' as EmbeddingId)).rejects.toThrow(/no longer available/);
    await expect(engine.getRows({ datasetId: ds.id, split: 'train', rowIds: [100000] })).rejects.toThrow(/not in the train split/);
    // the schema rejects malformed requests before the engine sees them
    expect(() => validateCall('reduce', [{ datasetId: ds.id, method: 'umap', params: { nNeighbors: 1 } }])).toThrow(/Malformed reduce request at 0.params.nNeighbors/);
    expect(() => validateCall('reduce', [{ datasetId: ds.id, method: 'isomap' }])).toThrow(/Malformed reduce request/);
    expect(() => validateCall('neighbours', [{ datasetId: ds.id, row: -1, k: 5, embeddingIds: [] }])).toThrow(/0.row/);
    expect(validateCall('getEmbedding', ['emb-1', 'train']).args).toEqual(['emb-1', 'train']);
    expect(validateCall('getEmbedding', ['emb-1']).args).toEqual(['emb-1']);
    expect(() => validateCall('getEmbedding', ['emb-1', 'all'])).toThrow(/Malformed getEmbedding request at 1/);
  });
});
