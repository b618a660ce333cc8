// The plain definitions of the comparison table's neighbour numbers, as the engine computed them
// before the fast path (grid neighbours in 2-D, one-pass ranks, fused distance blocks): a full
// distance row per query, a full scan for each rank. Tests check the engine's results against
// these, to the bit, on random data.
import * as tf from '@tensorflow/tfjs-core';
import { readAndDispose } from '../../../electron/engine/core/tensors';

/** Below this many columns a JavaScript loop beats a matMul and its read-back. */
const MATMUL_MIN_DIMS = 16;
/** Distances per block (rows × reference rows): 8M floats = 32 MB. */
const BLOCK_ELEMENTS = 8 << 20;

/** Squared distances from query rows to a fixed reference matrix (n×d, row-major). */
class SquaredDistances {
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
function smallestK(
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

interface KnnResult {
  k: number;
  /** Neighbour indices into the reference rows, nearest first, row-major (queries × k). */
  indices: Int32Array;
  /** Euclidean distances, matching `indices`. */
  distances: Float32Array;
}

interface KnnOptions {
  /** Query i is reference row i (the same matrix): never return a row as its own neighbour. */
  excludeSelf?: boolean;
  /** Called between blocks with the fraction done; may throw to stop (cancel). */
  onBlock?: (fraction: number) => Promise<void>;
}

/** Exact k nearest reference rows of every query row. */
export async function referenceExactKnn(
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

/**
 * Majority label among neighbour labels; ties go to the smallest label index, as scipy.stats.mode
 * (and so KNeighborsClassifier with uniform weights) breaks them. `counts` is scratch space.
 */
function majorityLabel(labels: ArrayLike<number>, from: number, k: number, counts: Int32Array): number {
  counts.fill(0);
  for (let t = 0; t < k; t++) counts[labels[from + t]]++;
  let best = 0;
  for (let c = 1; c < counts.length; c++) if (counts[c] > counts[best]) best = c;
  return best;
}

interface LabelledPoints {
  coords: Float32Array;
  n: number;
  labels: Int32Array;
}

/** Keeps the rows with a known label (≥ 0); returns the input when all are known. */
function knownRows(p: LabelledPoints, d: number): LabelledPoints {
  let known = 0;
  for (let i = 0; i < p.n; i++) if (p.labels[i] >= 0) known++;
  if (known === p.n) return p;
  const coords = new Float32Array(known * d);
  const labels = new Int32Array(known);
  for (let i = 0, o = 0; i < p.n; i++) {
    if (p.labels[i] < 0) continue;
    coords.set(p.coords.subarray(i * d, (i + 1) * d), o * d);
    labels[o++] = p.labels[i];
  }
  return { coords, n: known, labels };
}

/**
 * Accuracy of a k-NN classifier fitted on `train` and scored on `test` (rows without a label are
 * left out of both). Returns null when either side has no labelled rows.
 */
export async function referenceKnnAccuracy(
  train: LabelledPoints, test: LabelledPoints, d: number, k = 5, onBlock?: (f: number) => Promise<void>,
): Promise<number | null> {
  const tr = knownRows(train, d);
  const te = knownRows(test, d);
  if (tr.n === 0 || te.n === 0) return null;
  const knn = await referenceExactKnn(te.coords, te.n, tr.coords, tr.n, d, k, { onBlock });
  let classes = 0;
  for (const l of tr.labels) classes = Math.max(classes, l + 1);
  const counts = new Int32Array(classes);
  const neighbourLabels = Int32Array.from(knn.indices, (j) => tr.labels[j]);
  let correct = 0;
  for (let i = 0; i < te.n; i++) if (majorityLabel(neighbourLabels, i * knn.k, knn.k, counts) === te.labels[i]) correct++;
  return correct / te.n;
}

/** 1-based rank of column j in row i's ordering (self left out; ties ordered by index). */
function rankOf(row: Float32Array, off: number, n: number, self: number, j: number): number {
  const v = row[off + j];
  let rank = 1;
  for (let l = 0; l < n; l++) {
    if (l === self) continue;
    const u = row[off + l];
    if (u < v || (u === v && l < j)) rank++;
  }
  return rank;
}

/** Sum over j in `a` (not in `b`) of (rank of j in `row`) − k: the penalty of T and C. */
function penalty(
  a: Int32Array, b: Int32Array, at: number, k: number, row: Float32Array, off: number, n: number, self: number,
): number {
  let sum = 0;
  for (let t = 0; t < k; t++) {
    const j = a[at + t];
    let shared = false;
    for (let u = 0; u < k; u++) if (b[at + u] === j) { shared = true; break; }
    if (!shared) sum += rankOf(row, off, n, self, j) - k;
  }
  return sum;
}

/** Silhouette of point i from its squared-distance row; labels < 0 are left out. */
function silhouetteOf(
  row: Float32Array, off: number, n: number, i: number, labels: Int32Array, sizes: Int32Array, sums: Float64Array,
): number {
  const own = labels[i];
  if (sizes[own] <= 1) return 0; // sklearn: a point alone in its cluster scores 0
  sums.fill(0);
  for (let l = 0; l < n; l++) {
    const c = labels[l];
    if (c >= 0 && l !== i) sums[c] += Math.sqrt(row[off + l]);
  }
  const a = sums[own] / (sizes[own] - 1);
  let b = Infinity;
  for (let c = 0; c < sizes.length; c++) if (c !== own && sizes[c] > 0) b = Math.min(b, sums[c] / sizes[c]);
  const m = Math.max(a, b);
  return m > 0 ? (b - a) / m : 0;
}

interface PointSet {
  coords: Float32Array;
  dims: number;
}

interface NeighbourhoodScores {
  trustworthiness: number;
  continuity: number;
  /** null when fewer than two labels occur among the rows. */
  silhouette: number | null;
}

/**
 * Trustworthiness and continuity (k neighbours) of each embedding of the same n rows against the
 * data, and each embedding's silhouette by label. One pass over data-space distance blocks serves
 * every embedding, so the n×n data distances are computed once.
 */
export async function referenceNeighbourhoodScores(
  data: PointSet, n: number, embeddings: PointSet[], labels: Int32Array | null, k = 10,
  onBlock?: (f: number) => Promise<void>,
): Promise<NeighbourhoodScores[]> {
  if (n < 2 * k + 2) throw new Error(`trustworthiness with k=${k} needs more than ${2 * k + 1} rows (got ${n})`);
  const dataSource = new SquaredDistances(data.coords, n, data.dims);
  const embSources = embeddings.map((e) => new SquaredDistances(e.coords, n, e.dims));
  const tSum = new Float64Array(embeddings.length);
  const cSum = new Float64Array(embeddings.length);
  const silSum = new Float64Array(embeddings.length);
  let classes = 0;
  if (labels) for (let i = 0; i < n; i++) classes = Math.max(classes, labels[i] + 1);
  const sizes = new Int32Array(classes);
  if (labels) for (let i = 0; i < n; i++) if (labels[i] >= 0) sizes[labels[i]]++;
  const labelledRows = sizes.reduce((s, c) => s + c, 0);
  const withSilhouette = labels !== null && sizes.filter((c) => c > 0).length >= 2;
  const sums = new Float64Array(classes);
  try {
    const step = Math.min(dataSource.blockRows, 2048);
    const dataIdx = new Int32Array(step * k);
    const dataDist = new Float32Array(step * k);
    const embIdx = new Int32Array(step * k);
    const embDist = new Float32Array(step * k);
    for (let start = 0; start < n; start += step) {
      const rows = Math.min(step, n - start);
      const dBlock = dataSource.block(data.coords.subarray(start * data.dims, (start + rows) * data.dims), rows);
      for (let i = 0; i < rows; i++) smallestK(dBlock, i * n, n, k, start + i, dataIdx, dataDist, i * k);
      for (let e = 0; e < embeddings.length; e++) {
        const { coords, dims } = embeddings[e];
        const eBlock = embSources[e].block(coords.subarray(start * dims, (start + rows) * dims), rows);
        for (let i = 0; i < rows; i++) {
          const self = start + i;
          smallestK(eBlock, i * n, n, k, self, embIdx, embDist, i * k);
          tSum[e] += penalty(embIdx, dataIdx, i * k, k, dBlock, i * n, n, self);
          cSum[e] += penalty(dataIdx, embIdx, i * k, k, eBlock, i * n, n, self);
          if (withSilhouette && labels![self] >= 0) silSum[e] += silhouetteOf(eBlock, i * n, n, self, labels!, sizes, sums);
        }
      }
      await onBlock?.((start + rows) / n);
    }
  } finally {
    dataSource.dispose();
    for (const s of embSources) s.dispose();
  }
  const norm = 2 / (n * k * (2 * n - 3 * k - 1));
  return embeddings.map((_, e) => ({
    trustworthiness: 1 - norm * tSum[e],
    continuity: 1 - norm * cSum[e],
    silhouette: withSilhouette ? silSum[e] / labelledRows : null,
  }));
}
