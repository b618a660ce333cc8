// t-SNE's repulsion by interpolation on a grid and FFT convolution (Linderman et al. 2019,
// "Fast interpolation-based t-SNE", as in FIt-SNE and openTSNE), for large data where Barnes–Hut
// costs too much. With K(d) = 1/(1 + d²)², the sums every iteration needs are
//   Σⱼ K(yᵢ − yⱼ)·qⱼ  for the charges qⱼ = 1, yⱼ₁, yⱼ₂, |yⱼ|²,
// from which repᵢ = Σⱼ K·(yᵢ − yⱼ) = yᵢ·φ₀ − (φ₁, φ₂) and Z = Σᵢⱼ 1/(1 + d²) =
// Σᵢ (1 + |yᵢ|²)φ₀ − 2yᵢ·(φ₁, φ₂) + φ₃ − n (as 1/(1 + d²) = K·(1 + d²)). The box around the points
// is cut into intervals with 3 equispaced nodes each; every point spreads its charges onto the 3×3
// nodes around it with Lagrange weights, the node values are convolved with K on the node grid
// (a Toeplitz product: zero-padded to twice the size, it is circular, so three FFTs), and the
// results are interpolated back to the points with the same weights. Cost: O(n) per iteration plus
// FFTs of the grid, instead of O(n log n) tree walks.
//
// The four charge grids travel as two complex grids (1 + i·y₁, y₂ + i·|y|²): the kernel's spectrum
// is real (K is even), so each product keeps the two convolutions in its real and imaginary parts.
// Points are spread and interpolated in parts, rows and columns of the grids transformed in parts,
// on worker threads (threads.ts); every sum is made in a fixed order, so the layout is the same
// however many threads there are. Where the pool loaded the addon, each kernel hands its loop to
// the addon's copy (native/src/tsne.cc) on every thread alike.
import { fft, fftFactors, fftPlan, fftStrided, gridColumns, gridGather, gridGatherRows, gridRows, type FftPlan } from './fft';
import type { NativeAddon } from '../native/addon';
import { type KernelPool, sharedF64, sharedI32, type Task } from './threads';

/** The addon on this thread, when the pool loaded it (the kernels below hand it their loops; `native` says so). */
declare const labAddon: NativeAddon | null | undefined;

/** Interpolation nodes per interval (FIt-SNE's and openTSNE's default). */
export const NODES = 3;
/** At least this many intervals per side (FIt-SNE's min_num_intervals). */
const MIN_INTERVALS = 50;
/** Intervals per unit of the embedding (FIt-SNE's intervals_per_integer)… */
const INTERVALS_PER_UNIT = 1;
/**
 * …up to this many per side (FIt-SNE has no bound): a wider embedding gets wider intervals, so the
 * FFTs stay at 600 × 600 (their cost grows with the square of the side and soon outweighs the rest).
 */
export const MAX_INTERVALS = Number(process.env.LAB_TSNE_MAX_INTERVALS ?? 100);
/** The box is this much wider than the points, so a few iterations of growth reuse the grid. */
const BOX_MARGIN = 1.25;

/**
 * Spreads the charges 1, y₁, y₂, |y|² (y relative to (cx, cy)) of points [i0, i1) onto the node grid
 * `g` (4 × M × M, charge-major, row = y node), zeroed first. Box: [lo0, lo0 + nb·h] × [lo1, …].
 */
