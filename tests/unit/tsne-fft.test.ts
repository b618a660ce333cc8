// t-SNE's grid repulsion (reduce/fft.ts, reduce/tsne-fft.ts) against plain definitions: the FFT
// against a direct DFT, the interpolated repulsion and Z against the direct O(n²) sums, and the
// whole FFT t-SNE on small blobs (faithful neighbourhoods, same seed → same layout on any number
// of threads).
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../electron/engine/core/random';
import { neighbourhoodScores } from '../../electron/engine/compare/metrics';
import { fft, fftFactors, fftPlan, fftSize, fftStrided } from '../../electron/engine/reduce/fft';
import { nativeAddon } from '../../electron/engine/native/addon';
import { silentHooks } from '../../electron/engine/reduce/hooks';
import { KernelPool, sharedF64 } from '../../electron/engine/reduce/threads';
import { tsne, tsneDefaults } from '../../electron/engine/reduce/tsne';
import { graphOrder, permuteP, type SparseP } from '../../electron/engine/reduce/tsne-affinities';
import { FftRepulsion, intervalsFor, tsneAttract, tsneInterpolate, tsneKernels, tsneSpread } from '../../electron/engine/reduce/tsne-fft';

afterEach(() => {
  delete process.env.LAB_TSNE_REPULSION;
  delete process.env.LAB_LAYOUT_THREADS;
});

/** The DFT by its definition, sign −1 forward, +1 inverse (no 1/n), in float64. */
function dft(re: Float64Array, im: Float64Array, sign: number): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (sign * 2 * Math.PI * ((j * k) % n)) / n;
      outRe[k] += re[j] * Math.cos(a) - im[j] * Math.sin(a);
      outIm[k] += re[j] * Math.sin(a) + im[j] * Math.cos(a);
    }
  }
  return [outRe, outIm];
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('FFT', () => {
  it('factors lengths into 4, 2, 3, 5 and rounds other lengths up', () => {
    expect(fftFactors(120)).toEqual([4, 2, 3, 5]);
    expect(fftFactors(1)).toEqual([]);
    expect(fftFactors(7)).toBeNull();
    expect(fftFactors(0)).toBeNull();
    expect(fftSize(7)).toBe(8);
    expect(fftSize(301)).toBe(320);
    expect(fftSize(300)).toBe(300);
    expect(() => fftPlan(14)).toThrow('no FFT plan for length 14');
  });

  it('matches the direct DFT forward and inverse for every radix mix', () => {
    const rand = mulberry32(7);
    for (const n of [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 25, 30, 40, 45, 60, 64, 75, 90, 100, 120, 125, 150]) {
      const re = Float64Array.from({ length: n }, () => rand() - 0.5);
      const im = Float64Array.from({ length: n }, () => rand() - 0.5);
      const plan = fftPlan(n);
      for (const inverse of [false, true]) {
        const [wantRe, wantIm] = dft(re, im, inverse ? 1 : -1);
        const r = re.slice();
        const i = im.slice();
        fft(r, i, plan, inverse);
        const tol = 1e-12 * n;
        expect(maxDiff(r, wantRe), `n=${n} inverse=${inverse}`).toBeLessThan(tol);
        expect(maxDiff(i, wantIm), `n=${n} inverse=${inverse}`).toBeLessThan(tol);
      }
    }
  });

  it('transforms a strided column in place and leaves the other values alone', () => {
    const rand = mulberry32(3);
    const n = 24;
    const stride = 5;
    const re = Float64Array.from({ length: n * stride }, () => rand());
    const im = Float64Array.from({ length: n * stride }, () => rand());
    const col = 2;
    const [wantRe, wantIm] = dft(
      Float64Array.from({ length: n }, (_, t) => re[col + t * stride]),
      Float64Array.from({ length: n }, (_, t) => im[col + t * stride]), -1,
    );
    const r = re.slice();
    const i = im.slice();
    const p = fftPlan(n);
    fftStrided(r, i, col, stride, n, -1, p.order, p.stages, p.nStages, p.twRe, p.twIm, new Float64Array(n), new Float64Array(n));
    for (let t = 0; t < n * stride; t++) {
      if (t % stride === col) continue;
      expect(r[t]).toBe(re[t]);
      expect(i[t]).toBe(im[t]);
    }
    expect(maxDiff(Float64Array.from({ length: n }, (_, t) => r[col + t * stride]), wantRe)).toBeLessThan(1e-12);
    expect(maxDiff(Float64Array.from({ length: n }, (_, t) => i[col + t * stride]), wantIm)).toBeLessThan(1e-12);
  });

  it('a forward transform, a product of spectra and an inverse make the circular convolution', () => {
    const rand = mulberry32(9);
    const n = 36;
    const a = Float64Array.from({ length: n }, () => rand() - 0.5);
    const b = Float64Array.from({ length: n }, () => rand() - 0.5);
    const want = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) want[i] += a[j] * b[(i - j + n) % n];
    const plan = fftPlan(n);
    const aRe = a.slice();
    const aIm = new Float64Array(n);
    const bRe = b.slice();
    const bIm = new Float64Array(n);
    fft(aRe, aIm, plan);
    fft(bRe, bIm, plan);
    const re = aRe.map((v, k) => v * bRe[k] - aIm[k] * bIm[k]);
    const im = aRe.map((v, k) => v * bIm[k] + aIm[k] * bRe[k]);
    fft(re, im, plan, true);
    expect(maxDiff(re.map((v) => v / n), want)).toBeLessThan(1e-12);
    expect(maxDiff(im.map((v) => v / n), new Float64Array(n))).toBeLessThan(1e-12);
  });
});

