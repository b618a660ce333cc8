// The pieces that make UMAP and t-SNE fast (reduce/exact-knn.ts, kernels.ts, threads.ts), each
// against its plain definition, and the promise that the thread count never changes a layout.
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../electron/engine/core/random';
import { exactKnnGraph } from '../../electron/engine/reduce/exact-knn';
import { silentHooks } from '../../electron/engine/reduce/hooks';
import { heapScan, umapCoefficientTable } from '../../electron/engine/reduce/kernels';
import { knnGraph } from '../../electron/engine/reduce/knn-graph';
import { umap, umapDefaults } from '../../electron/engine/reduce/umap';

afterEach(() => {
  delete process.env.LAB_LAYOUT_THREADS;
});

/** Clustered points: c centres in d dimensions, unit spread around each. */
function clustered(n: number, d: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: 8 }, () => Array.from({ length: d }, () => gauss() * 6));
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) x[i * d + t] = centres[i % 8][t] + gauss();
  return x;
}

/** The k nearest of every row by sorting all squared distances (in float64). */
function bruteForce(x: Float32Array, n: number, d: number, k: number): { idx: number[][]; dist: number[][] } {
  const idx: number[][] = [];
  const dist: number[][] = [];
  for (let i = 0; i < n; i++) {
    const all: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let t = 0; t < d; t++) s += (x[i * d + t] - x[j * d + t]) ** 2;
      all.push([s, j]);
    }
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    idx.push(all.slice(0, k).map((p) => p[1]));
    dist.push(all.slice(0, k).map((p) => Math.sqrt(p[0])));
  }
  return { idx, dist };
}

describe('exact neighbour graph', () => {
  it('heapScan keeps the k smallest of a row, leaving one column out', () => {
    const rand = mulberry32(4);
    const row = Float32Array.from({ length: 1003 }, () => rand());
    const k = 7;
    const val = new Float32Array(k).fill(Infinity);
    const idx = new Int32Array(k).fill(-1);
    heapScan(row, 0, 500, 0, 13, k, val, idx, 0);
    heapScan(row, 500, 503, 500, 13, k, val, idx, 0);
    const want = Array.from(row, (v, j) => [v, j]).filter(([, j]) => j !== 13).sort((a, b) => a[0] - b[0]).slice(0, k).map((p) => p[1]);
    expect(Array.from(idx).sort((a, b) => a - b)).toEqual(want.sort((a, b) => a - b));
  });

  it('finds every true neighbour, on one thread and on several', async () => {
    // 2,000 × 50 is past the size where the search starts workers
    const n = 2000;
    const d = 50;
    const k = 12;
    const x = clustered(n, d, 3);
    const want = bruteForce(x, n, d, k);
    for (const threads of ['1', '3']) {
      process.env.LAB_LAYOUT_THREADS = threads;
      const got = await exactKnnGraph(x, n, d, k);
      let same = 0;
      for (let i = 0; i < n; i++) {
        const mine = new Set(got.indices.subarray(i * k, (i + 1) * k));
        for (const j of want.idx[i]) if (mine.has(j)) same++;
        for (let t = 0; t < k; t++) expect(got.distances[i * k + t]).toBeCloseTo(want.dist[i][t], 3);
      }
      // float32 products may swap two neighbours at the same distance, nothing more
      expect(same / (n * k)).toBeGreaterThan(0.9995);
    }
  });

  it('is the graph the layouts get for small data', async () => {
    const x = clustered(1200, 10, 5);
    const g = await knnGraph(x, 1200, 10, 9, mulberry32(1), silentHooks);
    expect(g.exact).toBe(true);
    const want = bruteForce(x, 1200, 10, 9);
    let same = 0;
    for (let i = 0; i < 1200; i++) for (let t = 0; t < 9; t++) if (g.indices[i * 9 + t] === want.idx[i][t]) same++;
    expect(same / (1200 * 9)).toBeGreaterThan(0.999);
  });
});

describe('UMAP epochs', () => {
  it('reads its gradient coefficients from a table within 2e-5 of the formulas', () => {
    const a = 1.577;
    const b = 0.895;
    const table = umapCoefficientTable(a, b);
    const f64 = new Float64Array(1);
    const hi32 = new Int32Array(f64.buffer);
    const rand = mulberry32(9);
    for (let s = 0; s < 20000; s++) {
      const d2 = 2 ** (rand() * 50 - 35);
      f64[0] = d2;
      const at = (hi32[1] >>> 12) - 0x3d700;
      const w = (hi32[1] & 0xfff) / 4096;
      const pb = d2 ** b;
      const pos = (-2 * a * b * (pb / d2)) / (a * pb + 1);
      const neg = (2 * b) / ((0.001 + d2) * (a * pb + 1));
      const gotPos = table[at] + (table[at + 1] - table[at]) * w;
      const gotNeg = table[15361 + at] + (table[15362 + at] - table[15361 + at]) * w;
      expect(Math.abs(gotPos - pos) / Math.abs(pos)).toBeLessThan(2e-5);
      expect(Math.abs(gotNeg - neg) / Math.abs(neg)).toBeLessThan(2e-5);
    }
  });

  it('gives the same layout on one thread and on several', async () => {
    const n = 600;
    const x = clustered(n, 10, 7);
    const params = { ...umapDefaults, nEpochs: 60, seed: 5 };
    process.env.LAB_LAYOUT_THREADS = '1';
    const one = await umap(x, n, 10, params, silentHooks);
    process.env.LAB_LAYOUT_THREADS = '4';
    const four = await umap(x, n, 10, params, silentHooks);
    expect(Array.from(four.coords)).toEqual(Array.from(one.coords));
  });
});
