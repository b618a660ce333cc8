// The k-nearest-neighbour graph UMAP and t-SNE start from. Small inputs get the exact answer, and
// so do inputs up to a few times MNIST's size when the native addon's GEMM is there (exact-knn.ts);
// larger ones an approximate one the way PyNNDescent builds it: a forest of random-projection trees
// gives every row candidates from its leaves, then NN-descent ("a neighbour of my neighbour is
// probably my neighbour") refines the lists until few of them change. Everything lives in flat
// typed arrays: per row a max-heap of the k best found so far.
import { exactKnn } from '../compare/neighbours';
import { nativeAddon } from '../native/addon';
import { exactKnnGraph } from './exact-knn';
import type { ReduceHooks } from './hooks';

export interface KnnGraph {
  n: number;
  k: number;
  /** Neighbour indices per row, nearest first, row-major n×k; never the row itself. */
  indices: Int32Array;
  /** Euclidean distances matching `indices`. */
  distances: Float32Array;
  exact: boolean;
}

export interface KnnGraphOptions {
  /** Rows up to this many get the exact graph (brute force). */
  exactMaxRows?: number;
  trees?: number;
  leafSize?: number;
  maxIterations?: number;
  /** NN-descent candidates per row and iteration (PyNNDescent: min(60, k)). */
  maxCandidates?: number;
}

const EXACT_MAX_ROWS = 8000;
/**
 * With the native addon's GEMM, the exact graph up to n²·(d + 1) = 7.5·10¹¹ multiply-adds (three
 * times all of MNIST on 50 principal components: a few seconds); NN-descent beyond.
 */
const EXACT_GEMM_MAX_WORK = 7.5e11;

function sqDist(x: Float32Array, a: number, b: number, d: number): number {
  let s = 0;
  const ia = a * d;
  const ib = b * d;
  for (let t = 0; t < d; t++) {
    const u = x[ia + t] - x[ib + t];
    s += u * u;
  }
  return s;
}

/** Per-row bounded max-heaps of (distance, index, is-new flag). */
class NeighbourHeaps {
  readonly idx: Int32Array;
  readonly dist: Float32Array;
  readonly fresh: Uint8Array;

  constructor(readonly n: number, readonly k: number) {
    this.idx = new Int32Array(n * k).fill(-1);
    this.dist = new Float32Array(n * k).fill(Infinity);
    this.fresh = new Uint8Array(n * k);
  }

  /** Offers j at squared distance dj to row i; true when it entered the heap. */
  push(i: number, j: number, dj: number): boolean {
    const k = this.k;
    const base = i * k;
    const dist = this.dist;
    const idx = this.idx;
    if (!(dj < dist[base])) return false;
    for (let t = 0; t < k; t++) if (idx[base + t] === j) return false;
    // replace the root (the farthest) and sift down
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= k) break;
      const r = l + 1;
      const c = r < k && dist[base + r] > dist[base + l] ? r : l;
      if (!(dist[base + c] > dj)) break;
      dist[base + p] = dist[base + c];
      idx[base + p] = idx[base + c];
      this.fresh[base + p] = this.fresh[base + c];
      p = c;
    }
    dist[base + p] = dj;
    idx[base + p] = j;
    this.fresh[base + p] = 1;
    return true;
  }
}