export function tsneSpread(
  y: Float64Array, i0: number, i1: number, lo0: number, lo1: number, h: number, nb: number,
  cx: number, cy: number, g: Float64Array, native = false,
): number {
  if (native && typeof labAddon !== 'undefined' && labAddon?.tsneSpread) {
    labAddon.tsneSpread(y, i0, i1, lo0, lo1, h, nb, cx, cy, g);
    return i1 - i0;
  }
  const M = nb * 3;
  const MM = M * M;
  g.fill(0, 0, 4 * MM);
  const inv = 1 / h;
  for (let i = i0; i < i1; i++) {
    const px = y[2 * i];
    const py = y[2 * i + 1];
    let tx = (px - lo0) * inv;
    let ty = (py - lo1) * inv;
    let bx = Math.floor(tx);
    let by = Math.floor(ty);
    if (bx < 0) bx = 0;
    else if (bx >= nb) bx = nb - 1;
    if (by < 0) by = 0;
    else if (by >= nb) by = nb - 1;
    tx -= bx;
    ty -= by;
    const ax = tx - 1 / 6;
    const bxx = tx - 0.5;
    const cxx = tx - 5 / 6;
    const wx0 = 4.5 * bxx * cxx;
    const wx1 = -9 * ax * cxx;
    const wx2 = 4.5 * ax * bxx;
    const ay = ty - 1 / 6;
    const byy = ty - 0.5;
    const cyy = ty - 5 / 6;
    const wy0 = 4.5 * byy * cyy;
    const wy1 = -9 * ay * cyy;
    const wy2 = 4.5 * ay * byy;
    const qx = px - cx;
    const qy = py - cy;
    const q3 = qx * qx + qy * qy;
    for (let r = 0; r < 3; r++) {
      const wy = r === 0 ? wy0 : r === 1 ? wy1 : wy2;
      const row = (by * 3 + r) * M + bx * 3;
      for (let c = 0; c < 3; c++) {
        const w = wy * (c === 0 ? wx0 : c === 1 ? wx1 : wx2);
        const at = row + c;
        g[at] += w;
        g[MM + at] += w * qx;
        g[2 * MM + at] += w * qy;
        g[3 * MM + at] += w * q3;
      }
    }
  }
  return i1 - i0;
}

/**
 * Interpolates the four potentials back to points [i0, i1) and writes their repulsion
 * Σⱼ K·(yᵢ − yⱼ) into rep; returns their share of Z (before the −n for i = j).
 */
export function tsneInterpolate(
  y: Float64Array, i0: number, i1: number, lo0: number, lo1: number, h: number, nb: number, N: number,
  cx: number, cy: number, aRe: Float64Array, aIm: Float64Array, bRe: Float64Array, bIm: Float64Array,
  rep: Float64Array, native = false,
): number {
  if (native && typeof labAddon !== 'undefined' && labAddon?.tsneInterpolate) {
    return labAddon.tsneInterpolate(y, i0, i1, lo0, lo1, h, nb, N, cx, cy, aRe, aIm, bRe, bIm, rep);
  }
  const inv = 1 / h;
  let z = 0;
  for (let i = i0; i < i1; i++) {
    const px = y[2 * i];
    const py = y[2 * i + 1];
    let tx = (px - lo0) * inv;
    let ty = (py - lo1) * inv;
    let bx = Math.floor(tx);
    let by = Math.floor(ty);
    if (bx < 0) bx = 0;
    else if (bx >= nb) bx = nb - 1;
    if (by < 0) by = 0;
    else if (by >= nb) by = nb - 1;
    tx -= bx;
    ty -= by;
    const ax = tx - 1 / 6;
    const bxx = tx - 0.5;
    const cxx = tx - 5 / 6;
    const wx0 = 4.5 * bxx * cxx;
    const wx1 = -9 * ax * cxx;
    const wx2 = 4.5 * ax * bxx;
    const ay = ty - 1 / 6;
    const byy = ty - 0.5;
    const cyy = ty - 5 / 6;
    const wy0 = 4.5 * byy * cyy;
    const wy1 = -9 * ay * cyy;
    const wy2 = 4.5 * ay * byy;
    let f0 = 0;
    let f1 = 0;
    let f2 = 0;
    let f3 = 0;
    for (let r = 0; r < 3; r++) {
      const wy = r === 0 ? wy0 : r === 1 ? wy1 : wy2;
      const row = (by * 3 + r) * N + bx * 3;
      for (let c = 0; c < 3; c++) {
        const w = wy * (c === 0 ? wx0 : c === 1 ? wx1 : wx2);
        const at = row + c;
        f0 += w * aRe[at];
        f1 += w * aIm[at];
        f2 += w * bRe[at];
        f3 += w * bIm[at];
      }
    }
    const qx = px - cx;
    const qy = py - cy;
    rep[2 * i] = qx * f0 - f1;
    rep[2 * i + 1] = qy * f0 - f2;
    z += (1 + qx * qx + qy * qy) * f0 - 2 * (qx * f1 + qy * f2) + f3;
  }
  return z;
}

