// The engine: everything the UI can ask, with no Electron and no DOM. Runs in a worker thread
// behind EngineHost, or in-process for the CLI, the benchmark and the tests.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  LabFailure,
  type EngineApi,
  type ExportRequest,
  type JobEvent,
  type JobListener,
  type MetricsExportRequest,
  type MetricsRequest,
  type NeighboursRequest,
  type OpenDatasetRequest,
  type PcaRequest,
  type ReconstructRequest,
  type ReduceRequest,
  type RowsRequest,
  type TrainRequest,
} from '../../shared/api';
import type {
  BackendInfo,
  CatalogEntry,
  DatasetId,
  DatasetSummary,
  DataMatrix,
  EmbeddingData,
  EmbeddingId,
  EmbeddingSummary,
  JobId,
  MetricsRow,
  MetricsTable,
  NeighboursResult,
  ReconMethod,
  ReconstructionResult,
  ReduceRequestParams,
  RowsResult,
  RunId,
  RunSummary,
  SplitName,
} from '../../shared/types';
import { initBackend } from './backend';
import { ensureTrainCoords, KNN_K, NEIGHBOURHOOD_K, rowNeighbours, scoreEmbeddings, scoredRows, scoringNotes, type CompareSource } from './compare';
import { catalog } from './data/catalog';
import { headRows, type Dataset, type Split } from './data/dataset';
import { openDataset } from './data/open';
import { splitView, summaryOf, type EmbeddingRecord } from './embeddings';
import { embedMeans, evaluateVae, reconstructMeans } from './evaluate';
import { writeEmbeddingCsv, writeMetricsCsv } from './export';
import { JobRunner, reduceHooks, type JobContext } from './jobs';
import type { ReconstructionErrors } from './metrics';
import { disposeVae, type Vae } from './models/vae';
import { reconKey, reconstructRows, reconTitle, splitErrors } from './reconstruct';
import type { ReduceHooks } from './reduce/hooks';
import { pcaFit } from './reduce/pca';
import { latentTitle, runReducer, type FittedPca, type ModelHandle, type ReduceContext } from './reduce/run';
import { trainVae } from './train';

