// Barnes–Hut t-SNE (van der Maaten 2014) with scikit-learn's conventions, so that parameters mean
// what they mean there: P from the 3·perplexity nearest neighbours (binary search for each row's
// precision, symmetrised and normalised), Student-t similarities in 2-D, repulsion summed over a
// quadtree with the angle criterion on the full cell width (sklearn's angle), gradient ×4, early exaggeration for the
// first iterations with momentum 0.5 then 0.8, per-coordinate gains, and learning rate "auto"
// = max(n / exaggeration / 4, 50). Written here because no npm package does 70,000 rows in
// reasonable time (tsne-js and friends are exact O(n²)). This module holds the run and its descent
// loop; P's construction is in tsne-affinities.ts, the Barnes–Hut force sums in tsne-bh.ts and the
// grid (FFT) repulsion in tsne-fft.ts.
import type { TsneParams } from '../../../shared/types';
import { mulberry32 } from '../core/random';
import type { ReduceHooks } from './hooks';
import { stageHooks } from './hooks';
import { knnGraph, type KnnGraphOptions } from './knn-graph';
import { QuadTree } from './quadtree';
import { conditionalP, conditionalRows, graphOrder, jointP, permuteP, type SparseP, tsneNeighbours } from './tsne-affinities';
import { attraction, klDivergence, RepulsionWorkspace, repulsiveForces } from './tsne-bh';
import { FftRepulsion, tsneKernels } from './tsne-fft';
import { KernelPool, layoutThreads, sharedF32, sharedF64, sharedI32 } from './threads';

export const tsneDefaults: TsneParams = {
  perplexity: 30,
  iterations: 1000,
  learningRate: 0,
  earlyExaggeration: 12,
  earlyIterations: 250,
  theta: 0.5,
  pcaDims: 50,
  seed: 1,
};

export function autoLearningRate(n: number, exaggeration: number): number {
  return Math.max(n / exaggeration / 4, 50);
}

export interface TsneResult {
  coords: Float32Array;
  graph: { exact: boolean; k: number };
  perplexity: number;
  learningRate: number;
  /** KL divergence every 50 iterations (sklearn's check interval). */
  trace: { step: number; value: number; label: string }[];
  stages: { name: string; seconds: number }[];
  /** How the repulsion was summed: a Barnes–Hut quadtree, or interpolation on a grid with FFTs. */
  repulsion: 'barnes-hut' | 'fft';
}

const CHECK_EVERY = 50;
/**
 * From this many rows the repulsion is interpolated on a grid with FFTs (tsne-fft.ts), on worker
 * threads, as openTSNE's "auto" does; below, Barnes–Hut is faster (the grid has a fixed cost).
 * LAB_TSNE_REPULSION=barnes-hut keeps Barnes–Hut at any size, =fft takes the grid at any size.
 */
export const FFT_MIN_ROWS = 10_000;
/** Parts the rows are cut into for the kernels: the result does not depend on the thread count. */
const PARTS = 4;

/**
 * Embeds the n rows of x (n×d) in 2-D. `init` (n×2) is the start (e.g. PCA, scaled here to
 * standard deviation 1e-4 along the first axis as sklearn does); without it, N(0, 1e-4²).
 */
export async function tsne(
  x: Float32Array, n: number, d: number, params: TsneParams, hooks: ReduceHooks,
  init?: Float32Array, graphOptions?: KnnGraphOptions,
): Promise<TsneResult> {
  if (n < 4) throw new Error('t-SNE needs at least 4 rows');
  // a perplexity needs ~3× as many neighbours; small data gets a smaller one
  const perplexity = Math.min(params.perplexity, (n - 1) / 3);
  const k = tsneNeighbours(perplexity, n);
  const rand = mulberry32(params.seed);
  const stages: TsneResult['stages'] = [];
  let t0 = performance.now();
  const graph = await knnGraph(x, n, d, k, rand, stageHooks(hooks, 0, 0.2),
    graphOptions ?? { trees: 6, maxCandidates: 15, maxIterations: 3 });
  stages.push({ name: graph.exact ? 'exact neighbour graph' : 'approximate neighbour graph', seconds: (performance.now() - t0) / 1000 });

  t0 = performance.now();
  const mode = process.env.LAB_TSNE_REPULSION;
  const useFft = mode === 'fft' || (n >= FFT_MIN_ROWS && mode !== 'barnes-hut');
  const pool = useFft ? KernelPool.create([conditionalRows, ...tsneKernels], layoutThreads(), true) : null;
  try {
    let pCond: Float64Array;
    if (pool) {
      pCond = sharedF64(n * k);
      const dist = sharedF32(n * k, graph.distances);
      const cut = (p: number) => Math.round((p * n) / PARTS);
      await pool.runParts(Array.from({ length: PARTS }, (_, p) => ({ kernel: 'conditionalRows', args: [dist, k, perplexity, cut(p), cut(p + 1), pCond] })));
    } else {
      pCond = conditionalP(graph, perplexity);
    }
    let P = jointP(graph, pCond);
    // on the grid path the rows are renumbered along P's graph for the attraction's cache
    const order = pool ? graphOrder(P) : null;
    if (order) P = permuteP(P, order);
    stages.push({ name: 'affinities', seconds: (performance.now() - t0) / 1000 });
    const r = await optimise(P, pool, n, params, hooks, init, rand, stages, order);
    return { ...r, graph: { exact: graph.exact, k }, perplexity, stages, repulsion: pool ? 'fft' : 'barnes-hut' };
  } finally {
    await pool?.close();
  }
}


