// Automatic clusters of a 2-D view, found in its density (density.ts): every grid node climbs to
// its density peak (a watershed, flooded from the highest node down), and two basins merge where
// the lower peak rises less than a set share of the highest density above the saddle between
// them (topological persistence, as in ToMATo). Nodes below a noise level belong to no cluster,
// and so do the points on them; a cluster with too few points is noise too. The same grid gives
// the contour lines drawn over the view. cluster-labels.ts names the clusters from the data.
import type { ClusterParams, DensityContour } from '../../../shared/explore';
import { contourSegments, densityAt, densityGrid, levelForMass, nodeOf, planar, type DensityGrid } from './density';

/** Half Scott's kernel width: Scott's rule is made for one bump and smooths a clustered view into too few. */
export const CLUSTER_DEFAULTS = { bandwidth: 0.5, prominence: 0.12, noise: 0.04 } as const;
/** The lines drawn over a view: around the densest 90%, 70%, 50%, 30% and 10% of the points. */
export const CONTOUR_MASSES = [0.9, 0.7, 0.5, 0.3, 0.1];

export const defaultMinSize = (n: number) => Math.max(5, Math.ceil(0.005 * n));

export interface FoundClusters {
  /** Cluster per row (−1 = noise), numbered by size: 0 is the largest. */
  assignment: Int32Array;
  /** Per cluster: its size and the view coordinates of its density peak. */
  clusters: { size: number; peak: [number, number] }[];
  noise: number;
  grid: DensityGrid;
  /** Density at each row (0 for a row without finite coordinates). */
  pointDensity: Float64Array;
  params: Required<ClusterParams> & { kernel: number };
}

/**
 * Basin of every grid node (the index of its peak node), −1 below `floor`. Nodes are flooded from
 * the highest down; a node joins the highest peak among its 8 flooded neighbours, and another
 * neighbouring basin merges into it when its peak is less than `tau` above this node (the saddle).
 * A basin whose peak is less than `tau` above the floor is no basin (−1).
 */
export function basins(g: DensityGrid, floor: number, tau: number): Int32Array {
  const { nx, ny, values } = g;
  const parent = new Int32Array(nx * ny).fill(-1);
  const order: number[] = [];
  for (let c = 0; c < values.length; c++) if (values[c] >= floor && values[c] > 0) order.push(c);
  order.sort((a, b) => values[b] - values[a] || a - b);
  const find = (c: number): number => {
    let r = c;
    while (parent[r] !== r) r = parent[r];
    while (parent[c] !== r) {
      const next = parent[c];
      parent[c] = r;
      c = next;
    }
    return r;
  };
  const roots: number[] = [];
  for (const c of order) {
    const i = c % nx;
    const j = (c - i) / nx;
    roots.length = 0;
    for (let dj = -1; dj <= 1; dj++) {
      for (let di = -1; di <= 1; di++) {
        if ((di === 0 && dj === 0) || i + di < 0 || i + di >= nx || j + dj < 0 || j + dj >= ny) continue;
        const o = c + dj * nx + di;
        if (parent[o] < 0) continue;
        const r = find(o);
        if (!roots.includes(r)) roots.push(r);
      }
    }
    if (roots.length === 0) {
      parent[c] = c; // a new peak
      continue;
    }
    let best = roots[0];
    for (const r of roots) if (values[r] > values[best]) best = r;
    parent[c] = best;
    for (const r of roots) if (r !== best && values[r] - values[c] < tau) parent[r] = best;
  }
  // a peak that never rises `tau` above the floor is a ripple of the noise, not a cluster
  const out = new Int32Array(nx * ny).fill(-1);
  for (const c of order) {
    const r = find(c);
    if (values[r] - floor >= tau) out[c] = r;
  }
  return out;
}

/** Clusters of the points of a view (its first two coordinates). */
export function findClusters(coords: Float32Array, n: number, dims: number, params: ClusterParams = {}): FoundClusters {
  const bandwidth = params.bandwidth ?? CLUSTER_DEFAULTS.bandwidth;
  const prominence = params.prominence ?? CLUSTER_DEFAULTS.prominence;
  const noiseShare = params.noise ?? CLUSTER_DEFAULTS.noise;
  const minSize = params.minSize ?? defaultMinSize(n);
  const { xs, ys, rows } = planar(coords, n, dims);
  const grid = densityGrid(xs, ys, bandwidth);
  const basin = basins(grid, noiseShare * grid.max, prominence * grid.max);

  const pointDensity = new Float64Array(n);
  const raw = new Int32Array(n).fill(-1);
  const sizes = new Map<number, number>();
  for (let p = 0; p < rows.length; p++) {
    const row = rows[p];
    pointDensity[row] = densityAt(grid, xs[p], ys[p]);
    const b = basin[nodeOf(grid, xs[p], ys[p])];
    raw[row] = b;
    if (b >= 0) sizes.set(b, (sizes.get(b) ?? 0) + 1);
  }
  // big enough basins become clusters, numbered by size (ties: the higher peak first)
  const kept = [...sizes].filter(([, size]) => size >= minSize).sort((a, b) => b[1] - a[1] || grid.values[b[0]] - grid.values[a[0]]);
  const number = new Map(kept.map(([b], id) => [b, id]));
  const assignment = new Int32Array(n).fill(-1);
  let noise = 0;
  for (let row = 0; row < n; row++) {
    const id = raw[row] >= 0 ? number.get(raw[row]) : undefined;
    if (id === undefined) noise++;
    else assignment[row] = id;
  }
  const clusters = kept.map(([b, size]) => {
    const i = b % grid.nx;
    const j = (b - i) / grid.nx;
    return { size, peak: [grid.x0 + i * grid.cell, grid.y0 + j * grid.cell] as [number, number] };
  });
  return { assignment, clusters, noise, grid, pointDensity, params: { bandwidth, prominence, noise: noiseShare, minSize, kernel: grid.kernel } };
}

/** Contour lines of the view's density around the densest CONTOUR_MASSES of its points. */
export function densityContours(found: FoundClusters, masses = CONTOUR_MASSES): DensityContour[] {
  const finite = found.pointDensity.filter((d) => d > 0);
  return masses.map((mass) => {
    const level = levelForMass(finite, mass);
    return { mass, level, segments: level > 0 ? contourSegments(found.grid, level) : new Float32Array(0) };
  });
}

/** The member of each cluster nearest its peak (a row index per cluster). */
export function representatives(coords: Float32Array, dims: number, found: FoundClusters): Int32Array {
  const best = new Int32Array(found.clusters.length).fill(-1);
  const dist = new Float64Array(found.clusters.length).fill(Infinity);
  found.assignment.forEach((c, row) => {
    if (c < 0) return;
    const [px, py] = found.clusters[c].peak;
    const d = (coords[row * dims] - px) ** 2 + ((dims > 1 ? coords[row * dims + 1] : 0) - py) ** 2;
    if (d < dist[c]) {
      dist[c] = d;
      best[c] = row;
    }
  });
  return best;
}
