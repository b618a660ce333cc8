// The per-row sums behind trustworthiness, continuity and the silhouette, computed in as few passes
// over the distances as possible. For each row: its k data neighbours (one scan of its data-distance
// row), its k neighbours in each view (a grid for 2-D views, else a scan), then the ranks of the
// neighbours one space has and the other lacks — all of a row's ranks in one pass that most
// distances leave after a single comparison — fused, for 2-D views, with the silhouette's sums so
// the view's distances are computed once and never stored. Values are the plain definitions' to
// the bit (same float32 distances, same tie order, same summation order).
import { PlaneGrid } from './plane-grid';
import { GRID_MIN_ROWS, smallestK, SquaredDistances } from './neighbours';

interface Space {
  coords: Float32Array;
  dims: number;
}

export interface RowSums {
  /** Σ over rows of the trustworthiness penalty Σ(rank in data − k), per embedding. */
  trust: Float64Array;
  /** The same with the spaces swapped (continuity). */
  cont: Float64Array;
  /** Σ of per-row silhouettes over labelled rows, per embedding. */
  silhouette: Float64Array;
  labelledRows: number;
  withSilhouette: boolean;
}

/** The targets of one row: the indices of `a` (k at `at`) missing from `b`, into tj; returns how many. */
function missing(a: Int32Array, b: Int32Array, at: number, k: number, tj: Int32Array): number {
  let m = 0;
  for (let t = 0; t < k; t++) {
    const j = a[at + t];
    let shared = false;
    for (let u = 0; u < k; u++) if (b[at + u] === j) { shared = true; break; }
    if (!shared) tj[m++] = j;
  }
  return m;
}

/**
 * Targets: (value, index) pairs whose ranks in one row are wanted, kept sorted by value then index,
 * with the owner (view) of each. A value x at index l ranks below target t when (x, l) < (v_t, j_t);
 * one pass drops each value into the slot after the last target it does not rank below, and a
 * running sum of the slots gives every target's count.
 */
class Targets {
  readonly v: Float64Array;
  readonly j: Int32Array;
  readonly owner: Int32Array;
  private readonly slots: Int32Array;
  m = 0;

  constructor(capacity: number) {
    this.v = new Float64Array(capacity);
    this.j = new Int32Array(capacity);
    this.owner = new Int32Array(capacity);
    this.slots = new Int32Array(capacity + 1);
  }

  /** Inserts in order (capacity is small: ≤ views × k). */
  add(v: number, j: number, owner: number): void {
    let p = this.m++;
    while (p > 0 && (this.v[p - 1] > v || (this.v[p - 1] === v && this.j[p - 1] > j))) {
      this.v[p] = this.v[p - 1];
      this.j[p] = this.j[p - 1];
      this.owner[p] = this.owner[p - 1];
      p--;
    }
    this.v[p] = v;
    this.j[p] = j;
    this.owner[p] = owner;
  }

  get max(): number {
    return this.m ? this.v[this.m - 1] : -Infinity;
  }

  begin(): void {
    this.slots.fill(0, 0, this.m + 1);
  }

  /** Counts value x at index l (the caller has checked x ≤ max). */
  see(x: number, l: number): void {
    const { v, j } = this;
    let lo = 0;
    let hi = this.m;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const vm = v[mid];
      if (vm < x || (vm === x && j[mid] <= l)) lo = mid + 1;
      else hi = mid;
    }
    this.slots[lo]++;
  }

  /** Adds Σ(rank − k) of each owner's targets to sums[owner]. */
  penalties(k: number, sums: Float64Array): void {
    let below = 0;
    for (let t = 0; t < this.m; t++) {
      below += this.slots[t];
      sums[this.owner[t]] += 1 + below - k;
    }
  }
}

