// The session store: what the engine holds between calls, and who owns what. A dataset owns
// everything computed from it (embeddings, its PCA fit, reconstruction errors, table rows, code
// statistics, anomaly results, clusters, neighbour lists, every-row files on disk): closing the dataset drops them all at
// once. Runs outlive datasets (they are kept on disk and can be reopened against the same data);
// their models live in the run store. Services (data, training, compare, generate, anomalies,
// explore) read and write through here.
import { randomUUID } from 'node:crypto';
import { LabFailure, type JobEvent, type JobListener } from '../../../shared/api';
import type { AnomalyId, AnomalyResult } from '../../../shared/anomalies';
import type { ClusterResult } from '../../../shared/explore';
import type { DatasetId, EmbeddingId, MetricsRow, RunId } from '../../../shared/types';
import type { EmbeddingRecord } from '../compare/embeddings';
import type { ReconstructionErrors } from '../compare/metrics';
import type { KnnResult } from '../compare/neighbours';
import { initBackend } from '../core/backend';
import type { Dataset } from '../data/dataset';
import type { CodeStats } from '../generate/code-stats';
import type { Model } from '../models/model';
import { pcaFit } from '../reduce/pca';
import { removeEveryRow, type EveryRowFile } from '../stream/every-row';
import { streamedPca } from '../stream/pca';
import type { FittedPca } from '../reduce/run';
import { RunStore } from '../training/runs';
import { JobRunner } from './jobs';

export const newId = <T extends string>(prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}` as T;

/** One open dataset and everything computed from it. */
export class DatasetEntry {
  readonly embeddings = new Map<EmbeddingId, EmbeddingRecord>();
  /** Table rows already computed (an embedding never changes once made). */
  readonly scores = new Map<EmbeddingId, MetricsRow>();
  /** Test-split reconstruction errors per method (see reconKey). */
  readonly testErrors = new Map<string, Promise<ReconstructionErrors>>();
  /** Code statistics per run (the AE's fitted Gaussian, the manifold's data extent), for the model they were computed with. */
  readonly codeStats = new Map<RunId, { model: Model; stats: Promise<CodeStats> }>();
  readonly anomalies = new Map<AnomalyId, AnomalyResult>();
  /** Automatic clusters of a view, per view and parameters (explore/service.ts). */
  readonly clusters = new Map<string, ClusterResult>();
  /** The k nearest test rows of every test row: in data space ('data') and in each embedding (its id). */
  readonly testNeighbours = new Map<string, Promise<KnnResult>>();
  /** Views whose every row was embedded to disk (streamed datasets): their Parquet folders, removed with the view or the dataset. */
  readonly everyRow = new Map<EmbeddingId, EveryRowFile>();
  private pcaFit: Promise<FittedPca> | null = null;
  /** False once closed: work still running on it must not add to it. */
  open = true;

  constructor(readonly ds: Dataset) {}

  get id(): DatasetId {
    return this.ds.summary.id;
  }

  /**
   * The dataset's PCA (all components of the training rows), fitted on first use and shared; a
   * streamed dataset's is fitted in passes over every training row, not on the sample.
   */
  pca(): Promise<FittedPca> {
    if (!this.pcaFit) {
      const ds = this.ds;
      const fit = (async () => {
        await initBackend();
        const t0 = performance.now();
        const model = ds.stream ? await streamedPca(ds.stream) : pcaFit(ds.train.x, ds.train.n, ds.summary.features);
        return { model, seconds: (performance.now() - t0) / 1000 };
      })();
      fit.catch(() => {
        if (this.pcaFit === fit) this.pcaFit = null;
      });
      this.pcaFit = fit;
    }
    return this.pcaFit;
  }

  /** Keeps a view's every-row data (replacing and removing an older one), unless the dataset was closed meanwhile. */
  setEveryRow(f: EveryRowFile): void {
    if (!this.open || !this.embeddings.has(f.embeddingId)) return removeEveryRow(f.dir);
    const old = this.everyRow.get(f.embeddingId);
    this.everyRow.set(f.embeddingId, f);
    if (old) removeEveryRow(old.dir);
  }

  /** Removes the every-row data of one view, or of all. */
  dropEveryRow(id?: EmbeddingId): void {
    for (const [k, f] of this.everyRow) {
      if (id !== undefined && k !== id) continue;
      this.everyRow.delete(k);
      removeEveryRow(f.dir);
    }
  }

  /** Keeps a result computed from this dataset, unless the dataset was closed meanwhile. */
  addEmbedding(rec: EmbeddingRecord): void {
    if (this.open) this.embeddings.set(rec.data.id, rec);
  }
}

export class Session {
  private readonly listeners = new Set<JobListener>();
  readonly jobs = new JobRunner((e) => this.emit(e));
  readonly runs = new RunStore();
  private readonly datasets = new Map<DatasetId, DatasetEntry>();

  onEvent(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: JobEvent): void {
    for (const l of this.listeners) l(event);
  }

  /** Adds an opened dataset; an entry with the same id (the same data reopened) is replaced. */
  addDataset(ds: Dataset): DatasetEntry {
    this.closeDataset(ds.summary.id);
    const entry = new DatasetEntry(ds);
    this.datasets.set(entry.id, entry);
    return entry;
  }

  hasDataset(id: DatasetId): boolean {
    return this.datasets.has(id);
  }

  entry(id: DatasetId): DatasetEntry {
    const e = this.datasets.get(id);
    if (!e) throw new LabFailure('no-such-dataset', 'That dataset is no longer open.', 'Open it again in the Data panel.');
    return e;
  }

  dataset(id: DatasetId): Dataset {
    return this.entry(id).ds;
  }

  /** The open dataset of that id, or null. */
  maybeDataset(id: DatasetId | null): Dataset | null {
    return id ? this.datasets.get(id)?.ds ?? null : null;
  }

  /** Forgets a dataset and everything computed from it. */
  closeDataset(id: DatasetId): boolean {
    const e = this.datasets.get(id);
    if (!e) return false;
    e.open = false;
    e.dropEveryRow();
    this.datasets.delete(id);
    this.jobs.ledger.forgetDataset(id);
    return true;
  }

  openDatasets(): DatasetEntry[] {
    return [...this.datasets.values()];
  }

  /** An embedding and the dataset entry that owns it. */
  embedding(id: EmbeddingId): { entry: DatasetEntry; rec: EmbeddingRecord } {
    for (const entry of this.datasets.values()) {
      const rec = entry.embeddings.get(id);
      if (rec) return { entry, rec };
    }
    throw new LabFailure('no-such-embedding', 'That embedding is no longer available.', 'Train or compute it again.');
  }

  anomaly(id: AnomalyId): { entry: DatasetEntry; result: AnomalyResult } {
    for (const entry of this.datasets.values()) {
      const result = entry.anomalies.get(id);
      if (result) return { entry, result };
    }
    throw new LabFailure('no-such-result', 'Those anomaly scores are no longer available.', 'Run the anomaly detection again.');
  }
}
