// UMAP and t-SNE on small, well-separated data: the pieces against their definitions, and the
// whole layouts for what users rely on (clusters stay apart, same seed → same picture, cancel).
import { describe, expect, it } from 'vitest';
import type { ReduceHooks } from '../../electron/engine/reduce/hooks';
import { silentHooks } from '../../electron/engine/reduce/hooks';
import { knnGraph } from '../../electron/engine/reduce/knn-graph';
import { QuadTree } from '../../electron/engine/reduce/quadtree';
import { tsne, tsneDefaults } from '../../electron/engine/reduce/tsne';
import { conditionalP, jointP } from '../../electron/engine/reduce/tsne-affinities';
import { repulsiveForces, RepulsionWorkspace } from '../../electron/engine/reduce/tsne-bh';
import { findAbParams, fuzzySimplicialSet, smoothKnnDistances, umap, umapDefaults } from '../../electron/engine/reduce/umap';
import { mulberry32 } from '../../electron/engine/core/random';

/** Three Gaussian blobs in 10-D, centres 12 apart, unit spread; label = blob. */
function blobs(perBlob: number, seed: number) {
  const d = 10;
  const n = 3 * perBlob;
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const x = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let t = 0; t < d; t++) x[i * d + t] = (t === c ? 12 : 0) + gauss();
  }
  return { x, n, d, labels };
}

/** Smallest distance between blob centroids over the largest RMS blob radius, in a 2-D layout. */
function separation(y: Float32Array, labels: Int32Array): number {
  const cx = [0, 0, 0], cy = [0, 0, 0], cnt = [0, 0, 0];
  labels.forEach((c, i) => { cx[c] += y[2 * i]; cy[c] += y[2 * i + 1]; cnt[c]++; });
  for (let c = 0; c < 3; c++) { cx[c] /= cnt[c]; cy[c] /= cnt[c]; }
  const r = [0, 0, 0];
  labels.forEach((c, i) => { r[c] += ((y[2 * i] - cx[c]) ** 2 + (y[2 * i + 1] - cy[c]) ** 2) / cnt[c]; });
  const radius = Math.sqrt(Math.max(...r));
  let gap = Infinity;
  for (let a = 0; a < 3; a++) for (let b = a + 1; b < 3; b++) gap = Math.min(gap, Math.hypot(cx[a] - cx[b], cy[a] - cy[b]));
  return gap / radius;
}

/** Hooks that cancel (throw) at the n-th step, counting the steps seen. */
function cancelAt(n: number): ReduceHooks & { steps: number } {
  const h = {
    steps: 0,
    step: async () => {
      if (++h.steps >= n) throw new Error('cancelled by test');
    },
  };
  return h;
}

const data = blobs(60, 11);

