import { describe, expect, it } from 'vitest';
import { exactKnn, smallestK } from '../../electron/engine/compare/neighbours';
import { knnGraph } from '../../electron/engine/reduce/knn-graph';
import { silentHooks } from '../../electron/engine/reduce/hooks';
import { mulberry32 } from '../../electron/engine/core/random';

/** The k nearest by sorting every distance: the obvious definition, for comparison. */
function bruteForce(q: Float32Array, nq: number, r: Float32Array, nr: number, d: number, k: number, excludeSelf: boolean) {
  const out: number[][] = [];
  for (let i = 0; i < nq; i++) {
    const ds: [number, number][] = [];
    for (let j = 0; j < nr; j++) {
      if (excludeSelf && i === j) continue;
      let s = 0;
      for (let t = 0; t < d; t++) s += (q[i * d + t] - r[j * d + t]) ** 2;
      ds.push([s, j]);
    }
    ds.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    out.push(ds.slice(0, k).map((p) => p[1]));
  }
  return out;
}

const random = (n: number, seed: number) => {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => rand());
};

describe('smallestK', () => {
  it('keeps the k smallest in order, skips one index, and breaks ties by index', () => {
    const row = Float32Array.from([5, 1, 3, 1, 0, 9]);
    const idx = new Int32Array(3);
    const dist = new Float32Array(3);
    smallestK(row, 0, 6, 3, 4, idx, dist, 0);
    expect(Array.from(idx)).toEqual([1, 3, 2]);
    expect(Array.from(dist)).toEqual([1, 1, 3]);
  });
});

describe('exactKnn', () => {
  it.each([3, 20])('matches brute force with %i columns (plain loops and tfjs matMul)', async (d) => {
    const nq = 37;
    const nr = 120;
    const q = random(nq * d, 1);
    const r = random(nr * d, 2);
    const got = await exactKnn(q, nq, r, nr, d, 6);
    const want = bruteForce(q, nq, r, nr, d, 6, false);
    for (let i = 0; i < nq; i++) expect(Array.from(got.indices.subarray(i * 6, i * 6 + 6))).toEqual(want[i]);
    // distances are Euclidean and ascending
    const j = got.indices[0];
    let s = 0;
    for (let t = 0; t < d; t++) s += (q[t] - r[j * d + t]) ** 2;
    expect(got.distances[0]).toBeCloseTo(Math.sqrt(s), 4);
  });

  it('never returns a row as its own neighbour when asked', async () => {
    const x = random(50 * 4, 3);
    const got = await exactKnn(x, 50, x, 50, 4, 5, { excludeSelf: true });
    const want = bruteForce(x, 50, x, 50, 4, 5, true);
    for (let i = 0; i < 50; i++) expect(Array.from(got.indices.subarray(i * 5, i * 5 + 5))).toEqual(want[i]);
  });
});

describe('knnGraph (random-projection forest + NN-descent)', () => {
  it('finds nearly all true neighbours on clustered data', async () => {
    const n = 1500;
    const d = 8;
    const rand = mulberry32(5);
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) x[i * d + t] = (i % 5) * 3 * (t === i % d ? 1 : 0) + rand();
    const approx = await knnGraph(x, n, d, 10, mulberry32(1), silentHooks, { exactMaxRows: 0 });
    expect(approx.exact).toBe(false);
    const exact = await knnGraph(x, n, d, 10, mulberry32(1), silentHooks);
    expect(exact.exact).toBe(true);
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const truth = new Set(exact.indices.subarray(i * 10, i * 10 + 10));
      for (let t = 0; t < 10; t++) {
        const j = approx.indices[i * 10 + t];
        expect(j).not.toBe(i);
        if (truth.has(j)) hits++;
      }
      // nearest first
      for (let t = 1; t < 10; t++) expect(approx.distances[i * 10 + t]).toBeGreaterThanOrEqual(approx.distances[i * 10 + t - 1]);
    }
    expect(hits / (n * 10)).toBeGreaterThan(0.95);
  });
});
