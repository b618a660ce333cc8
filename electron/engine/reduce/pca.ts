// Exact PCA: centre, then eigen-decompose the covariance (d×d, when d ≤ n) or the Gram matrix
// (n×n, when n < d), whichever is smaller. Matrix products run on the tfjs backend.
import * as tf from '@tensorflow/tfjs-core';
import type { LatentMatrix } from '../../../shared/types';
import { readAndDispose } from '../tensors';
import { symmetricEigen } from './eigen';

export interface PcaModel {
  d: number;
  mean: Float32Array;
  /** All principal axes as rows (row i = component i), row-major min(n,d)×d. */
  components: Float32Array;
  /** Variance along each component (sample variance, n − 1), largest first. */
  variances: Float64Array;
  totalVariance: number;
  explainedVarianceRatio: Float64Array;
  method: 'covariance' | 'gram';
}

const ROW_BLOCK = 8192;

function columnMeans(x: Float32Array, n: number, d: number): Float32Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) mean[j] += x[row + j];
  }
  return Float32Array.from(mean, (s) => s / n);
}

/** Xcᵀ·Xc accumulated over row blocks (explicit transpose: fast path on wasm). */
function scatterMatrix(x: Float32Array, n: number, d: number, mean: tf.Tensor1D): Float64Array {
  let acc = tf.zeros([d, d]);
  for (let i = 0; i < n; i += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, n - i);
    const next = tf.tidy(() => {
      const xc = tf.sub(tf.tensor2d(x.subarray(i * d, (i + rows) * d), [rows, d]), mean);
      return tf.add(acc, tf.matMul(tf.transpose(xc), xc));
    });
    acc.dispose();
    acc = next;
  }
  const out = Float64Array.from(acc.dataSync());
  acc.dispose();
  return out;
}

function gramMatrix(x: Float32Array, n: number, d: number, mean: tf.Tensor1D): Float64Array {
  return Float64Array.from(readAndDispose(tf.tidy(() => {
    const xc = tf.sub(tf.tensor2d(x, [n, d]), mean);
    return tf.matMul(xc, tf.transpose(xc));
  })));
}

/** Flips each axis so its largest-magnitude loading is positive (a stable, documented sign). */
function fixSigns(components: Float32Array, rows: number, d: number): void {
  for (let r = 0; r < rows; r++) {
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(components[r * d + j]) > Math.abs(big)) big = components[r * d + j];
    if (big < 0) for (let j = 0; j < d; j++) components[r * d + j] = -components[r * d + j];
  }
}

export function pcaFit(x: Float32Array, n: number, d: number): PcaModel {
  if (n < 2) throw new Error('PCA needs at least 2 rows');
  const mean = columnMeans(x, n, d);
  const meanT = tf.tensor1d(mean);
  try {
    const useGram = n < d;
    const m = useGram ? n : d;
    const scatter = useGram ? gramMatrix(x, n, d, meanT) : scatterMatrix(x, n, d, meanT);
    const eig = symmetricEigen(scatter, m);
    // Axes with (numerically) zero variance carry no information; from the Gram matrix they
    // would not even be orthogonal, so keep only the numerical rank there.
    const cutoff = Math.max(0, eig.values[0]) * m * 1e-7;
    let rank = Math.min(n - 1, d, m);
    if (useGram) while (rank > 1 && eig.values[rank - 1] <= cutoff) rank--;
    const variances = Float64Array.from(eig.values.subarray(0, rank), (v) => Math.max(0, v) / (n - 1));
    let totalVariance = 0;
    for (let j = 0; j < m; j++) totalVariance += scatter[j * m + j];
    totalVariance /= n - 1;
    let components: Float32Array;
    if (!useGram) {
      components = Float32Array.from(eig.vectors.subarray(0, rank * d));
    } else {
      // axis_i = Xcᵀ u_i / ‖Xcᵀ u_i‖
      const u = tf.tensor2d(Float32Array.from(eig.vectors.subarray(0, rank * n)), [rank, n]);
      components = readAndDispose(tf.tidy(() => {
        const xc = tf.sub(tf.tensor2d(x, [n, d]), meanT);
        const axes = tf.matMul(u, xc) as tf.Tensor2D;
        return tf.div(axes, tf.maximum(tf.norm(axes, 2, 1, true), 1e-12));
      }));
      u.dispose();
    }
    fixSigns(components, rank, d);
    const explainedVarianceRatio = variances.map((v) => (totalVariance > 0 ? v / totalVariance : 0));
    return { d, mean, components, variances, totalVariance, explainedVarianceRatio, method: useGram ? 'gram' : 'covariance' };
  } finally {
    meanT.dispose();
  }
}

/** Coordinates of rows of x on the first k axes: (x − mean)·Wₖᵀ. */
export function pcaTransform(model: PcaModel, x: Float32Array, n: number, k: number): LatentMatrix {
  const d = model.d;
  return readAndDispose(tf.tidy(() => {
    const w = tf.tensor2d(model.components.subarray(0, k * d), [k, d]);
    const xc = tf.sub(tf.tensor2d(x, [n, d]), tf.tensor1d(model.mean));
    return tf.matMul(xc, tf.transpose(w));
  })) as LatentMatrix;
}

/** Reconstruction from the first k axes: mean + ((x − mean)·Wₖᵀ)·Wₖ. */
export function pcaReconstruct(model: PcaModel, x: Float32Array, n: number, k: number): Float32Array {
  const d = model.d;
  return readAndDispose(tf.tidy(() => {
    const w = tf.tensor2d(model.components.subarray(0, k * d), [k, d]);
    const mean = tf.tensor1d(model.mean);
    const xc = tf.sub(tf.tensor2d(x, [n, d]), mean);
    return tf.add(tf.matMul(tf.matMul(xc, tf.transpose(w)), w), mean);
  }));
}
