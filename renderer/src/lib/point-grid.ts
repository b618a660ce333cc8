// A uniform grid over plot space for fast "which point is under the mouse" queries.
import type { PlotPoint } from './scatter-gl';

export class PointGrid {
  private readonly cells: Int32Array;
  private readonly starts: Int32Array;
  private readonly size: number;

  constructor(private readonly positions: Float32Array, size = 256) {
    this.size = size;
    const n = positions.length / 2;
    const cellOf = new Int32Array(n);
    const counts = new Int32Array(size * size + 1);
    for (let i = 0; i < n; i++) {
      cellOf[i] = this.cell(positions[2 * i], positions[2 * i + 1]);
      counts[cellOf[i] + 1]++;
    }
    for (let c = 1; c < counts.length; c++) counts[c] += counts[c - 1];
    this.starts = counts;
    this.cells = new Int32Array(n);
    const fill = counts.slice(0, size * size);
    for (let i = 0; i < n; i++) this.cells[fill[cellOf[i]]++] = i;
  }

  private clampIndex(v: number): number {
    return Math.max(0, Math.min(this.size - 1, Math.floor(((v + 1) / 2) * this.size)));
  }

  private cell(x: number, y: number): number {
    return this.clampIndex(y) * this.size + this.clampIndex(x);
  }

  /** Index of the nearest point within `radius` (plot units) of p, or -1. */
  nearest([x, y]: PlotPoint, radius: number): number {
    const x0 = this.clampIndex(x - radius), x1 = this.clampIndex(x + radius);
    const y0 = this.clampIndex(y - radius), y1 = this.clampIndex(y + radius);
    let best = -1;
    let bestD = radius * radius;
    for (let cy = y0; cy <= y1; cy++) {
      for (let cx = x0; cx <= x1; cx++) {
        const c = cy * this.size + cx;
        for (let k = this.starts[c]; k < this.starts[c + 1]; k++) {
          const i = this.cells[k];
          const dx = this.positions[2 * i] - x;
          const dy = this.positions[2 * i + 1] - y;
          const d = dx * dx + dy * dy;
          if (d <= bestD) {
            bestD = d;
            best = i;
          }
        }
      }
    }
    return best;
  }
}

/** Indices of points inside a polygon (even–odd rule), polygon in plot space. */
export function pointsInPolygon(positions: Float32Array, polygon: PlotPoint[]): Int32Array {
  if (polygon.length < 3) return new Int32Array(0);
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const [x, y] of polygon) {
    minX = Math.min(minX, x); maxX = Math.max(maxX, x);
    minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  const out: number[] = [];
  const n = positions.length / 2;
  for (let i = 0; i < n; i++) {
    const px = positions[2 * i], py = positions[2 * i + 1];
    if (px < minX || px > maxX || py < minY || py > maxY) continue;
    let inside = false;
    for (let a = 0, b = polygon.length - 1; a < polygon.length; b = a++) {
      const [ax, ay] = polygon[a];
      const [bx, by] = polygon[b];
      if (ay > py !== by > py && px < ((bx - ax) * (py - ay)) / (by - ay) + ax) inside = !inside;
    }
    if (inside) out.push(i);
  }
  return Int32Array.from(out);
}