/**
 * Attractive forces Σⱼ pᵢⱼ·(yᵢ − yⱼ)/(1 + |yᵢ − yⱼ|²) of rows [i0, i1) into attr, P in CSR form.
 * The layout is read from a Float32 copy (half the bytes: it stays in the core's cache, and the
 * neighbours of a row are scattered over all of it).
 */
export function tsneAttract(
  rowStart: Int32Array, cols: Int32Array, vals: Float32Array, y: Float32Array, i0: number, i1: number, attr: Float64Array,
  native = false,
): number {
  if (native && typeof labAddon !== 'undefined' && labAddon?.tsneAttract) {
    labAddon.tsneAttract(rowStart, cols, vals, y, i0, i1, attr);
    return i1 - i0;
  }
  for (let i = i0; i < i1; i++) {
    const yx = y[2 * i];
    const yy = y[2 * i + 1];
    let fx = 0;
    let fy = 0;
    const end = rowStart[i + 1];
    for (let e = rowStart[i]; e < end; e++) {
      const j = cols[e];
      const dx = yx - y[2 * j];
      const dy = yy - y[2 * j + 1];
      const pq = vals[e] / (1 + dx * dx + dy * dy);
      fx += pq * dx;
      fy += pq * dy;
    }
    attr[2 * i] = fx;
    attr[2 * i + 1] = fy;
  }
  return i1 - i0;
}

/** Rows [i0, i1)'s share of Σ p·log(p/q̃), q̃ = 1/(1 + d²) (KL divergence before normalising q by Z). */
export function tsneKlPart(
  rowStart: Int32Array, cols: Int32Array, vals: Float32Array, y: Float32Array, i0: number, i1: number,
): number {
  let sum = 0;
  for (let i = i0; i < i1; i++) {
    for (let e = rowStart[i]; e < rowStart[i + 1]; e++) {
      const j = cols[e];
      const dx = y[2 * i] - y[2 * j];
      const dy = y[2 * i + 1] - y[2 * j + 1];
      const p = vals[e];
      sum += p * Math.log(Math.max(p, 1e-12) * (1 + dx * dx + dy * dy));
    }
  }
  return sum;
}

/** The kernels the FFT repulsion and the attraction run on threads. */
export const tsneKernels = [
  fftStrided, tsneSpread, gridGather, gridRows, gridGatherRows, gridColumns, tsneInterpolate, tsneAttract, tsneKlPart,
];

/** Intervals per side for a box of this width: ≥ 50, 1 per unit up to 100, with 2, 3, 5 as its only primes. */
export function intervalsFor(width: number): number {
  let nb = Math.min(MAX_INTERVALS, Math.max(MIN_INTERVALS, Math.ceil(width * INTERVALS_PER_UNIT)));
  while (!fftFactors(nb)) nb++;
  return nb;
}

interface Grid {
  nb: number;
  M: number;
  N: number;
  lo0: number;
  lo1: number;
  h: number;
  /** Where the box was centred (the charges are taken relative to it). */
  cx: number;
  cy: number;
  plan: FftPlan;
  kHat: Float64Array;
  aRe: Float64Array;
  aIm: Float64Array;
  bRe: Float64Array;
  bIm: Float64Array;
}

