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
  /** Where the data comes from (for the licence notice). */
  sourceNote: string;
}

export type Likelihood = 'bernoulli' | 'gaussian';
export type Scaling = 'none' | 'minmax' | 'standardize';
/** What to do with rows that miss a feature value: drop them, or fill in a value. */
export type MissingPolicy = 'drop' | 'mean' | 'median' | 'mode';
export type ImageMode = 'grayscale' | 'rgb';
export type TextEncoding = 'utf-8' | 'latin-1';
export type DatasetFormat = 'csv' | 'parquet' | 'json' | 'jsonl' | 'npy' | 'idx' | 'images' | 'vectors';
export type SplitName = 'train' | 'test';

export type ColumnRole = 'feature' | 'label' | 'ignore';
export type ColumnType = 'number' | 'integer' | 'string' | 'boolean' | 'date' | 'other';

/** How a delimited text file was read (sniffed unless the request gave a value). */
export interface DelimitedSettings {
  delimiter: string;
  /** Quote character; '' = none. */
  quote: string;
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
  quote?: string;
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
}

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
