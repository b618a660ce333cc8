// Fast Fourier transforms for t-SNE's repulsion on a grid (tsne-fft.ts): complex, split into real
// and imaginary arrays, of any length whose prime factors are 2, 3 and 5 (the grid sizes are
// chosen among those). Iterative decimation in time: the input is read in mixed-radix
// digit-reversed order, then each stage combines p transforms of length L into transforms of
// length pL with radix-2, 3, 4 or 5 butterflies. A plan (the order and the twiddle factors) is made
// once per length on the calling thread; the transform itself is a kernel (threads.ts), so rows and
// columns of a 2-D grid can be transformed on several threads. The grid kernels that call it live
// here too: a kernel may call only functions of its own module (a test runner's module transform
// rewrites calls across modules into property reads that a worker cannot resolve). On threads that
// loaded the addon, the grid kernels hand rows and columns to its vectorised copy of the same
// transform (native/src/tsne.cc: eight lines at a time), with this file's plan.
import type { NativeAddon } from '../native/addon';

/** The precomputed parts of a transform of one length (arrays may be shared with workers). */
export interface FftPlan {
  n: number;
  /** order[k]: the input index read into position k. */
  order: Int32Array;
  /** Per stage: radix, length L of the transforms it combines, offset of its twiddles. */
  stages: Int32Array;
  nStages: number;
  /** cos and −sin of 2π·r·k/(pL) for r = 1..p−1, k = 0..L−1, stage after stage. */
  twRe: Float64Array;
  twIm: Float64Array;
}

/** Radices 4, 2, 3, 5 (fours first: fewer stages); null when n has another prime factor. */
export function fftFactors(n: number): number[] | null {
  if (!Number.isInteger(n) || n < 1) return null;
  const out: number[] = [];
  let m = n;
  while (m % 4 === 0) {
    out.push(4);
    m /= 4;
  }
  for (const p of [2, 3, 5]) {
    while (m % p === 0) {
      out.push(p);
      m /= p;
    }
  }
  return m === 1 ? out : null;
}

/** The smallest length ≥ n whose prime factors are 2, 3 and 5. */
export function fftSize(n: number): number {
  let m = Math.max(1, Math.ceil(n));
  while (!fftFactors(m)) m++;
  return m;
}

/**
 * A plan for length n. `alloc` makes the arrays (shared memory when workers will use them).
 */
export function fftPlan(
  n: number,
  alloc: { i32: (len: number) => Int32Array; f64: (len: number) => Float64Array } = {
    i32: (len) => new Int32Array(len),
    f64: (len) => new Float64Array(len),
  },
): FftPlan {
  const factors = fftFactors(n);
  if (!factors) throw new Error(`no FFT plan for length ${n} (factors other than 2, 3, 5)`);
  // digit reversal: the last stage's radix decimates first (x[r], x[r + p], … form sub-transform r)
  const place = (indices: number[], s: number): number[] => {
    if (indices.length === 1 || s < 0) return indices;
    const p = factors[s];
    const out: number[] = [];
    for (let r = 0; r < p; r++) out.push(...place(indices.filter((_, i) => i % p === r), s - 1));
    return out;
  };
  const order = alloc.i32(n);
  order.set(place(Array.from({ length: n }, (_, i) => i), factors.length - 1));
  const stages = alloc.i32(Math.max(1, 3 * factors.length));
  let total = 0;
  let L = 1;
  factors.forEach((p, s) => {
    stages[3 * s] = p;
    stages[3 * s + 1] = L;
    stages[3 * s + 2] = total;
    total += (p - 1) * L;
    L *= p;
  });
  const twRe = alloc.f64(Math.max(1, total));
  const twIm = alloc.f64(Math.max(1, total));
  L = 1;
  factors.forEach((p, s) => {
    const at = stages[3 * s + 2];
    for (let r = 1; r < p; r++) {
      for (let k = 0; k < L; k++) {
        const angle = (-2 * Math.PI * r * k) / (p * L);
        twRe[at + (r - 1) * L + k] = Math.cos(angle);
        twIm[at + (r - 1) * L + k] = Math.sin(angle);
      }
    }
    L *= p;
  });
  return { n, order, stages, nStages: factors.length, twRe, twIm };
}

