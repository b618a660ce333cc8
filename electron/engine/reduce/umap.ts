// UMAP (McInnes, Healy & Melville 2018) as umap-learn computes it: a fuzzy simplicial set from the
// k-nearest-neighbour graph (smooth_knn_dist, fuzzy union), then the layout optimised by
// stochastic gradient descent with negative sampling. Written on flat typed arrays because
// umap-js keeps its graph in Map<string, …> and nested arrays, which does not scale to 70,000 rows,
// and has no way to start from a given layout. Initialised from PCA (umap-learn's init="pca").
import type { UmapParams } from '../../../shared/types';
import { mulberry32 } from '../core/random';
import type { ReduceHooks } from './hooks';
import { stageHooks } from './hooks';
import { umapCoefficientTable, umapEpochPart } from './kernels';
import { knnGraph, type KnnGraph, type KnnGraphOptions } from './knn-graph';
import { KernelPool, layoutThreads, sharedF32, sharedF64, sharedI32 } from './threads';

export const umapDefaults: UmapParams = {
  nNeighbors: 15,
  minDist: 0.1,
  spread: 1,
  nEpochs: 0,
  negativeSampleRate: 5,
  pcaDims: 50,
  seed: 1,
};

/** umap-learn's default epoch count: fewer for big data, where each epoch has more edges. */
export function defaultEpochs(n: number): number {
  return n > 10000 ? 200 : 500;
}

const SMOOTH_K_TOLERANCE = 1e-5;
const MIN_K_DIST_SCALE = 1e-3;

/**
 * Per row: ρ (distance to the nearest neighbour) and σ such that Σ exp(−(dᵢⱼ − ρ)/σ) = log₂(k),
 * by bisection (umap-learn's smooth_knn_dist with local_connectivity 1, bandwidth 1). `nNeighbors`
 * counts the row itself, as umap-learn's does; the graph holds the other nNeighbors − 1.
 */
export function smoothKnnDistances(g: KnnGraph, nNeighbors: number): { rho: Float64Array; sigma: Float64Array } {
  const { n, k } = g;
  const target = Math.log2(nNeighbors);
  const rho = new Float64Array(n);
  const sigma = new Float64Array(n);
  let meanAll = 0;
  for (let t = 0; t < g.distances.length; t++) meanAll += g.distances[t];
  meanAll /= g.distances.length;
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let r = 0;
    for (let t = 0; t < k; t++) {
      if (g.distances[base + t] > 0) {
        r = g.distances[base + t];
        break;
      }
    }
    rho[i] = r;
    let lo = 0;
    let hi = Infinity;
    let mid = 1;
    for (let iter = 0; iter < 64; iter++) {
      let psum = 0;
      for (let t = 0; t < k; t++) {
        const dd = g.distances[base + t] - r;
        psum += dd > 0 ? Math.exp(-dd / mid) : 1;
      }
      if (Math.abs(psum - target) < SMOOTH_K_TOLERANCE) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Infinity ? mid * 2 : (lo + hi) / 2;
      }
    }
    // umap-learn includes the row itself (distance 0) in its mean
    let meanRow = 0;
    for (let t = 0; t < k; t++) meanRow += g.distances[base + t];
    meanRow /= k + 1;
    const floor = MIN_K_DIST_SCALE * (r > 0 ? meanRow : meanAll);
    sigma[i] = Math.max(mid, floor);
  }
  return { rho, sigma };
}

export interface FuzzyGraph {
  head: Int32Array;
  tail: Int32Array;
  weight: Float32Array;
}

/**
 * Memberships exp(−(d − ρ)/σ), then the fuzzy union w + wᵀ − w∘wᵀ, both directions listed and
 * sorted by head (row by row, as a sparse matrix's rows).
 */
