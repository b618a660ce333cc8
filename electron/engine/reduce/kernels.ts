// The layout kernels that run on worker threads (threads.ts) as well as on the calling thread:
// each is a self-contained function of typed arrays — no imports, no module constants, no
// closures — because its source text is what the workers run. Constants are written inline.
import type { NativeAddon } from '../native/addon';

declare const labAddon: NativeAddon | null;

/** Sift-down of the max-heap (val, idx)[base, base + k) after its root was replaced. */
export function siftDown(val: Float32Array, idx: Int32Array, base: number, k: number): void {
  const v = val[base];
  const j = idx[base];
  let p = 0;
  for (;;) {
    const l = 2 * p + 1;
    if (l >= k) break;
    const r = l + 1;
    const c = r < k && val[base + r] > val[base + l] ? r : l;
    if (!(val[base + c] > v)) break;
    val[base + p] = val[base + c];
    idx[base + p] = idx[base + c];
    p = c;
  }
  val[base + p] = v;
  idx[base + p] = j;
}

/**
 * Offers row[from, from + count) (columns col0, col0 + 1, …) to the bounded max-heap of the k
 * smallest at (val, idx)[base..], which starts full of +Infinity; column `skip` is left out.
 * Eight values at a time meet one chain of comparisons with the heap's top (V8 runs that ~2.5×
 * faster than a loop of single comparisons); only a group holding a smaller value is walked.
 */
export function heapScan(
  row: Float32Array, from: number, count: number, col0: number, skip: number, k: number,
  val: Float32Array, idx: Int32Array, base: number,
): void {
  let top = val[base];
  const end = from + count;
  let p = from;
  for (const end8 = end - 7; p < end8; p += 8) {
    if (row[p] < top || row[p + 1] < top || row[p + 2] < top || row[p + 3] < top
      || row[p + 4] < top || row[p + 5] < top || row[p + 6] < top || row[p + 7] < top) {
      for (let t = p; t < p + 8; t++) {
        const v = row[t];
        if (!(v < top)) continue;
        const j = col0 + t - from;
        if (j === skip) continue;
        val[base] = v;
        idx[base] = j;
        siftDown(val, idx, base, k);
        top = val[base];
      }
    }
  }
  for (; p < end; p++) {
    const v = row[p];
    if (!(v < top)) continue;
    const j = col0 + p - from;
    if (j === skip) continue;
    val[base] = v;
    idx[base] = j;
    siftDown(val, idx, base, k);
    top = val[base];
  }
}

/**
 * The k smallest of ‖r‖² − 2q·r over all n reference rows for query rows [r0, r1), by the addon's
 * GEMM in tiles of 64 rows × 4,096 columns (1 MB: written and read again while in cache); q is
 * n×D (rows with a trailing 1), refT is D×n (−2r, then ‖r‖²). `tile` is this thread's scratch.
 */
export function knnRows(
  q: Float32Array, refT: Float32Array, n: number, D: number, k: number, r0: number, r1: number,
  val: Float32Array, idx: Int32Array, tile: Float32Array,
): number {
  const addon = labAddon!;
  const tileRows = 64;
  const tileCols = 4096;
  for (let start = r0; start < r1; start += tileRows) {
    const b = Math.min(tileRows, r1 - start);
    const qb = q.subarray(start * D, (start + b) * D);
    for (let c0 = 0; c0 < n; c0 += tileCols) {
      const w = Math.min(tileCols, n - c0);
      addon.gemm(b, w, D, qb, D, false, refT.subarray(c0), n, false, tile, w, false);
      for (let i = 0; i < b; i++) heapScan(tile, i * w, w, c0, start + i, k, val, idx, (start + i) * k);
    }
  }
  return r1 - r0;
}

/**
 * The two gradient coefficients of UMAP's low-dimensional similarity 1 / (1 + a·d²ᵇ) as functions
 * of d², sampled for the epochs' table lookups: 256 points per octave of d² from 2⁻⁴⁰ to 2²⁰
 * (point i at d² = 2^(i/256 − 40) on the octave's linear scale, as the bits of a double give it),
 * attraction −2ab·d²⁽ᵇ⁻¹⁾/(1 + a·d²ᵇ) in [0, 15361) and repulsion 2b/((0.001 + d²)(1 + a·d²ᵇ)) in
 * [15361, 30722). Linear interpolation between the points is within 2·10⁻⁵ of the formulas.
 */
export function umapCoefficientTable(a: number, b: number): Float64Array {
  const table = new Float64Array(2 * 15361);
  for (let i = 0; i <= 15360; i++) {
    const d2 = 2 ** (Math.floor(i / 256) - 40) * (1 + (i % 256) / 256);
    const pb = Math.exp(b * Math.log(d2));
    table[i] = (-2 * a * b * (pb / d2)) / (a * pb + 1);
    table[15361 + i] = (2 * b) / ((0.001 + d2) * (a * pb + 1));
  }
  return table;
}

