// Barnes–Hut pieces of t-SNE's gradient on the calling thread (the path below FFT_MIN_ROWS rows):
// the repulsion summed over a quadtree with the angle criterion, the attraction over P's entries,
// and the KL divergence reported every check. Split from tsne.ts so that the force sums stand apart
// from the descent loop that combines them.
import type { QuadTree } from './quadtree';
import type { SparseP } from './tsne-affinities';

/** KL(P ‖ Q) over P's non-zero entries, with Q normalised by sumQ (sklearn's BH error). */
export function klDivergence(P: SparseP, y: Float64Array, sumQ: number): number {
  let kl = 0;
  for (let i = 0; i < P.n; i++) {
    for (let e = P.rowStart[i]; e < P.rowStart[i + 1]; e++) {
      const j = P.cols[e];
      const dx = y[2 * i] - y[2 * j];
      const dy = y[2 * i + 1] - y[2 * j + 1];
      const q = 1 / (1 + dx * dx + dy * dy) / sumQ;
      const p = P.values[e];
      kl += p * Math.log(Math.max(p, 1e-12) / Math.max(q, 1e-12));
    }
  }
  return kl;
}

/** Scratch space for repulsiveForces, allocated once per run. */
export class RepulsionWorkspace {
  readonly far: Int32Array;
  readonly near: Int32Array;
  readonly groups = new Int32Array(1024);
  readonly stack = new Int32Array(1024);
  constructor(n: number) {
    this.far = new Int32Array(n);
    this.near = new Int32Array(n);
  }
}

/** Cells of at most this many points share one tree walk (1.7× faster than a walk per point). */
const GROUP_SIZE = 16;

/**
 * Repulsive forces Σⱼ qᵢⱼ²(yᵢ − yⱼ) (unnormalised, into rep) and Σᵢⱼ qᵢⱼ (returned). Points are
 * handled in groups (tree cells of ≤ 16 points): one walk per group collects the far cells — those
 * with width² < θ²·d², d measured from the group's bounding box, so the test holds for every point
 * in it — and the near points; then each point of the group sums over both lists.
 */
export function repulsiveForces(tree: QuadTree, y: Float64Array, n: number, theta2: number, rep: Float64Array, ws: RepulsionWorkspace): number {
  const { comX, comY, count, width2, firstChild, childCount, start, order } = tree;
  const { far, near, groups, stack } = ws;
  let sumQ = 0;
  let gTop = 0;
  if (n > 0) groups[gTop++] = 0;
  while (gTop > 0) {
    const g = groups[--gTop];
    if (count[g] > GROUP_SIZE && firstChild[g] >= 0) {
      for (let c = 0; c < childCount[g]; c++) groups[gTop++] = firstChild[g] + c;
      continue;
    }
    const s = start[g];
    const e = s + count[g];
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let p = s; p < e; p++) {
      const i = order[p];
      const px = y[2 * i], py = y[2 * i + 1];
      if (px < x0) x0 = px;
      if (px > x1) x1 = px;
      if (py < y0) y0 = py;
      if (py > y1) y1 = py;
    }
    let nFar = 0;
    let nNear = 0;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top];
      const first = firstChild[node];
      if (first < 0) {
        // a leaf: its points one by one (the group's own points included; self is skipped below)
        const a = start[node];
        const b = a + count[node];
        for (let p = a; p < b; p++) near[nNear++] = order[p];
        continue;
      }
      const cx = comX[node];
      const cy = comY[node];
      const dx = cx < x0 ? x0 - cx : cx > x1 ? cx - x1 : 0;
      const dy = cy < y0 ? y0 - cy : cy > y1 ? cy - y1 : 0;
      if (width2[node] < theta2 * (dx * dx + dy * dy)) far[nFar++] = node;
      else {
        const cc = childCount[node];
        for (let c = 0; c < cc; c++) stack[top++] = first + c;
      }
    }
    for (let p = s; p < e; p++) {
      const i = order[p];
      const yx = y[2 * i];
      const yy = y[2 * i + 1];
      let fx = 0;
      let fy = 0;
      for (let t = 0; t < nFar; t++) {
        const node = far[t];
        const dx = yx - comX[node];
        const dy = yy - comY[node];
        const q = 1 / (1 + dx * dx + dy * dy);
        const c = count[node];
        sumQ += c * q;
        const cq2 = c * q * q;
        fx += cq2 * dx;
        fy += cq2 * dy;
      }
      for (let t = 0; t < nNear; t++) {
        const j = near[t];
        if (j === i) continue;
        const dx = yx - y[2 * j];
        const dy = yy - y[2 * j + 1];
        const q = 1 / (1 + dx * dx + dy * dy);
        sumQ += q;
        const q2 = q * q;
        fx += q2 * dx;
        fy += q2 * dy;
      }
      rep[2 * i] = fx;
      rep[2 * i + 1] = fy;
    }
  }
  return sumQ;
}

/** Attractive forces Σⱼ pᵢⱼ qᵢⱼ (yᵢ − yⱼ) into attr. */
export function attraction(P: SparseP, y: Float64Array, attr: Float64Array): void {
  const { rowStart, cols, values } = P;
  for (let i = 0; i < P.n; i++) {
    const yx = y[2 * i];
    const yy = y[2 * i + 1];
    let fx = 0;
    let fy = 0;
    for (let e = rowStart[i]; e < rowStart[i + 1]; e++) {
      const j = cols[e];
      const dx = yx - y[2 * j];
      const dy = yy - y[2 * j + 1];
      const pq = values[e] / (1 + dx * dx + dy * dy);
      fx += pq * dx;
      fy += pq * dy;
    }
    attr[2 * i] = fx;
    attr[2 * i + 1] = fy;
  }
}
