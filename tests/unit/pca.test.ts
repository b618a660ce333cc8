// PCA (covariance and randomized) against known structure, and the native linear algebra against
// the JavaScript reference (required under CI, see helpers/native.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { pcaFit, pcaReconstruct, pcaTransform } from '../../electron/engine/reduce/pca';
import { symmetricEigen } from '../../electron/engine/reduce/eigen';
import { eigenSymmetric } from '../../electron/engine/reduce/linalg';
import { nativeAddon } from '../../electron/engine/native/addon';
import { mulberry32 } from '../../electron/engine/core/random';
import { assertNative, skipNative } from './helpers/native';

describe('symmetricEigen', () => {
  it('finds the eigenpairs of a known 3×3 matrix', () => {
    // [[2,1,0],[1,2,0],[0,0,5]] has eigenvalues 5, 3, 1
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
    expect(Array.from(values)).toEqual([expect.closeTo(5, 10), expect.closeTo(3, 10), expect.closeTo(1, 10)]);
    expect(Math.abs(vectors[2])).toBeCloseTo(1, 10); // e3 for λ=5
    expect(Math.abs(vectors[3] * vectors[4])).toBeCloseTo(0.5, 10); // (1,1)/√2 for λ=3
  });
});

describe('pcaFit', () => {
  // Points near the line y = 2x with a small orthogonal wiggle.
  const n = 200;
  const x = new Float32Array(n * 2);
  const rand = mulberry32(7);
  for (let i = 0; i < n; i++) {
    const t = rand() - 0.5;
    const w = (rand() - 0.5) * 0.02;
    x[i * 2] = t - 2 * w;
    x[i * 2 + 1] = 2 * t + w;
  }

  it('matches the closed-form eigenpairs of the 2×2 covariance', () => {
    // known answer: covariance [[a, b], [b, c]] computed in float64 here
    let mx = 0, my = 0;
    for (let i = 0; i < n; i++) { mx += x[2 * i] / n; my += x[2 * i + 1] / n; }
    let a = 0, b = 0, c = 0;
    for (let i = 0; i < n; i++) {
      const u = x[2 * i] - mx, v = x[2 * i + 1] - my;
      a += (u * u) / (n - 1); b += (u * v) / (n - 1); c += (v * v) / (n - 1);
    }
    const l1 = (a + c) / 2 + Math.sqrt(((a - c) / 2) ** 2 + b * b);
    const l2 = (a + c) / 2 - Math.sqrt(((a - c) / 2) ** 2 + b * b);
    const axis = [b, l1 - a].map((v, _, arr) => v / Math.hypot(arr[0], arr[1]));
    const m = pcaFit(x, n, 2);
    expect(m.method).toBe('covariance');
    expect(m.variances[0]).toBeCloseTo(l1, 5);
    expect(m.variances[1]).toBeCloseTo(l2, 5);
    expect(Math.abs(m.components[0])).toBeCloseTo(Math.abs(axis[0]), 5);
    expect(Math.abs(m.components[1])).toBeCloseTo(Math.abs(axis[1]), 5);
    expect(Math.abs(axis[1] / axis[0])).toBeCloseTo(2, 1); // the line's direction
    expect(m.explainedVarianceRatio[0]).toBeCloseTo(l1 / (l1 + l2), 6);
  });

  it('reconstructs exactly with all components and projects to centred coordinates', () => {
    const m = pcaFit(x, n, 2);
    const r = pcaReconstruct(m, x, n, 2);
    for (let i = 0; i < x.length; i++) expect(r[i]).toBeCloseTo(x[i], 5);
    const z = pcaTransform(m, x, n, 1);
    expect(z.reduce((s, v) => s + v, 0) / n).toBeCloseTo(0, 5);
  });

  it('uses the Gram matrix when there are fewer rows than features, with the same answer', () => {
    const d = 6;
    const rows = 4;
    const rnd = mulberry32(3);
    const a = Float32Array.from({ length: rows * d }, () => rnd());
    const m = pcaFit(a, rows, d);
    expect(m.method).toBe('gram');
    expect(m.variances.length).toBe(rows - 1);
    const r = pcaReconstruct(m, a, rows, rows - 1);
    for (let i = 0; i < a.length; i++) expect(r[i]).toBeCloseTo(a[i], 4);
  });
});

