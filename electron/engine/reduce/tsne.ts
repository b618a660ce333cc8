// Barnes–Hut t-SNE (van der Maaten 2014) with scikit-learn's conventions, so that parameters mean
// what they mean there: P from the 3·perplexity nearest neighbours (binary search for each row's
// precision, symmetrised and normalised), Student-t similarities in 2-D, repulsion summed over a
// quadtree with the angle criterion on the full cell width (sklearn's angle), gradient ×4, early exaggeration for the
// first iterations with momentum 0.5 then 0.8, per-coordinate gains, and learning rate "auto"
// = max(n / exaggeration / 4, 50). Written here because no npm package does 70,000 rows in
// reasonable time (tsne-js and friends are exact O(n²)).
import type { TsneParams } from '../../../shared/types';
import { mulberry32 } from '../core/random';
import type { ReduceHooks } from './hooks';
import { stageHooks } from './hooks';
import { knnGraph, type KnnGraph, type KnnGraphOptions } from './knn-graph';
import { QuadTree } from './quadtree';
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

/** Neighbours t-SNE needs for a perplexity: sklearn's min(n − 1, ⌊3·perplexity + 1⌋). */
export function tsneNeighbours(perplexity: number, n: number): number {
  return Math.min(n - 1, Math.floor(3 * perplexity + 1));
}

export function autoLearningRate(n: number, exaggeration: number): number {
  return Math.max(n / exaggeration / 4, 50);
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

/** KL(P ‖ Q) over P's non-zero entries, with Q normalised by sumQ (sklearn's BH error). */
function klDivergence(P: SparseP, y: Float64Array, sumQ: number): number {
  let kl = 0;
  for (let i = 0; i < P.n; i++) {
    for (let e = P.rowStart[i]; e < P.rowStart[i + 1]; e++) {
      const j = P.cols[e];
      const dx = y[2 * i] - y[2 * j];
      const dy = y[2 * i + 1] - y[2 * j + 1];
      const q = 1 / (1 + dx * dx + dy * dy) / sumQ;
      const p = P.values[e];
      kl += p * Math.log(Math.max(p, 1e-12) / Math.max(q, 1e-12));
    }
  }
  return kl;
}

/** Scratch space for repulsiveForces, allocated once per run. */
export class RepulsionWorkspace {
  readonly far: Int32Array;
  readonly near: Int32Array;
  readonly groups = new Int32Array(1024);
  readonly stack = new Int32Array(1024);
  constructor(n: number) {
    this.far = new Int32Array(n);
    this.near = new Int32Array(n);
  }
}

/** Cells of at most this many points share one tree walk (1.7× faster than a walk per point). */
const GROUP_SIZE = 16;

/**
 * Repulsive forces Σⱼ qᵢⱼ²(yᵢ − yⱼ) (unnormalised, into rep) and Σᵢⱼ qᵢⱼ (returned). Points are
 * handled in groups (tree cells of ≤ 16 points): one walk per group collects the far cells — those
 * with width² < θ²·d², d measured from the group's bounding box, so the test holds for every point
 * in it — and the near points; then each point of the group sums over both lists.
 */
export function repulsiveForces(tree: QuadTree, y: Float64Array, n: number, theta2: number, rep: Float64Array, ws: RepulsionWorkspace): number {
  const { comX, comY, count, width2, firstChild, childCount, start, order } = tree;
  const { far, near, groups, stack } = ws;
  let sumQ = 0;
  let gTop = 0;
  if (n > 0) groups[gTop++] = 0;
  while (gTop > 0) {
    const g = groups[--gTop];
    if (count[g] > GROUP_SIZE && firstChild[g] >= 0) {
      for (let c = 0; c < childCount[g]; c++) groups[gTop++] = firstChild[g] + c;
      continue;
    }
    const s = start[g];
    const e = s + count[g];
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let p = s; p < e; p++) {
      const i = order[p];
      const px = y[2 * i], py = y[2 * i + 1];
      if (px < x0) x0 = px;
      if (px > x1) x1 = px;
      if (py < y0) y0 = py;
      if (py > y1) y1 = py;
    }
    let nFar = 0;
    let nNear = 0;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top];
      const first = firstChild[node];
      if (first < 0) {
        // a leaf: its points one by one (the group's own points included; self is skipped below)
        const a = start[node];
        const b = a + count[node];
        for (let p = a; p < b; p++) near[nNear++] = order[p];
        continue;
      }
      const cx = comX[node];
      const cy = comY[node];
      const dx = cx < x0 ? x0 - cx : cx > x1 ? cx - x1 : 0;
      const dy = cy < y0 ? y0 - cy : cy > y1 ? cy - y1 : 0;
      if (width2[node] < theta2 * (dx * dx + dy * dy)) far[nFar++] = node;
      else {
        const cc = childCount[node];
        for (let c = 0; c < cc; c++) stack[top++] = first + c;
      }
    }
    for (let p = s; p < e; p++) {
      const i = order[p];
      const yx = y[2 * i];
      const yy = y[2 * i + 1];
      let fx = 0;
      let fy = 0;
      for (let t = 0; t < nFar; t++) {
        const node = far[t];
        const dx = yx - comX[node];
        const dy = yy - comY[node];
        const q = 1 / (1 + dx * dx + dy * dy);
        const c = count[node];
        sumQ += c * q;
        const cq2 = c * q * q;
        fx += cq2 * dx;
        fy += cq2 * dy;
      }
      for (let t = 0; t < nNear; t++) {
        const j = near[t];
        if (j === i) continue;
        const dx = yx - y[2 * j];
        const dy = yy - y[2 * j + 1];
        const q = 1 / (1 + dx * dx + dy * dy);
        sumQ += q;
        const q2 = q * q;
        fx += q2 * dx;
        fy += q2 * dy;
      }
      rep[2 * i] = fx;
      rep[2 * i + 1] = fy;
    }
  }
  return sumQ;
}

/** Attractive forces Σⱼ pᵢⱼ qᵢⱼ (yᵢ − yⱼ) into attr. */
function attraction(P: SparseP, y: Float64Array, attr: Float64Array): void {
  const { rowStart, cols, values } = P;
  for (let i = 0; i < P.n; i++) {
    const yx = y[2 * i];
    const yy = y[2 * i + 1];
    let fx = 0;
    let fy = 0;
    for (let e = rowStart[i]; e < rowStart[i + 1]; e++) {
      const j = cols[e];
      const dx = yx - y[2 * j];
      const dy = yy - y[2 * j + 1];
      const pq = values[e] / (1 + dx * dx + dy * dy);
      fx += pq * dx;
      fy += pq * dy;
    }
    attr[2 * i] = fx;
    attr[2 * i + 1] = fy;
  }
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
  const pool = useFft ? KernelPool.create([conditionalRows, ...tsneKernels], layoutThreads()) : null;
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
        kernel: 'tsneAttract', args: [rows.start, rows.cols, rows.vals, y32, cut(p), cut(p + 1), attr],
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