/**
 * One UMAP epoch of stochastic gradient descent (umap-learn's optimize_layout_euclidean) for the
 * edges [e0, e1) of one part of the rows (rows [lo, hi), whose edges those are: the edges are
 * sorted by head). The part moves only its own rows in place; it reads every other row from
 * `snap`, the layout at the start of the epoch, and the pull on another part's row (the tail of a
 * sampled edge) goes into this part's slice of `delta`, added to the layout after the epoch. So
 * the parts can run at once on several threads, and the result is the same however many there are.
 * `rng` holds one xorshift state per part; `tail`, `eps` (epochs per sample), `nextS`, `nextN` are
 * per edge.
 */
export function umapEpochPart(
  y: Float32Array, snap: Float32Array, head: Int32Array, tail: Int32Array, eps: Float64Array,
  nextS: Float64Array, nextN: Float64Array, e0: number, e1: number, lo: number, hi: number, n: number,
  a: number, b: number, negativeRate: number, epoch: number, alpha: number, rng: Int32Array, part: number,
  delta: Float32Array, table: Float64Array,
): number {
  const dBase = part * 2 * n;
  const f64 = new Float64Array(1);
  const hi32 = new Int32Array(f64.buffer);
  let s = rng[part] | 0;
  const twoAb = 2 * a * b;
  const twoB = 2 * b;
  let samples = 0;
  for (let e = e0; e < e1; e++) {
    if (nextS[e] > epoch) continue;
    const j = head[e];
    const k = tail[e];
    const own = k >= lo && k < hi;
    const jx = 2 * j;
    const yj0 = y[jx];
    const yj1 = y[jx + 1];
    let dx = yj0 - (own ? y[2 * k] : snap[2 * k]);
    let dy = yj1 - (own ? y[2 * k + 1] : snap[2 * k + 1]);
    let d2 = dx * dx + dy * dy;
    let m0 = 0;
    let m1 = 0;
    if (d2 > 0) {
      // −2ab·d²⁽ᵇ⁻¹⁾ / (1 + a·d²ᵇ), from the table between 2⁻⁴⁰ and 2²⁰
      let coeff: number;
      f64[0] = d2;
      const at = (hi32[1] >>> 12) - 0x3d700;
      if (at >= 0 && at < 15360) {
        const w = (hi32[1] & 0xfff) * 0.000244140625;
        coeff = table[at] + (table[at + 1] - table[at]) * w;
      } else {
        const pb = Math.exp(b * Math.log(d2));
        coeff = (-twoAb * (pb / d2)) / (a * pb + 1);
      }
      let gx = coeff * dx;
      let gy = coeff * dy;
      gx = gx > 4 ? 4 : gx < -4 ? -4 : gx;
      gy = gy > 4 ? 4 : gy < -4 ? -4 : gy;
      m0 = gx * alpha;
      m1 = gy * alpha;
      if (own) {
        y[2 * k] -= m0;
        y[2 * k + 1] -= m1;
      } else {
        delta[dBase + 2 * k] -= m0;
        delta[dBase + 2 * k + 1] -= m1;
      }
    }
    let p0 = yj0 + m0;
    let p1 = yj1 + m1;
    const epsE = eps[e];
    nextS[e] += epsE;
    const epsNeg = epsE / negativeRate;
    const negatives = Math.floor((epoch - nextN[e]) / epsNeg);
    for (let t = 0; t < negatives; t++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      const o = (s >>> 0) % n;
      if (o === j) continue;
      const oOwn = o >= lo && o < hi;
      dx = p0 - (oOwn ? y[2 * o] : snap[2 * o]);
      dy = p1 - (oOwn ? y[2 * o + 1] : snap[2 * o + 1]);
      d2 = dx * dx + dy * dy;
      if (d2 > 0) {
        // 2b / ((0.001 + d²)(1 + a·d²ᵇ)), from the table's second half
        let coeff: number;
        f64[0] = d2;
        const at = (hi32[1] >>> 12) - 0x3d700;
        if (at >= 0 && at < 15360) {
          const w = (hi32[1] & 0xfff) * 0.000244140625;
          coeff = table[15361 + at] + (table[15362 + at] - table[15361 + at]) * w;
        } else {
          coeff = twoB / ((0.001 + d2) * (a * Math.exp(b * Math.log(d2)) + 1));
        }
        let gx = coeff * dx;
        let gy = coeff * dy;
        gx = gx > 4 ? 4 : gx < -4 ? -4 : gx;
        gy = gy > 4 ? 4 : gy < -4 ? -4 : gy;
        p0 += gx * alpha;
        p1 += gy * alpha;
      } else {
        p0 += 4 * alpha;
        p1 += 4 * alpha;
      }
    }
    y[jx] = p0;
    y[jx + 1] = p1;
    if (negatives > 0) nextN[e] += negatives * epsNeg;
    samples += 1 + (negatives > 0 ? negatives : 0);
  }
  rng[part] = s;
  return samples;
}
// scratch
