// The numbers of the comparison table, each defined as scikit-learn defines it so that the values
// agree: reconstruction MSE, kNN label accuracy (KNeighborsClassifier(5), uniform weights),
// trustworthiness (sklearn.manifold.trustworthiness), continuity (the same with the spaces swapped)
// and the silhouette by label (sklearn.metrics.silhouette_score, Euclidean).
import { exactKnn, smallestK, SquaredDistances } from './neighbours';

export interface ReconstructionErrors {
  /** Mean over all rows and features. */
  mse: number;
  /** Per feature, mean over rows. */
  columnMse: Float32Array;
  /** Per row, mean over features. */
  rowMse: Float32Array;
}

/** Squared reconstruction errors of x̂ against x (both n×d, row-major). */
export function reconstructionErrors(x: Float32Array, xHat: Float32Array, n: number, d: number): ReconstructionErrors {
  const col = new Float64Array(d);
  const rowMse = new Float32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < d; j++) {
      const e = x[i * d + j] - xHat[i * d + j];
      const e2 = e * e;
      col[j] += e2;
      row += e2;
    }
    rowMse[i] = row / d;
    total += row;
  }
  return { mse: total / Math.max(1, n * d), columnMse: Float32Array.from(col, (s) => s / Math.max(1, n)), rowMse };
}

/**
 * Majority label among neighbour labels; ties go to the smallest label index, as scipy.stats.mode
 * (and so KNeighborsClassifier with uniform weights) breaks them. `counts` is scratch space.
 */
export function majorityLabel(labels: ArrayLike<number>, from: number, k: number, counts: Int32Array): number {
  counts.fill(0);
  for (let t = 0; t < k; t++) counts[labels[from + t]]++;
  let best = 0;
  for (let c = 1; c < counts.length; c++) if (counts[c] > counts[best]) best = c;
  return best;
}

export interface LabelledPoints {
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
export async function knnAccuracy(
  train: LabelledPoints, test: LabelledPoints, d: number, k = 5, onBlock?: (f: number) => Promise<void>,
): Promise<number | null> {
  const tr = knownRows(train, d);
  const te = knownRows(test, d);
  if (tr.n === 0 || te.n === 0) return null;
  const knn = await exactKnn(te.coords, te.n, tr.coords, tr.n, d, k, { onBlock });
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

export interface PointSet {
  coords: Float32Array;
  dims: number;
}

export interface NeighbourhoodScores {
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
export async function neighbourhoodScores(
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
