// The density of a 2-D view: a Gaussian kernel density estimate on a regular grid (points spread
// onto the grid's nodes, then a separable blur), the density at each point, and contour lines of
// it (marching squares) around given shares of the points. Clusters (clusters.ts) and the density
// contours drawn over a view come from the same grid.

export interface DensityGrid {
  /** Nodes across and up. */
  nx: number;
  ny: number;
  /** The view coordinates of node (0, 0) and the distance between nodes (the same on both axes). */
  x0: number;
  y0: number;
  cell: number;
  /** Density per unit area at each node, row by row from the bottom (index j·nx + i); integrates to 1. */
  values: Float64Array;
  /** The kernel's standard deviation in view units. */
  kernel: number;
  max: number;
}

/** Nodes per kernel standard deviation: fine enough that a kernel spans several nodes. */
const NODES_PER_SIGMA = 3;
const MAX_SIDE = 320;

/** Robust spread of one coordinate: min(SD, IQR / 1.349), as Silverman's rule takes it. */
function spread(values: Float64Array): number {
  const n = values.length;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const sd = Math.sqrt(ss / Math.max(1, n - 1));
  const sorted = Float64Array.from(values).sort();
  const iqr = sorted[Math.floor(0.75 * (n - 1))] - sorted[Math.floor(0.25 * (n - 1))];
  return iqr > 0 ? Math.min(sd, iqr / 1.349) : sd;
}

/** The first two coordinates of each finite row, and which rows those are. */
export function planar(coords: Float32Array, n: number, dims: number): { xs: Float64Array; ys: Float64Array; rows: Int32Array } {
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = coords[i * dims];
    const y = dims > 1 ? coords[i * dims + 1] : 0;
    if (Number.isFinite(x) && Number.isFinite(y)) rows.push(i);
  }
  return {
    xs: Float64Array.from(rows, (i) => coords[i * dims]),
    ys: Float64Array.from(rows, (i) => (dims > 1 ? coords[i * dims + 1] : 0)),
    rows: Int32Array.from(rows),
  };
}

/** Separable Gaussian blur of a grid (σ in nodes), in place; values past the edge count as zero. */
function blur(values: Float64Array, nx: number, ny: number, sigma: number): void {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const w = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let t = -r; t <= r; t++) sum += w[t + r] = Math.exp(-(t * t) / (2 * sigma * sigma));
  for (let t = 0; t < w.length; t++) w[t] /= sum;
  const line = new Float64Array(Math.max(nx, ny));
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) line[i] = values[j * nx + i];
    for (let i = 0; i < nx; i++) {
      let s = 0;
      for (let t = Math.max(-r, -i); t <= Math.min(r, nx - 1 - i); t++) s += w[t + r] * line[i + t];
      values[j * nx + i] = s;
    }
  }
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) line[j] = values[j * nx + i];
    for (let j = 0; j < ny; j++) {
      let s = 0;
      for (let t = Math.max(-r, -j); t <= Math.min(r, ny - 1 - j); t++) s += w[t + r] * line[j + t];
      values[j * nx + i] = s;
    }
  }
}

/**
 * Kernel density of points (xs[i], ys[i]) with an isotropic Gaussian kernel of Scott's width
 * (n^(−1/6) times the mean robust spread of the two axes) times `bandwidth`.
 */
export function densityGrid(xs: Float64Array, ys: Float64Array, bandwidth = 1): DensityGrid {
  const n = xs.length;
  if (n === 0) return { nx: 1, ny: 1, x0: 0, y0: 0, cell: 1, values: new Float64Array(1), kernel: 1, max: 0 };
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, xs[i]);
    maxX = Math.max(maxX, xs[i]);
    minY = Math.min(minY, ys[i]);
    maxY = Math.max(maxY, ys[i]);
  }
  const scale = (spread(xs) + spread(ys)) / 2 || Math.max(maxX - minX, maxY - minY) / 4 || 1;
  const kernel = bandwidth * scale * n ** (-1 / 6);
  const pad = 3 * kernel;
  const widest = Math.max(maxX - minX, maxY - minY) + 2 * pad;
  const cell = Math.max(kernel / NODES_PER_SIGMA, widest / (MAX_SIDE - 1));
  const x0 = minX - pad;
  const y0 = minY - pad;
  const nx = Math.ceil((maxX - minX + 2 * pad) / cell) + 2;
  const ny = Math.ceil((maxY - minY + 2 * pad) / cell) + 2;
  const values = new Float64Array(nx * ny);
  // each point spread over its four nearest nodes (bilinear weights)
  for (let p = 0; p < n; p++) {
    const gx = (xs[p] - x0) / cell;
    const gy = (ys[p] - y0) / cell;
    const i = Math.min(nx - 2, Math.floor(gx));
    const j = Math.min(ny - 2, Math.floor(gy));
    const fx = gx - i;
    const fy = gy - j;
    values[j * nx + i] += (1 - fx) * (1 - fy);
    values[j * nx + i + 1] += fx * (1 - fy);
    values[(j + 1) * nx + i] += (1 - fx) * fy;
    values[(j + 1) * nx + i + 1] += fx * fy;
  }
  blur(values, nx, ny, kernel / cell);
  const norm = 1 / (n * cell * cell);
  let max = 0;
  for (let c = 0; c < values.length; c++) {
    values[c] *= norm;
    if (values[c] > max) max = values[c];
  }
  return { nx, ny, x0, y0, cell, values, kernel, max };
}