/**
 * Transforms, in place, the n values re/im[off + stride·t] (t = 0..n−1): forward (sign −1,
 * e^(−2πi·jk/n)) or inverse without the 1/n (sign +1). `tRe`, `tIm` are scratch of length ≥ n.
 */
export function fftStrided(
  re: Float64Array, im: Float64Array, off: number, stride: number, n: number, sign: number,
  order: Int32Array, stages: Int32Array, nStages: number, twRe: Float64Array, twIm: Float64Array,
  tRe: Float64Array, tIm: Float64Array,
): void {
  for (let t = 0; t < n; t++) {
    const src = off + order[t] * stride;
    tRe[t] = re[src];
    tIm[t] = im[src];
  }
  const s3 = sign * 0.8660254037844386; // sin(2π/3) with the transform's sign
  const c51 = 0.30901699437494745; // cos(2π/5)
  const c52 = -0.8090169943749475; // cos(4π/5)
  const s51 = sign * 0.9510565162951535; // sin(2π/5)
  const s52 = sign * 0.5877852522924731; // sin(4π/5)
  for (let s = 0; s < nStages; s++) {
    const p = stages[3 * s];
    const L = stages[3 * s + 1];
    const tw = stages[3 * s + 2];
    const span = p * L;
    for (let k = 0; k < L; k++) {
      // twiddles of this k (conjugated for the inverse)
      const w1r = twRe[tw + k];
      const w1i = sign < 0 ? twIm[tw + k] : -twIm[tw + k];
      const w2r = p > 2 ? twRe[tw + L + k] : 0;
      const w2i = p > 2 ? (sign < 0 ? twIm[tw + L + k] : -twIm[tw + L + k]) : 0;
      const w3r = p > 3 ? twRe[tw + 2 * L + k] : 0;
      const w3i = p > 3 ? (sign < 0 ? twIm[tw + 2 * L + k] : -twIm[tw + 2 * L + k]) : 0;
      const w4r = p > 4 ? twRe[tw + 3 * L + k] : 0;
      const w4i = p > 4 ? (sign < 0 ? twIm[tw + 3 * L + k] : -twIm[tw + 3 * L + k]) : 0;
      for (let b = k; b < n; b += span) {
        const i0 = b;
        const i1 = b + L;
        const a0r = tRe[i0];
        const a0i = tIm[i0];
        const x1r = tRe[i1];
        const x1i = tIm[i1];
        const a1r = x1r * w1r - x1i * w1i;
        const a1i = x1r * w1i + x1i * w1r;
        if (p === 2) {
          tRe[i0] = a0r + a1r;
          tIm[i0] = a0i + a1i;
          tRe[i1] = a0r - a1r;
          tIm[i1] = a0i - a1i;
          continue;
        }
        const i2 = b + 2 * L;
        const x2r = tRe[i2];
        const x2i = tIm[i2];
        const a2r = x2r * w2r - x2i * w2i;
        const a2i = x2r * w2i + x2i * w2r;
        if (p === 3) {
          const sr = a1r + a2r;
          const si = a1i + a2i;
          const mr = a0r - 0.5 * sr;
          const mi = a0i - 0.5 * si;
          // ±i·sin(2π/3)·(a1 − a2)
          const dr = -s3 * (a1i - a2i);
          const di = s3 * (a1r - a2r);
          tRe[i0] = a0r + sr;
          tIm[i0] = a0i + si;
          tRe[i1] = mr + dr;
          tIm[i1] = mi + di;
          tRe[i2] = mr - dr;
          tIm[i2] = mi - di;
          continue;
        }
        const i3 = b + 3 * L;
        const x3r = tRe[i3];
        const x3i = tIm[i3];
        const a3r = x3r * w3r - x3i * w3i;
        const a3i = x3r * w3i + x3i * w3r;
        if (p === 4) {
          const t0r = a0r + a2r;
          const t0i = a0i + a2i;
          const t1r = a0r - a2r;
          const t1i = a0i - a2i;
          const t2r = a1r + a3r;
          const t2i = a1i + a3i;
          // (a1 − a3) times ∓i
          const t3r = sign < 0 ? a1i - a3i : -(a1i - a3i);
          const t3i = sign < 0 ? -(a1r - a3r) : a1r - a3r;
          tRe[i0] = t0r + t2r;
          tIm[i0] = t0i + t2i;
          tRe[i1] = t1r + t3r;
          tIm[i1] = t1i + t3i;
          tRe[i2] = t0r - t2r;
          tIm[i2] = t0i - t2i;
          tRe[i3] = t1r - t3r;
          tIm[i3] = t1i - t3i;
          continue;
        }
        // p === 5
        const i4 = b + 4 * L;
        const x4r = tRe[i4];
        const x4i = tIm[i4];
        const a4r = x4r * w4r - x4i * w4i;
        const a4i = x4r * w4i + x4i * w4r;
        const b1r = a1r + a4r;
        const b1i = a1i + a4i;
        const b2r = a2r + a3r;
        const b2i = a2i + a3i;
        const d1r = a1r - a4r;
        const d1i = a1i - a4i;
        const d2r = a2r - a3r;
        const d2i = a2i - a3i;
        const m1r = a0r + c51 * b1r + c52 * b2r;
        const m1i = a0i + c51 * b1i + c52 * b2i;
        const m2r = a0r + c52 * b1r + c51 * b2r;
        const m2i = a0i + c52 * b1i + c51 * b2i;
        // i·(s51·d1 + s52·d2) and i·(s52·d1 − s51·d2), signs folded into s5x
        const n1r = -(s51 * d1i + s52 * d2i);
        const n1i = s51 * d1r + s52 * d2r;
        const n2r = -(s52 * d1i - s51 * d2i);
        const n2i = s52 * d1r - s51 * d2r;
        tRe[i0] = a0r + b1r + b2r;
        tIm[i0] = a0i + b1i + b2i;
        tRe[i1] = m1r + n1r;
        tIm[i1] = m1i + n1i;
        tRe[i4] = m1r - n1r;
        tIm[i4] = m1i - n1i;
        tRe[i2] = m2r + n2r;
        tIm[i2] = m2i + n2i;
        tRe[i3] = m2r - n2r;
        tIm[i3] = m2i - n2i;
      }
    }
  }
  for (let t = 0; t < n; t++) {
    const dst = off + t * stride;
    re[dst] = tRe[t];
    im[dst] = tIm[t];
  }
}

