// Automatic clusters of a view (compare/density.ts, compare/clusters.ts, compare/cluster-labels.ts):
// synthetic blobs come back as their clusters with background points as noise, close blobs merge
// when their saddle is shallow, contour lines enclose what they say, labels are read from the data.
import { describe, expect, it } from 'vitest';
import { majorities, smd } from '../../electron/engine/compare/cluster-labels';
import { basins, densityContours, findClusters, representatives } from '../../electron/engine/compare/clusters';
import { contourSegments, densityGrid, levelForMass } from '../../electron/engine/compare/density';
import { mulberry32 } from '../../electron/engine/core/random';

/** Gaussian blobs (label = blob) plus uniform background points (label = blobs.length). */
function blobs(centres: [number, number][], perBlob: number, sd: number, background: number, box: number, seed = 1) {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const xy: number[] = [];
  const labels: number[] = [];
  centres.forEach(([cx, cy], b) => {
    for (let i = 0; i < perBlob; i++) {
      xy.push(cx + sd * gauss(), cy + sd * gauss());
      labels.push(b);
    }
  });
  for (let i = 0; i < background; i++) {
    xy.push((rand() - 0.5) * box, (rand() - 0.5) * box);
    labels.push(centres.length);
  }
  return { coords: Float32Array.from(xy), labels: Int32Array.from(labels), n: labels.length };
}

const FIVE: [number, number][] = [[0, 0], [10, 0], [0, 10], [10, 10], [5, 20]];

describe('findClusters', () => {
  it('recovers k well-separated blobs, each one cluster, whatever their order', () => {
    for (const k of [2, 3, 5]) {
      const { coords, labels, n } = blobs(FIVE.slice(0, k), 300, 1, 0, 0, k);
      const found = findClusters(coords, n, 2);
      expect(found.clusters).toHaveLength(k);
      const { per, purity } = majorities(labels, FIVE.map((_, i) => `blob ${i}`), found.assignment, k);
      expect(purity).toBeGreaterThan(0.99);
      // every blob is the majority of exactly one cluster
      expect(new Set(per.map((m) => m!.label)).size).toBe(k);
      // the peaks sit near the blob centres
      for (const c of found.clusters) expect(Math.min(...FIVE.slice(0, k).map(([x, y]) => Math.hypot(c.peak[0] - x, c.peak[1] - y)))).toBeLessThan(1);
    }
  });

  it('labels sparse background points noise and keeps the blobs', () => {
    const { coords, labels, n } = blobs(FIVE.slice(0, 4), 400, 0.8, 200, 60, 7);
    const found = findClusters(coords, n, 2);
    expect(found.clusters).toHaveLength(4);
    let backgroundNoise = 0;
    let blobNoise = 0;
    labels.forEach((l, i) => {
      if (found.assignment[i] >= 0) return;
      if (l === 4) backgroundNoise++;
      else blobNoise++;
    });
    // most of the background lies far from every blob: noise; blob points are hardly ever noise
    expect(backgroundNoise).toBeGreaterThan(150);
    expect(blobNoise).toBeLessThan(0.02 * 1600);
    expect(found.noise).toBe(backgroundNoise + blobNoise);
    // background points that do land in a cluster are the few near a blob
    const { purity } = majorities(labels, ['a', 'b', 'c', 'd', 'background'], found.assignment, 4);
    expect(purity).toBeGreaterThan(0.97);
  });

  it('numbers clusters by size and drops clusters smaller than minSize into noise', () => {
    const big = blobs([[0, 0]], 500, 1, 0, 0, 3);
    const small = blobs([[12, 0]], 20, 0.3, 0, 0, 4);
    const coords = Float32Array.from([...big.coords, ...small.coords]);
    const n = 520;
    const found = findClusters(coords, n, 2, { minSize: 5, bandwidth: 1 });
    expect(found.clusters).toHaveLength(2);
    // cluster 0 is the big blob, cluster 1 the small one (their sparse rims are noise)
    for (let i = 0; i < n; i++) if (found.assignment[i] >= 0) expect(found.assignment[i]).toBe(i < 500 ? 0 : 1);
    expect(found.clusters[0].size).toBeGreaterThan(450);
    expect(found.clusters[1].size).toBeGreaterThan(10);
    const strict = findClusters(coords, n, 2, { minSize: 30, bandwidth: 1 });
    expect(strict.clusters).toHaveLength(1);
    for (let i = 500; i < n; i++) expect(strict.assignment[i]).toBe(-1);
  });

  it('merges two overlapping blobs (a shallow saddle) and splits them when asked for finer peaks', () => {
    const { coords, n } = blobs([[0, 0], [2.6, 0]], 500, 1, 0, 0, 5);
    expect(findClusters(coords, n, 2, { bandwidth: 1.5 }).clusters).toHaveLength(1);
    expect(findClusters(coords, n, 2, { bandwidth: 0.5, prominence: 0.02 }).clusters.length).toBeGreaterThanOrEqual(2);
  });

  it('uses the first two coordinates of a wider view and skips rows without finite coordinates', () => {
    const { coords, n } = blobs(FIVE.slice(0, 2), 200, 1, 0, 0, 9);
    const wide = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) wide.set([coords[2 * i], coords[2 * i + 1], 1000 * Math.random()], 3 * i);
    wide[0] = NaN;
    const found = findClusters(wide, n, 3);
    expect(found.clusters).toHaveLength(2);
    expect(found.assignment[0]).toBe(-1);
  });

  it('picks the member nearest each peak as its representative', () => {
    const { coords, n } = blobs(FIVE.slice(0, 3), 200, 1, 0, 0, 11);
    const found = findClusters(coords, n, 2);
    const reps = representatives(coords, 2, found);
    found.clusters.forEach((c, id) => {
      const r = reps[id];
      expect(found.assignment[r]).toBe(id);
      const d = Math.hypot(coords[2 * r] - c.peak[0], coords[2 * r + 1] - c.peak[1]);
      for (let i = 0; i < n; i++) if (found.assignment[i] === id) expect(Math.hypot(coords[2 * i] - c.peak[0], coords[2 * i + 1] - c.peak[1])).toBeGreaterThanOrEqual(d);
    });
  });
});

