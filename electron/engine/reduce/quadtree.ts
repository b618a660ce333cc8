// A point quadtree over a 2-D layout for Barnes–Hut sums: every cell knows its centre of mass and
// count, so a far cell stands in for all its points. Rebuilt from scratch each t-SNE iteration
// into flat typed arrays that are reused between builds (no per-node objects, no garbage).

/** Points per leaf: leaves are summed point by point, so a few per leaf saves nodes and hops. */
const LEAF_SIZE = 4;
const MAX_DEPTH = 40;

export class QuadTree {
  /** Per node: centre of mass, count, squared full cell width, first child, child count. */
  comX = new Float64Array(0);
  comY = new Float64Array(0);
  count = new Int32Array(0);
  width2 = new Float64Array(0);
  firstChild = new Int32Array(0);
  childCount = new Uint8Array(0);
  /** Leaves: their points are order[start .. start + count). */
  start = new Int32Array(0);
  /** Point indices grouped by cell. */
  order = new Int32Array(0);
  nodes = 0;

  private scratch = new Int32Array(0);
  private quadrant = new Uint8Array(0);

  private reserve(nodes: number): void {
    if (nodes <= this.comX.length) return;
    const cap = Math.max(nodes, Math.ceil(this.comX.length * 1.5));
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.comX = grow(this.comX, (c) => new Float64Array(c));
    this.comY = grow(this.comY, (c) => new Float64Array(c));
    this.count = grow(this.count, (c) => new Int32Array(c));
    this.width2 = grow(this.width2, (c) => new Float64Array(c));
    this.firstChild = grow(this.firstChild, (c) => new Int32Array(c));
    this.childCount = grow(this.childCount, (c) => new Uint8Array(c));
    this.start = grow(this.start, (c) => new Int32Array(c));
  }

  /** Builds the tree over y (n×2, row-major). */
  build(y: Float32Array | Float64Array, n: number): void {
    if (this.order.length < n) {
      this.order = new Int32Array(n);
      this.scratch = new Int32Array(n);
      this.quadrant = new Uint8Array(n);
    }
    this.reserve(Math.max(16, Math.ceil(n / 2)));
    const order = this.order;
    for (let i = 0; i < n; i++) order[i] = i;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const px = y[2 * i], py = y[2 * i + 1];
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
    const half = Math.max(maxX - minX, maxY - minY) / 2 + 1e-5;
    this.nodes = 1;
    // work stack of (node, lo, hi, centreX, centreY, halfWidth, depth)
    const stack: number[] = [0, 0, n, (minX + maxX) / 2, (minY + maxY) / 2, half, 0];
    while (stack.length) {
      const depth = stack.pop()!;
      const h = stack.pop()!;
      const cy = stack.pop()!;
      const cx = stack.pop()!;
      const hi = stack.pop()!;
      const lo = stack.pop()!;
      const node = stack.pop()!;
      let sx = 0, sy = 0;
      for (let p = lo; p < hi; p++) {
        sx += y[2 * order[p]];
        sy += y[2 * order[p] + 1];
      }
      const cnt = hi - lo;
      this.comX[node] = sx / cnt;
      this.comY[node] = sy / cnt;
      this.count[node] = cnt;
      this.width2[node] = 4 * h * h;
      this.start[node] = lo;
      if (cnt <= LEAF_SIZE || depth >= MAX_DEPTH) {
        this.firstChild[node] = -1;
        this.childCount[node] = 0;
        continue;
      }
      // counting sort of the points by quadrant (bit 0: right, bit 1: top)
      const sizes = [0, 0, 0, 0];
      for (let p = lo; p < hi; p++) {
        const i = order[p];
        const q = (y[2 * i] >= cx ? 1 : 0) | (y[2 * i + 1] >= cy ? 2 : 0);
        this.quadrant[p] = q;
        sizes[q]++;
      }
      const offsets = [lo, lo + sizes[0], lo + sizes[0] + sizes[1], lo + sizes[0] + sizes[1] + sizes[2]];
      const cursor = offsets.slice();
      for (let p = lo; p < hi; p++) this.scratch[cursor[this.quadrant[p]]++] = order[p];
      order.set(this.scratch.subarray(lo, hi), lo);
      let children = 0;
      for (let q = 0; q < 4; q++) if (sizes[q] > 0) children++;
      this.reserve(this.nodes + children);
      this.firstChild[node] = this.nodes;
      this.childCount[node] = children;
      const h2 = h / 2;
      for (let q = 0; q < 4; q++) {
        if (sizes[q] === 0) continue;
        const child = this.nodes++;
        stack.push(child, offsets[q], offsets[q] + sizes[q], cx + (q & 1 ? h2 : -h2), cy + (q & 2 ? h2 : -h2), h2, depth + 1);
      }
    }
  }
}
