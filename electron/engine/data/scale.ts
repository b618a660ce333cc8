// Feature scaling, fitted on the training rows: none, min-max to [0, 1], or standardize.
// The passes over the matrix are kernels (threads.ts): given a pool, the fit's sums run by column
// ranges and the scaling by row ranges on every thread. Each column's sums still run in row order
// and each cell is scaled by the same expression, so any number of threads gives the same bits.
import type { Scaling } from '../../../shared/types';
import type { KernelPool } from '../reduce/threads';

export interface ScalingFit {
  scaling: Scaling;
  /** Per feature: x' = (x − center) / spread. */
  center: Float64Array;
  spread: Float64Array;
  /** The training features all lay in [0, 1] before scaling. */
  inUnit: boolean;
  note: string;
  /** Scales the n × d matrix in place (on the pool's threads when it was given one and x is shared). */
  apply(x: Float32Array, n: number): Promise<void>;
}

/**
 * A kernel: min, max and sum of columns [j0, j1) of the n × d matrix x, column by column within
 * blocks of rows that stay in cache (the sums keep row order).
 */
export function scaleMoments(x: Float32Array, n: number, d: number, j0: number, j1: number, min: Float64Array, max: Float64Array, sum: Float64Array): void {
  const BLOCK = 512;
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const end = Math.min(n, r0 + BLOCK) * d;
    for (let j = j0; j < j1; j++) {
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
}

/** A kernel: Σ (x − center)² of columns [j0, j1), in row order, added into sq. */
export function scaleSquares(x: Float32Array, n: number, d: number, j0: number, j1: number, center: Float64Array, sq: Float64Array): void {
  const BLOCK = 512;
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const end = Math.min(n, r0 + BLOCK) * d;
    for (let j = j0; j < j1; j++) {
      const c = center[j];
      let q = sq[j];
      for (let i = r0 * d + j; i < end; i += d) q += (x[i] - c) ** 2;
      sq[j] = q;
    }
  }
}

/** A kernel: rows [r0, r1) of the n × d matrix m scaled in place, (m − center) · inv. */
export function scaleRows(m: Float32Array, r0: number, r1: number, d: number, center: Float64Array, inv: Float64Array): void {
  const BLOCK = 512;
  for (let b0 = r0; b0 < r1; b0 += BLOCK) {
    const end = Math.min(r1, b0 + BLOCK) * d;
    for (let j = 0; j < d; j++) {
      const c = center[j];
      const f = inv[j];
      for (let i = b0 * d + j; i < end; i += d) m[i] = (m[i] - c) * f;
    }
  }
}

/** The kernels a pool needs for fitScaling (KernelPool.create). */
export const SCALE_KERNELS = [scaleMoments, scaleSquares, scaleRows];

/** Below this many cells a pass runs on the calling thread alone (a message costs more). */
const THREAD_CELLS = 1 << 18;

const f64 = (n: number, shared: boolean, fill = 0) => new Float64Array(shared ? new SharedArrayBuffer(Math.max(1, n) * 8) : new ArrayBuffer(Math.max(1, n) * 8)).fill(fill);

/** Runs kernel(...args(lo, hi)) over [0, total) cut into one range per thread of the pool, or in one piece. */
async function inParts(pool: KernelPool | null, kernel: (...a: never[]) => void, total: number, args: (lo: number, hi: number) => unknown[]): Promise<void> {
  if (!pool) {
    (kernel as (...a: unknown[]) => void)(...args(0, total));
    return;
  }
  const cut = (t: number) => Math.round((t * total) / pool.threads);
  await pool.runParts(Array.from({ length: pool.threads }, (_, t) => ({ kernel: kernel.name, args: args(cut(t), cut(t + 1)) })));
}

/**
 * Fits the scaling on the training matrix (n × d). Only features flagged in `scaled` are touched
 * (one-hot columns stay 0/1). Default: none when every value already lies in [0, 1], else standardize.
 * With a pool (its kernels: SCALE_KERNELS) and x in shared memory, the passes run on its threads.
 */
export async function fitScaling(
  x: Float32Array, n: number, d: number, scaled: Uint8Array, requested?: Scaling, pool: KernelPool | null = null,
): Promise<ScalingFit> {
  const threaded = (m: Float32Array, cells: number) => (pool && pool.threads > 1 && m.buffer instanceof SharedArrayBuffer && cells >= THREAD_CELLS ? pool : null);
  const on = threaded(x, n * d);
  const min = f64(d, !!on, Infinity);
  const max = f64(d, !!on, -Infinity);
  const sum = f64(d, !!on);
  await inParts(on, scaleMoments, d, (j0, j1) => [x, n, d, j0, j1, min, max, sum]);
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
    const sq = f64(d, !!on);
    for (let j = 0; j < d; j++) center[j] = scaled[j] ? sum[j] / n : 0;
    const c = on ? f64(d, true) : center;
    c.set(center);
    await inParts(on, scaleSquares, d, (j0, j1) => [x, n, d, j0, j1, c, sq]);
    for (let j = 0; j < d; j++) if (scaled[j]) spread[j] = Math.sqrt(sq[j] / Math.max(1, n - 1)) || 1;
  }
  const what = `${count} numeric feature${count === 1 ? '' : 's'}`;
  const chosen = requested ? '' : inUnit ? ' (chosen because every value already lies in [0, 1])' : ' (chosen because the features have different ranges)';
  const note = scaling === 'none'
    ? `No scaling${chosen}.`
    : scaling === 'minmax'
      ? `Min-max scaled ${what} to [0, 1] on the training rows${chosen}.`
      : `Standardized ${what} to mean 0 and standard deviation 1 on the training rows${chosen}.`;
  // the kernels' copies of center and 1 / spread (shared memory when threads read them)
  const shared = !!pool;
  const c = f64(d, shared);
  c.set(center);
  const inv = f64(d, shared);
  for (let j = 0; j < d; j++) inv[j] = 1 / spread[j];
  return {
    scaling, center, spread, inUnit, note,
    async apply(m: Float32Array, rows: number) {
      if (scaling === 'none') return;
      await inParts(threaded(m, rows * d), scaleRows, rows, (r0, r1) => [m, r0, r1, d, c, inv]);
    },
  };
}