describe('basins', () => {
  it('gives each peak of a grid its own basin unless the lower peak is not prominent enough', () => {
    // two peaks on a 1-D ridge (a 5×1 grid): 5 2 4 — saddle 2, lower peak 4 rises 2 above it
    const g = { nx: 5, ny: 1, x0: 0, y0: 0, cell: 1, values: Float64Array.from([1, 5, 2, 4, 1]), kernel: 1, max: 5 };
    const two = basins(g, 0, 1.5);
    expect(new Set(two).size).toBe(2);
    expect(two[1]).not.toBe(two[3]);
    const one = basins(g, 0, 2.5);
    expect(new Set(one).size).toBe(1);
    // below the floor: no basin; a peak less than tau above the floor: no basin either
    expect(Array.from(basins(g, 1.5, 1.5))).toEqual([-1, 1, 1, 3, -1]);
    const islands = { ...g, values: Float64Array.from([5, 1, 4, 1, 1]) };
    expect(Array.from(basins(islands, 1.5, 2))).toEqual([0, -1, 2, -1, -1]);
    expect(Array.from(basins(islands, 1.5, 3))).toEqual([0, -1, -1, -1, -1]);
  });
});

describe('density contours', () => {
  it('encloses the share of points it says, and a blob gives a closed loop', () => {
    const { coords, n } = blobs([[0, 0]], 2000, 1, 0, 0, 13);
    const found = findClusters(coords, n, 2);
    const contours = densityContours(found);
    expect(contours.map((c) => c.mass)).toEqual([0.9, 0.7, 0.5, 0.3, 0.1]);
    // levels rise as the mass shrinks, and each line exists
    for (let i = 1; i < contours.length; i++) expect(contours[i].level).toBeGreaterThan(contours[i - 1].level);
    for (const c of contours) expect(c.segments.length).toBeGreaterThan(0);
    // the densest 50% of a standard normal lies within radius √(2 ln 2) ≈ 1.18 of its centre
    const half = contours[2].segments;
    let r = 0;
    for (let i = 0; i < half.length; i += 2) r += Math.hypot(half[i], half[i + 1]);
    expect(r / (half.length / 2)).toBeGreaterThan(1.0);
    expect(r / (half.length / 2)).toBeLessThan(1.45);
    // a closed loop: every segment end point is shared by another segment
    const key = (x: number, y: number) => `${x.toFixed(4)},${y.toFixed(4)}`;
    const ends = new Map<string, number>();
    for (let i = 0; i < half.length; i += 2) ends.set(key(half[i], half[i + 1]), (ends.get(key(half[i], half[i + 1])) ?? 0) + 1);
    for (const count of ends.values()) expect(count % 2).toBe(0);
  });

  it('draws the level lines of a known grid where the values cross them', () => {
    const g = densityGrid(Float64Array.from([0]), Float64Array.from([0]));
    const seg = contourSegments(g, g.max / 2);
    // a single point's kernel: the half-height line is a circle of radius σ·√(2 ln 2)
    for (let i = 0; i < seg.length; i += 2) expect(Math.hypot(seg[i], seg[i + 1])).toBeCloseTo(g.kernel * Math.sqrt(2 * Math.log(2)), 0);
    expect(levelForMass(Float64Array.from([1, 5, 3, 2]), 0.5)).toBe(3);
  });
});

describe('cluster labels', () => {
  it('standardized mean difference uses the pooled SD', () => {
    // inside 1, 3 (mean 2, var 2); outside 5, 7 (mean 6, var 2): (2 − 6) / √2
    expect(smd(4, 10, 2, 12, 74, 2)).toBeCloseTo(-4 / Math.SQRT2, 10);
    expect(smd(0, 0, 0, 1, 1, 1)).toBe(0);
  });

  it('majority label and purity per cluster; noise rows count nowhere', () => {
    const labels = Int32Array.from([0, 0, 1, 1, 1, 2, 0]);
    const assignment = Int32Array.from([0, 0, 0, 1, 1, -1, -1]);
    const { per, purity } = majorities(labels, ['a', 'b', 'c'], assignment, 2);
    expect(per[0]).toEqual({ label: 0, name: 'a', purity: 2 / 3 });
    expect(per[1]).toEqual({ label: 1, name: 'b', purity: 1 });
    expect(purity).toBeCloseTo(4 / 5, 10);
    expect(majorities(null, null, assignment, 2).purity).toBeNull();
  });
});
