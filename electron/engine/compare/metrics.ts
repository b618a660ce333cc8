// The numbers of the comparison table, each defined as scikit-learn defines it so that the values
// agree: reconstruction MSE, kNN label accuracy (KNeighborsClassifier(5), uniform weights),
// trustworthiness (sklearn.manifold.trustworthiness), continuity (the same with the spaces swapped)
// and the silhouette by label (sklearn.metrics.silhouette_score, Euclidean). The per-row work of
// the last three is in row-scores.ts; tests/unit/helpers/metrics-reference.ts keeps the plain
// definitions the results are checked against.
import { exactKnn } from './neighbours';
import { rowScores } from './row-scores';

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
  const sums = await rowScores(data, n, embeddings, labels, k, onBlock);
  const norm = 2 / (n * k * (2 * n - 3 * k - 1));
  return embeddings.map((_, e) => ({
    trustworthiness: 1 - norm * sums.trust[e],
    continuity: 1 - norm * sums.cont[e],
    silhouette: sums.withSilhouette ? sums.silhouette[e] / sums.labelledRows : null,
  }));
}