/** Ranks the targets in row[off..off+n) (self left out) and adds their penalties to sums. */
function rankRow(row: Float32Array, off: number, n: number, self: number, targets: Targets, k: number, sums: Float64Array): void {
  if (targets.m === 0) return;
  const vmax = targets.max;
  targets.begin();
  for (let l = 0; l < n; l++) {
    const x = row[off + l];
    if (x > vmax || l === self) continue;
    targets.see(x, l);
  }
  targets.penalties(k, sums);
}

/** Silhouette of point `self` from the per-label sums of its distances (sklearn's definition). */
function silhouetteFrom(own: number, sizes: Int32Array, sums: Float64Array): number {
  const a = sums[own] / (sizes[own] - 1);
  let b = Infinity;
  for (let c = 0; c < sizes.length; c++) if (c !== own && sizes[c] > 0) b = Math.min(b, sums[c] / sizes[c]);
  const mx = Math.max(a, b);
  return mx > 0 ? (b - a) / mx : 0;
}

/** Labels and the per-label scratch the silhouette needs. */
interface Labelling {
  labels: Int32Array;
  sizes: Int32Array;
  sums: Float64Array;
}

/**
 * For a row of a stored distance block: the continuity penalties of the targets into cont[e] and,
 * when `lab` is given, the row's silhouette (in the same pass), returned.
 */
function storedRowPass(
  row: Float32Array, off: number, n: number, self: number, targets: Targets, k: number, cont: Float64Array,
  lab: Labelling | null,
): number {
  const own = lab ? lab.labels[self] : -1;
  if (!lab || own < 0 || lab.sizes[own] <= 1) {
    rankRow(row, off, n, self, targets, k, cont);
    return 0; // sklearn: a point alone in its cluster scores 0
  }
  const { labels, sums } = lab;
  sums.fill(0);
  const vmax = targets.max;
  targets.begin();
  for (let l = 0; l < n; l++) {
    if (l === self) continue;
    const x = row[off + l];
    const c = labels[l];
    if (c >= 0) sums[c] += Math.sqrt(x);
    if (x <= vmax) targets.see(x, l);
  }
  targets.penalties(k, cont);
  return silhouetteFrom(own, lab.sizes, sums);
}

/**
 * The same for a 2-D view whose distances are not stored: computed once here, exactly as the
 * distance block would hold them (float32 of u² + v²).
 */
function planeRowPass(
  xy: Float32Array, n: number, self: number, targets: Targets, k: number, cont: Float64Array, lab: Labelling | null,
): number {
  const qx = xy[2 * self];
  const qy = xy[2 * self + 1];
  const own = lab ? lab.labels[self] : -1;
  const silhouette = lab !== null && own >= 0 && lab.sizes[own] > 1;
  if (!silhouette && targets.m === 0) return 0;
  const vmax = targets.max;
  targets.begin();
  if (silhouette) {
    const { labels, sums } = lab;
    sums.fill(0);
    for (let l = 0; l < n; l++) {
      if (l === self) continue;
      const u = qx - xy[2 * l];
      const v = qy - xy[2 * l + 1];
      const x = Math.fround(u * u + v * v);
      const c = labels[l];
      if (c >= 0) sums[c] += Math.sqrt(x);
      if (x <= vmax) targets.see(x, l);
    }
  } else {
    for (let l = 0; l < n; l++) {
      if (l === self) continue;
      const u = qx - xy[2 * l];
      const v = qy - xy[2 * l + 1];
      const x = Math.fround(u * u + v * v);
      if (x <= vmax) targets.see(x, l);
    }
  }
  targets.penalties(k, cont);
  return silhouette ? silhouetteFrom(own, lab!.sizes, lab!.sums) : 0;
}

