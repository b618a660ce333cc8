// Loads the optional N-API addon (native/, built by `npm install` when a C++ compiler is present).
// Absent, broken or out-of-date addon → null with the reason, and the engine falls back to wasm.
// The addon is built for the architecture's baseline and picks its AVX2/AVX-512 kernels itself
// when it loads (LAB_NATIVE_ISA=baseline|avx2|avx512 forces one), so any CPU can load it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The interface version this file expects (LAB_NATIVE_VERSION in native/src/addon.cc). */
export const NATIVE_VERSION = 5;

export interface NativeInfo {
  version: number;
  /** The kernels in use, as the backend detail shows them: SSE2, NEON, generic, AVX2, AVX-512. */
  isa: string;
  /** Their LAB_NATIVE_ISA name: baseline, avx2, avx512. */
  isaId: string;
  /** Chosen by LAB_NATIVE_ISA rather than by the CPU check. */
  forced: boolean;
  /** The kernel builds this CPU can run (LAB_NATIVE_ISA names), narrowest first. */
  available: string[];
  threads: number;
  vectorWidth: number;
}

export interface NativeAddon {
  info(): NativeInfo;
  /** C (M×N, stride ldc) = op(A)·op(B) [+ C]; row-major, zero copy. */
  gemm(M: number, N: number, K: number, A: Float32Array, lda: number, transA: boolean,
    B: Float32Array, ldb: number, transB: boolean, C: Float32Array, ldc: number, accumulate: boolean): void;
  denseForward(M: number, K: number, N: number, x: Float32Array, w: Float32Array, b: Float32Array | null,
    activation: number, y: Float32Array): void;
  /** The gradients whose outputs are given: dw (needs x), db, dx (needs w); relu needs y and gScratch. */
  denseBackward(M: number, K: number, N: number, dy: Float32Array, x: Float32Array | null, w: Float32Array | null,
    y: Float32Array | null, activation: number, gScratch: Float32Array | null, dx: Float32Array | null,
    dw: Float32Array | null, db: Float32Array | null): void;
  sigmoidBce(M: number, N: number, logits: Float32Array, x: Float32Array, rowLoss: Float32Array): void;
  sigmoidBceGrad(M: number, N: number, logits: Float32Array, x: Float32Array, dyRow: Float32Array, dLogits: Float32Array): void;
  /** pOut = p − lr·m̂/(√v̂ + ε), with m and v updated in place; pOut may be p. */
  adam(p: Float32Array, pOut: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number,
    beta1: number, beta2: number, epsilon: number, biasCorr1: number, biasCorr2: number): void;
  gatherRows(x: Float32Array, rows: number, cols: number, idx: Int32Array, out: Float32Array): void;
  /** out[i] = a[(i/aInner) % aLen] op b[(i/bInner) % bLen]; op codes in elementwise.ts. */
  binary(op: number, a: Float32Array, aInner: number, aLen: number, b: Float32Array, bInner: number, bLen: number,
    out: Float32Array): void;
  /** alpha: Step's value for x ≤ 0, LeakyRelu's slope. */
  unary(op: number, x: Float32Array, out: Float32Array, alpha?: number): void;
  /** Sums of x viewed as rows×inner: over each row (outer false, rows results) or down the rows (outer true). */
  sum(x: Float32Array, rows: number, inner: number, outer: boolean, out: Float32Array): void;
  /** Column means and scatter matrix Σ(x−μ)(x−μ)ᵀ of an n×d matrix, in float64. */
  covariance(x: Float32Array, n: number, d: number, mean: Float64Array, scatter: Float64Array): void;
  /** Eigenpairs of a symmetric n×n matrix (a is overwritten); false if QL did not converge. */
  symmetricEigen(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array): boolean;
  /** Modified Gram–Schmidt (twice, float64) on the rows of q; dependent rows become 0; returns the rank. */
  orthonormalizeRows(q: Float32Array, rows: number, cols: number): number;
  /**
   * NHWC convolution (filters HWIO, no dilation); shape = [batch, inH, inW, inC, outH, outW, outC,
   * kH, kW, strideH, strideW, padTop, padLeft].
   */
  conv2d(shape: Int32Array, x: Float32Array, w: Float32Array, y: Float32Array): void;
  conv2dBackpropInput(shape: Int32Array, dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  conv2dBackpropFilter(shape: Int32Array, x: Float32Array, dy: Float32Array, dw: Float32Array): void;
  /** Average pooling and its gradient (by the definition: 1/(cells inside the input) each); shape as conv2d's with inC = outC = channels, k = the window. */
  avgPool(shape: Int32Array, x: Float32Array, y: Float32Array): void;
  avgPoolGrad(shape: Int32Array, dy: Float32Array, dx: Float32Array): void;
  /** y[b, r, c, :] = x[b, rows[r], cols[c], :]; shape as avgPool's (the window unused, 1). */
  gatherPixels(shape: Int32Array, rows: Int32Array, cols: Int32Array, x: Float32Array, y: Float32Array): void;
  /**
   * One fused training step of an MLP VAE (native/src/vae.h): dims [M, d, latent, depth,
   * likelihood, ...hidden], scalars [beta, klScale, lr, beta1, beta2, epsilon, biasCorr1, biasCorr2,
   * clipNorm]; params in the layer order of vae.h, updated into paramsOut (m, v in place); sums gets
   * the batch sums of loss, recon, KL and −ELBO.
   */
  vaeTrainStep(dims: Int32Array, scalars: Float64Array, x: Float32Array, eps: Float32Array, params: Float32Array[],
    paramsOut: Float32Array[], m: Float32Array[], v: Float32Array[], sums: Float64Array): void;
  /**
   * The same for the conv VAE (native/src/conv_vae.h): dims [M, H, W, C, latent, depth, likelihood,
   * stages, ...hidden, ...channels]; params in the model's order (enc conv, enc dense, μ, log σ²,
   * dec dense, dec/grid, dec conv, [log σ²_x]); the other arguments as vaeTrainStep's.
   */
  convVaeTrainStep(dims: Int32Array, scalars: Float64Array, x: Float32Array, eps: Float32Array, params: Float32Array[],
    paramsOut: Float32Array[], m: Float32Array[], v: Float32Array[], sums: Float64Array): void;
  /** Rows [r0, r1) of an n×n complex grid, FFT in place with fft.ts's plan (sign −1 forward, +1 inverse, no 1/n). */
  fftGridRows(re: Float64Array, im: Float64Array, n: number, order: Int32Array, stages: Int32Array, nStages: number,
    twRe: Float64Array, twIm: Float64Array, r0: number, r1: number, sign: number): void;
  /** Columns [c0, c1) of an n×n complex grid: forward FFT, times the real spectrum kHat, inverse FFT, in place. */
  fftGridColumns(re: Float64Array, im: Float64Array, n: number, order: Int32Array, stages: Int32Array, nStages: number,
    twRe: Float64Array, twIm: Float64Array, c0: number, c1: number, kHat: Float64Array): void;
  /** t-SNE's attraction of rows [i0, i1) along P (CSR) into attr (n×2); y is the layout as float32. */
  tsneAttract(rowStart: Int32Array, cols: Int32Array, vals: Float32Array, y: Float32Array, i0: number, i1: number,
    attr: Float64Array): void;
  /** Spreads the charges of points [i0, i1) onto the node grid g (4 × (3nb)²), zeroed first. */
  tsneSpread(y: Float64Array, i0: number, i1: number, lo0: number, lo1: number, h: number, nb: number, cx: number,
    cy: number, g: Float64Array): void;
  /** Interpolates the potentials back to points [i0, i1), their repulsion into rep; returns their share of Z. */
  tsneInterpolate(y: Float64Array, i0: number, i1: number, lo0: number, lo1: number, h: number, nb: number, N: number,
    cx: number, cy: number, aRe: Float64Array, aIm: Float64Array, bRe: Float64Array, bIm: Float64Array, rep: Float64Array): number;
  /**
   * Asks Linux to back the array's whole 2 MB pages with huge pages before it is first written
   * (fewer page faults); false when nothing was done. Optional: addons built before it lack it.
   */
  adviseHugePages?(a: ArrayBufferView): boolean;
  /**
   * The lines of b[state[1], end) made only of short plain numbers, parsed into block from row
   * state[0] as numeric-csv-parse.ts parseLines would; stops at the first other line (state[0..1]
   * left at its start). Optional: addons built before it lack it.
   */
  parsePlainLines?(b: Uint8Array, end: number, cols: number, delim: number, dec: number, isInt: Uint8Array,
    block: Float32Array, maxRows: number, state: Int32Array): void;
  /** numeric-csv-sink.ts sumColumns, to the bit. Optional: addons built before it lack it. */
  sumColumns?(data: Float32Array, from: number, to: number, cols: number, k0: number, k1: number, missing: Float64Array,
    infinite: Float64Array, firstInfinite: Float64Array, min: Float64Array, max: Float64Array, sum: Float64Array,
    sumSq: Float64Array, count: Float64Array): void;
  /**
   * prepare-matrix.ts splitBlockInPlace with every column a feature in place: training rows to the
   * front of data, test rows into testOut, whole rows of `stride`. Optional: older addons lack it.
   */
  splitBlock?(data: Float32Array, stride: number, train: Int32Array, test: Int32Array, testOut: Float32Array): void;
  /** stats.ts histogramColumns, to the bit. Optional: addons built before it lack it. */
  histogramColumns?(data: Float32Array, rows: number, stride: number, k0: number, k1: number, min: Float64Array,
    max: Float64Array, bins: number, counts: Float64Array): void;
}

/**
 * Huge pages for a large array about to be written for the first time, where the addon and the
 * system allow (only advice: nothing changes but the cost of the first writes).
 */
export function adviseHugePages(a: ArrayBufferView): boolean {
  const addon = nativeAddon().addon;
  return addon?.adviseHugePages ? addon.adviseHugePages(a) : false;
}

const ADDON_FILE = join('native', 'build', 'Release', 'lab_native.node');

let loaded: { addon: NativeAddon | null; reason: string } | null = null;

/** The addon file: LAB_NATIVE_PATH, else native/build/Release beside the nearest package root. */
function findAddon(): string | null {
  if (process.env.LAB_NATIVE_PATH) return process.env.LAB_NATIVE_PATH;
  // Walk up from this module (electron/engine/native/ in sources, out/main/ when bundled).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, ADDON_FILE);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** The addon, or null with why not (LAB_NATIVE=0 disables it). Loaded once per thread. */
export function nativeAddon(): { addon: NativeAddon | null; reason: string } {
  if (loaded) return loaded;
  if (process.env.LAB_NATIVE === '0') return (loaded = { addon: null, reason: 'disabled by LAB_NATIVE=0' });
  const path = findAddon();
  if (!path) return (loaded = { addon: null, reason: 'addon not built (run npm run build:native; needs a C++ compiler)' });
  return (loaded = loadAddonAt(path));
}

/** Loads the addon file at path (no caching): the addon, or null with why not. */
export function loadAddonAt(path: string): { addon: NativeAddon | null; reason: string } {
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    const version = addon.info().version;
    if (version !== NATIVE_VERSION) {
      return { addon: null, reason: `addon is out of date (interface ${version ?? 1}, this engine needs ${NATIVE_VERSION}); run npm run build:native` };
    }
    return { addon, reason: '' };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { addon: null, reason: `addon failed to load: ${msg.slice(0, 200)}` };
  }
}
