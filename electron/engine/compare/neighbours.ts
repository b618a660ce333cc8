// Exact nearest neighbours by brute force: squared Euclidean distances in row blocks, then the k
// smallest of each row. Wide rows go through tfjs (‖a‖² + ‖b‖² − 2a·b, one matMul per block);
// narrow rows (embeddings) are faster in plain loops, which are also exact to the last bit.
import * as tf from '@tensorflow/tfjs-core';
import { readAndDispose } from '../core/tensors';

/** Below this many columns a JavaScript loop beats a matMul and its read-back. */
const MATMUL_MIN_DIMS = 16;
/** Distances per block (rows × reference rows): 8M floats = 32 MB. */
const BLOCK_ELEMENTS = 8 << 20;

/** Squared distances from query rows to a fixed reference matrix (n×d, row-major). */
export class SquaredDistances {
  private readonly refT: tf.Tensor2D | null = null;
  private readonly refSq: tf.Tensor1D | null = null;

  constructor(readonly ref: Float32Array, readonly n: number, readonly d: number) {
    if (d >= MATMUL_MIN_DIMS) {
      // explicit transpose: the wasm backend's matMul is several times faster on [d, n] than with transposeB
      this.refT = tf.tidy(() => tf.transpose(tf.tensor2d(ref, [n, d])));
      this.refSq = tf.tidy(() => tf.sum(tf.square(this.refT!), 0));
    }
  }

  /** How many query rows fit one block. */
  get blockRows(): number {
    return Math.max(1, Math.floor(BLOCK_ELEMENTS / Math.max(1, this.n)));
  }

  /** rows×n squared distances of `rows` query rows (row-major, d columns each). */
  block(query: Float32Array, rows: number): Float32Array {
    const { n, d } = this;
    if (this.refT && this.refSq) {
      const refT = this.refT;
      const refSq = this.refSq;
      return readAndDispose(tf.tidy(() => {
        const q = tf.tensor2d(query.subarray(0, rows * d), [rows, d]);
        const qSq = tf.sum(tf.square(q), 1, true);
        // rounding can make a tiny distance negative: clamp at 0
        return tf.relu(tf.sub(tf.add(qSq, refSq), tf.mul(tf.matMul(q, refT), 2)));
      }));
    }
    const out = new Float32Array(rows * n);
    const ref = this.ref;
    for (let i = 0; i < rows; i++) {
      const qi = i * d;
      const o = i * n;
      if (d === 2) {
        const a0 = query[qi];
        const a1 = query[qi + 1];
        for (let j = 0; j < n; j++) {
          const u = a0 - ref[2 * j];
          const v = a1 - ref[2 * j + 1];
          out[o + j] = u * u + v * v;
        }
        continue;
      }
      for (let j = 0; j < n; j++) {
        let s = 0;
        const rj = j * d;
        for (let t = 0; t < d; t++) {
          const u = query[qi + t] - ref[rj + t];
          s += u * u;
        }
        out[o + j] = s;
      }
    }
    return out;
  }

  dispose(): void {
    this.refT?.dispose();
    this.refSq?.dispose();
  }
}

/**
 * Writes the k smallest values of row[0..n) (skipping index `skip`) into idx/dist at `at`, nearest
 * first. Ties go to the lower index. k is small (≤ 100), so a sorted insertion beats a heap.
 */
export function smallestK(
  row: Float32Array, rowOffset: number, n: number, k: number, skip: number,
  idx: Int32Array, dist: Float32Array, at: number,
): number {
  let filled = 0;
  for (let j = 0; j < n; j++) {
    if (j === skip) continue;
    const v = row[rowOffset + j];
    if (filled === k && !(v < dist[at + k - 1])) continue;
    let p = filled < k ? filled++ : k - 1;
    while (p > 0 && v < dist[at + p - 1]) {
      dist[at + p] = dist[at + p - 1];
      idx[at + p] = idx[at + p - 1];
      p--;
    }
    dist[at + p] = v;
    idx[at + p] = j;
  }
  return filled;
}

export interface KnnResult {
  k: number;
  /** Neighbour indices into the reference rows, nearest first, row-major (queries × k). */
  indices: Int32Array;
  /** Euclidean distances, matching `indices`. */
  distances: Float32Array;
}

export interface KnnOptions {
  /** Query i is reference row i (the same matrix): never return a row as its own neighbour. */
  excludeSelf?: boolean;
  /** Called between blocks with the fraction done; may throw to stop (cancel). */
  onBlock?: (fraction: number) => Promise<void>;
}

/** Exact k nearest reference rows of every query row. */
export async function exactKnn(
  query: Float32Array, nq: number, ref: Float32Array, nr: number, d: number, k: number, opts: KnnOptions = {},
): Promise<KnnResult> {
  const kk = Math.min(k, nr - (opts.excludeSelf ? 1 : 0));
  if (kk < 1) throw new Error('exactKnn needs at least one reference row besides the query');
  const indices = new Int32Array(nq * kk);
  const distances = new Float32Array(nq * kk);
  const source = new SquaredDistances(ref, nr, d);
  try {
    const step = source.blockRows;
    for (let start = 0; start < nq; start += step) {
      const rows = Math.min(step, nq - start);
      const block = source.block(query.subarray(start * d, (start + rows) * d), rows);
      for (let i = 0; i < rows; i++) {
        smallestK(block, i * nr, nr, kk, opts.excludeSelf ? start + i : -1, indices, distances, (start + i) * kk);
      }
      await opts.onBlock?.((start + rows) / nq);
    }
  } finally {
    source.dispose();
  }
  for (let i = 0; i < distances.length; i++) distances[i] = Math.sqrt(distances[i]);
  return { k: kk, indices, distances };
}