/** The node nearest a point. */
export function nodeOf(g: DensityGrid, x: number, y: number): number {
  const i = Math.max(0, Math.min(g.nx - 1, Math.round((x - g.x0) / g.cell)));
  const j = Math.max(0, Math.min(g.ny - 1, Math.round((y - g.y0) / g.cell)));
  return j * g.nx + i;
}

/** The density at a point (bilinear between the four nodes around it). */
export function densityAt(g: DensityGrid, x: number, y: number): number {
  const gx = Math.max(0, Math.min(g.nx - 1.000001, (x - g.x0) / g.cell));
  const gy = Math.max(0, Math.min(g.ny - 1.000001, (y - g.y0) / g.cell));
  const i = Math.floor(gx);
  const j = Math.floor(gy);
  const fx = gx - i;
  const fy = gy - j;
  const v = g.values;
  const at = j * g.nx + i;
  return (1 - fx) * (1 - fy) * v[at] + fx * (1 - fy) * v[at + 1] + (1 - fx) * fy * v[at + g.nx] + fx * fy * v[at + g.nx + 1];
}

/** Which edges each marching-squares case joins (edges: 0 top, 1 right, 2 bottom, 3 left). */
const CASES: number[][] = [
  [], [3, 2], [2, 1], [3, 1], [0, 1], [], [0, 2], [3, 0],
  [3, 0], [0, 2], [], [0, 1], [3, 1], [2, 1], [3, 2], [],
];

/** Contour segments of the grid at one level, in view coordinates (x0 y0 x1 y1 …). */
export function contourSegments(g: DensityGrid, level: number): Float32Array {
  const { nx, ny, values: v, x0, y0, cell } = g;
  const out: number[] = [];
  const cross = (a: number, b: number) => (a === b ? 0.5 : (level - a) / (b - a));
  for (let j = 0; j < ny - 1; j++) {
    for (let i = 0; i < nx - 1; i++) {
      const bl = v[j * nx + i];
      const br = v[j * nx + i + 1];
      const tl = v[(j + 1) * nx + i];
      const tr = v[(j + 1) * nx + i + 1];
      const code = (tl >= level ? 8 : 0) | (tr >= level ? 4 : 0) | (br >= level ? 2 : 0) | (bl >= level ? 1 : 0);
      if (code === 0 || code === 15) continue;
      // where the line crosses each edge, in node units
      const edge = (e: number): [number, number] => {
        switch (e) {
          case 0: return [i + cross(tl, tr), j + 1];
          case 1: return [i + 1, j + cross(br, tr)];
          case 2: return [i + cross(bl, br), j];
          default: return [i, j + cross(bl, tl)];
        }
      };
      let pairs: number[];
      if (code === 5 || code === 10) {
        // a saddle: the centre decides which corners the line keeps together
        const high = (bl + br + tl + tr) / 4 >= level;
        pairs = (code === 5) === high ? [3, 0, 2, 1] : [3, 2, 0, 1];
      } else {
        pairs = CASES[code];
      }
      for (let p = 0; p < pairs.length; p += 2) {
        const [ax, ay] = edge(pairs[p]);
        const [bx, by] = edge(pairs[p + 1]);
        out.push(x0 + ax * cell, y0 + ay * cell, x0 + bx * cell, y0 + by * cell);
      }
    }
  }
  return Float32Array.from(out);
}

/** The density level whose line encloses `mass` of the points (their densities, any order). */
export function levelForMass(pointDensity: Float64Array, mass: number): number {
  if (pointDensity.length === 0) return 0;
  const sorted = Float64Array.from(pointDensity).sort().reverse();
  const at = Math.max(0, Math.min(sorted.length - 1, Math.ceil(mass * sorted.length) - 1));
  return sorted[at];
}
