// Anomaly detection as the Anomalies panel and `lab anomalies` see it: the scores a model family and
// PCA give each test row, ROC curves and AUC when labels say which rows are anomalous, and the
// ranking helpers both the engine and the UI use.
import type { Brand, DatasetId, RunId, RunSummary, TrainConfig } from './types';

export type AnomalyId = Brand<string, 'AnomalyId'>;

/**
 * The scores (higher = more anomalous):
 * - recon-prob: An & Cho's reconstruction probability, −(1/L) Σₗ log p(x|zₗ) with zₗ ~ q(z|x);
 * - vae-error, ae-error: squared error of decode(μ(x)), summed over features (a VAE, an autoencoder);
 * - neg-elbo: −ELBO = the reconstruction probability term + KL(q(z|x) ‖ N(0, I)) (same L samples);
 * - pca-error: squared error of the PCA-k reconstruction, summed over features.
 */
export const ANOMALY_METHODS = ['recon-prob', 'vae-error', 'neg-elbo', 'ae-error', 'pca-error'] as const;
export type AnomalyMethod = (typeof ANOMALY_METHODS)[number];

export const ANOMALY_METHOD_INFO: Record<AnomalyMethod, { title: string; needs: 'model' | 'ae' | 'pca'; probabilistic: boolean }> = {
  'recon-prob': { title: 'reconstruction probability', needs: 'model', probabilistic: true },
  'vae-error': { title: 'reconstruction error', needs: 'model', probabilistic: false },
  'neg-elbo': { title: '−ELBO', needs: 'model', probabilistic: true },
  'ae-error': { title: 'AE reconstruction error', needs: 'ae', probabilistic: false },
  'pca-error': { title: 'reconstruction error', needs: 'pca', probabilistic: false },
};

export interface AnomalyRequest {
  datasetId: DatasetId;
  /**
   * Label indices of the normal classes: the models and PCA are fitted on the training rows of these
   * classes only, and every test row of another class counts as anomalous (ROC, AUC). Leave out to
   * fit on every training row and only score (no labels needed).
   */
  normalClasses?: number[];
  methods: AnomalyMethod[];
  /** The model behind recon-prob, vae-error and neg-elbo (any model but the CVAE); defaults as in `anomalyModelDefaults`. */
  model?: Partial<TrainConfig>;
  /** PCA components for pca-error (default DEFAULT_PCA_COMPONENTS). */
  pcaComponents?: number;
  /** L: samples of z per row for recon-prob and neg-elbo (default DEFAULT_SAMPLES). */
  samples?: number;
}

/**
 * What an anomaly job trains when the request leaves a field out: the reference study's network
 * (MLP 784-400-20), but a Gaussian likelihood with a learned per-feature variance and 30 epochs. On
 * MNIST (one digit normal) that scores better than the Bernoulli likelihood at any epoch count we
 * tried: features that hardly vary among normal rows (an empty border) get a small variance, so ink
 * there costs a lot; the Bernoulli reconstruction probability instead mostly counts ink. See the AUC
 * table in bench/cases/anomaly-mnist.ts.
 */
export const ANOMALY_MODEL_DEFAULTS: Partial<TrainConfig> = Object.freeze({
  model: 'vae',
  latent: 20,
  hidden: [400],
  epochs: 30,
  architecture: 'mlp',
  likelihood: 'gaussian-learned',
  validationFraction: 0,
});

/** L, the samples of z per row, as An & Cho and the reference script use. */
export const DEFAULT_SAMPLES = 10;
export const DEFAULT_PCA_COMPONENTS = 20;

export interface RocCurve {
  /** False and true positive rates at each threshold, from (0, 0) to (1, 1), at most 500 points. */
  fpr: Float32Array;
  tpr: Float32Array;
  /** Score threshold of each point (rows with a score ≥ it are flagged); +Infinity at (0, 0). */
  thresholds: Float32Array;
}

export interface AnomalyScores {
  method: AnomalyMethod;
  /** CSV column and legend key, e.g. "vae20_recon_prob", "pca20_error". */
  key: string;
  /** For people: "VAE-20 reconstruction probability (L = 10)". */
  title: string;
  runId: RunId | null;
  /** One score per test row, in test-split order. */
  scores: Float32Array;
  /** Area under the ROC curve (ties counted half, as scikit-learn's roc_auc_score); null without labels. */
  auc: number | null;
  roc: RocCurve | null;
}

export interface AnomalyResult {
  id: AnomalyId;
  datasetId: DatasetId;
  /** Normal classes (label indices and names), or null when every row was taken as normal. */
  normalClasses: number[] | null;
  normalNames: string[] | null;
  /** Training rows the models and PCA were fitted on. */
  fitRows: number;
  /** Test rows scored (the whole test split), their source row ids and labels. */
  rows: number;
  rowIds: Int32Array;
  labels: Int32Array | null;
  /** Per test row: 1 anomalous, 0 normal, −1 unknown (missing label); null without normal classes. */
  truth: Int8Array | null;
  anomalies: number;
  methods: AnomalyScores[];
  /** The runs trained for this result (also in the run list). */
  runs: RunSummary[];
  notes: string[];
}

export interface AnomalyRankRequest {
  anomalyId: AnomalyId;
  /** Which score to rank by (an AnomalyScores.key). */
  key: string;
  /** How many of the most anomalous rows to return (at most 1000). */
  top: number;
  /** Rows with a score ≥ this count as flagged (default: none flagged). */
  threshold?: number;
}

export interface AnomalyRanking {
  key: string;
  /** Test-split row positions, most anomalous first, and their source row ids, scores and labels. */
  rows: Int32Array;
  rowIds: Int32Array;
  scores: Float32Array;
  labels: Int32Array | null;
  /** Rows with a score ≥ threshold (0 when no threshold was given). */
  above: number;
}

export interface AnomalyExportRequest {
  anomalyId: AnomalyId;
  path: string;
  /** Replace an existing file (default: refuse with code 'exists'). */
  overwrite?: boolean;
}

/** Positions of the `top` highest scores, highest first (ties by position, so the order is stable). */
export function topRows(scores: ArrayLike<number>, top: number): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order.subarray(0, Math.max(0, Math.min(top, order.length)));
}

/** Positions whose score is ≥ threshold, in position order. */
export function rowsAbove(scores: ArrayLike<number>, threshold: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i] >= threshold) out.push(i);
  return Int32Array.from(out);
}

/** The score at quantile q (0 … 1) of the scores (nearest rank), for a threshold slider. */
export function scoreQuantile(sorted: Float32Array, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}