/** Runs a plan on one contiguous or strided sequence (the kernel's arguments, from the plan). */
export function fft(re: Float64Array, im: Float64Array, plan: FftPlan, inverse = false, off = 0, stride = 1): void {
  const t = new Float64Array(plan.n);
  const u = new Float64Array(plan.n);
  fftStrided(re, im, off, stride, plan.n, inverse ? 1 : -1, plan.order, plan.stages, plan.nStages, plan.twRe, plan.twIm, t, u);
}

/** The addon on this thread (threads.ts sets it on every worker), when it has the grid transforms. */
declare const labAddon: NativeAddon | null | undefined;

/** Sums the parts' node grids into the two complex N×N grids (zero elsewhere), rows [r0, r1). */
export function gridGather(
  parts: Float64Array[], M: number, N: number, r0: number, r1: number,
  aRe: Float64Array, aIm: Float64Array, bRe: Float64Array, bIm: Float64Array,
): number {
  const MM = M * M;
  for (let r = r0; r < r1; r++) {
    const row = r * N;
    aRe.fill(0, row, row + N);
    aIm.fill(0, row, row + N);
    bRe.fill(0, row, row + N);
    bIm.fill(0, row, row + N);
    if (r >= M) continue;
    for (let p = 0; p < parts.length; p++) {
      const g = parts[p];
      const src = r * M;
      for (let c = 0; c < M; c++) {
        aRe[row + c] += g[src + c];
        aIm[row + c] += g[MM + src + c];
        bRe[row + c] += g[2 * MM + src + c];
        bIm[row + c] += g[3 * MM + src + c];
      }
    }
  }
  return r1 - r0;
}