/** The repulsion Σⱼ (yᵢ − yⱼ)/(1 + d²)² and Z = Σ_{i≠j} 1/(1 + d²) by the direct sums. */
function directRepulsion(y: Float64Array, n: number): { rep: Float64Array; z: number } {
  const rep = new Float64Array(2 * n);
  let z = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const dx = y[2 * i] - y[2 * j];
      const dy = y[2 * i + 1] - y[2 * j + 1];
      const q = 1 / (1 + dx * dx + dy * dy);
      z += q;
      rep[2 * i] += q * q * dx;
      rep[2 * i + 1] += q * q * dy;
    }
  }
  return { rep, z };
}

/** n points in clusters of unit spread spread over a box of the given width (off the origin). */
function layout(n: number, width: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: 6 }, () => [(rand() - 0.5) * width + 4, (rand() - 0.5) * width - 2]);
  const y = sharedF64(2 * n);
  for (let i = 0; i < n; i++) {
    y[2 * i] = centres[i % 6][0] + gauss();
    y[2 * i + 1] = centres[i % 6][1] + gauss();
  }
  return y;
}

const { addon } = nativeAddon();

describe.skipIf(!addon)("the addon's grid transforms (native/src/tsne.cc)", () => {
  const grid = (n: number, seed: number) => {
    const rand = mulberry32(seed);
    return [Float64Array.from({ length: n * n }, () => rand() - 0.5), Float64Array.from({ length: n * n }, () => rand() - 0.5)];
  };

  it('transform rows [r0, r1) as fft.ts does, forward and inverse, and leave the others alone', () => {
    for (const n of [24, 30, 60, 100]) {
      const p = fftPlan(n);
      for (const sign of [-1, 1]) {
        const [re, im] = grid(n, n + sign);
        const [r0, r1] = [3, n - 2]; // a partial block of eight at the end
        const wantRe = re.slice();
        const wantIm = im.slice();
        for (let r = r0; r < r1; r++) fftStrided(wantRe, wantIm, r * n, 1, n, sign, p.order, p.stages, p.nStages, p.twRe, p.twIm, new Float64Array(n), new Float64Array(n));
        addon!.fftGridRows(re, im, n, p.order, p.stages, p.nStages, p.twRe, p.twIm, r0, r1, sign);
        expect(maxDiff(re, wantRe), `n=${n} sign=${sign}`).toBeLessThan(1e-12 * n);
        expect(maxDiff(im, wantIm), `n=${n} sign=${sign}`).toBeLessThan(1e-12 * n);
        for (let t = 0; t < r0 * n; t++) expect(re[t]).toBe(wantRe[t]);
      }
    }
  });

  it('convolve columns [c0, c1) as fft.ts does: forward, times the spectrum, inverse', () => {
    for (const n of [24, 30, 60, 100]) {
      const p = fftPlan(n);
      const [re, im] = grid(n, 7 * n);
      const [kHat] = grid(n, 9 * n);
      const [c0, c1] = [5, n - 1];
      const wantRe = re.slice();
      const wantIm = im.slice();
      const t = [new Float64Array(n), new Float64Array(n)] as const;
      for (let c = c0; c < c1; c++) {
        fftStrided(wantRe, wantIm, c, n, n, -1, p.order, p.stages, p.nStages, p.twRe, p.twIm, ...t);
        for (let r = 0; r < n; r++) {
          wantRe[r * n + c] *= kHat[r * n + c];
          wantIm[r * n + c] *= kHat[r * n + c];
        }
        fftStrided(wantRe, wantIm, c, n, n, 1, p.order, p.stages, p.nStages, p.twRe, p.twIm, ...t);
      }
      addon!.fftGridColumns(re, im, n, p.order, p.stages, p.nStages, p.twRe, p.twIm, c0, c1, kHat);
      expect(maxDiff(re, wantRe), `n=${n}`).toBeLessThan(1e-11 * n);
      expect(maxDiff(im, wantIm), `n=${n}`).toBeLessThan(1e-11 * n);
      for (let r = 0; r < n; r++) for (const c of [0, c1]) expect(re[r * n + c]).toBe(wantRe[r * n + c]);
    }
  });

  it('attract, spread and interpolate as the JavaScript kernels do', () => {
    const rand = mulberry32(21);
    const n = 500;
    const rowStart = new Int32Array(n + 1);
    const cols: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = 1 + Math.floor(rand() * 40);
      for (let e = 0; e < k; e++) cols.push(Math.floor(rand() * n));
      rowStart[i + 1] = cols.length;
    }
    const colArr = Int32Array.from(cols);
    const vals = Float32Array.from(cols, () => rand() * 1e-3);
    const y64 = Float64Array.from({ length: 2 * n }, () => (rand() - 0.5) * 30);
    const y32 = Float32Array.from(y64);
    const [want, got] = [new Float64Array(2 * n), new Float64Array(2 * n)];
    tsneAttract(rowStart, colArr, vals, y32, 7, n - 3, want);
    addon!.tsneAttract(rowStart, colArr, vals, y32, 7, n - 3, got);
    let scale = 0;
    for (const v of want) scale = Math.max(scale, Math.abs(v));
    expect(maxDiff(got, want) / scale).toBeLessThan(1e-5);
    expect(got[0]).toBe(0);
    const nb = 20;
    const [M, N] = [3 * nb, 6 * nb];
    const args = [y64, 3, n - 5, -16, -16, 32 / nb, nb] as const;
    const [g1, g2] = [new Float64Array(4 * M * M), new Float64Array(4 * M * M).fill(9)];
    tsneSpread(...args, 0.5, -0.25, g1);
    addon!.tsneSpread(...args, 0.5, -0.25, g2);
    expect(maxDiff(g2, g1)).toBeLessThan(1e-9);
    const grids = [0, 1, 2, 3].map(() => Float64Array.from({ length: N * N }, () => rand()));
    const [r1, r2] = [new Float64Array(2 * n), new Float64Array(2 * n)];
    const z1 = tsneInterpolate(...args, N, 0.5, -0.25, grids[0], grids[1], grids[2], grids[3], r1);
    const z2 = addon!.tsneInterpolate(...args, N, 0.5, -0.25, grids[0], grids[1], grids[2], grids[3], r2);
    expect(Math.abs(z2 - z1) / Math.abs(z1)).toBeLessThan(1e-12);
    expect(maxDiff(r2, r1)).toBeLessThan(1e-9);
    // a column index past the layout is refused, not read
    const bad = colArr.slice();
    bad[rowStart[10] + 1] = n;
    expect(() => addon!.tsneAttract(rowStart, bad, vals, y32, 0, n, got)).toThrow(/cols must hold row indices below n/);
    bad[rowStart[10] + 1] = -1;
    expect(() => addon!.tsneAttract(rowStart, bad, vals, y32, 0, n, got)).toThrow(/cols must hold row indices below n/);
    expect(() => addon!.tsneInterpolate(...args, M - 1, 0, 0, grids[0], grids[1], grids[2], grids[3], r2)).toThrow(/N ≥ 3·nb/);
  });

  it('refuse a plan that would index outside the arrays, with the reason', () => {
    const n = 12;
    const p = fftPlan(n);
    const [re, im] = grid(n, 1);
    const badOrder = p.order.slice();
    badOrder[3] = n;
    expect(() => addon!.fftGridRows(re, im, n, badOrder, p.stages, p.nStages, p.twRe, p.twIm, 0, n, -1)).toThrow(/order must hold indices below n/);
    expect(() => addon!.fftGridRows(re, im, 16, p.order, p.stages, p.nStages, p.twRe, p.twIm, 0, 16, -1)).toThrow(/order is too short|re is too short/);
    const badStages = p.stages.slice();
    badStages[2] = 1e6; // a twiddle offset past the twiddles
    expect(() => addon!.fftGridColumns(re, im, n, p.order, badStages, p.nStages, p.twRe, p.twIm, 0, n, re)).toThrow(/stages do not describe a plan/);
    expect(() => addon!.fftGridColumns(re, im, n, p.order, p.stages, p.nStages - 1, p.twRe, p.twIm, 0, n, re)).toThrow(/do not multiply to n/);
    expect(() => addon!.fftGridRows(re, im, n, p.order, p.stages, p.nStages, p.twRe, p.twIm, 4, n + 1, -1)).toThrow(/r0 ≤ r1 ≤ n/);
  });
});

