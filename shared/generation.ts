// What the Generate panel asks of a trained model and what comes back: samples from the prior, latent
// traversals, the decoded manifold of a 2-D latent, and interpolations between two rows (in latent,
// feature and PCA space). Plain data, shared by the engine, the shells and the renderer.
import type { DatasetId, DataMatrix, EmbeddingId, LatentMatrix, RunId } from './types';

/**
 * Where latent points come from. A VAE's (and a WAE's) prior is N(0, I). A plain autoencoder has
 * no prior: its codes can lie anywhere, so it gets a Gaussian fitted to its training codes.
 */
export type LatentSource = 'standard-normal' | 'fitted-gaussian';

/** Decoded rows in three units, row-major, `rows` × features. */
export interface DecodedRows {
  rows: number;
  /** What p(x|z) gives in the model's units: probabilities (Bernoulli) or means (Gaussian). */
  values: DataMatrix;
  /** The same with the dataset's scaling undone: what a table or a CSV shows, in the user's units. */
  original: DataMatrix;
  /** Image models: rows × height×width×channels in [0, 1], ready for an image grid; null for tables. */
  pixels: Float32Array | null;
  /**
   * Tables: the rows in the dataset's own columns — numbers rounded to the column's precision,
   * one-hot groups decoded to their most probable category. Null for images; absent where the
   * rows are not decoded (older callers).
   */
  table?: DecodedTable | null;
}

/** Decoded rows as the file's columns (see DecodedRows.table). */
export interface DecodedTable {
  rows: number;
  columns: DecodedColumn[];
}

export type DecodedColumn =
  /** `values` rounded to `decimals` places (the most the column has in the file); null decimals: not known (4 significant digits). */
  | { name: string; kind: 'number'; values: number[]; decimals: number | null }
  /**
   * A one-hot group: `index` is each row's most probable category; `probs` (rows × categories,
   * row-major) the decoded one-hot values clipped to [0, 1] and normalised to sum to 1.
   */
  | { name: string; kind: 'category'; categories: string[]; index: number[]; probs: number[] };

/** What every generation result says about the model it came from. */
export interface GenerationInfo {
  runId: RunId;
  features: number;
  featureNames: string[];
  imageShape: [number, number, number] | null;
  latent: number;
  source: LatentSource;
  /** The class decoded for (conditional VAE); null for unconditional models. */
  label: number | null;
  labelName: string | null;
  /** Plain words on what was done on the user's behalf (which prior, clamped ranges). */
  notes: string[];
}

interface GenerationRequest {
  runId: RunId;
  /** Conditional VAE: the class to generate (label index); required for a CVAE, refused otherwise. */
  label?: number;
  /** Default: 'standard-normal' for models with a prior, 'fitted-gaussian' for a plain AE. */
  source?: LatentSource;
}

export interface SampleRequest extends GenerationRequest {
  count: number;
  seed?: number;
}

export interface GeneratedSamples extends GenerationInfo {
  seed: number;
  /** The latent points decoded, count × latent. */
  points: LatentMatrix;
  samples: DecodedRows;
}

/** A traversal's fixed point: the prior's centre or a test row's latent mean. */
export type TraversalBase = { kind: 'centre' } | { kind: 'row'; datasetId: DatasetId; row: number };

export interface TraversalRequest extends GenerationRequest {
  /** Latent dimensions to vary, one output row each (default: all, at most 32). */
  dims?: number[];
  /** Values per dimension (default 9). */
  steps?: number;
  /** Vary each dimension over ±range standard deviations of the prior around the base (default 3). */
  range?: number;
  base?: TraversalBase;
}

export interface LatentTraversal extends GenerationInfo {
  dims: number[];
  /** The offsets from the base in prior standard deviations, one per column. */
  offsets: number[];
  /** The base point, 1 × latent. */
  base: LatentMatrix;
  /** dims.length × offsets.length decoded rows, one traversal per row. */
  grid: DecodedRows;
}

export interface LatentGridRequest extends GenerationRequest {
  /** Cells a side (default 15). */
  size?: number;
  /** 'prior': evenly spaced quantiles of N(0, 1) per axis (Kingma & Welling's figure); 'data': the range of the training codes. */
  extent?: 'prior' | 'data';
}

export interface LatentGrid extends GenerationInfo {
  size: number;
  extent: 'prior' | 'data';
  /** Latent coordinate of each column (z1, left to right) and row (z2, top to bottom). */
  xs: number[];
  ys: number[];
  /** size × size decoded cells, row-major, top row first. */
  cells: DecodedRows;
  /** The test split's latent means, for the scatter beside the grid (getEmbedding); null if not computed. */
  embeddingId: EmbeddingId | null;
}

export interface InterpolationRequest {
  runId: RunId;
  datasetId: DatasetId;
  /** Two test-split row positions (as in EmbeddingData.coords). */
  rows: [number, number];
  /** Points along the path, ends included (default 10). */
  steps?: number;
  /** PCA components for the PCA path (default 20, at most the PCA's rank). */
  components?: number;
}

export interface Interpolation extends GenerationInfo {
  rows: [number, number];
  rowIds: [number, number];
  /** Position along the path of each column, 0 … 1. */
  t: number[];
  components: number;
  /** decode((1−t)·μ(a) + t·μ(b)). */
  latentPath: DecodedRows;
  /** (1−t)·a + t·b in feature (pixel) space. */
  featurePath: DecodedRows;
  /** The feature path projected onto PCA-k and back (linear in PCA space). */
  pcaPath: DecodedRows;
}

export interface SampleExportRequest extends SampleRequest {
  path: string;
  /** Replace an existing file (default: refuse with code 'exists'). */
  overwrite?: boolean;
}

/** Points of a model's 2-D view (Compare scatter coordinates) to decode: the decoder as a lens. */
export interface DecodeAtRequest {
  embeddingId: EmbeddingId;
  /** [x, y] in the view's coordinates. */
  points: [number, number][];
  /** Conditional VAE: the class to decode as (default: the class of the nearest test row of the view). */
  label?: number;
}

export interface DecodedAt extends GenerationInfo {
  embeddingId: EmbeddingId;
  /** The view shows the latent through its 2-D PCA: points were mapped back by the PCA inverse. */
  projected: boolean;
  /** The latent points decoded, one per view point (n × latent). */
  latentPoints: LatentMatrix;
  decoded: DecodedRows;
}

/** Mean latent codes (μ(x)) of groups of test rows, e.g. two lassoed selections or two classes. */
export interface MeanCodesRequest {
  runId: RunId;
  datasetId: DatasetId;
  /** Test-split row positions per group (as in EmbeddingData.coords). */
  groups: number[][];
}

export interface MeanCodes {
  runId: RunId;
  latent: number;
  /** groups × latent, row-major. */
  means: LatentMatrix;
  counts: number[];
}

/** Decodes base + t·direction for each t: a walk along an attribute vector. */
export interface DecodeAlongRequest {
  runId: RunId;
  base: number[];
  direction: number[];
  t: number[];
  /** Conditional VAE: the class to decode as. */
  label?: number;
}

export interface DecodedAlong extends GenerationInfo {
  t: number[];
  /** The latent points decoded (t.length × latent). */
  latentPoints: LatentMatrix;
  decoded: DecodedRows;
}
