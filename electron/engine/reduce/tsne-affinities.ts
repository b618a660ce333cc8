// t-SNE's input affinities: each row's conditional probabilities over its nearest neighbours (a
// binary search for the precision that gives the perplexity, as scikit-learn does), symmetrised
// into one sparse joint P, and the breadth-first renumbering of P's rows used on the grid path.
// Split from tsne.ts so that P's construction stands apart from the descent that uses it.
// conditionalRows is a kernel (threads.ts): it stays self-contained.
import type { KnnGraph } from './knn-graph';

/** Neighbours t-SNE needs for a perplexity: sklearn's min(n − 1, ⌊3·perplexity + 1⌋). */
export function tsneNeighbours(perplexity: number, n: number): number {
  return Math.min(n - 1, Math.floor(3 * perplexity + 1));
}

/** Sparse symmetric P in CSR form (rows sum, over the whole matrix, to 1). */
export interface SparseP {
  n: number;
  rowStart: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

/**
 * Conditional probabilities p(j|i) ∝ exp(−β·dᵢⱼ²) over each row's neighbours with β found by
 * bisection so that the entropy is log(perplexity) (sklearn's _binary_search_perplexity).
 */
export function conditionalP(g: KnnGraph, perplexity: number): Float64Array {
  const p = new Float64Array(g.n * g.k);
  conditionalRows(g.distances, g.k, perplexity, 0, g.n, p);
  return p;
}

/**
 * conditionalP for rows [r0, r1) of n×k neighbour distances, into p (a kernel: threads.ts; the
 * tolerance 1e-5 on the entropy and the 100 steps are sklearn's).
 */
export function conditionalRows(distances: Float32Array, k: number, perplexity: number, r0: number, r1: number, p: Float64Array): number {
  const target = Math.log(perplexity);
  for (let i = r0; i < r1; i++) {
    const base = i * k;
    let beta = 1;
    let lo = -Infinity;
    let hi = Infinity;
    for (let step = 0; step < 100; step++) {
      let sum = 0;
      for (let t = 0; t < k; t++) {
        const d = distances[base + t];
        const v = Math.exp(-d * d * beta);
        p[base + t] = v;
        sum += v;
      }
      if (sum === 0) sum = 1e-8;
      let dSum = 0;
      for (let t = 0; t < k; t++) {
        const d = distances[base + t];
        p[base + t] /= sum;
        dSum += d * d * p[base + t];
      }
      const entropy = Math.log(sum) + beta * dSum;
      const diff = entropy - target;
      if (Math.abs(diff) <= 1e-5) break;
      if (diff > 0) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
      }
    }
  }
  return r1 - r0;
}

/** P = (P_cond + P_condᵀ) / sum, as CSR with duplicate entries merged (columns unsorted). */
export function jointP(g: KnnGraph, pCond: Float64Array): SparseP {
  const { n, k } = g;
  const counts = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      counts[i + 1]++;
      counts[g.indices[i * k + t] + 1]++;
    }
  }
  for (let i = 0; i < n; i++) counts[i + 1] += counts[i];
  const fill = counts.slice(0, n);
  const cols = new Int32Array(counts[n]);
  const vals = new Float64Array(counts[n]);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = g.indices[i * k + t];
      const v = pCond[i * k + t];
      cols[fill[i]] = j;
      vals[fill[i]++] = v;
      cols[fill[j]] = i;
      vals[fill[j]++] = v;
    }
  }
  // merge (i, j) entries that came from both directions: slotOf[j] is j's slot in the current row
  const slotOf = new Int32Array(n).fill(-1);
  const rowStart = new Int32Array(n + 1);
  const outCols = new Int32Array(cols.length);
  const outVals = new Float64Array(cols.length);
  let m = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    rowStart[i] = m;
    for (let e = counts[i]; e < counts[i + 1]; e++) {
      const j = cols[e];
      total += vals[e];
      const slot = slotOf[j];
      if (slot >= rowStart[i]) outVals[slot] += vals[e];
      else {
        slotOf[j] = m;
        outCols[m] = j;
        outVals[m++] = vals[e];
      }
    }
  }
  rowStart[n] = m;
  const scale = 1 / Math.max(total, Number.EPSILON);
  const values = Float64Array.from(outVals.subarray(0, m), (v) => v * scale);
  return { n, rowStart, cols: outCols.slice(0, m), values };
}

/**
 * An order of the rows that visits P's graph breadth first (from row 0, then from the first row not
 * yet reached): rows that attract each other get nearby numbers, so each iteration's reads of their
 * positions stay in cache (−20 % for the attraction on MNIST). order[new] = old.
 */
export function graphOrder(P: SparseP): Int32Array {
  const { n, rowStart, cols } = P;
  const order = new Int32Array(n);
  const seen = new Uint8Array(n);
  let head = 0;
  let tail = 0;
  for (let s = 0; s < n; s++) {
    if (seen[s]) continue;
    seen[s] = 1;
    order[tail++] = s;
    while (head < tail) {
      const i = order[head++];
      for (let e = rowStart[i]; e < rowStart[i + 1]; e++) {
        const j = cols[e];
        if (!seen[j]) {
          seen[j] = 1;
          order[tail++] = j;
        }
      }
    }
  }
  return order;
}

/** P with its rows and columns renumbered (order[new] = old); each row keeps its entries' order. */
export function permuteP(P: SparseP, order: Int32Array): SparseP {
  const { n, rowStart, cols, values } = P;
  const inv = new Int32Array(n);
  for (let r = 0; r < n; r++) inv[order[r]] = r;
  const start = new Int32Array(n + 1);
  const outCols = new Int32Array(cols.length);
  const outVals = new Float64Array(values.length);
  let at = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r];
    start[r] = at;
    for (let e = rowStart[i]; e < rowStart[i + 1]; e++) {
      outCols[at] = inv[cols[e]];
      outVals[at++] = values[e];
    }
  }
  start[n] = at;
  return { n, rowStart: start, cols: outCols, values: outVals };
}
