import { describe, expect, it } from 'vitest';
import {
  knnAccuracy,
  majorityLabel,
  neighbourhoodScores,
  reconstructionErrors,
} from '../../electron/engine/compare/metrics';

// A small deterministic case, identical in Python: scikit-learn 1.2.1 gives the values below for
//   X[i][j] = sin(1.3 i + 0.7 j²) + (i mod 3)           (30 × 5, float32)
//   Z[i]    = (cos(0.9 i) + 0.8 (i mod 3), sin(0.5 i²))  (30 × 2, float32), labels i mod 3
//   trustworthiness(X, Z, n_neighbors=3), trustworthiness(Z, X, 3) (= continuity),
//   silhouette_score(Z, y), KNeighborsClassifier(5).fit(Z[:20], y[:20]).score(Z[20:], y[20:])
const n = 30;
const X = Float32Array.from({ length: n * 5 }, (_, t) => Math.sin(1.3 * Math.floor(t / 5) + 0.7 * (t % 5) ** 2) + (Math.floor(t / 5) % 3));
const Z = Float32Array.from({ length: n * 2 }, (_, t) => {
  const i = Math.floor(t / 2);
  return t % 2 === 0 ? Math.cos(0.9 * i) + (i % 3) * 0.8 : Math.sin(0.5 * i * i);
});
const y = Int32Array.from({ length: n }, (_, i) => i % 3);
const sklearn = { T: 0.5537777777777777, C: 0.5964444444444444, S: -0.017862748, knnZ: 0.5, knnX: 1.0 };

describe('reconstructionErrors', () => {
  it('averages squared errors over all cells, per column and per row', () => {
    // x = [[0, 1], [2, 3]], x̂ = [[1, 1], [2, 1]]: errors² [[1, 0], [0, 4]]
    const e = reconstructionErrors(Float32Array.from([0, 1, 2, 3]), Float32Array.from([1, 1, 2, 1]), 2, 2);
    expect(e.mse).toBeCloseTo(5 / 4, 12);
    expect(Array.from(e.columnMse)).toEqual([0.5, 2]);
    expect(Array.from(e.rowMse)).toEqual([0.5, 2]);
  });
});

describe('kNN label accuracy', () => {
  it('breaks vote ties towards the smallest label, as scipy.stats.mode does', () => {
    const counts = new Int32Array(4);
    expect(majorityLabel([3, 1, 3, 1, 2], 0, 5, counts)).toBe(1);
    expect(majorityLabel([2, 2, 0, 0, 1], 0, 4, counts)).toBe(0);
    expect(majorityLabel([3, 3, 3, 1, 1], 0, 5, counts)).toBe(3);
  });

  it('scores a hand-checkable 1-D case', async () => {
    // train: 0, 1, 2 → a; 10, 11, 12, 13 → b. Test 1.5 (a): neighbours 1, 2, 0, 10, 11 → a.
    // Test 11.5 (b): 11, 12, 10, 13, 2 → b. Test 5.8 (b): 2 (3.8), 10 (4.2), 1 (4.8), 11 (5.2),
    // 0 (5.8) → a, wrong. Accuracy 2/3; with k = 1 too (5.8's nearest is 2).
    const train = { coords: Float32Array.from([0, 1, 2, 10, 11, 12, 13]), n: 7, labels: Int32Array.from([0, 0, 0, 1, 1, 1, 1]) };
    const test = { coords: Float32Array.from([1.5, 11.5, 5.8]), n: 3, labels: Int32Array.from([0, 1, 1]) };
    expect(await knnAccuracy(train, test, 1, 5)).toBeCloseTo(2 / 3, 12);
    expect(await knnAccuracy(train, test, 1, 1)).toBeCloseTo(2 / 3, 12);
    // k = 4: 5.8 sees a, b, a, b: a tie, which goes to the smaller label a
    const tie = { coords: Float32Array.from([5.8]), n: 1, labels: Int32Array.from([0]) };
    expect(await knnAccuracy(train, tie, 1, 4)).toBe(1);
  });

  it('leaves rows without a label out, and says null when nothing is labelled', async () => {
    const train = { coords: Float32Array.from([0, 1, 5]), n: 3, labels: Int32Array.from([0, -1, 1]) };
    const test = { coords: Float32Array.from([0.9, 4]), n: 2, labels: Int32Array.from([0, -1]) };
    expect(await knnAccuracy(train, test, 1, 1)).toBe(1);
    expect(await knnAccuracy(train, { ...test, labels: Int32Array.from([-1, -1]) }, 1, 1)).toBeNull();
  });

  it('agrees with scikit-learn’s KNeighborsClassifier(5)', async () => {
    const split = (a: Float32Array, d: number) => ({
      train: { coords: a.subarray(0, 20 * d), n: 20, labels: y.subarray(0, 20) },
      test: { coords: a.subarray(20 * d), n: 10, labels: y.subarray(20) },
    });
    const z = split(Z, 2);
    expect(await knnAccuracy(z.train, z.test, 2, 5)).toBe(sklearn.knnZ);
    const x = split(X, 5);
    expect(await knnAccuracy(x.train, x.test, 5, 5)).toBe(sklearn.knnX);
  });
});