/**
 * The kernel's spectrum on an N×N circulant grid of node spacing δ, scaled by 1/N² (real part),
 * into `out`; re and im are scratch of N² values.
 */
function kernelSpectrum(N: number, delta: number, plan: FftPlan, out: Float64Array, re: Float64Array, im: Float64Array): Float64Array {
  im.fill(0, 0, N * N);
  for (let r = 0; r < N; r++) {
    const dr = (r <= N / 2 ? r : r - N) * delta;
    for (let c = 0; c < N; c++) {
      const dc = (c <= N / 2 ? c : c - N) * delta;
      const q = 1 / (1 + dr * dr + dc * dc);
      re[r * N + c] = q * q;
    }
  }
  for (let r = 0; r < N; r++) fft(re, im, plan, false, r * N, 1);
  for (let c = 0; c < N; c++) fft(re, im, plan, false, c, N);
  const scale = 1 / (N * N);
  for (let t = 0; t < N * N; t++) out[t] = re[t] * scale;
  return out;
}

/** Parts the points and the grid rows/columns are cut into (the threads take them in turn). */
const PARTS = 4;

/**
 * The repulsion of every point and Z, by interpolation and FFT, on the threads of `pool` (which
 * must hold tsneKernels). `y` and `rep` are shared (n×2 Float64).
 */
export class FftRepulsion {
  private grid: Grid | null = null;
  private readonly spread: Float64Array[] = [];
  private readonly scratch: { re: Float64Array; im: Float64Array }[] = [];
  private kernelScratch: { re: Float64Array; im: Float64Array } | null = null;
  /** How many times the grid was rebuilt, and milliseconds per phase (diagnostics). */
  rebuilds = 0;
  readonly ms = { grid: 0, spread: 0, fft: 0, interpolate: 0 };

  constructor(private readonly pool: KernelPool, private readonly n: number) {}

  /** The grid for points in [x0, x1] × [y0, y1]: the current one while they fit it well. */
  private gridFor(x0: number, x1: number, y0: number, y1: number): Grid {
    const span = Math.max(x1 - x0, y1 - y0, 1e-9);
    const g = this.grid;
    if (g) {
      const side = g.nb * g.h;
      const inside = x0 >= g.lo0 && y0 >= g.lo1 && x1 <= g.lo0 + side && y1 <= g.lo1 + side;
      if (inside && span >= side / (BOX_MARGIN * BOX_MARGIN)) return g;
    }
    const side = span * BOX_MARGIN;
    const nb = intervalsFor(side);
    const M = nb * NODES;
    const N = 2 * M;
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    const plan = g && g.N === N ? g.plan : fftPlan(N, { i32: (l) => sharedI32(l), f64: (l) => sharedF64(l) });
    const h = side / nb;
    const sameSize = g !== null && g.N === N;
    this.rebuilds++;
    if (process.env.FFT_DEBUG) console.error(`grid rebuild ${this.rebuilds}: span ${span.toFixed(2)} nb ${nb} N ${N}`);
    if (!sameSize) this.kernelScratch = { re: new Float64Array(N * N), im: new Float64Array(N * N) };
    const kHat = sameSize ? g!.kHat : sharedF64(N * N);
    this.grid = {
      nb, M, N, lo0: cx - side / 2, lo1: cy - side / 2, h, cx, cy, plan,
      kHat: kernelSpectrum(N, h / NODES, plan, kHat, this.kernelScratch!.re, this.kernelScratch!.im),
      aRe: sameSize ? g!.aRe : sharedF64(N * N),
      aIm: sameSize ? g!.aIm : sharedF64(N * N),
      bRe: sameSize ? g!.bRe : sharedF64(N * N),
      bIm: sameSize ? g!.bIm : sharedF64(N * N),
    };
    return this.grid;
  }