/** Random-projection tree leaves of `perm` (reordered in place); calls `leaf(lo, hi)` for each. */
function forEachLeaf(
  x: Float32Array, d: number, perm: Int32Array, leafSize: number, rand: () => number,
  leaf: (lo: number, hi: number) => void,
): void {
  const side = new Uint8Array(perm.length);
  const normal = new Float64Array(d);
  const stack: number[] = [0, perm.length];
  while (stack.length) {
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    const size = hi - lo;
    if (size <= leafSize) {
      leaf(lo, hi);
      continue;
    }
    const a = perm[lo + Math.floor(rand() * size)];
    let b = perm[lo + Math.floor(rand() * size)];
    for (let tries = 0; b === a && tries < 8; tries++) b = perm[lo + Math.floor(rand() * size)];
    // hyperplane halfway between a and b, normal to a − b
    let offset = 0;
    for (let t = 0; t < d; t++) {
      normal[t] = x[a * d + t] - x[b * d + t];
      offset += normal[t] * (x[a * d + t] + x[b * d + t]) * 0.5;
    }
    let left = 0;
    for (let p = lo; p < hi; p++) {
      const r = perm[p] * d;
      let s = -offset;
      for (let t = 0; t < d; t++) s += normal[t] * x[r + t];
      // points on the plane (e.g. duplicates) go to a random side
      const goesLeft = s < 0 || (s === 0 && rand() < 0.5);
      side[p] = goesLeft ? 1 : 0;
      if (goesLeft) left++;
    }
    let mid: number;
    if (left === 0 || left === size) {
      mid = lo + (size >> 1); // degenerate split (all rows equal here): halve at random order
    } else {
      // stable two-way partition: left side first
      let w = lo;
      const tmp = perm.slice(lo, hi);
      for (let p = 0; p < size; p++) if (side[lo + p]) perm[w++] = tmp[p];
      mid = w;
      for (let p = 0; p < size; p++) if (!side[lo + p]) perm[w++] = tmp[p];
    }
    stack.push(lo, mid, mid, hi);
  }
}

/** Samples up to `max` entries per row into cand (priority by random key, reservoir style). */
class CandidateLists {
  readonly items: Int32Array;
  readonly keys: Float32Array;
  readonly count: Int32Array;

  constructor(n: number, readonly max: number) {
    this.items = new Int32Array(n * max);
    this.keys = new Float32Array(n * max);
    this.count = new Int32Array(n);
  }

  reset(): void {
    this.count.fill(0);
  }

  /** Adds j to row i's list; a full list keeps the entries with the smallest random keys. */
  add(i: number, j: number, key: number): void {
    const base = i * this.max;
    const c = this.count[i];
    for (let t = 0; t < c; t++) if (this.items[base + t] === j) return;
    if (c < this.max) {
      this.items[base + c] = j;
      this.keys[base + c] = key;
      this.count[i] = c + 1;
      return;
    }
    let worst = 0;
    for (let t = 1; t < c; t++) if (this.keys[base + t] > this.keys[base + worst]) worst = t;
    if (key < this.keys[base + worst]) {
      this.items[base + worst] = j;
      this.keys[base + worst] = key;
    }
  }
}

/** Sorts every row's heap nearest first and turns squared distances into distances. */
function finish(heaps: NeighbourHeaps): { indices: Int32Array; distances: Float32Array } {
  const { n, k } = heaps;
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  const order = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const base = i * k;
    for (let t = 0; t < k; t++) order[t] = t;
    order.sort((a, b) => heaps.dist[base + a] - heaps.dist[base + b]);
    for (let t = 0; t < k; t++) {
      indices[base + t] = heaps.idx[base + order[t]];
      distances[base + t] = Math.sqrt(heaps.dist[base + order[t]]);
    }
  }
  return { indices, distances };
}

/**
 * k nearest neighbours of every row of x (n×d) among the other rows. Progress runs from 0 to 1
 * through `hooks.step`, which also yields to the host and throws when the job was cancelled.
 */
