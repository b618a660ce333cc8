// Plain data types shared by the engine, the shells (Electron main, loopback server, CLI) and the
// renderer. Everything here must survive structured clone and our WebSocket wire format.
import type { ModelName } from './models';
import type { EngineStatus } from './remote';

export type { ModelName } from './models';

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
  /** Where exports go by default (browser mode has no save dialog); on a remote engine, a folder of its machine. */
  defaultExportDir: string;
  /** Which engine does the work (absent: this machine's). */
  engine?: EngineStatus;
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
  /** Where the data comes from (for the licence notice). */
  sourceNote: string;
}

/** p(x|z): Bernoulli for [0, 1] data; Gaussian with unit or learned per-feature variance. */
export type Likelihood = 'bernoulli' | 'gaussian' | 'gaussian-learned';
export type Scaling = 'none' | 'minmax' | 'standardize';
/** What to do with rows that miss a feature value: drop them, or fill in a value. */
export type MissingPolicy = 'drop' | 'mean' | 'median' | 'mode';
export type ImageMode = 'grayscale' | 'rgb';
export type TextEncoding = 'utf-8' | 'latin-1';
/** A delimited file's quote character; '' for none. */
export type QuoteChar = '"' | "'" | '';
export type DatasetFormat = 'csv' | 'parquet' | 'json' | 'jsonl' | 'npy' | 'idx' | 'images' | 'vectors';
export type SplitName = 'train' | 'test';

export type ColumnRole = 'feature' | 'label' | 'ignore';
export type ColumnType = 'number' | 'integer' | 'string' | 'boolean' | 'date' | 'other';

/** How a delimited text file was read (sniffed unless the request gave a value). */
export interface DelimitedSettings {
  delimiter: string;
  /** Quote character; '' = none. */
  quote: QuoteChar;
  header: boolean;
  decimal: '.' | ',';
  encoding: TextEncoding;
  /** The file starts with a UTF-8 byte-order mark (skipped). */
  bom: boolean;
}

/**
 * Everything a user can choose when opening a dataset. Every field is optional in a request
 * (the engine sniffs or proposes a value); DatasetSummary.options echoes the values used, so the
 * Data panel can show them and open again with one of them changed.
 */
export interface OpenOptions {
  /** Delimited text: field separator (one character: , TAB ; | or another). */
  delimiter?: string;
  /** Delimited text: quote character, '' for none. */
  quote?: QuoteChar;
  /** Delimited text: the first row holds column names. */
  header?: boolean;
  decimal?: '.' | ',';
  encoding?: TextEncoding;
  /** Column to use as label; null = none; undefined = let the engine propose one. */
  labelColumn?: string | null;
  /** Role per column name; columns not named get the proposed role. */
  roles?: Record<string, ColumnRole>;
  missing?: MissingPolicy;
  scaling?: Scaling;
  splitSeed?: number;
  /** Fraction of rows held out for the test split (0.05–0.5). */
  testFraction?: number;
  /** Use the file's own train/test split when it has one (MNIST, a `split` column). */
  fileSplit?: boolean;
  /** Image folders: common size [width, height]; default the most common size. */
  imageSize?: [number, number];
  imageMode?: ImageMode;
  /** NPY: labels file (.npy or text, one label per line). Vectors TSV: metadata TSV. */
  labelsPath?: string | null;
}

/** Equal-width histogram between min and max. */
export interface Histogram {
  min: number;
  max: number;
  counts: number[];
}

export interface ColumnStats {
  /** Cells with a value. */
  count: number;
  missing: number;
  /** Distinct values (counted up to a cap; see distinctCapped). */
  distinct: number;
  distinctCapped: boolean;
  /** Numeric columns only (null otherwise). */
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  histogram: Histogram | null;
  /** Most frequent values, for text, boolean and low-cardinality columns. */
  top: { value: string; count: number }[] | null;
}

export interface ColumnInfo {
  name: string;
  type: ColumnType;
  role: ColumnRole;
  missing: number;
  stats: ColumnStats;
  /** How many feature columns it becomes (1, k for one-hot, h×w×c for pixels; 0 when not a feature). */
  width: number;
  /** Why the engine proposed this role (null when the user chose it or nothing needs saying). */
  reason: string | null;
}

