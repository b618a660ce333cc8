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
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** Human readable detail, e.g. "wasm (SIMD, 1 thread)". */
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

/** How an embedding was made: a linear projection, a neighbour-graph layout, or a model's latent. */
export type EmbeddingMethod = 'vae' | 'pca' | 'umap' | 'tsne';

/** What `reduce` can run. 'latent' takes a trained model's latent means (an EmbeddingMethod 'vae'). */
export type ReduceMethod = 'pca' | 'umap' | 'tsne' | 'latent';

export interface PcaParams {
  /** Number of principal components kept as coordinates. */
  components: number;
}

export interface UmapParams {
  /** Size of the local neighbourhood (umap-learn's n_neighbors). */
  nNeighbors: number;
  /** Smallest distance between embedded points (umap-learn's min_dist). */
  minDist: number;
  spread: number;
  /** Optimisation epochs; 0 = umap-learn's default (200 for more than 10,000 rows, else 500). */
  nEpochs: number;
  negativeSampleRate: number;
  /** Project the data onto this many principal components before the neighbour search (0 = raw). */
  pcaDims: number;
  seed: number;
}

export interface TsneParams {
  perplexity: number;
  iterations: number;
  /** 0 = automatic: max(rows / earlyExaggeration, 200). */
  learningRate: number;
  earlyExaggeration: number;
  earlyIterations: number;
  /** Barnes–Hut accuracy: larger is faster and coarser. */
  theta: number;
  pcaDims: number;
  seed: number;
}

export interface LatentParams {
  runId: RunId;
  /** For latents wider than 2: project the means to 2-D with PCA (fitted on the training means). */
  project2d: boolean;
}

export type ReduceRequestParams =
  | { method: 'pca'; params?: Partial<PcaParams> }
  | { method: 'umap'; params?: Partial<UmapParams> }
  | { method: 'tsne'; params?: Partial<TsneParams> }
  | { method: 'latent'; params: { runId: RunId; project2d?: boolean } };

export interface EmbeddingDiagnostics {
  /** What was done on the user's behalf, in plain words (inputs, sampling, clamped parameters). */
  notes: string[];
  /** PCA: explained variance ratio of every component, largest first (for the scree plot). */
  explainedVarianceRatio: number[] | null;
  /** Optimiser trace, e.g. t-SNE's KL divergence or UMAP's epoch; one entry per checkpoint. */
  trace: { step: number; value: number; label: string }[];
  /** Wall time of each stage (neighbour graph, layout, …) in seconds. */
  stages: { name: string; seconds: number }[];
}

export interface EmbeddingSummary {
  id: EmbeddingId;
  datasetId: DatasetId;
  method: EmbeddingMethod;
  title: string;
  /** Test-split rows in `coords` (what is plotted and exported). */
  rows: number;
  dims: number;
  /** PCA only: explained variance ratio of the kept components. */
  explainedVariance: number[] | null;
  /** Fit time in seconds (for a model: its training time plus embedding the rows). */
  seconds: number;
  /** The trained model this embedding comes from (method 'vae'), else null. */
  runId: RunId | null;
  /** Rows the method was fitted on (PCA and models: the training split; UMAP/t-SNE: train + test). */
  fitRows: number;
  /** The parameters actually used, after defaults and clamping. */
  params: Record<string, number | string | boolean>;
  diagnostics: EmbeddingDiagnostics;
}

/** Coordinates for plotting and exporting: test-split rows of a dataset. */
export interface EmbeddingData extends EmbeddingSummary {
  coords: LatentMatrix;
  /** Label index per row (-1 when unknown), or null when the dataset has no label. */
  labels: Int32Array | null;
  labelNames: string[] | null;
  /** Row ids in the source dataset (0-based data-row index). */
  rowIds: Int32Array;
  /** Which split `coords` holds (the engine keeps training-split coordinates for kNN accuracy). */
  split: SplitName;
}

export type SplitName = 'train' | 'test';

/** One row of the comparison table; every score is on the test split of the same dataset. */
export interface MetricsRow {
  embeddingId: EmbeddingId;
  /** Short name for a column or legend (PCA-2, UMAP, t-SNE, VAE-10, VAE-10→PCA-2). */
  name: string;
  title: string;
  method: EmbeddingMethod;
  dims: number;
  /** Mean squared reconstruction error per feature on the test split; null when the method cannot reconstruct. */
  mse: number | null;
  /** 5-NN classifier fitted on the training-split coordinates, scored on the test split; null without labels. */
  knnAccuracy: number | null;
  /** Trustworthiness and continuity (10 neighbours); null when the test split is too small. */
  trustworthiness: number | null;
  continuity: number | null;
  /** Mean silhouette of the test coordinates grouped by label; null without (two or more) labels. */
  silhouette: number | null;
  /** PCA: cumulative explained variance ratio of the kept components. */
  explainedVariance: number | null;
  /** Models: mean per-sample −ELBO on the test split. */
  negElbo: number | null;
  seconds: number;
}

export interface MetricsTable {
  datasetId: DatasetId;
  /** Neighbours for kNN accuracy (5) and for trustworthiness/continuity (10). */
  knnK: number;
  neighbourhoodK: number;
  /** Test rows the neighbourhood scores used (all, or a seeded sample on big data; see notes). */
  scoredRows: number;
  testRows: number;
  rows: MetricsRow[];
  notes: string[];
}

export interface NeighbourList {
  /** Test-split row indices (positions in EmbeddingData.coords), nearest first. */
  rows: Int32Array;
  rowIds: Int32Array;
  labels: Int32Array | null;
  /** Euclidean distances in that space. */
  distances: Float32Array;
}

export interface NeighboursResult {
  row: number;
  rowId: number;
  label: number | null;
  k: number;
  /** Neighbours among the test rows in data (feature) space. */
  data: NeighbourList;
  /** The same in each embedding, with how many of the data-space neighbours it keeps. */
  embeddings: { embeddingId: EmbeddingId; title: string; list: NeighbourList; kept: number }[];
}

/** A way to rebuild data rows: PCA with k components, or a trained model's decode(encode mean). */
export type ReconMethod = { kind: 'pca'; components: number } | { kind: 'model'; runId: RunId };

export interface Reconstruction {
  method: ReconMethod;
  title: string;
  /** Reconstructed rows, row-major rows×features, in the dataset's (scaled) units. */
  values: DataMatrix;
  /** Squared error per requested row, averaged over features. */
  rowMse: Float32Array;
  /** Squared error per feature, averaged over the whole test split (the tabular error table). */
  columnMse: Float32Array;
  /** Mean over the whole test split and all features. */
  mse: number;
}

export interface ReconstructionResult {
  datasetId: DatasetId;
  rows: Int32Array;
  rowIds: Int32Array;
  labels: Int32Array | null;
  features: number;
  featureNames: string[];
  imageShape: [number, number, number] | null;
  /** The original rows, row-major rows×features. */
  original: DataMatrix;
  methods: Reconstruction[];
}

/** Data rows by index, e.g. for thumbnails and hover. */
export interface RowsResult {
  split: SplitName;
  rows: Int32Array;
  rowIds: Int32Array;
  labels: Int32Array | null;
  features: number;
  imageShape: [number, number, number] | null;
  /** Row-major rows×features in the dataset's units (standardized features when scaling is 'standardize'). */
  values: DataMatrix;
}

export interface ExportResult {
  path: string;
  rows: number;
  columns: string[];
}