export function fuzzySimplicialSet(g: KnnGraph, nNeighbors: number): FuzzyGraph {
  const { n, k } = g;
  const { rho, sigma } = smoothKnnDistances(g, nNeighbors);
  // every kNN edge i → j goes into row i and, reversed, into row j
  const start = new Int32Array(n + 1);
  for (let e = 0; e < n * k; e++) {
    start[Math.floor(e / k) + 1]++;
    start[g.indices[e] + 1]++;
  }
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const cols = new Int32Array(start[n]);
  const vals = new Float64Array(start[n]);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const e = i * k + t;
      const j = g.indices[e];
      const dd = g.distances[e] - rho[i];
      const w = dd <= 0 || sigma[i] === 0 ? 1 : Math.exp(-dd / sigma[i]);
      cols[fill[i]] = j;
      vals[fill[i]++] = w;
      cols[fill[j]] = i;
      vals[fill[j]++] = w;
    }
  }
  // merge the two directions of a pair: a + b − ab
  const slotOf = new Int32Array(n).fill(-1);
  const head = new Int32Array(cols.length);
  const tail = new Int32Array(cols.length);
  const weight = new Float32Array(cols.length);
  const value = new Float64Array(cols.length);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const rowStart = m;
    for (let e = start[i]; e < start[i + 1]; e++) {
      const j = cols[e];
      const slot = slotOf[j];
      if (slot >= rowStart) value[slot] = value[slot] + vals[e] - value[slot] * vals[e];
      else {
        slotOf[j] = m;
        head[m] = i;
        tail[m] = j;
        value[m++] = vals[e];
      }
    }
  }
  let kept = 0;
  for (let e = 0; e < m; e++) {
    if (!(value[e] > 0)) continue;
    head[kept] = head[e];
    tail[kept] = tail[e];
    weight[kept++] = value[e];
  }
  return { head: head.slice(0, kept), tail: tail.slice(0, kept), weight: weight.slice(0, kept) };
}

/**
 * a, b of the low-dimensional similarity 1 / (1 + a·d^(2b)), fitted by least squares to the curve
 * that is 1 below min_dist and exp(−(d − min_dist)/spread) beyond (umap-learn's find_ab_params),
 * with Gauss–Newton plus step halving.
 */
export function findAbParams(spread: number, minDist: number): { a: number; b: number } {
  const xs = Array.from({ length: 300 }, (_, i) => (i * spread * 3) / 299);
  const ys = xs.map((x) => (x < minDist ? 1 : Math.exp(-(x - minDist) / spread)));
  const loss = (a: number, b: number) =>
    xs.reduce((s, x, i) => s + (1 / (1 + a * x ** (2 * b)) - ys[i]) ** 2, 0);
  let a = 1.5;
  let b = 0.9;
  let current = loss(a, b);
  for (let iter = 0; iter < 200; iter++) {
    // normal equations of the 2-parameter linearised problem
    let jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      if (x === 0) continue;
      const p = x ** (2 * b);
      const f = 1 / (1 + a * p);
      const r = f - ys[i];
      const da = -p * f * f;
      const db = -a * p * 2 * Math.log(x) * f * f;
      jaa += da * da; jab += da * db; jbb += db * db;
      ga += da * r; gb += db * r;
    }
    const det = jaa * jbb - jab * jab;
    if (!(Math.abs(det) > 1e-300)) break;
    const stepA = (jbb * ga - jab * gb) / det;
    const stepB = (jaa * gb - jab * ga) / det;
    let scale = 1;
    let improved = false;
    for (let h = 0; h < 30; h++, scale /= 2) {
      const na = a - scale * stepA;
      const nb = b - scale * stepB;
      if (na > 0 && nb > 0) {
        const l = loss(na, nb);
        if (l < current) {
          improved = current - l > 1e-15;
          a = na; b = nb; current = l;
          break;
        }
      }
    }
    if (!improved) break;
  }
  return { a, b };
}

/** Scales the initial layout as umap-learn does: to [0, 10] along each axis. */
function rescaleInit(y: Float32Array, n: number, dims: number): void {
  for (let c = 0; c < dims; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, y[i * dims + c]);
      hi = Math.max(hi, y[i * dims + c]);
    }
    const s = hi > lo ? 10 / (hi - lo) : 1;
    for (let i = 0; i < n; i++) y[i * dims + c] = (y[i * dims + c] - lo) * s;
  }
}

/**
 * Parts the rows are split into for the layout's epochs (threads.ts): up to this many threads can
 * work at once, and the layout does not depend on how many do.
 */
const PARTS = 4;

export interface UmapResult {
  /** n×2 layout. */
  coords: Float32Array;
  graph: { exact: boolean; k: number; edges: number };
  a: number;
  b: number;
  epochs: number;
  stages: { name: string; seconds: number }[];
}

/**
 * Lays out the n rows of x (n×d) in 2-D. `init` (n×2) is the starting layout (e.g. the first two
 * principal components); without it the start is uniform random. Deterministic for a given seed.
 */