/** gridGather, then the forward FFTs of the same rows (below M: the others are zero). */
export function gridGatherRows(
  parts: Float64Array[], M: number, N: number, r0: number, r1: number,
  aRe: Float64Array, aIm: Float64Array, bRe: Float64Array, bIm: Float64Array,
  order: Int32Array, stages: Int32Array, nStages: number, twRe: Float64Array, twIm: Float64Array,
  tRe: Float64Array, tIm: Float64Array, native = false,
): number {
  gridGather(parts, M, N, r0, r1, aRe, aIm, bRe, bIm);
  return gridRows(aRe, aIm, bRe, bIm, N, r0, Math.min(r1, M), -1, order, stages, nStages, twRe, twIm, tRe, tIm, native);
}

/**
 * FFTs of rows [r0, r1) of both complex grids (sign −1 forward, +1 inverse); `native`: by the addon
 * when this thread loaded it (the caller says so for every thread alike, so that every part of a
 * phase is computed the same way whichever thread takes it).
 */
export function gridRows(
  aRe: Float64Array, aIm: Float64Array, bRe: Float64Array, bIm: Float64Array, N: number, r0: number, r1: number,
  sign: number, order: Int32Array, stages: Int32Array, nStages: number, twRe: Float64Array, twIm: Float64Array,
  tRe: Float64Array, tIm: Float64Array, native = false,
): number {
  const addon = native && typeof labAddon !== 'undefined' ? labAddon : null;
  if (addon?.fftGridRows) {
    if (r1 <= r0) return 0;
    addon.fftGridRows(aRe, aIm, N, order, stages, nStages, twRe, twIm, r0, r1, sign);
    addon.fftGridRows(bRe, bIm, N, order, stages, nStages, twRe, twIm, r0, r1, sign);
    return r1 - r0;
  }
  for (let r = r0; r < r1; r++) {
    fftStrided(aRe, aIm, r * N, 1, N, sign, order, stages, nStages, twRe, twIm, tRe, tIm);
    fftStrided(bRe, bIm, r * N, 1, N, sign, order, stages, nStages, twRe, twIm, tRe, tIm);
  }
  return r1 - r0;
}

/**
 * Columns [c0, c1) of both grids: forward FFT, times the kernel's (real, 1/N²-scaled) spectrum,
 * inverse FFT. Only rows < M of the result are needed, so the inverse rows can stop there.
 * `native` as in gridRows.
 */
export function gridColumns(
  aRe: Float64Array, aIm: Float64Array, bRe: Float64Array, bIm: Float64Array, N: number, c0: number, c1: number,
  kHat: Float64Array, order: Int32Array, stages: Int32Array, nStages: number, twRe: Float64Array, twIm: Float64Array,
  tRe: Float64Array, tIm: Float64Array, native = false,
): number {
  const addon = native && typeof labAddon !== 'undefined' ? labAddon : null;
  if (addon?.fftGridColumns) {
    if (c1 <= c0) return 0;
    addon.fftGridColumns(aRe, aIm, N, order, stages, nStages, twRe, twIm, c0, c1, kHat);
    addon.fftGridColumns(bRe, bIm, N, order, stages, nStages, twRe, twIm, c0, c1, kHat);
    return c1 - c0;
  }
  for (let c = c0; c < c1; c++) {
    fftStrided(aRe, aIm, c, N, N, -1, order, stages, nStages, twRe, twIm, tRe, tIm);
    fftStrided(bRe, bIm, c, N, N, -1, order, stages, nStages, twRe, twIm, tRe, tIm);
    for (let r = 0, at = c; r < N; r++, at += N) {
      const k = kHat[at];
      aRe[at] *= k;
      aIm[at] *= k;
      bRe[at] *= k;
      bIm[at] *= k;
    }
    fftStrided(aRe, aIm, c, N, N, 1, order, stages, nStages, twRe, twIm, tRe, tIm);
    fftStrided(bRe, bIm, c, N, N, 1, order, stages, nStages, twRe, twIm, tRe, tIm);
  }
  return c1 - c0;
}