describe('UMAP pieces', () => {
  it('fits a, b as umap-learn does for min_dist 0.1, spread 1 (a ≈ 1.577, b ≈ 0.895)', () => {
    const { a, b } = findAbParams(1, 0.1);
    expect(a).toBeCloseTo(1.5769, 2);
    expect(b).toBeCloseTo(0.8951, 2);
  });

  it('calibrates σ so that each row’s memberships sum to log₂(k)', async () => {
    const g = await knnGraph(data.x, data.n, data.d, 14, mulberry32(1), silentHooks);
    const { rho, sigma } = smoothKnnDistances(g, 15);
    for (let i = 0; i < data.n; i += 17) {
      let s = 0;
      for (let t = 0; t < g.k; t++) s += Math.exp(-Math.max(0, g.distances[i * g.k + t] - rho[i]) / sigma[i]);
      expect(s).toBeCloseTo(Math.log2(15), 3);
      expect(rho[i]).toBe(g.distances[i * g.k]);
    }
    // the fuzzy union is symmetric with weights in (0, 1]
    const f = fuzzySimplicialSet(g, 15);
    const w = new Map<string, number>();
    f.head.forEach((h, e) => w.set(`${h},${f.tail[e]}`, f.weight[e]));
    for (const [key, v] of w) {
      const [h, t] = key.split(',');
      expect(w.get(`${t},${h}`)).toBe(v);
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});

describe('UMAP', () => {
  const params = { ...umapDefaults, nEpochs: 150, seed: 3 };

  it('keeps well-separated clusters apart', async () => {
    const r = await umap(data.x, data.n, data.d, params, silentHooks);
    expect(r.coords.length).toBe(data.n * 2);
    expect(separation(r.coords, data.labels)).toBeGreaterThan(3);
  });

  it('is deterministic for a seed, and another seed gives another layout', async () => {
    const a = await umap(data.x, data.n, data.d, params, silentHooks);
    const b = await umap(data.x, data.n, data.d, params, silentHooks);
    const c = await umap(data.x, data.n, data.d, { ...params, seed: 4 }, silentHooks);
    expect(b.coords).toEqual(a.coords);
    expect(c.coords).not.toEqual(a.coords);
  });

  it('stops when the hooks say so', async () => {
    const hooks = cancelAt(20);
    await expect(umap(data.x, data.n, data.d, params, hooks)).rejects.toThrow('cancelled by test');
    expect(hooks.steps).toBe(20);
  });
});

describe('t-SNE pieces', () => {
  it('calibrates each row to the perplexity and builds a symmetric P that sums to 1', async () => {
    const g = await knnGraph(data.x, data.n, data.d, 31, mulberry32(1), silentHooks);
    const pc = conditionalP(g, 10);
    for (let i = 0; i < data.n; i += 13) {
      let h = 0;
      let s = 0;
      for (let t = 0; t < g.k; t++) {
        const p = pc[i * g.k + t];
        s += p;
        if (p > 0) h -= p * Math.log(p);
      }
      expect(s).toBeCloseTo(1, 10);
      expect(h).toBeCloseTo(Math.log(10), 4);
    }
    const P = jointP(g, pc);
    const at = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < P.n; i++) {
      for (let e = P.rowStart[i]; e < P.rowStart[i + 1]; e++) {
        const key = `${i},${P.cols[e]}`;
        expect(at.has(key)).toBe(false); // duplicates merged
        at.set(key, P.values[e]);
        total += P.values[e];
      }
    }
    expect(total).toBeCloseTo(1, 10);
    for (const [key, v] of at) {
      const [i, j] = key.split(',');
      expect(at.get(`${j},${i}`)).toBeCloseTo(v, 15);
    }
  });

  it('sums repulsion exactly with angle 0 and within 2% at 0.5 (Barnes–Hut)', () => {
    const n = 400;
    const rand = mulberry32(8);
    const y = Float64Array.from({ length: 2 * n }, () => (rand() - 0.5) * 20);
    let exactZ = 0;
    const exact = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
        const q = 1 / (1 + dx * dx + dy * dy);
        exactZ += q;
        exact[2 * i] += q * q * dx;
        exact[2 * i + 1] += q * q * dy;
      }
    }
    const tree = new QuadTree();
    tree.build(y, n);
    expect(tree.count[0]).toBe(n);
    const ws = new RepulsionWorkspace(n);
    const rep = new Float64Array(2 * n);
    expect(repulsiveForces(tree, y, n, 0, rep, ws)).toBeCloseTo(exactZ, 8);
    for (let c = 0; c < 2 * n; c++) expect(rep[c]).toBeCloseTo(exact[c], 10);
    const z = repulsiveForces(tree, y, n, 0.25, rep, ws);
    expect(Math.abs(z - exactZ) / exactZ).toBeLessThan(0.02);
    let err = 0;
    let norm = 0;
    for (let c = 0; c < 2 * n; c++) {
      err += (rep[c] - exact[c]) ** 2;
      norm += exact[c] ** 2;
    }
    expect(Math.sqrt(err / norm)).toBeLessThan(0.05);
  });
});

describe('t-SNE', () => {
  const params = { ...tsneDefaults, perplexity: 20, iterations: 300, earlyIterations: 100, seed: 2 };

  it('keeps well-separated clusters apart', async () => {
    const r = await tsne(data.x, data.n, data.d, params, silentHooks);
    expect(separation(r.coords, data.labels)).toBeGreaterThan(3);
    // KL divergence is traced every 50 iterations and falls after the exaggerated phase
    expect(r.trace.map((t) => t.step)).toEqual([50, 100, 150, 200, 250, 300]);
    expect(r.trace[5].value).toBeLessThan(r.trace[2].value);
  });

  it('is deterministic for a seed', async () => {
    const a = await tsne(data.x, data.n, data.d, { ...params, iterations: 120 }, silentHooks);
    const b = await tsne(data.x, data.n, data.d, { ...params, iterations: 120 }, silentHooks);
    const c = await tsne(data.x, data.n, data.d, { ...params, iterations: 120, seed: 5 }, silentHooks);
    expect(b.coords).toEqual(a.coords);
    expect(c.coords).not.toEqual(a.coords);
  });

  it('lowers the perplexity for tiny data and stops when the hooks say so', async () => {
    const small = blobs(4, 1);
    const r = await tsne(small.x, small.n, small.d, { ...params, iterations: 50 }, silentHooks);
    expect(r.perplexity).toBeCloseTo((small.n - 1) / 3, 10);
    const hooks = cancelAt(30);
    await expect(tsne(data.x, data.n, data.d, params, hooks)).rejects.toThrow('cancelled by test');
    expect(hooks.steps).toBe(30);
  });
});
