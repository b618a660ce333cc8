// Exact nearest neighbours by brute force: squared Euclidean distances in row blocks, then the k
// smallest of each row. Wide rows go through tfjs (‖a‖² + ‖b‖² − 2a·b, one matMul per block; the
// sums and the clamp in one JavaScript pass, with float32 rounding at each step as tfjs rounds);
// narrow rows (embeddings) are faster in plain loops, which are also exact to the last bit, and
// 2-D rows go through a grid (plane-grid.ts) that finds the same neighbours without a full scan.
import * as tf from '@tensorflow/tfjs-core';
import { readAndDispose } from '../core/tensors';
import { PlaneGrid } from './plane-grid';

/** Below this many columns a JavaScript loop beats a matMul and its read-back. */
const MATMUL_MIN_DIMS = 16;
/** Distances per block (rows × reference rows): 8M floats = 32 MB. */
const BLOCK_ELEMENTS = 8 << 20;
/** From this many reference rows on, 2-D neighbours come from a grid rather than a full scan. */
export const GRID_MIN_ROWS = 64;

/** Squared distances from query rows to a fixed reference matrix (n×d, row-major). */
export class SquaredDistances {
  /** The reference rows as a tensor: [d, n] (transposed), or [n, d] where the product transposes for free. */
  private readonly refT: tf.Tensor2D | null = null;
  private readonly transposeB: boolean = false;
  private readonly refSq: Float32Array | null = null;

  constructor(readonly ref: Float32Array, readonly n: number, readonly d: number) {
    if (d >= MATMUL_MIN_DIMS) {
      // explicit transpose: the wasm backend's matMul is several times faster on [d, n] than with
      // transposeB. The native GEMM packs either way, with the same products and sums (bit for bit,
      // and so are row and column sums of squares), so there the transpose (~1 s for MNIST's test
      // split in JavaScript) is skipped.
      this.transposeB = tf.getBackend() === 'native';
      this.refT = this.transposeB ? tf.tensor2d(ref, [n, d]) : tf.tidy(() => tf.transpose(tf.tensor2d(ref, [n, d])));
      this.refSq = readAndDispose(tf.tidy(() => tf.sum(tf.square(this.refT!), this.transposeB ? 1 : 0)));
    }
  }

  /** How many query rows fit one block. */
  get blockRows(): number {
    return Math.max(1, Math.floor(BLOCK_ELEMENTS / Math.max(1, this.n)));
  }

  /** The query rows' squared norms and their products with every reference row (matMul path). */
  private products(query: Float32Array, rows: number): { qSq: Float32Array; qr: Float32Array } {
    const q = tf.tensor2d(query.subarray(0, rows * this.d), [rows, this.d]);
    try {
      const qSq = readAndDispose(tf.tidy(() => tf.sum(tf.square(q), 1)));
      const qr = readAndDispose(tf.tidy(() => tf.matMul(q, this.refT!, false, this.transposeB)));
      return { qSq, qr };
    } finally {
      q.dispose();
    }
  }

  /** rows×n squared distances of `rows` query rows (row-major, d columns each). */
  block(query: Float32Array, rows: number): Float32Array {
    const { n, d } = this;
    if (this.refT && this.refSq) {
      const refSq = this.refSq;
      const { qSq, qr: out } = this.products(query, rows);
      // out = relu((‖q‖² + ‖r‖²) − 2·q·r), each step rounded to float32 as the tensor ops round it
      // (doubling is exact); rounding can make a tiny distance negative: clamp at 0
      const fround = Math.fround;
      for (let i = 0; i < rows; i++) {
        const qi = qSq[i];
        for (let j = 0, o = i * n; j < n; j++, o++) {
          const v = fround(fround(qi + refSq[j]) - 2 * out[o]);
          out[o] = v > 0 ? v : 0;
        }
      }
      return out;
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

  /**
   * The k nearest reference rows of each of `rows` query rows, as smallestK over block() would
   * find them (query i skips reference row skipFrom + i when skipFrom ≥ 0), written at row i·k.
   * On the matMul path the distances are formed and selected in one pass, never stored.
   */
  nearest(query: Float32Array, rows: number, k: number, skipFrom: number, idx: Int32Array, dist: Float32Array, at: number): void {
    const { n } = this;
    if (!this.refT || !this.refSq) {
      const block = this.block(query, rows);
      for (let i = 0; i < rows; i++) smallestK(block, i * n, n, k, skipFrom >= 0 ? skipFrom + i : -1, idx, dist, at + i * k);
      return;
    }
    const refSq = this.refSq;
    const { qSq, qr } = this.products(query, rows);
    const fround = Math.fround;
    for (let i = 0; i < rows; i++) {
      const qi = qSq[i];
      const skip = skipFrom >= 0 ? skipFrom + i : -1;
      const a = at + i * k;
      let filled = 0;
      let last = Infinity;
      for (let j = 0, o = i * n; j < n; j++, o++) {
        let v = fround(fround(qi + refSq[j]) - 2 * qr[o]);
        if (v < 0) v = 0;
        if (!(v < last) && filled === k) continue;
        if (j === skip) continue;
        let p = filled < k ? filled++ : k - 1;
        while (p > 0 && v < dist[a + p - 1]) {
          dist[a + p] = dist[a + p - 1];
          idx[a + p] = idx[a + p - 1];
          p--;
        }
        dist[a + p] = v;
        idx[a + p] = j;
        if (filled === k) last = dist[a + k - 1];
      }
    }
  }

  dispose(): void {
    this.refT?.dispose();
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
  const grid = d === 2 && nr >= GRID_MIN_ROWS ? PlaneGrid.build(ref, nr) : null;
  if (grid) {
    const step = Math.max(1, Math.floor(BLOCK_ELEMENTS / Math.max(1, nr)));
    for (let start = 0; start < nq; start += step) {
      const end = Math.min(nq, start + step);
      for (let i = start; i < end; i++) {
        grid.knn(query[2 * i], query[2 * i + 1], kk, opts.excludeSelf ? i : -1, indices, distances, i * kk);
      }
      await opts.onBlock?.(end / nq);
    }
    for (let i = 0; i < distances.length; i++) distances[i] = Math.sqrt(distances[i]);
    return { k: kk, indices, distances };
  }
  const source = new SquaredDistances(ref, nr, d);
  try {
    const step = source.blockRows;
    for (let start = 0; start < nq; start += step) {
      const rows = Math.min(step, nq - start);
      source.nearest(query.subarray(start * d, (start + rows) * d), rows, kk, opts.excludeSelf ? start : -1, indices, distances, start * kk);
      await opts.onBlock?.((start + rows) / nq);
    }
  } finally {
    source.dispose();
  }
  for (let i = 0; i < distances.length; i++) distances[i] = Math.sqrt(distances[i]);
  return { k: kk, indices, distances };
}