/**
 * The gradient descent from the start layout (sklearn's optimiser), on the pool's threads when given.
 * With `order`, P is renumbered by it (order[new] = old): the start is taken in the rows' own order
 * and renumbered, and the layout is returned in the rows' own order.
 */
async function optimise(
  P: SparseP, pool: KernelPool | null, n: number, params: TsneParams, hooks: ReduceHooks,
  init: Float32Array | undefined, rand: () => number, stages: TsneResult['stages'], order: Int32Array | null = null,
): Promise<{ coords: Float32Array; learningRate: number; trace: TsneResult['trace'] }> {
  const y = new Float64Array(n * 2);
  if (init) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += init[2 * i] / n;
    let sd = 0;
    for (let i = 0; i < n; i++) sd += (init[2 * i] - mean) ** 2 / n;
    const s = sd > 0 ? 1e-4 / Math.sqrt(sd) : 1;
    for (let i = 0; i < 2 * n; i++) y[i] = init[i] * s;
  } else {
    for (let i = 0; i < 2 * n; i++) {
      // Box–Muller
      const u = Math.max(rand(), 1e-12);
      y[i] = 1e-4 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
    }
  }
  if (order) {
    const own = y.slice();
    for (let r = 0; r < n; r++) {
      y[2 * r] = own[2 * order[r]];
      y[2 * r + 1] = own[2 * order[r] + 1];
    }
  }
  const learningRate = params.learningRate > 0 ? params.learningRate : autoLearningRate(n, params.earlyExaggeration);
  const theta2 = params.theta * params.theta;
  const tree = pool ? null : new QuadTree();
  const workspace = pool ? null : new RepulsionWorkspace(n);
  const ys = pool ? sharedF64(2 * n, y) : y;
  const rep = pool ? sharedF64(2 * n) : new Float64Array(2 * n);
  const attr = pool ? sharedF64(2 * n) : new Float64Array(2 * n);
  const fftRepulsion = pool ? new FftRepulsion(pool, n) : null;
  const y32 = sharedF32(pool ? 2 * n : 0);
  // P's rows for the attraction kernel (Float32 values halve what each iteration reads)
  const rows = pool ? { start: sharedI32(n + 1, P.rowStart), cols: sharedI32(P.cols.length, P.cols), vals: sharedF32(P.values.length, P.values) } : null;
  const cut = (p: number) => Math.round((p * n) / PARTS);
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n).fill(1);
  const trace: TsneResult['trace'] = [];
  const layoutHooks = stageHooks(hooks, 0.2, 1);
  const t0 = performance.now();
  const early = Math.min(params.earlyIterations, params.iterations);
  for (let it = 0; it < params.iterations; it++) {
    const exploring = it < early;
    if (it === early) {
      // sklearn runs the two phases as two optimiser calls: fresh momentum buffer and gains
      update.fill(0);
      gains.fill(1);
    }
    const exaggeration = exploring ? params.earlyExaggeration : 1;
    const momentum = exploring ? 0.5 : 0.8;
    const check = (it + 1) % CHECK_EVERY === 0 || it + 1 === params.iterations;
    let sumQ: number;
    let kl = 0;
    if (pool && fftRepulsion && rows) {
      // the attraction runs beside the repulsion's first phase
      y32.set(ys);
      const r = await fftRepulsion.compute(ys, rep, Array.from({ length: PARTS }, (_, p) => ({
        kernel: 'tsneAttract', args: [rows.start, rows.cols, rows.vals, y32, cut(p), cut(p + 1), attr, pool.withAddon],
      })));
      sumQ = r.z;
      if (check) {
        const parts = await pool.runParts(Array.from({ length: PARTS }, (_, p) => ({
          kernel: 'tsneKlPart', args: [rows.start, rows.cols, rows.vals, y32, cut(p), cut(p + 1)],
        })));
        // Σ p·log(p/q) with q = q̃/Z and Σ p = 1
        kl = Math.log(sumQ);
        for (const part of parts) kl += part as number;
      }
    } else {
      tree!.build(ys, n);
      sumQ = repulsiveForces(tree!, ys, n, theta2, rep, workspace!);
      attraction(P, ys, attr);
      if (check) kl = klDivergence(P, ys, sumQ);
    }
    if (check) trace.push({ step: it + 1, value: kl, label: exploring ? 'KL (exaggerated phase)' : 'KL divergence' });
    const invQ = 1 / Math.max(sumQ, Number.MIN_VALUE);
    for (let c = 0; c < 2 * n; c++) {
      const grad = 4 * (exaggeration * attr[c] - rep[c] * invQ);
      const g = update[c] * grad < 0 ? gains[c] + 0.2 : Math.max(gains[c] * 0.8, 0.01);
      gains[c] = g;
      update[c] = momentum * update[c] - learningRate * grad * g;
      ys[c] += update[c];
    }
    await layoutHooks.step((it + 1) / params.iterations, `t-SNE: iteration ${it + 1}/${params.iterations}`);
  }
  stages.push({ name: 'layout', seconds: (performance.now() - t0) / 1000 });
  if (fftRepulsion) {
    for (const [phase, ms] of Object.entries(fftRepulsion.ms)) stages.push({ name: `layout: repulsion ${phase}`, seconds: ms / 1000 });
  }
  const coords = new Float32Array(2 * n);
  for (let r = 0; r < n; r++) {
    const i = order ? order[r] : r;
    coords[2 * i] = ys[2 * r];
    coords[2 * i + 1] = ys[2 * r + 1];
  }
  return { coords, learningRate, trace };
}
