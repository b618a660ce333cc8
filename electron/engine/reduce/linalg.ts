// The dense linear algebra PCA needs, on the native addon when it loads (whatever tfjs backend
// trains), else on tfjs (matrix products) and plain JavaScript (eigen, Gram–Schmidt).
import * as tf from '@tensorflow/tfjs-core';
import { nativeAddon } from '../native/addon';
import { readAndDispose } from '../core/tensors';
import { symmetricEigen as symmetricEigenJs, type SymmetricEigen } from './eigen';

const addon = () => nativeAddon().addon;

/** Which implementation runs the heavy parts (for reports and benchmarks). */
export function linalgEngine(): 'native' | 'tfjs' {
  return addon() ? 'native' : 'tfjs';
}

/** op(A)·op(B) for row-major float32 matrices; op(A) is M×K, op(B) is K×N. */
export function matmul(M: number, N: number, K: number, A: Float32Array, transA: boolean, B: Float32Array, transB: boolean): Float32Array {
  const a = addon();
  if (a) {
    const C = new Float32Array(M * N);
    a.gemm(M, N, K, A, transA ? M : K, transA, B, transB ? K : N, transB, C, N, false);
    return C;
  }
  // Explicit transposes: tfjs-wasm's matMul with transpose flags takes a slow path.
  return readAndDispose(tf.tidy(() => {
    const ta = tf.tensor2d(A, transA ? [K, M] : [M, K]);
    const tb = tf.tensor2d(B, transB ? [N, K] : [K, N]);
    return tf.matMul(transA ? tf.transpose(ta) : ta, transB ? tf.transpose(tb) : tb);
  }));
}

const ROW_BLOCK = 8192;

/** Column means and the scatter matrix Σ(xᵢ−μ)(xᵢ−μ)ᵀ (d×d) of an n×d matrix, in float64. */
export function scatterOf(x: Float32Array, n: number, d: number): { mean: Float64Array; scatter: Float64Array } {
  const mean = new Float64Array(d);
  const scatter = new Float64Array(d * d);
  const a = addon();
  if (a) {
    a.covariance(x, n, d, mean, scatter);
    return { mean, scatter };
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const meanT = tf.tensor1d(Float32Array.from(mean));
  for (let i = 0; i < n; i += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, n - i);
    const part = readAndDispose(tf.tidy(() => {
      const xc = tf.sub(tf.tensor2d(x.subarray(i * d, (i + rows) * d), [rows, d]), meanT);
      return tf.matMul(tf.transpose(xc), xc);
    }));
    for (let j = 0; j < d * d; j++) scatter[j] += part[j];
  }
  meanT.dispose();
  return { mean, scatter };
}

/** Eigenpairs of a symmetric n×n matrix, largest first, eigenvectors as rows. A is not modified. */
export function eigenSymmetric(A: Float64Array, n: number): SymmetricEigen {
  const a = addon();
  if (!a) return symmetricEigenJs(A, n);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  if (!a.symmetricEigen(Float64Array.from(A), n, values, vectors)) throw new Error('eigen decomposition did not converge');
  return { values, vectors };
}

/** Orthonormalises the rows of q (rows×cols) in place; dependent rows become 0. Returns the rank. */
export function orthonormalizeRows(q: Float32Array, rows: number, cols: number): number {
  const a = addon();
  if (a) return a.orthonormalizeRows(q, rows, cols);
  const w = Float64Array.from(q);
  let rank = 0;
  for (let i = 0; i < rows; i++) {
    const v = w.subarray(i * cols, (i + 1) * cols);
    const before = Math.sqrt(v.reduce((s, t) => s + t * t, 0));
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        const u = w.subarray(j * cols, (j + 1) * cols);
        let dot = 0;
        for (let k = 0; k < cols; k++) dot += u[k] * v[k];
        for (let k = 0; k < cols; k++) v[k] -= dot * u[k];
      }
    }
    const norm = Math.sqrt(v.reduce((s, t) => s + t * t, 0));
    if (norm === 0 || norm <= 1e-10 * before) v.fill(0);
    else {
      for (let k = 0; k < cols; k++) v[k] /= norm;
      rank++;
    }
  }
  q.set(w);
  return rank;
}