describe('t-SNE repulsion on a grid', () => {
  it('chooses 50 to 100 intervals per side with 2, 3, 5 as their only factors', () => {
    expect(intervalsFor(3)).toBe(50);
    expect(intervalsFor(61)).toBe(64);
    expect(intervalsFor(1000)).toBe(100);
    for (const w of [1, 17, 49.5, 77, 99]) expect(fftFactors(intervalsFor(w))).not.toBeNull();
  });

  it('is within 1% of the direct sums and the same on one thread and on three (JavaScript and addon transforms)', async () => {
    const n = 1500;
    const y = layout(n, 20, 5);
    const want = directRepulsion(y, n);
    for (const withAddon of addon ? [false, true] : [false]) {
      const results: Float64Array[] = [];
      for (const threads of [1, 3]) {
        const pool = KernelPool.create(tsneKernels, threads, withAddon);
        expect(pool.withAddon).toBe(withAddon);
        try {
          const rep = sharedF64(2 * n);
          const { z } = await new FftRepulsion(pool, n).compute(y, rep);
          let err = 0;
          let norm = 0;
          for (let c = 0; c < 2 * n; c++) {
            err += (rep[c] - want.rep[c]) ** 2;
            norm += want.rep[c] ** 2;
          }
          expect(Math.sqrt(err / norm)).toBeLessThan(0.01);
          expect(Math.abs(z - want.z) / want.z).toBeLessThan(1e-3);
          results.push(rep.slice());
        } finally {
          await pool.close();
        }
      }
      expect(results[1]).toEqual(results[0]);
    }
  });
});

