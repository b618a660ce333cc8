// Pictures for the report, drawn in the engine with no browser: scatter plots as PNG (points
// rasterised into an RGBA buffer, encoded by sharp), image grids as PNG, and line charts (loss
// curves, ROC curves) as inline SVG with axes, ticks and a legend.
import sharp from 'sharp';
import { colorFor } from '../../../shared/palette';

const rgb = (hex: string): [number, number, number] => [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];

export const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The first two coordinates of n points as a square PNG, coloured by label (one colour when null):
 * fitted with a margin keeping the aspect ratio, discs blended over white.
 */
export async function scatterPng(coords: Float32Array, dims: number, labels: Int32Array | null, size = 480): Promise<Buffer> {
  const n = Math.floor(coords.length / dims);
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = coords[i * dims];
    const y = dims > 1 ? coords[i * dims + 1] : 0;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const margin = 12;
  const scale = (size - 2 * margin) / (Math.max(maxX - minX, maxY - minY) || 1);
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const px = new Uint8ClampedArray(size * size * 3).fill(255);
  const r = n > 20_000 ? 1 : n > 2_000 ? 1.6 : 2.6;
  const alpha = n > 20_000 ? 0.55 : 0.8;
  const reach = Math.ceil(r);
  const palette = new Map<number, [number, number, number]>();
  for (let i = 0; i < n; i++) {
    const l = labels ? labels[i] : 0;
    let c = palette.get(l);
    if (!c) palette.set(l, (c = rgb(colorFor(l))));
    const x = size / 2 + (coords[i * dims] - cx) * scale;
    const y = size / 2 - ((dims > 1 ? coords[i * dims + 1] : 0) - cy) * scale;
    for (let yy = Math.floor(y) - reach; yy <= Math.ceil(y) + reach; yy++) {
      if (yy < 0 || yy >= size) continue;
      for (let xx = Math.floor(x) - reach; xx <= Math.ceil(x) + reach; xx++) {
        if (xx < 0 || xx >= size) continue;
        const d = Math.hypot(xx + 0.5 - x, yy + 0.5 - y);
        // anti-aliased edge: full inside r − 0.5, fading to nothing at r + 0.5
        const cover = Math.max(0, Math.min(1, r + 0.5 - d)) * alpha;
        if (cover <= 0) continue;
        const at = (yy * size + xx) * 3;
        for (let k = 0; k < 3; k++) px[at + k] = px[at + k] * (1 - cover) + c[k] * cover;
      }
    }
  }
  return sharp(Buffer.from(px.buffer), { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

/**
 * A grid of images (one row per method, one column per data row): `cells` holds each row's
 * thumbnails (n × h × w × c bytes). A 2 px gap separates the cells.
 */
export async function imageGridPng(rows: Uint8Array[], n: number, h: number, w: number, c: number): Promise<Buffer> {
  const gap = 2;
  const W = n * (w + gap) - gap;
  const H = rows.length * (h + gap) - gap;
  const out = Buffer.alloc(W * H * c, 255);
  rows.forEach((cells, r) => {
    for (let i = 0; i < n; i++) {
      for (let y = 0; y < h; y++) {
        const src = ((i * h + y) * w) * c;
        out.set(cells.subarray(src, src + w * c), ((r * (h + gap) + y) * W + i * (w + gap)) * c);
      }
    }
  });
  return sharp(out, { raw: { width: W, height: H, channels: c as 1 | 3 | 4 } }).png().toBuffer();
}

export interface LineSeries {
  label: string;
  color: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
}

export interface LineChartOptions {
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Fixed axis ranges (e.g. [0, 1] for ROC curves); default the data's range. */
  x?: [number, number];
  y?: [number, number];
  /** A dashed grey diagonal from (x0, y0) to (x1, y1), e.g. chance on a ROC chart. */
  diagonal?: boolean;
  title?: string;
  /** x counts something whole (epochs): ticks on whole numbers only. */
  xWhole?: boolean;
}

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) out.push(Number((i * step).toPrecision(12)) + 0);
  return out;
}

const tickText = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(Number(v.toPrecision(4))));

/** A line chart as a standalone SVG element: axes with ticks, one polyline per series, a legend below. */
export function lineChartSvg(series: LineSeries[], o: LineChartOptions): string {
  const width = o.width ?? 640;
  const legendRows = Math.ceil(series.length / 3);
  const plotH = o.height ?? 300;
  const m = { left: 64, right: 16, top: o.title ? 28 : 12, bottom: 44 + legendRows * 18 };
  const height = plotH + m.top + m.bottom;
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const [x0, x1] = o.x ?? [Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x))];
  let [y0, y1] = o.y ?? [Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y))];
  if (!o.y && y1 > y0) {
    const pad = (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
  }
  const plotW = width - m.left - m.right;
  const sx = (x: number) => m.left + (x1 > x0 ? ((x - x0) / (x1 - x0)) * plotW : plotW / 2);
  const sy = (y: number) => m.top + (y1 > y0 ? (1 - (y - y0) / (y1 - y0)) * plotH : plotH / 2);
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="${escapeXml(o.title ?? `${o.yLabel} by ${o.xLabel}`)}">`);
  if (o.title) parts.push(`<text x="${m.left}" y="16" font-size="13" font-weight="600" fill="#1b1f29">${escapeXml(o.title)}</text>`);
  // grid and ticks
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e4e7ec"/>`);
    parts.push(`<text x="${m.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end" fill="#667085">${tickText(t)}</text>`);
  }
  const xTicks = o.xWhole ? niceTicks(x0, x1).filter(Number.isInteger) : niceTicks(x0, x1);
  for (const t of xTicks.length >= 2 || !o.xWhole ? xTicks : [...new Set([x0, x1])]) {
    parts.push(`<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${m.top + plotH}" y2="${m.top + plotH + 4}" stroke="#667085"/>`);
    parts.push(`<text x="${f(sx(t))}" y="${m.top + plotH + 16}" text-anchor="middle" fill="#667085">${tickText(t)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#cbd0d8"/>`);
  parts.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH + 32}" text-anchor="middle" fill="#1b1f29">${escapeXml(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#1b1f29">${escapeXml(o.yLabel)}</text>`);
  if (o.diagonal) parts.push(`<line x1="${f(sx(x0))}" y1="${f(sy(y0))}" x2="${f(sx(x1))}" y2="${f(sy(y1))}" stroke="#b0b6c0" stroke-dasharray="5 4"/>`);
  for (const s of series) {
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p) => `${f(sx(p.x))},${f(sy(p.y))}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts}"><title>${escapeXml(s.label)}</title></polyline>`);
    if (s.points.length <= 60) for (const p of s.points) if (Number.isFinite(p.y)) parts.push(`<circle cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="2.5" fill="${s.color}"/>`);
  }
  // legend: three entries a row
  series.forEach((s, i) => {
    const lx = m.left + (i % 3) * (plotW / 3);
    const ly = m.top + plotH + 50 + Math.floor(i / 3) * 18;
    parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${lx + 28}" y="${ly}" fill="#1b1f29">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
