import { describe, expect, it } from 'vitest';
import { pcaFit, pcaReconstruct, pcaTransform } from '../../electron/engine/reduce/pca';
import { symmetricEigen } from '../../electron/engine/reduce/eigen';
import { mulberry32 } from '../../electron/engine/random';

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