describe('rows renumbered along P', () => {
  it('visits every row once, neighbours first, and keeps every entry of P', () => {
    // two components: 0-3-5 and 1-2-4, entries in both directions
    const edges: [number, number, number][] = [[0, 3, 0.1], [3, 5, 0.2], [1, 2, 0.3], [2, 4, 0.15], [1, 4, 0.25]];
    const n = 6;
    const rowsOf = Array.from({ length: n }, () => [] as [number, number][]);
    for (const [i, j, v] of edges) {
      rowsOf[i].push([j, v]);
      rowsOf[j].push([i, v]);
    }
    const rowStart = new Int32Array(n + 1);
    rowsOf.forEach((r, i) => (rowStart[i + 1] = rowStart[i] + r.length));
    const P: SparseP = {
      n, rowStart, cols: Int32Array.from(rowsOf.flat().map((e) => e[0])), values: Float64Array.from(rowsOf.flat().map((e) => e[1])),
    };
    const order = graphOrder(P);
    expect(Array.from(order)).toEqual([0, 3, 5, 1, 2, 4]);
    const Q = permuteP(P, order);
    const entries = (m: SparseP, name: (i: number) => number) => {
      const out: string[] = [];
      for (let r = 0; r < m.n; r++) for (let e = m.rowStart[r]; e < m.rowStart[r + 1]; e++) out.push(`${name(r)},${name(m.cols[e])},${m.values[e]}`);
      return out.sort();
    };
    expect(entries(Q, (r) => order[r])).toEqual(entries(P, (r) => r));
  });
});