export async function umap(
  x: Float32Array, n: number, d: number, params: UmapParams, hooks: ReduceHooks,
  init?: Float32Array, graphOptions?: KnnGraphOptions,
): Promise<UmapResult> {
  const dims = 2;
  const nNeighbors = Math.min(params.nNeighbors, n - 1);
  if (nNeighbors < 2) throw new Error('UMAP needs at least 3 rows');
  const rand = mulberry32(params.seed);
  const stages: UmapResult['stages'] = [];
  let t0 = performance.now();
  const graph = await knnGraph(x, n, d, nNeighbors - 1, rand, stageHooks(hooks, 0, 0.4), graphOptions);
  stages.push({ name: graph.exact ? 'exact neighbour graph' : 'approximate neighbour graph', seconds: (performance.now() - t0) / 1000 });

  t0 = performance.now();
  const fuzzy = fuzzySimplicialSet(graph, nNeighbors);
  const nEpochs = params.nEpochs > 0 ? params.nEpochs : defaultEpochs(n);
  let maxW = 0;
  for (const v of fuzzy.weight) maxW = Math.max(maxW, v);
  // edges too weak to be sampled even once are dropped, as in umap-learn
  const keep: number[] = [];
  for (let e = 0; e < fuzzy.weight.length; e++) if (fuzzy.weight[e] >= maxW / nEpochs) keep.push(e);
  const m = keep.length;
  const head = Int32Array.from(keep, (e) => fuzzy.head[e]);
  const tail = Int32Array.from(keep, (e) => fuzzy.tail[e]);
  const epochsPerSample = Float64Array.from(keep, (e) => maxW / fuzzy.weight[e]);
  const epochsPerNegative = epochsPerSample.map((v) => v / params.negativeSampleRate);
  const { a, b } = findAbParams(params.spread, params.minDist);

  const y = new Float32Array(n * dims);
  if (init) {
    y.set(init.subarray(0, n * dims));
    // a little noise separates rows that start on the same spot (umap-learn adds 1e-4 after scaling to 10)
    let big = 0;
    for (const v of y) big = Math.max(big, Math.abs(v));
    const s = big > 0 ? 10 / big : 1;
    for (let i = 0; i < y.length; i++) y[i] = y[i] * s + (rand() - 0.5) * 2e-4;
  } else {
    for (let i = 0; i < y.length; i++) y[i] = rand() * 20 - 10;
  }
  rescaleInit(y, n, dims);
  stages.push({ name: 'fuzzy graph', seconds: (performance.now() - t0) / 1000 });

  t0 = performance.now();
  const layoutHooks = stageHooks(hooks, 0.4, 1);
  // the rows in PARTS parts, each moved by one task per epoch that reads the other parts as they
  // were at the epoch's start: the same layout on one thread or several
  const ys = sharedF32(n * dims, y);
  const snap = sharedF32(n * dims);
  const heads = sharedI32(m, head);
  const tails = sharedI32(m, tail);
  const eps = sharedF64(m, epochsPerSample);
  const nextS = sharedF64(m, epochsPerSample);
  const nextN = sharedF64(m, epochsPerNegative);
  const rng = sharedI32(PARTS);
  const delta = sharedF32(PARTS * n * dims);
  const table = sharedF64(2 * 15361, umapCoefficientTable(a, b));
  for (let p = 0; p < PARTS; p++) rng[p] = (Math.floor(rand() * 0x7fffffff) | 1) ^ (p << 16);
  const bounds = Array.from({ length: PARTS + 1 }, (_, p) => Math.round((p * n) / PARTS));
  // the edges are sorted by head: each part's edges are one range
  const edgeAt = (row: number) => {
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (head[mid] < row) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const edgeBounds = bounds.map(edgeAt);
  const pool = KernelPool.create([umapEpochPart], Math.min(PARTS, layoutThreads()));
  try {
    for (let epoch = 0; epoch < nEpochs; epoch++) {
      const alpha = 1 - epoch / nEpochs;
      snap.set(ys);
      await pool.runParts(Array.from({ length: PARTS }, (_, p) => ({
        kernel: 'umapEpochPart',
        args: [ys, snap, heads, tails, eps, nextS, nextN, edgeBounds[p], edgeBounds[p + 1], bounds[p], bounds[p + 1], n, a, b,
          params.negativeSampleRate, epoch, alpha, rng, p, delta, table],
      })));
      // the pulls on rows of other parts, in part order
      for (let p = 0; p < PARTS; p++) {
        const base = p * n * dims;
        for (let i = 0; i < n * dims; i++) ys[i] += delta[base + i];
      }
      delta.fill(0);
      await layoutHooks.step((epoch + 1) / nEpochs, `UMAP layout: epoch ${epoch + 1}/${nEpochs}`);
    }
  } finally {
    await pool.close();
  }
  y.set(ys);
  stages.push({ name: 'layout', seconds: (performance.now() - t0) / 1000 });
  return { coords: y, graph: { exact: graph.exact, k: nNeighbors, edges: m }, a, b, epochs: nEpochs, stages };
}
