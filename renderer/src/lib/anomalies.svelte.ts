// The Anomalies panel's state: normal classes, the scores asked for and the model behind them, the
// last result, which score ranks the rows and where the threshold sits. Kept while the user visits
// other panels; reset when another dataset is opened.
import {
  ANOMALY_MODEL_DEFAULTS,
  DEFAULT_PCA_COMPONENTS,
  DEFAULT_SAMPLES,
  rowsAbove,
  scoreQuantile,
  type AnomalyMethod,
  type AnomalyResult,
  type AnomalyScores,
} from '../../../shared/anomalies';
import type { Architecture, DatasetSummary, Likelihood, ModelName } from '../../../shared/types';
import { lab } from './lab.svelte';

export interface AnomalyModelSettings {
  model: ModelName;
  latent: number;
  hidden: number;
  epochs: number;
  architecture: Architecture | 'auto';
  likelihood: Likelihood | 'auto';
}

/** Colour per score, the same in the chart, the table and the legend (and the report). */
export { METHOD_COLORS } from '../../../shared/palette';

class AnomalyState {
  datasetId: string | null = null;
  /** Label indices marked normal. */
  normal = $state<number[]>([]);
  methods = $state<Record<AnomalyMethod, boolean>>({ 'recon-prob': true, 'vae-error': true, 'neg-elbo': false, 'ae-error': false, 'pca-error': true });
  model = $state<AnomalyModelSettings>({
    model: ANOMALY_MODEL_DEFAULTS.model!,
    latent: ANOMALY_MODEL_DEFAULTS.latent!,
    hidden: ANOMALY_MODEL_DEFAULTS.hidden![0],
    epochs: ANOMALY_MODEL_DEFAULTS.epochs!,
    architecture: ANOMALY_MODEL_DEFAULTS.architecture!,
    likelihood: ANOMALY_MODEL_DEFAULTS.likelihood!,
  });
  pcaComponents = $state(DEFAULT_PCA_COMPONENTS);
  samples = $state(DEFAULT_SAMPLES);
  result = $state.raw<AnomalyResult | null>(null);
  /** Key of the score that ranks the rows and sets the threshold. */
  rankKey = $state('');
  /** Threshold as a quantile of that score (rows at or above it are flagged). */
  quantile = $state(0.9);
  /** Flagged rows become the selection every scatter view highlights. */
  highlight = $state(true);

  /** Starts over when the open dataset changed; marks the first class normal by default. */
  sync(ds: DatasetSummary | null): void {
    if ((ds?.id ?? null) === this.datasetId) return;
    this.datasetId = ds?.id ?? null;
    this.normal = ds?.labelNames ? [0] : [];
    this.result = null;
    this.rankKey = '';
    this.pcaComponents = Math.min(DEFAULT_PCA_COMPONENTS, Math.max(1, (ds?.features ?? 2) - 1));
    this.model.latent = Math.min(ANOMALY_MODEL_DEFAULTS.latent!, Math.max(2, ds?.features ?? 2));
  }

  /** A fresh result: rank by its first score, threshold at the share of anomalies (or the top 5%). */
  setResult(r: AnomalyResult): void {
    this.result = r;
    this.rankKey = r.methods[0]?.key ?? '';
    this.quantile = r.truth && r.rows ? Math.max(0, Math.min(1, 1 - r.anomalies / r.rows)) : 0.95;
  }

  get ranked(): AnomalyScores | null {
    return this.result?.methods.find((m) => m.key === this.rankKey) ?? this.result?.methods[0] ?? null;
  }
}

export const anomalies = new AnomalyState();

/** Where a threshold puts the rows: how many are flagged and, with labels, how many rightly. */
export interface ThresholdView {
  threshold: number;
  flagged: Int32Array;
  /** With labels: flagged rows that are anomalous, and the true and false positive rates. */
  truePositives: number | null;
  tpr: number | null;
  fpr: number | null;
}

export function thresholdView(m: AnomalyScores, sorted: Float32Array, q: number, truth: Int8Array | null): ThresholdView {
  const threshold = scoreQuantile(sorted, q);
  const flagged = rowsAbove(m.scores, threshold);
  if (!truth) return { threshold, flagged, truePositives: null, tpr: null, fpr: null };
  let pos = 0;
  let neg = 0;
  for (const t of truth) if (t === 1) pos++;
  else if (t === 0) neg++;
  let tp = 0;
  let fp = 0;
  for (const i of flagged) if (truth[i] === 1) tp++;
  else if (truth[i] === 0) fp++;
  return { threshold, flagged, truePositives: tp, tpr: pos ? tp / pos : null, fpr: neg ? fp / neg : null };
}

/** Keeps the flagged rows as the shared selection (the Compare panel highlights them too). */
export function applyHighlight(view: ThresholdView | null): void {
  if (anomalies.highlight && view) lab.selection = view.flagged;
}