describe('t-SNE with the grid repulsion', () => {
  /** Six Gaussian blobs in 10-D, centres 10 apart, unit spread. */
  function blobs(n: number, seed: number) {
    const d = 10;
    const rand = mulberry32(seed);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const x = new Float32Array(n * d);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 6;
      labels[i] = c;
      for (let t = 0; t < d; t++) x[i * d + t] = (t === c ? 10 : 0) + gauss();
    }
    return { x, n, d, labels };
  }
  const data = blobs(600, 4);
  const params = { ...tsneDefaults, perplexity: 20, iterations: 200, earlyIterations: 80, seed: 3 };

  it('keeps neighbourhoods (trustworthiness > 0.9), is deterministic for a seed and on any thread count', async () => {
    process.env.LAB_TSNE_REPULSION = 'fft';
    process.env.LAB_LAYOUT_THREADS = '2';
    const a = await tsne(data.x, data.n, data.d, params, silentHooks);
    expect(a.repulsion).toBe('fft');
    const [s] = await neighbourhoodScores({ coords: data.x, dims: data.d }, data.n, [{ coords: a.coords, dims: 2 }], data.labels, 10);
    expect(s.trustworthiness).toBeGreaterThan(0.9);
    expect(s.silhouette!).toBeGreaterThan(0.5);
    // the KL divergence falls after the exaggerated phase
    expect(a.trace.at(-1)!.value).toBeLessThan(a.trace[0].value);
    process.env.LAB_LAYOUT_THREADS = '1';
    const b = await tsne(data.x, data.n, data.d, params, silentHooks);
    expect(b.coords).toEqual(a.coords);
    const c = await tsne(data.x, data.n, data.d, { ...params, iterations: 20, seed: 8 }, silentHooks);
    const a20 = await tsne(data.x, data.n, data.d, { ...params, iterations: 20 }, silentHooks);
    expect(c.coords).not.toEqual(a20.coords);
  });

  it('is as faithful as Barnes–Hut on the same data', async () => {
    process.env.LAB_TSNE_REPULSION = 'barnes-hut';
    const bh = await tsne(data.x, data.n, data.d, params, silentHooks);
    expect(bh.repulsion).toBe('barnes-hut');
    process.env.LAB_TSNE_REPULSION = 'fft';
    const grid = await tsne(data.x, data.n, data.d, params, silentHooks);
    const scores = await neighbourhoodScores({ coords: data.x, dims: data.d }, data.n,
      [{ coords: bh.coords, dims: 2 }, { coords: grid.coords, dims: 2 }], data.labels, 10);
    expect(scores[1].trustworthiness).toBeGreaterThan(scores[0].trustworthiness - 0.01);
  });
});