/** Row sums of trustworthiness, continuity and silhouette for each embedding (n rows, k neighbours). */
export async function rowScores(
  data: Space, n: number, embeddings: Space[], labels: Int32Array | null, k: number,
  onBlock?: (f: number) => Promise<void>,
): Promise<RowSums> {
  const E = embeddings.length;
  const trust = new Float64Array(E);
  const cont = new Float64Array(E);
  const silhouette = new Float64Array(E);
  let classes = 0;
  if (labels) for (let i = 0; i < n; i++) classes = Math.max(classes, labels[i] + 1);
  const sizes = new Int32Array(classes);
  if (labels) for (let i = 0; i < n; i++) if (labels[i] >= 0) sizes[labels[i]]++;
  const labelledRows = sizes.reduce((s, c) => s + c, 0);
  const withSilhouette = labels !== null && sizes.filter((c) => c > 0).length >= 2;
  const lab: Labelling | null = withSilhouette ? { labels: labels!, sizes, sums: new Float64Array(classes) } : null;

  const grids = embeddings.map((e) => (e.dims === 2 && n >= GRID_MIN_ROWS ? PlaneGrid.build(e.coords, n) : null));
  const dataSource = new SquaredDistances(data.coords, n, data.dims);
  const embSources = embeddings.map((e, i) => (grids[i] ? null : new SquaredDistances(e.coords, n, e.dims)));
  try {
    const step = Math.min(dataSource.blockRows, 2048);
    const dataIdx = new Int32Array(step * k);
    const dataDist = new Float32Array(step * k);
    const embIdx = embeddings.map(() => new Int32Array(step * k));
    const embDist = new Float32Array(step * k);
    const tj = new Int32Array(k);
    const all = new Targets(E * k);
    const one = new Targets(k);
    for (let start = 0; start < n; start += step) {
      const rows = Math.min(step, n - start);
      const dBlock = dataSource.block(data.coords.subarray(start * data.dims, (start + rows) * data.dims), rows);
      for (let i = 0; i < rows; i++) smallestK(dBlock, i * n, n, k, start + i, dataIdx, dataDist, i * k);
      const eBlocks = embeddings.map(({ coords, dims }, e) => {
        const grid = grids[e];
        if (grid) {
          for (let i = 0; i < rows; i++) grid.knn(coords[2 * (start + i)], coords[2 * (start + i) + 1], k, start + i, embIdx[e], embDist, i * k);
          return null;
        }
        const block = embSources[e]!.block(coords.subarray(start * dims, (start + rows) * dims), rows);
        for (let i = 0; i < rows; i++) smallestK(block, i * n, n, k, start + i, embIdx[e], embDist, i * k);
        return block;
      });
      for (let i = 0; i < rows; i++) {
        const self = start + i;
        const at = i * k;
        // trustworthiness: each view's neighbours the data lacks, ranked in the data (one pass for all views)
        all.m = 0;
        for (let e = 0; e < E; e++) {
          const m = missing(embIdx[e], dataIdx, at, k, tj);
          for (let t = 0; t < m; t++) all.add(dBlock[i * n + tj[t]], tj[t], e);
        }
        rankRow(dBlock, i * n, n, self, all, k, trust);
        // continuity: the data's neighbours a view lacks, ranked in the view (with the silhouette)
        const rowLab = lab && labels![self] >= 0 ? lab : null;
        for (let e = 0; e < E; e++) {
          const m = missing(dataIdx, embIdx[e], at, k, tj);
          one.m = 0;
          const eBlock = eBlocks[e];
          const xy = embeddings[e].coords;
          for (let t = 0; t < m; t++) {
            const j = tj[t];
            let v: number;
            if (eBlock) v = eBlock[i * n + j];
            else {
              const u = xy[2 * self] - xy[2 * j];
              const w = xy[2 * self + 1] - xy[2 * j + 1];
              v = Math.fround(u * u + w * w);
            }
            one.add(v, j, e);
          }
          silhouette[e] += eBlock
            ? storedRowPass(eBlock, i * n, n, self, one, k, cont, rowLab)
            : planeRowPass(xy, n, self, one, k, cont, rowLab);
        }
      }
      await onBlock?.((start + rows) / n);
    }
  } finally {
    dataSource.dispose();
    for (const s of embSources) s?.dispose();
  }
  return { trust, cont, silhouette, labelledRows, withSilhouette };
}
