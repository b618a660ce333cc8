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
  type OpenDatasetRequest,
  type PcaRequest,
  type TrainRequest,
} from '../../shared/api';
import type {
  BackendInfo,
  CatalogEntry,
  DatasetId,
  DatasetSummary,
  EmbeddingData,
  EmbeddingId,
  JobId,
  RunId,
  RunSummary,
} from '../../shared/types';
import { initBackend } from './backend';
import { catalog } from './data/catalog';
import { headRows, type Dataset } from './data/dataset';
import { openDataset } from './data/open';
import { embedMeans, evaluateVae } from './evaluate';
import { writeEmbeddingCsv } from './export';
import { JobRunner } from './jobs';
import { disposeVae, type Vae } from './models/vae';
import { pcaFit, pcaTransform } from './reduce/pca';
import { trainVae } from './train';

const newId = <T extends string>(prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}` as T;

interface Run {
  summary: RunSummary;
  model: Vae;
}

export class Engine implements EngineApi {
  private readonly listeners = new Set<JobListener>();
  private readonly jobs = new JobRunner((e) => this.dispatch(e));
  private readonly datasets = new Map<DatasetId, Dataset>();
  private readonly embeddings = new Map<EmbeddingId, EmbeddingData>();
  private readonly runs = new Map<RunId, Run>();

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
      this.embeddings.set(embeddingId, {
        id: embeddingId,
        datasetId: ds.summary.id,
        method: 'vae',
        title: `VAE latent means (k=${config.latent})`,
        rows: ds.test.n,
        dims: config.latent,
        explainedVariance: null,
        seconds: outcome.epochs.reduce((s, e) => s + e.seconds, 0) + (performance.now() - t0) / 1000,
        coords,
        labels: ds.test.labels,
        labelNames: ds.summary.labelNames,
        rowIds: ds.test.rowIds,
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
    return this.jobs.start('pca', `PCA on ${ds.summary.name}`, async (ctx) => {
      await initBackend();
      const d = ds.summary.features;
      const k = Math.min(req.components, d, ds.train.n - 1);
      if (k < 1) throw new LabFailure('too-few-rows', 'PCA needs at least 2 training rows.');
      ctx.progress(0.1, `Fitting PCA on ${ds.train.n.toLocaleString('en-US')} × ${d}`);
      const t0 = performance.now();
      const model = pcaFit(ds.train.x, ds.train.n, d, { components: k });
      ctx.checkCancelled();
      ctx.progress(0.8, 'Projecting the test split');
      const coords = pcaTransform(model, ds.test.x, ds.test.n, k);
      const seconds = (performance.now() - t0) / 1000;
      const id = newId<EmbeddingId>('emb');
      const data: EmbeddingData = {
        id,
        datasetId: ds.summary.id,
        method: 'pca',
        title: `PCA (${k} components)`,
        rows: ds.test.n,
        dims: k,
        explainedVariance: Array.from(model.explainedVarianceRatio.subarray(0, k)),
        seconds,
        coords,
        labels: ds.test.labels,
        labelNames: ds.summary.labelNames,
        rowIds: ds.test.rowIds,
      };
      this.embeddings.set(id, data);
      const { coords: _c, labels: _l, labelNames: _n, rowIds: _r, ...summary } = data;
      return summary;
    });
  }

  async getEmbedding(id: EmbeddingId): Promise<EmbeddingData> {
    const e = this.embeddings.get(id);
    if (!e) throw new LabFailure('no-such-embedding', 'That embedding is no longer available.', 'Train or compute it again.');
    return e;
  }

  async exportEmbedding(req: ExportRequest): Promise<JobId> {
    const e = await this.getEmbedding(req.embeddingId);
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