export interface DatasetSummary {
  id: DatasetId;
  name: string;
  source: string;
  format: DatasetFormat;
  /** Catalog name when it is a built-in dataset. */
  builtin: string | null;
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
  /** [height, width, channels] when the rows are images. */
  imageShape: [number, number, number] | null;
  scaling: Scaling;
  likelihood: Likelihood;
  missing: MissingPolicy;
  /** Rows left out by the missing-value policy. */
  droppedRows: number;
  split: { kind: 'file' | 'random'; seed: number; testFraction: number };
  /** Delimited text only: how the file was read. */
  delimited: DelimitedSettings | null;
  /** The options in force (requested or chosen by the engine); send back changed to reopen. */
  options: OpenOptions;
  /** First rows of the raw file (strings as read), for the preview table. */
  preview: { header: string[]; rows: string[][] };
  /** Ids of the first training rows (for getRows: thumbnails and value previews). */
  sampleRowIds: number[];
  /** What the loader decided on the user's behalf, in plain words. */
  notes: string[];
  /**
   * Set when the file was over the memory budget and opened streamed: trainRows and testRows then
   * count the in-memory sample (every row position refers to it), and this says how many rows the
   * file holds and which features go through all of them.
   */
  streamed?: StreamedInfo | null;
}

/** A dataset over the memory budget, read in chunks instead of loaded whole. */
export interface StreamedInfo {
  /** Rows kept (after the missing-value policy) in each split of the whole file. */
  trainRows: number;
  testRows: number;
  /** Rows of each split held in memory (a sample stratified by label). */
  sampleTrainRows: number;
  sampleTestRows: number;
  /** Rows read per chunk when streaming. */
  chunkRows: number;
  /** What loading it whole would have needed, and the budget then, in bytes. */
  wholeBytes: number;
  budgetBytes: number;
  /** Features that go through every row, and those that work on the sample, in plain words. */
  everyRow: string[];
  onSample: string[];
}

/** The memory budget as the engine applies it (see data/budget.ts). */
export interface MemoryBudgetInfo {
  mb: number;
  bytes: number;
  source: 'set' | 'env' | 'saved' | 'default';
  description: string;
  /** What the default would be, and the memory of this machine, in MB. */
  defaultMb: number;
  machineMb: number;
  minMb: number;
  maxMb: number;
}

/** The engine process's resident memory, now and at its peak, in bytes. */
export interface EngineMemory {
  rssBytes: number;
  peakRssBytes: number;
}

/** One column over a split's rows (for colouring points): numbers (NaN = missing) or categories. */
export type ColumnValues =
  | { column: string; kind: 'number'; values: Float32Array }
  | { column: string; kind: 'category'; codes: Int32Array; names: string[] };

/** Some rows of an open dataset, for hover cards and nearest-neighbour lists. */
export interface DatasetRows {
  split: SplitName;
  /** Source row ids, in the order asked. */
  rowIds: Int32Array;
  /** Names of the raw columns (as in the file). */
  columns: string[];
  /** Raw values per row (row-major, as read: numbers, text or null for missing). */
  cells: (string | number | null)[][];
  /** The rows as the model sees them (n × features, scaled). */
  features: DataMatrix;
  /** Label index per row (-1 unknown), or null when the dataset has no label. */
  labels: Int32Array | null;
  /** Image datasets: small thumbnails, n × height × width × channels bytes. */
  thumbnails: { width: number; height: number; channels: number; data: Uint8Array } | null;
}

export type Architecture = 'mlp' | 'conv';
export type LrSchedule = 'constant' | 'step' | 'cosine';