describe('pcaFit: algorithms by shape and by the number of axes', () => {
  // Rows from a 40-dimensional signal with a decaying spectrum plus small isotropic noise.
  function lowRank(n: number, d: number, seed: number): Float32Array {
    const rnd = mulberry32(seed);
    const basis = Float32Array.from({ length: 40 * d }, () => rnd() - 0.5);
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 40; c++) {
        const w = (rnd() - 0.5) * 3 * Math.exp(-c / 8);
        for (let j = 0; j < d; j++) x[i * d + j] += w * basis[c * d + j];
      }
      for (let j = 0; j < d; j++) x[i * d + j] += 0.01 * (rnd() - 0.5) + (j % 7) * 0.1;
    }
    return x;
  }

  function mse(model: ReturnType<typeof pcaFit>, x: Float32Array, n: number, k: number): number {
    const r = pcaReconstruct(model, x, n, k);
    let s = 0;
    for (let i = 0; i < r.length; i++) s += (r[i] - x[i]) ** 2;
    return s / r.length;
  }

  it('top-k by subspace iteration equals the full decomposition (covariance)', () => {
    const n = 1500;
    const d = 300;
    const x = lowRank(n, d, 5);
    const full = pcaFit(x, n, d);
    const top = pcaFit(x, n, d, { components: 12 });
    expect(full.solver).toBe('full');
    expect(top.solver).toBe('subspace');
    expect(top.method).toBe('covariance');
    expect(top.components.length).toBe(12 * d);
    expect(top.totalVariance).toBeCloseTo(full.totalVariance, 8);
    for (let i = 0; i < 12; i++) {
      expect(top.variances[i] / full.variances[i]).toBeCloseTo(1, 4);
      let dot = 0;
      for (let j = 0; j < d; j++) dot += top.components[i * d + j] * full.components[i * d + j];
      expect(Math.abs(dot)).toBeCloseTo(1, 3);
    }
    expect(mse(top, x, n, 12) / mse(full, x, n, 12)).toBeCloseTo(1, 4);
  });

  it('the Gram path (fewer rows than features) agrees with the covariance path', () => {
    const n = 280;
    const d = 600;
    const x = lowRank(n, d, 8);
    const gram = pcaFit(x, n, d, { components: 10 });
    const cov = pcaFit(x, n, d, { components: 10, method: 'covariance' });
    expect(gram.method).toBe('gram');
    expect(gram.solver).toBe('subspace');
    for (let i = 0; i < 10; i++) expect(gram.variances[i] / cov.variances[i]).toBeCloseTo(1, 4);
    expect(mse(gram, x, n, 10) / mse(cov, x, n, 10)).toBeCloseTo(1, 4);
  });

  it('the randomized path (never forms the m×m matrix) reaches the same axes', () => {
    const n = 2000;
    const d = 200;
    const x = lowRank(n, d, 9);
    const rnd = pcaFit(x, n, d, { components: 8, method: 'randomized' });
    const cov = pcaFit(x, n, d, { components: 8 });
    expect(rnd.method).toBe('randomized');
    expect(rnd.totalVariance).toBeCloseTo(cov.totalVariance, 6);
    for (let i = 0; i < 8; i++) expect(rnd.variances[i] / cov.variances[i]).toBeCloseTo(1, 3);
    expect(mse(rnd, x, n, 8) / mse(cov, x, n, 8)).toBeCloseTo(1, 3);
  });
});

describe.skipIf(skipNative)('linear algebra: native addon against the JavaScript reference', () => {
  beforeAll(assertNative);
  const rnd = mulberry32(21);
  it('scatter matrix and column means', () => {
    const n = 1100; // more than one row block, odd sizes
    const d = 131;
    const x = Float32Array.from({ length: n * d }, () => rnd() * 4 + 10);
    const mean = new Float64Array(d);
    const scatter = new Float64Array(d * d);
    nativeAddon().addon!.covariance(x, n, d, mean, scatter);
    const ref = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) ref[j] += x[i * d + j] / n;
    for (let j = 0; j < d; j++) expect(mean[j]).toBeCloseTo(ref[j], 6);
    for (const [a, b] of [[0, 0], [3, 130], [130, 3], [64, 65], [129, 129]]) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (x[i * d + a] - ref[a]) * (x[i * d + b] - ref[b]);
      expect(scatter[a * d + b] / s).toBeCloseTo(1, 4);
    }
  });

  it('symmetric eigen-decomposition', () => {
    const n = 97;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rnd() - 0.5;
    const mine = eigenSymmetric(a, n);
    const ref = symmetricEigen(a, n);
    for (let i = 0; i < n; i++) expect(mine.values[i]).toBeCloseTo(ref.values[i], 10);
    for (const r of [0, 50, 96]) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += mine.vectors[r * n + j] * ref.vectors[r * n + j];
      expect(Math.abs(dot)).toBeCloseTo(1, 8);
    }
  });
});
