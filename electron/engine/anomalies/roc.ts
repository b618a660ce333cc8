// ROC curves and the area under them, defined as scikit-learn defines them: roc_curve's points at
// every distinct score (highest first, from (0, 0) to (1, 1)) and roc_auc_score's area, in which
// tied scores count half (the Mann–Whitney U statistic with mid-ranks).
import { LabFailure } from '../../../shared/api';
import type { RocCurve } from '../../../shared/anomalies';

/** Most points a curve keeps for the chart; the AUC is always computed from every row. */
export const ROC_POINTS = 500;

/** Rows with a known truth (0 or 1), as score/truth pairs; throws on NaN scores. */
function known(scores: ArrayLike<number>, truth: ArrayLike<number>): { s: Float64Array; y: Uint8Array } {
  let n = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] !== 0 && truth[i] !== 1) continue;
    if (Number.isNaN(scores[i])) {
      throw new LabFailure('bad-scores', `Row ${i} has no score (NaN), so no ROC curve can be drawn.`, 'The model probably diverged: train it again with a lower learning rate.');
    }
    n++;
  }
  const s = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0, o = 0; i < truth.length; i++) {
    if (truth[i] !== 0 && truth[i] !== 1) continue;
    s[o] = scores[i];
    y[o++] = truth[i];
  }
  return { s, y };
}

/** Area under the ROC curve of `scores` (higher = more anomalous) against truth (1 = anomalous; other values skipped); null when one class is absent. */
export function rocAuc(scores: ArrayLike<number>, truth: ArrayLike<number>): number | null {
  const { s, y } = known(scores, truth);
  const n = s.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => s[a] - s[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && s[order[j + 1]] === s[order[i]]) j++;
    const midRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let t = i; t <= j; t++) {
      if (y[order[t]]) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The full ROC curve: one point per distinct score, highest first, after a (0, 0) start; null when one class is absent. */
export function rocCurve(scores: ArrayLike<number>, truth: ArrayLike<number>): RocCurve | null {
  const { s, y } = known(scores, truth);
  const n = s.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => s[b] - s[a]);
  let P = 0;
  for (const v of y) P += v;
  const N = n - P;
  if (P === 0 || N === 0) return null;
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Infinity];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; i++) {
    if (y[order[i]]) tp++;
    else fp++;
    // one point per distinct score: only after the last row of a tie
    if (i + 1 < n && s[order[i + 1]] === s[order[i]]) continue;
    fpr.push(fp / N);
    tpr.push(tp / P);
    thresholds.push(s[order[i]]);
  }
  return downsampleCurve({ fpr: Float32Array.from(fpr), tpr: Float32Array.from(tpr), thresholds: Float32Array.from(thresholds) }, ROC_POINTS);
}

/** At most `max` points of a curve, evenly spaced by index, both ends kept. */
export function downsampleCurve(c: RocCurve, max: number): RocCurve {
  const m = c.fpr.length;
  if (m <= max) return c;
  const pick = Int32Array.from({ length: max }, (_, i) => Math.round((i * (m - 1)) / (max - 1)));
  return {
    fpr: Float32Array.from(pick, (i) => c.fpr[i]),
    tpr: Float32Array.from(pick, (i) => c.tpr[i]),
    thresholds: Float32Array.from(pick, (i) => c.thresholds[i]),
  };
}