export interface TrainConfig {
  model: ModelName;
  latent: number;
  /** Hidden layer widths of the encoder MLP (the decoder mirrors them), e.g. [400] or [512, 256]. */
  hidden: number[];
  /** 'auto' = conv when the dataset has an image shape, else mlp. */
  architecture: Architecture | 'auto';
  /** 'auto' = the dataset's proposal (DatasetSummary.likelihood). */
  likelihood: Likelihood | 'auto';
  /** β-VAE: weight of the KL term. */
  beta: number;
  /** InfoVAE: objective recon + (1−α)·KL + (α+λ−1)·MMD. */
  alpha: number;
  /** MMD weight: WAE-MMD uses λ·MMD; InfoVAE (α+λ−1)·MMD. */
  lambda: number;
  /** IWAE: importance samples per row. */
  iwaeK: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  schedule: LrSchedule;
  /** 'step' schedule: multiply the rate by stepFactor every stepEpochs epochs. */
  stepEpochs: number;
  stepFactor: number;
  /** Clip gradients to this global norm; 0 = off. */
  clipNorm: number;
  /** Ramp the KL weight linearly from 0 to 1 over this many epochs; 0 = off. */
  klWarmupEpochs: number;
  /** Fraction of the training rows held out (seeded) for validation curves and early stopping. */
  validationFraction: number;
  /** Stop after this many epochs without a better validation loss (best weights kept); 0 = off. */
  patience: number;
  seed: number;
  /** Use only the first N training rows (0 = all). */
  limit: number;
}

/** What a TrainRequest gets for every field it leaves out. */
export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = Object.freeze({
  model: 'vae',
  latent: 2,
  hidden: [400],
  architecture: 'auto',
  likelihood: 'auto',
  beta: 4,
  alpha: 0,
  lambda: 10,
  iwaeK: 5,
  epochs: 10,
  batchSize: 128,
  learningRate: 0.001,
  schedule: 'constant',
  stepEpochs: 10,
  stepFactor: 0.5,
  clipNorm: 0,
  klWarmupEpochs: 0,
  validationFraction: 0.1,
  patience: 0,
  seed: 1,
  limit: 0,
} satisfies TrainConfig);

/** Mean per-row loss terms; null where the model has no such term. */
export interface LossValues {
  /** The model's own objective (what it minimises, at full KL weight). */
  loss: number;
  recon: number;
  kl: number | null;
  /** Batch-level MMD estimate, averaged over batches. */
  mmd: number | null;
  /** −ELBO for the probabilistic models (IWAE: its K-sample bound); null otherwise. */
  negElbo: number | null;
}

export interface EpochMetrics extends LossValues {
  epoch: number;
  /** Same terms on the held-out validation rows; null when validationFraction is 0. */
  val: LossValues | null;
  learningRate: number;
  /** KL weight at the end of the epoch (below 1 during KL warm-up). */
  klWeight: number;
  samplesPerSec: number;
  seconds: number;
}

/** Live training numbers, smoothed over recent batches; sent at most ~7 times a second. */
export interface BatchMetrics {
  epoch: number;
  /** Batches done in this epoch, of batchesPerEpoch. */
  batch: number;
  batchesPerEpoch: number;
  /** Fraction of the whole run done (all epochs). */
  fraction: number;
  loss: number;
  recon: number;
  kl: number | null;
  mmd: number | null;
  learningRate: number;
  klWeight: number;
  samplesPerSec: number;
  /** Seconds left at the current speed (early stopping may end sooner). */
  etaSeconds: number;
}

export type RunStatus =
  | 'running'
  | 'finished'
  | 'stopped-early'
  | 'cancelled'
  | 'diverged'
  | 'failed'
  | 'loaded'
  /** The process training it stopped (a crash, a quit); its last checkpoint can be resumed. */
  | 'interrupted';

