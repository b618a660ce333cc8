// The comparison table's fast path (grid neighbours in 2-D, one-pass ranks, fused distance blocks)
// against the plain definitions it replaced (helpers/metrics-reference.ts), on random data with the
// awkward cases: ties, duplicate points, points outside the other set's extent, unlabelled rows, a
// label with one row, wide (matMul) and narrow data. The results must be the same to the bit.
import { describe, expect, it } from 'vitest';
import { knnAccuracy, neighbourhoodScores } from '../../electron/engine/compare/metrics';
import { exactKnn } from '../../electron/engine/compare/neighbours';
import { mulberry32 } from '../../electron/engine/core/random';
import { referenceExactKnn, referenceKnnAccuracy, referenceNeighbourhoodScores } from './helpers/metrics-reference';

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** n points in d dims around `centres` cluster centres; `grid` > 0 snaps them (ties, duplicates). */
function clusters(n: number, d: number, seed: number, centres = 4, grid = 0, labels = false) {
  const rand = mulberry32(seed);
  const c = Float32Array.from({ length: centres * d }, () => 6 * gaussian(rand));
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(rand() * centres);
    y[i] = k;
    for (let t = 0; t < d; t++) {
      const v = c[k * d + t] + gaussian(rand);
      x[i * d + t] = grid > 0 ? Math.round(v / grid) * grid : v;
    }
  }
  if (labels) {
    y[3] = -1;
    y[10] = -1;
    y[n - 1] = centres; // a label with a single row
  }
  return { x, y };
}

describe('2-D neighbours through the grid', () => {
  it('are the full scan’s, with ties, duplicates and queries outside the points’ extent', async () => {
    for (const [seed, snap] of [[1, 0], [2, 0.5], [3, 2]] as const) {
      const ref = clusters(500, 2, seed, 5, snap);
      const q = clusters(200, 2, seed + 10, 3, snap);
      for (let i = 0; i < 20; i++) q.x[i] *= 4; // some far outside
      for (const k of [1, 5, 12]) {
        const fast = await exactKnn(q.x, 200, ref.x, 500, 2, k);
        const plain = await referenceExactKnn(q.x, 200, ref.x, 500, 2, k);
        expect(fast.indices).toEqual(plain.indices);
        expect(fast.distances).toEqual(plain.distances);
        const fastSelf = await exactKnn(ref.x, 500, ref.x, 500, 2, k, { excludeSelf: true });
        const plainSelf = await referenceExactKnn(ref.x, 500, ref.x, 500, 2, k, { excludeSelf: true });
        expect(fastSelf.indices).toEqual(plainSelf.indices);
        expect(fastSelf.distances).toEqual(plainSelf.distances);
      }
    }
  });

  it('hold when every point is the same one, or all lie on a line', async () => {
    const same = new Float32Array(2 * 100).fill(3);
    const line = Float32Array.from({ length: 200 }, (_, t) => (t % 2 ? 7 : Math.floor(t / 2) % 17));
    for (const x of [same, line]) {
      const fast = await exactKnn(x, 100, x, 100, 2, 6, { excludeSelf: true });
      const plain = await referenceExactKnn(x, 100, x, 100, 2, 6, { excludeSelf: true });
      expect(fast.indices).toEqual(plain.indices);
    }
  });
});

describe('wide rows: distances and selection in one pass', () => {
  it('find the neighbours and distances the stored block and a separate selection found', async () => {
    const ref = clusters(400, 24, 41, 4, 0.5);
    const q = clusters(90, 24, 42);
    for (const k of [1, 7]) {
      const fast = await exactKnn(q.x, 90, ref.x, 400, 24, k);
      const plain = await referenceExactKnn(q.x, 90, ref.x, 400, 24, k);
      expect(fast.indices).toEqual(plain.indices);
      expect(fast.distances).toEqual(plain.distances);
      const fastSelf = await exactKnn(ref.x, 400, ref.x, 400, 24, k, { excludeSelf: true });
      const plainSelf = await referenceExactKnn(ref.x, 400, ref.x, 400, 24, k, { excludeSelf: true });
      expect(fastSelf.indices).toEqual(plainSelf.indices);
      expect(fastSelf.distances).toEqual(plainSelf.distances);
    }
  });
});

describe('the numbers table’s neighbour scores', () => {
  it('kNN accuracy is the plain definition’s, in 2-D, narrow and wide views', async () => {
    for (const [d, snap] of [[2, 0], [2, 1], [3, 0], [20, 0]] as const) {
      const train = clusters(600, d, 7 + d, 4, snap, true);
      const test = clusters(150, d, 8 + d, 4, snap, true);
      const a = await knnAccuracy({ coords: train.x, n: 600, labels: train.y }, { coords: test.x, n: 150, labels: test.y }, d, 5);
      const b = await referenceKnnAccuracy({ coords: train.x, n: 600, labels: train.y }, { coords: test.x, n: 150, labels: test.y }, d, 5);
      expect(a).toBe(b);
    }
  });

  it('trustworthiness, continuity and silhouette are the plain definitions’, to the bit', async () => {
    const n = 320;
    for (const dataDims of [5, 24]) {
      const data = clusters(n, dataDims, 21 + dataDims, 5, 0, true);
      const views = [
        { coords: clusters(n, 2, 31, 5).x, dims: 2 }, // unrelated to the data: poor ranks
        { coords: clusters(n, 2, 32, 3, 1).x, dims: 2 }, // snapped: many equal distances
        { coords: new Float32Array(2 * n).map((_, t) => data.x[Math.floor(t / 2) * dataDims + (t % 2)]), dims: 2 }, // two data columns
        { coords: clusters(n, 3, 33).x, dims: 3 },
        { coords: clusters(n, 16, 34).x, dims: 16 }, // the matMul path
      ];
      for (const labels of [data.y, null]) {
        for (const k of [1, 10]) {
          const fast = await neighbourhoodScores({ coords: data.x, dims: dataDims }, n, views, labels, k);
          const plain = await referenceNeighbourhoodScores({ coords: data.x, dims: dataDims }, n, views, labels, k);
          expect(fast).toEqual(plain);
        }
      }
    }
  });
});
