// Plain data types shared by the engine, the shells (Electron main, loopback server, CLI) and the
// renderer. Everything here must survive structured clone and our WebSocket wire format.

/** Nominal typing: a string or array that cannot be mixed up with another of the same shape. */
export type Brand<T, B extends string> = T & { readonly __brand: B };

export type JobId = Brand<string, 'JobId'>;
export type DatasetId = Brand<string, 'DatasetId'>;
export type RunId = Brand<string, 'RunId'>;
export type EmbeddingId = Brand<string, 'EmbeddingId'>;

/** Row-major n×d matrix of data rows (feature space). */
export type DataMatrix = Brand<Float32Array, 'DataMatrix'>;
/** Row-major n×k matrix of latent codes / reduced coordinates (embedding space). */
export type LatentMatrix = Brand<Float32Array, 'LatentMatrix'>;

export type WindowMode = 'electron' | 'browser' | 'cli';
export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** Human readable detail, e.g. "native (AVX-512, 2 threads)" or "wasm (SIMD, 1 thread)". */
  detail: string;
  /** Why faster backends in the chain did not load, for the UI and CLI. */
  skipped: { name: string; reason: string }[];
}

export interface AppInfo {
  version: string;
  mode: WindowMode;
  backend: BackendInfo | null;
  /** The shell can show native open/save dialogs (Electron only). */
  nativeDialogs: boolean;
  /** Where exports go by default (browser mode has no save dialog). */
  defaultExportDir: string;
}

export interface LabError {
  code: string;
  message: string;
  detail?: string;
}

export interface CatalogEntry {
  name: string;
  title: string;
  description: string;
  rows: number;
  features: number;
  kind: 'images' | 'tabular';
  licence: string;
}

export type Likelihood = 'bernoulli' | 'gaussian';
export type Scaling = 'none' | 'standardize';

export type ColumnRole = 'feature' | 'label' | 'ignore';

export interface ColumnInfo {
  name: string;
  type: 'number' | 'string' | 'boolean' | 'other';
  role: ColumnRole;
  missing: number;
}

export interface DatasetSummary {
  id: DatasetId;
  name: string;
  source: string;
  format: 'builtin' | 'csv' | 'idx';
  rows: number;
  trainRows: number;
  testRows: number;
  features: number;
  featureNames: string[];
  columns: ColumnInfo[];
  labelColumn: string | null;
  /** Distinct label names in index order (label k is labelNames[k]). */
  labelNames: string[] | null;
  labelCounts: number[] | null;
  imageShape: [number, number, number] | null;
  scaling: Scaling;
  likelihood: Likelihood;
  /** First rows of the raw file (strings as read), for the preview table. */
  preview: { header: string[]; rows: string[][] };
  /** What the loader decided on the user's behalf, in plain words. */
  notes: string[];
}

export interface TrainConfig {
  latent: number;
  hidden: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Use only the first N training rows (0 = all). */
  limit: number;
}

export interface EpochMetrics {
  epoch: number;
  /** Mean per-sample −ELBO on the training rows of this epoch. */
  loss: number;
  recon: number;
  kl: number;
  samplesPerSec: number;
  seconds: number;
}

export interface RunSummary {
  id: RunId;
  datasetId: DatasetId;
  config: TrainConfig;
  backend: BackendName;
  likelihood: Likelihood;
  epochs: EpochMetrics[];
  testNegElbo: number;
  testRecon: number;
  testKl: number;
  samplesPerSec: number;
  cancelled: boolean;
  embeddingId: EmbeddingId;
}

export type EmbeddingMethod = 'vae' | 'pca';

export interface EmbeddingSummary {
  id: EmbeddingId;
  datasetId: DatasetId;
  method: EmbeddingMethod;
  title: string;
  rows: number;
  dims: number;
  /** PCA only: explained variance ratio per component. */
  explainedVariance: number[] | null;
  seconds: number;
}

/** Coordinates for plotting and exporting: test-split rows of a dataset. */
export interface EmbeddingData extends EmbeddingSummary {
  coords: LatentMatrix;
  /** Label index per row (-1 when unknown), or null when the dataset has no label. */
  labels: Int32Array | null;
  labelNames: string[] | null;
  /** Row ids in the source dataset (0-based data-row index). */
  rowIds: Int32Array;
}

export interface ExportResult {
  path: string;
  rows: number;
  columns: string[];
}
