// Exact k nearest neighbours among 2-D points through a uniform grid: a query visits rings of
// cells outward from its own and stops once no unvisited cell can hold anything nearer than its
// current k-th neighbour. The distances are computed exactly as the brute-force loop computes them
// (float32 of u² + v² in doubles) and ties go to the lower index, so the neighbours are the same,
// to the bit, as a full scan's — at a few dozen distances per query instead of n.

/** Relative slack when deciding that a ring cannot hold a nearer point (float32 rounding of u² + v²). */
const SLACK = 1e-5;

export class PlaneGrid {
  private readonly x0: number;
  private readonly y0: number;
  private readonly inv: number;
  private readonly size: number;
  private readonly gx: number;
  private readonly gy: number;
  /** Point indices ordered by cell (and by index within a cell). */
  private readonly order: Int32Array;
  /** Coordinates in `order`'s order: x, y interleaved. */
  private readonly xy: Float64Array;
  /** cellStart[c]..cellStart[c + 1] is cell c's range in `order`. */
  private readonly cellStart: Int32Array;

  /** null when some coordinate is not finite (the caller falls back to a full scan). */
  static build(coords: Float32Array, n: number, perCell = 3): PlaneGrid | null {
    for (let i = 0; i < 2 * n; i++) if (!Number.isFinite(coords[i])) return null;
    return n > 0 ? new PlaneGrid(coords, n, perCell) : null;
  }

  private constructor(readonly coords: Float32Array, readonly n: number, perCell: number) {
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = coords[2 * i];
      const y = coords[2 * i + 1];
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    const w = Math.max(x1 - x0, y1 - y0, 1e-30);
    // square cells, about perCell points each if the points filled the bounding box
    const area = Math.max(x1 - x0, w * 1e-3) * Math.max(y1 - y0, w * 1e-3);
    this.size = Math.sqrt((area * perCell) / n) || w;
    this.gx = Math.min(4096, Math.max(1, Math.ceil((x1 - x0) / this.size) + 1));
    this.gy = Math.min(4096, Math.max(1, Math.ceil((y1 - y0) / this.size) + 1));
    this.size = Math.max(this.size, (x1 - x0) / (this.gx - 0.5), (y1 - y0) / (this.gy - 0.5));
    this.inv = 1 / this.size;
    this.x0 = x0;
    this.y0 = y0;
    const cellOf = new Int32Array(n);
    const counts = new Int32Array(this.gx * this.gy + 1);
    for (let i = 0; i < n; i++) {
      const c = this.cy(coords[2 * i + 1]) * this.gx + this.cx(coords[2 * i]);
      cellOf[i] = c;
      counts[c + 1]++;
    }
    for (let c = 0; c < this.gx * this.gy; c++) counts[c + 1] += counts[c];
    this.cellStart = counts.slice();
    this.order = new Int32Array(n);
    this.xy = new Float64Array(2 * n);
    const fill = counts; // reused as the write cursor per cell
    for (let i = 0; i < n; i++) {
      const p = fill[cellOf[i]]++;
      this.order[p] = i;
      this.xy[2 * p] = coords[2 * i];
      this.xy[2 * p + 1] = coords[2 * i + 1];
    }
  }

  private cx(x: number): number {
    const c = Math.floor((x - this.x0) * this.inv);
    return c < 0 ? 0 : c >= this.gx ? this.gx - 1 : c;
  }

  private cy(y: number): number {
    const c = Math.floor((y - this.y0) * this.inv);
    return c < 0 ? 0 : c >= this.gy ? this.gy - 1 : c;
  }

  /**
   * The k nearest points to (qx, qy), skipping index `skip`, nearest first (ties: lower index),
   * written into idx/dist at `at`; squared distances as float32. Returns how many were found.
   */
  knn(qx: number, qy: number, k: number, skip: number, idx: Int32Array, dist: Float32Array, at: number): number {
    const { gx, gy, order, xy, cellStart } = this;
    const cx = this.cx(qx);
    const cy = this.cy(qy);
    let filled = 0;
    for (let r = 0; ; r++) {
      const xa = cx - r, xb = cx + r, ya = cy - r, yb = cy + r;
      for (let y = Math.max(0, ya); y <= Math.min(gy - 1, yb); y++) {
        const edgeRow = y === ya || y === yb;
        const step = edgeRow ? 1 : xb - xa;
        for (let x = edgeRow ? Math.max(0, xa) : xa; x <= Math.min(gx - 1, xb); x += step) {
          if (x < 0) continue;
          const c = y * gx + x;
          for (let p = cellStart[c], end = cellStart[c + 1]; p < end; p++) {
            const j = order[p];
            if (j === skip) continue;
            const u = qx - xy[2 * p];
            const v = qy - xy[2 * p + 1];
            const d2 = Math.fround(u * u + v * v);
            if (filled === k) {
              const last = dist[at + k - 1];
              if (d2 > last || (d2 === last && j > idx[at + k - 1])) continue;
            }
            let q = filled < k ? filled++ : k - 1;
            while (q > 0) {
              const prev = dist[at + q - 1];
              if (d2 < prev || (d2 === prev && j < idx[at + q - 1])) {
                dist[at + q] = prev;
                idx[at + q] = idx[at + q - 1];
                q--;
              } else break;
            }
            dist[at + q] = d2;
            idx[at + q] = j;
          }
        }
      }
      // every cell is visited: done
      if (xa <= 0 && ya <= 0 && xb >= gx - 1 && yb >= gy - 1) return filled;
      if (filled < k) continue;
      // nearest point any unvisited cell can hold: beyond the block's sides that are not the grid's edge
      // (less a hair for cell assignment's rounding)
      let reach = Infinity;
      if (xa > 0) reach = Math.min(reach, qx - (this.x0 + xa * this.size));
      if (xb < gx - 1) reach = Math.min(reach, this.x0 + (xb + 1) * this.size - qx);
      if (ya > 0) reach = Math.min(reach, qy - (this.y0 + ya * this.size));
      if (yb < gy - 1) reach = Math.min(reach, this.y0 + (yb + 1) * this.size - qy);
      reach -= this.size * 1e-9;
      if (reach > 0 && reach * reach * (1 - SLACK) > dist[at + k - 1]) return filled;
    }
  }
}