  /**
   * Fills rep (Σⱼ K·(yᵢ − yⱼ), n×2) and returns Z = Σ_{i≠j} 1/(1 + |yᵢ − yⱼ|²). `alongside` are
   * tasks that do not depend on the repulsion (the attraction): they run with the spreading.
   */
  async compute(y: Float64Array, rep: Float64Array, alongside: Task[] = []): Promise<{ z: number; alongside: unknown[] }> {
    const n = this.n;
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const a = y[2 * i];
      const b = y[2 * i + 1];
      if (a < x0) x0 = a;
      if (a > x1) x1 = a;
      if (b < y0) y0 = b;
      if (b > y1) y1 = b;
    }
    let t = performance.now();
    const tick = (phase: keyof FftRepulsion['ms']) => {
      const now = performance.now();
      this.ms[phase] += now - t;
      t = now;
    };
    const g = this.gridFor(x0, x1, y0, y1);
    tick('grid');
    const { nb, M, N, plan } = g;
    while (this.spread.length < PARTS) this.spread.push(sharedF64(0));
    for (let p = 0; p < PARTS; p++) if (this.spread[p].length < 4 * M * M) this.spread[p] = sharedF64(4 * M * M);
    while (this.scratch.length < PARTS) this.scratch.push({ re: sharedF64(0), im: sharedF64(0) });
    for (let p = 0; p < PARTS; p++) if (this.scratch[p].re.length < N) this.scratch[p] = { re: sharedF64(N), im: sharedF64(N) };
    const cut = (total: number, p: number) => Math.round((p * total) / PARTS);
    const parts = Array.from({ length: PARTS }, (_, p) => p);
    const fftArgs = [plan.order, plan.stages, plan.nStages, plan.twRe, plan.twIm];
    const scratch = (p: number) => [this.scratch[p].re, this.scratch[p].im];
    // spreading and the caller's independent tasks, interleaved so the threads get even shares
    const spread: Task[] = parts.map((p) => ({
      kernel: 'tsneSpread', args: [y, cut(n, p), cut(n, p + 1), g.lo0, g.lo1, g.h, nb, g.cx, g.cy, this.spread[p], this.pool.withAddon],
    }));
    const mixed: Task[] = [];
    for (let i = 0; i < Math.max(spread.length, alongside.length); i++) {
      if (i < spread.length) mixed.push(spread[i]);
      if (i < alongside.length) mixed.push(alongside[i]);
    }
    const first = await this.pool.runParts(mixed);
    const others = first.filter((_, i) => !spread.includes(mixed[i]));
    tick('spread');
    await this.pool.runParts(parts.map((p) => ({
      kernel: 'gridGatherRows', args: [this.spread, M, N, cut(N, p), cut(N, p + 1), g.aRe, g.aIm, g.bRe, g.bIm, ...fftArgs, ...scratch(p), this.pool.withAddon],
    })));
    await this.pool.runParts(parts.map((p) => ({
      kernel: 'gridColumns', args: [g.aRe, g.aIm, g.bRe, g.bIm, N, cut(N, p), cut(N, p + 1), g.kHat, ...fftArgs, ...scratch(p), this.pool.withAddon],
    })));
    // only rows < M of the result are read
    await this.pool.runParts(parts.map((p) => ({
      kernel: 'gridRows', args: [g.aRe, g.aIm, g.bRe, g.bIm, N, cut(M, p), cut(M, p + 1), 1, ...fftArgs, ...scratch(p), this.pool.withAddon],
    })));
    tick('fft');
    const zs = await this.pool.runParts(parts.map((p) => ({
      kernel: 'tsneInterpolate', args: [y, cut(n, p), cut(n, p + 1), g.lo0, g.lo1, g.h, nb, N, g.cx, g.cy, g.aRe, g.aIm, g.bRe, g.bIm, rep, this.pool.withAddon],
    })));
    tick('interpolate');
    let z = 0;
    for (const part of zs) z += part as number;
    return { z: z - n, alongside: others };
  }
}
