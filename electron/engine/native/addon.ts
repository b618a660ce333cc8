// Loads the optional N-API addon (native/, built by `npm install` when a C++ compiler is present).
// Absent or broken addon → null with the reason, and the engine falls back to wasm.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  info(): { isa: string; threads: number; vectorWidth: number };
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

/**
 * Instruction-set flags the addon was built for (-march=native) that this CPU lacks: native/build.mjs
 * records them, and a node_modules copied to an older CPU must not run code that would crash.
 */
export function missingCpuFlags(addonPath: string): string[] {
  try {
    const built = JSON.parse(readFileSync(join(dirname(addonPath), 'cpu.json'), 'utf8')) as { arch: string; isaFlags: string[] | null };
    if (built.arch !== process.arch) return [`arch ${built.arch}`];
    if (!built.isaFlags || process.platform !== 'linux') return [];
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => /^(flags|Features)\s*:/.test(l));
    const here = new Set((line?.split(':')[1] ?? '').trim().split(/\s+/));
    return built.isaFlags.filter((f) => !here.has(f));
  } catch {
    return []; // no record (built by hand) or no /proc: trust the build
  }
}

/** The addon, or null with why not (LAB_NATIVE=0 disables it). Loaded once per thread. */
export function nativeAddon(): { addon: NativeAddon | null; reason: string } {
  if (loaded) return loaded;
  if (process.env.LAB_NATIVE === '0') return (loaded = { addon: null, reason: 'disabled by LAB_NATIVE=0' });
  const path = findAddon();
  if (!path) return (loaded = { addon: null, reason: 'addon not built (run npm run build:native; needs a C++ compiler)' });
  const lacking = missingCpuFlags(path);
  if (lacking.length) {
    return (loaded = { addon: null, reason: `addon was built for another CPU (this one lacks ${lacking.slice(0, 3).join(', ')}); run npm run build:native` });
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    addon.info();
    return (loaded = { addon, reason: '' });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return (loaded = { addon: null, reason: `addon failed to load: ${msg.slice(0, 160)}` });
  }
}