describe('trustworthiness, continuity, silhouette', () => {
  it('are 1 for an embedding that keeps every ordering', async () => {
    const data = Float32Array.from({ length: 40 }, (_, i) => i * i); // 1-D, distinct gaps
    const [s] = await neighbourhoodScores({ coords: data, dims: 1 }, 40, [{ coords: data.map((v) => 3 * v + 1), dims: 1 }], null, 5);
    expect(s.trustworthiness).toBe(1);
    expect(s.continuity).toBe(1);
    expect(s.silhouette).toBeNull();
  });

  it('match a hand computation (k = 1)', async () => {
    // data on a line at 0, 1, 3, 7, 15, 31; the embedding swaps points 1 and 2: 0, 3, 1, 7, 15, 31.
    // Embedding nearest neighbours 0→2, 1→2, 2→0, 3→1, 4→3, 5→4 have data ranks 2, 2, 2, 2, 1, 1:
    // T penalties Σ(rank − k) = 4. Data nearest neighbours 0→1, 1→0, 2→1, 3→2, 4→3, 5→4 have
    // embedding ranks 2, 2, 2, 2, 1, 1: C penalties = 4.
    // T = C = 1 − 2/(n k (2n − 3k − 1)) · 4 = 1 − 2/(6 · 1 · 8) · 4 = 1 − 1/6.
    const data = Float32Array.from([0, 1, 3, 7, 15, 31]);
    const emb = Float32Array.from([0, 3, 1, 7, 15, 31]);
    const [s] = await neighbourhoodScores({ coords: data, dims: 1 }, 6, [{ coords: emb, dims: 1 }], null, 1);
    expect(s.trustworthiness).toBeCloseTo(1 - 1 / 6, 12);
    expect(s.continuity).toBeCloseTo(1 - 1 / 6, 12);
  });

  it('computes the silhouette by label as sklearn defines it', async () => {
    // two clusters {0, 1} and {10, 11}: s(0) = (10.5 − 1)/10.5, s(1) = (9.5 − 1)/9.5, symmetric
    const pts = Float32Array.from([0, 1, 10, 11, 40, 41, 50, 51]);
    const labels = Int32Array.from([0, 0, 1, 1, 2, 2, 3, 3]);
    // k = 1 needs n > 3; the silhouette does not depend on k
    const [s] = await neighbourhoodScores({ coords: pts, dims: 1 }, 8, [{ coords: pts, dims: 1 }], labels, 1);
    const expected = ((10.5 - 1) / 10.5 + (9.5 - 1) / 9.5 + (9.5 - 1) / 9.5 + (10.5 - 1) / 10.5) / 4;
    // and each other point is a mirror image of one of these (its nearest other cluster is 9.5 or 10.5 away)
    expect(s.silhouette).toBeCloseTo(expected, 6);
  });

  it('agree with scikit-learn on a small case', async () => {
    const [s] = await neighbourhoodScores({ coords: X, dims: 5 }, n, [{ coords: Z, dims: 2 }], y, 3);
    expect(s.trustworthiness).toBeCloseTo(sklearn.T, 12);
    expect(s.continuity).toBeCloseTo(sklearn.C, 12);
    expect(s.silhouette).toBeCloseTo(sklearn.S, 6);
  });

  it('give the same answer through the matMul path (≥ 16 columns)', async () => {
    // pad the data with 11 zero columns: same distances, but computed with tfjs
    const wide = new Float32Array(n * 16);
    for (let i = 0; i < n; i++) wide.set(X.subarray(i * 5, i * 5 + 5), i * 16);
    const [s] = await neighbourhoodScores({ coords: wide, dims: 16 }, n, [{ coords: Z, dims: 2 }], y, 3);
    expect(s.trustworthiness).toBeCloseTo(sklearn.T, 12);
    expect(s.continuity).toBeCloseTo(sklearn.C, 12);
  });
});