const newId = <T extends string>(prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}` as T;

const vaeTitle = (latent: number, epochs: number) => `VAE-${latent} (${epochs} epoch${epochs === 1 ? '' : 's'})`;

function checkRows(rows: number[], n: number, split: SplitName): void {
  const bad = rows.find((r) => r >= n);
  if (bad !== undefined) {
    throw new LabFailure('no-such-row', `Row ${bad} is outside the ${split} split (${n} rows, numbered from 0).`, `Pick rows 0 to ${n - 1}.`);
  }
}

/** Copies the given rows of a split into one row-major matrix. */
function gather(split: Split, d: number, rows: number[]): DataMatrix {
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(split.x.subarray(r * d, (r + 1) * d), i * d));
  return out as DataMatrix;
}

interface Run {
  summary: RunSummary;
  model: Vae;
}

export class Engine implements EngineApi {
  private readonly listeners = new Set<JobListener>();
  private readonly jobs = new JobRunner((e) => this.dispatch(e));
  private readonly datasets = new Map<DatasetId, Dataset>();
  private readonly embeddings = new Map<EmbeddingId, EmbeddingRecord>();
  private readonly runs = new Map<RunId, Run>();
  /** One PCA fit (all components, training rows) per dataset, shared by PCA-k, UMAP/t-SNE input and reconstructions. */
  private readonly pcaFits = new Map<DatasetId, Promise<FittedPca>>();
  /** Test-split reconstruction errors per dataset and method (see reconKey). */
  private readonly testErrors = new Map<string, Promise<ReconstructionErrors>>();
  /** Table rows already computed (an embedding never changes once made). */
  private readonly scores = new Map<EmbeddingId, MetricsRow>();

  onEvent(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dispatch(event: JobEvent): void {
    for (const l of this.listeners) l(event);
  }

  async backend(): Promise<BackendInfo> {
    return initBackend();
  }

  async listDatasets(): Promise<CatalogEntry[]> {
    return catalog;
  }

  async openDataset(req: OpenDatasetRequest): Promise<JobId> {
    const title = req.source.kind === 'builtin' ? `Open ${req.source.name}` : `Open ${basename(req.source.path)}`;
    return this.jobs.start('open', title, async (ctx) => {
      const id = newId<DatasetId>('ds');
      const ds = await openDataset(id, req, (f, m) => ctx.progress(f, m));
      this.datasets.set(id, ds);
      ctx.progress(1, `Opened ${ds.summary.name}`);
      return ds.summary;
    });
  }

  /** The engine-side dataset, for in-process callers (CLI, bench, tests). */
  dataset(id: DatasetId): Dataset {
    const ds = this.datasets.get(id);
    if (!ds) throw new LabFailure('no-such-dataset', 'That dataset is no longer open.', 'Open it again in the Data panel.');
    return ds;
  }

  async getDataset(id: DatasetId): Promise<DatasetSummary> {
    return this.dataset(id).summary;
  }

  async train(req: TrainRequest): Promise<JobId> {
    const ds = this.dataset(req.datasetId);
    const { config } = req;
    return this.jobs.start('train', `Train VAE on ${ds.summary.name}`, async (ctx) => {
      const backend = await initBackend();
      const d = ds.summary.features;
      const train = headRows(ds.train, d, config.limit);
      ctx.log(`Training a VAE (${d}-${config.hidden}-${config.latent}, ${ds.summary.likelihood}) on ${train.n} rows with the ${backend.name} backend.`);
      const outcome = await trainVae(train, d, ds.summary.likelihood, config, {
        shouldStop: () => ctx.cancelled,
        onProgress: (f, m, sps) => ctx.progress(f * 0.95, m, sps),
        onEpoch: (m) => ctx.metrics(m),
        yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
      });
      if (outcome.epochs.length === 0) {
        disposeVae(outcome.model);
        ctx.checkCancelled();
      }
      ctx.progress(0.96, 'Scoring the test split');
      const test = await evaluateVae(outcome.model, ds.test, config.seed + 7919);
      const t0 = performance.now();
      const coords = await embedMeans(outcome.model, ds.test);
      const runId = newId<RunId>('run');
      const embeddingId = newId<EmbeddingId>('emb');
      const last = outcome.epochs[outcome.epochs.length - 1];
      const trainSeconds = outcome.epochs.reduce((s, e) => s + e.seconds, 0);
      this.embeddings.set(embeddingId, {
        data: {
          id: embeddingId,
          datasetId: ds.summary.id,
          method: 'vae',
          title: latentTitle(vaeTitle(config.latent, outcome.epochs.length), false),
          rows: ds.test.n,
          dims: config.latent,
          explainedVariance: null,
          seconds: trainSeconds + (performance.now() - t0) / 1000,
          runId,
          fitRows: train.n,
          params: { runId, latent: config.latent, projected: false },
          diagnostics: { notes: [`Latent means μ(x) of the test rows.`], explainedVarianceRatio: null, trace: [], stages: [] },
          coords,
          labels: ds.test.labels,
          labelNames: ds.summary.labelNames,
          rowIds: ds.test.rowIds,
          split: 'test',
        },
        train: null, // added when the comparison table needs them
        recon: { kind: 'model', runId },
      });
      const summary: RunSummary = {
        id: runId,
        datasetId: ds.summary.id,
        config,
        backend: backend.name,
        likelihood: ds.summary.likelihood,
        epochs: outcome.epochs,
        testNegElbo: test.negElbo,
        testRecon: test.recon,
        testKl: test.kl,
        samplesPerSec: last ? last.samplesPerSec : 0,
        cancelled: outcome.cancelled,
        embeddingId,
      };
      this.runs.set(runId, { summary, model: outcome.model });
      ctx.progress(1, outcome.cancelled ? `Stopped after ${outcome.epochs.length} epoch(s)` : 'Training finished');
      return summary;
    });
  }

  async computePca(req: PcaRequest): Promise<JobId> {
    const ds = this.dataset(req.datasetId);
    return this.jobs.start('pca', `PCA on ${ds.summary.name}`, (ctx) =>
      this.runReduce(ds, { method: 'pca', params: { components: req.components } }, ctx));
  }

  async reduce(req: ReduceRequest): Promise<JobId> {
    const ds = this.dataset(req.datasetId);
    if (req.method === 'latent') this.modelHandle(req.params.runId, ds.summary.id); // fail now, not in the job
    const names = { pca: 'PCA', umap: 'UMAP', tsne: 't-SNE', latent: 'Latent means' } as const;
    return this.jobs.start('reduce', `${names[req.method]} on ${ds.summary.name}`, (ctx) => this.runReduce(ds, req, ctx));
  }

  private async runReduce(ds: Dataset, req: ReduceRequestParams, ctx: JobContext): Promise<EmbeddingSummary> {
    await initBackend();
    const id = newId<EmbeddingId>('emb');
    const rec = await runReducer(id, req, this.reduceContext(ds, reduceHooks(ctx)));
    this.embeddings.set(id, rec);
    ctx.progress(1, `${rec.data.title}: done in ${rec.data.seconds.toFixed(1)} s`);
    return summaryOf(rec.data);
  }

  private reduceContext(ds: Dataset, hooks: ReduceHooks): ReduceContext {
    return { ds, pca: () => this.pcaOf(ds), model: (runId) => this.modelHandle(runId, ds.summary.id), hooks };
  }

  /** The dataset's PCA (all components of the training rows), fitted on first use. */
  private pcaOf(ds: Dataset): Promise<FittedPca> {
    let fit = this.pcaFits.get(ds.summary.id);
    if (!fit) {
      fit = (async () => {
        await initBackend();
        const t0 = performance.now();
        const model = pcaFit(ds.train.x, ds.train.n, ds.summary.features);
        return { model, seconds: (performance.now() - t0) / 1000 };
      })();
      fit.catch(() => this.pcaFits.delete(ds.summary.id));
      this.pcaFits.set(ds.summary.id, fit);
    }
    return fit;
  }

  /** A trained model as the comparison code sees it. */
  private modelHandle(runId: RunId, datasetId: DatasetId): ModelHandle {
    const run = this.runs.get(runId);
    if (!run) throw new LabFailure('no-such-run', 'That trained model is no longer available.', 'Train it again in the Train panel.');
    if (run.summary.datasetId !== datasetId) {
      throw new LabFailure('wrong-dataset', 'That model was trained on another dataset.', 'Pick a model trained on this dataset.');
    }
    const { model, summary } = run;
    return {
      runId,
      title: vaeTitle(summary.config.latent, summary.epochs.length),
      latent: summary.config.latent,
      seconds: summary.epochs.reduce((s, e) => s + e.seconds, 0),
      testNegElbo: summary.testNegElbo,
      encodeMeans: (split: Split) => embedMeans(model, split),
      reconstruct: (x: Float32Array, n: number) => reconstructMeans(model, x, n),
    };
  }

  private record(id: EmbeddingId): EmbeddingRecord {
    const e = this.embeddings.get(id);
    if (!e) throw new LabFailure('no-such-embedding', 'That embedding is no longer available.', 'Train or compute it again.');
    return e;
  }

  async getEmbedding(id: EmbeddingId, split: SplitName = 'test'): Promise<EmbeddingData> {
    const rec = this.record(id);
    const ds = this.dataset(rec.data.datasetId);
    if (split === 'train') await ensureTrainCoords(rec, this.compareSource(ds));
    return splitView(rec, ds, split);
  }

  async listEmbeddings(datasetId: DatasetId): Promise<EmbeddingSummary[]> {
    this.dataset(datasetId);
    return [...this.embeddings.values()].filter((r) => r.data.datasetId === datasetId).map((r) => summaryOf(r.data));
  }

  private compareSource(ds: Dataset): CompareSource {
    return {
      ds,
      pca: () => this.pcaOf(ds),
      model: (runId) => this.modelHandle(runId, ds.summary.id),
      testErrors: (m) => this.testErrorsOf(ds, m),
    };
  }

  private testErrorsOf(ds: Dataset, m: ReconMethod): Promise<ReconstructionErrors> {
    const key = `${ds.summary.id}|${reconKey(m)}`;
    let e = this.testErrors.get(key);
    if (!e) {
      e = splitErrors(m, ds.test, ds.summary.features, this.compareSource(ds));
      e.catch(() => this.testErrors.delete(key));
      this.testErrors.set(key, e);
    }
    return e;
  }

  /** Records to score: the requested ones (checked), else every embedding of the dataset. */
  private recordsFor(ds: Dataset, ids?: EmbeddingId[]): EmbeddingRecord[] {
    const all = ids ? ids.map((id) => this.record(id)) : [...this.embeddings.values()].filter((r) => r.data.datasetId === ds.summary.id);
    const foreign = all.find((r) => r.data.datasetId !== ds.summary.id);
    if (foreign) throw new LabFailure('wrong-dataset', `“${foreign.data.title}” belongs to another dataset.`, 'Compare embeddings of one dataset at a time.');
    return all;
  }

  private async metricsTable(ds: Dataset, records: EmbeddingRecord[], hooks: ReduceHooks): Promise<MetricsTable> {
    await initBackend();
    const missing = records.filter((r) => !this.scores.has(r.data.id));
    if (missing.length) {
      const rows = await scoreEmbeddings(missing, this.compareSource(ds), hooks);
      rows.forEach((row) => this.scores.set(row.embeddingId, row));
    }
    return {
      datasetId: ds.summary.id,
      knnK: KNN_K,
      neighbourhoodK: NEIGHBOURHOOD_K,
      scoredRows: scoredRows(ds.test.n).length,
      testRows: ds.test.n,
      rows: records.map((r) => this.scores.get(r.data.id)!),
      notes: scoringNotes(ds.test.n),
    };
  }

  async computeMetrics(req: MetricsRequest): Promise<JobId> {
    const ds = this.dataset(req.datasetId);
    const records = this.recordsFor(ds, req.embeddingIds);
    return this.jobs.start('metrics', `Compare ${records.length} embedding${records.length === 1 ? '' : 's'} of ${ds.summary.name}`,
      (ctx) => this.metricsTable(ds, records, reduceHooks(ctx)));
  }

  async exportMetrics(req: MetricsExportRequest): Promise<JobId> {
    const ds = this.dataset(req.datasetId);
    const records = this.recordsFor(ds, req.embeddingIds);
    return this.jobs.start('export', `Export ${basename(req.path)}`, async (ctx) => {
      const table = await this.metricsTable(ds, records, reduceHooks(ctx));
      const result = await writeMetricsCsv(req.path, table);
      ctx.progress(1, `Saved ${basename(req.path)}`);
      return result;
    });
  }

  async neighbours(req: NeighboursRequest): Promise<NeighboursResult> {
    const ds = this.dataset(req.datasetId);
    checkRows([req.row], ds.test.n, 'test');
    await initBackend();
    return rowNeighbours(ds, req.row, req.k, this.recordsFor(ds, req.embeddingIds));
  }

  async reconstruct(req: ReconstructRequest): Promise<ReconstructionResult> {
    const ds = this.dataset(req.datasetId);
    const d = ds.summary.features;
    checkRows(req.rows, ds.test.n, 'test');
    await initBackend();
    const original = gather(ds.test, d, req.rows);
    const source = this.compareSource(ds);
    const methods = [];
    for (const m of req.methods) {
      const values = await reconstructRows(m, original, req.rows.length, source);
      const whole = await this.testErrorsOf(ds, m);
      methods.push({
        method: m,
        title: reconTitle(m, source),
        values,
        rowMse: Float32Array.from(req.rows, (r) => whole.rowMse[r]),
        columnMse: whole.columnMse,
        mse: whole.mse,
      });
    }
    return {
      datasetId: ds.summary.id,
      rows: Int32Array.from(req.rows),
      rowIds: Int32Array.from(req.rows, (r) => ds.test.rowIds[r]),
      labels: ds.test.labels ? Int32Array.from(req.rows, (r) => ds.test.labels![r]) : null,
      features: d,
      featureNames: ds.summary.featureNames,
      imageShape: ds.summary.imageShape,
      original,
      methods,
    };
  }

  async getRows(req: RowsRequest): Promise<RowsResult> {
    const ds = this.dataset(req.datasetId);
    const split = ds[req.split];
    checkRows(req.rows, split.n, req.split);
    return {
      split: req.split,
      rows: Int32Array.from(req.rows),
      rowIds: Int32Array.from(req.rows, (r) => split.rowIds[r]),
      labels: split.labels ? Int32Array.from(req.rows, (r) => split.labels![r]) : null,
      features: ds.summary.features,
      imageShape: ds.summary.imageShape,
      values: gather(split, ds.summary.features, req.rows),
    };
  }

  async exportEmbedding(req: ExportRequest): Promise<JobId> {
    const e = this.record(req.embeddingId).data;
    return this.jobs.start('export', `Export ${basename(req.path)}`, async (ctx) => {
      ctx.progress(0.1, `Writing ${e.rows.toLocaleString('en-US')} rows`);
      const result = await writeEmbeddingCsv(req.path, e);
      ctx.progress(1, `Saved ${basename(req.path)}`);
      return result;
    });
  }

  async uploadFile(name: string, bytes: Uint8Array): Promise<string> {
    const safe = basename(name).replace(/[^\w.\- ]+/g, '_').slice(0, 120) || 'upload.csv';
    const dir = join(tmpdir(), 'latent-lab-uploads', randomBytes(6).toString('hex'));
    await mkdir(dir, { recursive: true });
    const path = join(dir, safe);
    await writeFile(path, bytes);
    return path;
  }

  async cancel(jobId: JobId): Promise<void> {
    this.jobs.cancel(jobId);
  }

  /** For tests: live tensors on the backend. */
  tensorCount(): number {
    return tf.memory().numTensors;
  }
}