export async function knnGraph(
  x: Float32Array, n: number, d: number, k: number, rand: () => number, hooks: ReduceHooks, opts: KnnGraphOptions = {},
): Promise<KnnGraph> {
  if (k >= n) throw new Error(`a ${k}-neighbour graph needs more than ${k} rows (got ${n})`);
  const gemm = nativeAddon().addon !== null;
  const exact = opts.exactMaxRows !== undefined ? n <= opts.exactMaxRows
    : n <= EXACT_MAX_ROWS || (gemm && n * n * (d + 1) <= EXACT_GEMM_MAX_WORK);
  if (exact) {
    const onBlock = (f: number) => hooks.step(f, 'Exact nearest neighbours');
    const r = gemm ? await exactKnnGraph(x, n, d, k, onBlock) : await exactKnn(x, n, x, n, d, k, { excludeSelf: true, onBlock });
    return { n, k, indices: r.indices, distances: r.distances, exact: true };
  }
  const trees = opts.trees ?? Math.max(4, Math.min(16, 5 + Math.round(n ** 0.25 / 2)));
  const leafSize = opts.leafSize ?? Math.max(32, Math.min(2 * k, 128));
  const maxIterations = opts.maxIterations ?? 10;
  const maxCandidates = opts.maxCandidates ?? Math.min(k, 30);
  const heaps = new NeighbourHeaps(n, k);
  const perm = Int32Array.from({ length: n }, (_, i) => i);

  for (let t = 0; t < trees; t++) {
    forEachLeaf(x, d, perm, leafSize, rand, (lo, hi) => {
      for (let p = lo; p < hi; p++) {
        const i = perm[p];
        for (let q = p + 1; q < hi; q++) {
          const j = perm[q];
          const dij = sqDist(x, i, j, d);
          heaps.push(i, j, dij);
          heaps.push(j, i, dij);
        }
      }
    });
    await hooks.step(((t + 1) / trees) * 0.3, `Neighbour search: random-projection tree ${t + 1}/${trees}`);
  }
  // rows whose leaves were all smaller than k + 1 still have empty slots (the farthest slot, the
  // heap's root, is empty): fill them with random rows, then with the next rows if need be
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 4 * k && heaps.idx[i * k] < 0; t++) {
      const j = Math.floor(rand() * n);
      if (j !== i) heaps.push(i, j, sqDist(x, i, j, d));
    }
    for (let s = 1; s < n && heaps.idx[i * k] < 0; s++) heaps.push(i, (i + s) % n, sqDist(x, i, (i + s) % n, d));
  }

  const fresh = new CandidateLists(n, maxCandidates);
  const old = new CandidateLists(n, maxCandidates);
  for (let iter = 0; iter < maxIterations; iter++) {
    fresh.reset();
    old.reset();
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < k; t++) {
        const e = i * k + t;
        const j = heaps.idx[e];
        if (j < 0) continue;
        const key = rand();
        // forward and reverse edges both become candidates
        if (heaps.fresh[e]) {
          fresh.add(i, j, key);
          fresh.add(j, i, key);
        } else {
          old.add(i, j, key);
          old.add(j, i, key);
        }
      }
    }
    // the sampled new entries are old from now on
    for (let i = 0; i < n; i++) {
      const fb = i * maxCandidates;
      for (let t = 0; t < k; t++) {
        const e = i * k + t;
        if (!heaps.fresh[e]) continue;
        const j = heaps.idx[e];
        for (let c = 0; c < fresh.count[i]; c++) if (fresh.items[fb + c] === j) { heaps.fresh[e] = 0; break; }
      }
    }
    let updates = 0;
    for (let i = 0; i < n; i++) {
      const fb = i * maxCandidates;
      const fc = fresh.count[i];
      const oc = old.count[i];
      for (let a = 0; a < fc; a++) {
        const p = fresh.items[fb + a];
        for (let b = a + 1; b < fc; b++) {
          const q = fresh.items[fb + b];
          const dpq = sqDist(x, p, q, d);
          if (heaps.push(p, q, dpq)) updates++;
          if (heaps.push(q, p, dpq)) updates++;
        }
        for (let b = 0; b < oc; b++) {
          const q = old.items[fb + b];
          if (q === p) continue;
          const dpq = sqDist(x, p, q, d);
          if (heaps.push(p, q, dpq)) updates++;
          if (heaps.push(q, p, dpq)) updates++;
        }
      }
      if ((i & 4095) === 4095) await hooks.step(0.3 + 0.7 * ((iter + i / n) / maxIterations), `Neighbour search: refining (pass ${iter + 1})`);
    }
    if (updates <= 0.001 * n * k) break;
  }
  await hooks.step(1, 'Neighbour graph ready');
  const { indices, distances } = finish(heaps);
  return { n, k, indices, distances, exact: false };
}
