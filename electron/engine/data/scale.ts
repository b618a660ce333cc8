// Feature scaling, fitted on the training rows: none, min-max to [0, 1], or standardize.
import type { Scaling } from '../../../shared/types';

/** Rows per block of the column-by-column passes (a few hundred KB: they stay in cache). */
const BLOCK_ROWS = 512;

export interface ScalingFit {
  scaling: Scaling;
  /** Per feature: x' = (x − center) / spread. */
  center: Float64Array;
  spread: Float64Array;
  /** The training features all lay in [0, 1] before scaling. */
  inUnit: boolean;
  note: string;
  apply(x: Float32Array, n: number): void;
}

/**
 * Fits the scaling on the training matrix (n × d). Only features flagged in `scaled` are touched
 * (one-hot columns stay 0/1). Default: none when every value already lies in [0, 1], else standardize.
 */
export function fitScaling(x: Float32Array, n: number, d: number, scaled: Uint8Array, requested?: Scaling): ScalingFit {
  const min = new Float64Array(d).fill(Infinity);
  const max = new Float64Array(d).fill(-Infinity);
  const sum = new Float64Array(d);
  // column by column within blocks of rows that stay in cache: the sums keep row order
  for (let r0 = 0; r0 < n; r0 += BLOCK_ROWS) {
    const end = Math.min(n, r0 + BLOCK_ROWS) * d;
    for (let j = 0; j < d; j++) {
      let lo = min[j];
      let hi = max[j];
      let s = sum[j];
      for (let i = r0 * d + j; i < end; i += d) {
        const v = x[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        s += v;
      }
      min[j] = lo;
      max[j] = hi;
      sum[j] = s;
    }
  }
  let inUnit = true;
  for (let j = 0; j < d; j++) if (min[j] < 0 || max[j] > 1) inUnit = false;
  const scaling: Scaling = requested ?? (inUnit ? 'none' : 'standardize');
  const center = new Float64Array(d);
  const spread = new Float64Array(d).fill(1);
  const count = scaled.reduce((a, b) => a + b, 0);
  if (scaling === 'minmax') {
    for (let j = 0; j < d; j++) {
      if (!scaled[j]) continue;
      center[j] = min[j];
      spread[j] = max[j] - min[j] || 1;
    }
  } else if (scaling === 'standardize') {
    const sq = new Float64Array(d);
    for (let j = 0; j < d; j++) center[j] = scaled[j] ? sum[j] / n : 0;
    for (let r0 = 0; r0 < n; r0 += BLOCK_ROWS) {
      const end = Math.min(n, r0 + BLOCK_ROWS) * d;
      for (let j = 0; j < d; j++) {
        const c = center[j];
        let q = sq[j];
        for (let i = r0 * d + j; i < end; i += d) q += (x[i] - c) ** 2;
        sq[j] = q;
      }
    }
    for (let j = 0; j < d; j++) if (scaled[j]) spread[j] = Math.sqrt(sq[j] / Math.max(1, n - 1)) || 1;
  }
  const what = `${count} numeric feature${count === 1 ? '' : 's'}`;
  const chosen = requested ? '' : inUnit ? ' (chosen because every value already lies in [0, 1])' : ' (chosen because the features have different ranges)';
  const note = scaling === 'none'
    ? `No scaling${chosen}.`
    : scaling === 'minmax'
      ? `Min-max scaled ${what} to [0, 1] on the training rows${chosen}.`
      : `Standardized ${what} to mean 0 and standard deviation 1 on the training rows${chosen}.`;
  return {
    scaling, center, spread, inUnit, note,
    apply(m: Float32Array, rows: number) {
      if (scaling === 'none') return;
      const inv = spread.map((s) => 1 / s);
      for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
        const end = Math.min(rows, r0 + BLOCK_ROWS) * d;
        for (let j = 0; j < d; j++) {
          const c = center[j];
          const f = inv[j];
          for (let i = r0 * d + j; i < end; i += d) m[i] = (m[i] - c) * f;
        }
      }
    },
  };
}