export interface RunSummary {
  id: RunId;
  /** The dataset it was trained on (null for a model loaded from disk). */
  datasetId: DatasetId | null;
  datasetName: string;
  title: string;
  /** The full config, every default filled in. */
  config: TrainConfig;
  /** What 'auto' resolved to. */
  architecture: Architecture;
  likelihood: Likelihood;
  backend: BackendName | null;
  status: RunStatus;
  /** Why it stopped, in plain words (divergence advice, early stopping epoch…). */
  message: string | null;
  /** What went wrong without stopping it (e.g. checkpoints could not be written). */
  warnings: string[];
  epochs: EpochMetrics[];
  /** Epoch whose weights the model holds when early stopping restored the best ones. */
  bestEpoch: number | null;
  /** Mean per-row terms on the test split (testLoss = test.loss); null until scored. */
  test: LossValues | null;
  /**
   * KL(q(z|x) ‖ N(0, I)) of each latent dimension on the test split, averaged over its rows (they
   * sum to test.kl); a dimension below 0.01 is inactive. Null until scored and for models without
   * a KL term (AE, WAE); absent in runs recorded before it existed.
   */
  klPerDim: number[] | null;
  samplesPerSec: number;
  /** Latent codes of the test split, for the Compare panel; null until trained. */
  embeddingId: EmbeddingId | null;
  /** Rows trained on and held out for validation (0 until training starts; as saved for loaded models). */
  trainRows: number;
  validationRows: number;
  /** Label indices of the classes trained on (TrainRequest.classes); null = every row. */
  classes: number[] | null;
  /** Folder of the end-of-epoch checkpoint (a saved model loadModel accepts); null before epoch 1. */
  checkpointDir: string | null;
  /** Data schema: what the model reads and, for a cvae, which classes it can generate. */
  features: number;
  imageShape: [number, number, number] | null;
  labelNames: string[] | null;
  startedAt: number;
}

export interface SaveModelRequest {
  runId: RunId;
  /** Folder to write model.json + weights.bin into (created; an earlier saved model there is replaced). */
  path: string;
}

export interface SavedModelInfo {
  path: string;
  files: string[];
  bytes: number;
}

export interface LoadModelRequest {
  /** A saved model's folder, or its model.json. */
  path: string;
}

export interface EvaluateRequest {
  runId: RunId;
  datasetId: DatasetId;
}

/** A run's model scored on a dataset's test split (with the model's own preprocessing). */
export interface EvaluationResult {
  runId: RunId;
  datasetId: DatasetId;
  rows: number;
  values: LossValues;
}

export interface EmbedRequest {
  runId: RunId;
  datasetId: DatasetId;
  /** Which rows to embed: the test split (default, comparable with PCA) or every row. */
  rows?: 'test' | 'all';
}


/** How an embedding was made: a linear projection, a neighbour-graph layout, or a model's latent (its name). */
export type EmbeddingMethod = ModelName | 'pca' | 'umap' | 'tsne';

/** What `reduce` can run. 'latent' takes a trained model's latent means (method = the model's name). */
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
  /** The run whose model made it (null for PCA). */
  runId: RunId | null;
  title: string;
  /** Test-split rows in `coords` (what is plotted and exported). */
  rows: number;
  dims: number;
  /** PCA only: explained variance ratio of the kept components. */
  explainedVariance: number[] | null;
  /** Fit time in seconds (for a model: its training time plus embedding the rows). */
  seconds: number;
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

/** A view of a streamed dataset with every row's coordinates written to disk (the "every row" job). */
export interface EveryRowSummary {
  embeddingId: EmbeddingId;
  /** Rows written (every row the dataset keeps, both splits). */
  rows: number;
  /** Coordinate columns c1…c{dims} (the view's own); `latent` > 0: also z1…z{latent}, the model's latent means under a 2-D view. */
  dims: number;
  latent: number;
  /** What the score column holds (a model's or PCA's reconstruction error). */
  scoreName: string;
  /** Extent of the first two coordinates over every row; null when no row was written. */
  bounds: { x0: number; x1: number; y0: number; y1: number } | null;
}

/** The rows of a view inside a rectangle of its two shown coordinates (from the every-row data). */
export interface RegionRows {
  embeddingId: EmbeddingId;
  /** Rows in the rectangle, all of them (the arrays hold at most the limit asked for). */
  total: number;
  /** Source row numbers, and the first two coordinates (x, y interleaved). */
  rowIds: Int32Array;
  coords: Float32Array;
  /** Label index per row (−1 unknown), or null without a label. */
  labels: Int32Array | null;
  /** 1 = test row, 0 = training row. */
  test: Uint8Array;
}

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


export interface ExportResult {
  path: string;
  rows: number;
  columns: string[];
  /** Every file written (a folder export writes several); absent for a single file at `path`. */
  files?: string[];
  /** What the export did on the user's behalf (columns left out, rows without a score). */
  notes?: string[];
  /** A report: the ids of the sections it holds (data, run, views, comparison, reconstructions, anomalies). */
  sections?: string[];
}
