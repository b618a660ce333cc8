// A chart.js chart as a file: PNG at twice the screen resolution (the chart redrawn once at
// devicePixelRatio 2 over white, then back), and SVG rebuilt from the chart's own layout — its
// scales' ticks and titles, each line dataset as a polyline (markers as circles), each bar as a
// rect, and the legend — so the SVG matches what is on screen and stays editable.
import type { Chart } from 'chart.js';
import { canvasPng, escapeXml as esc } from './download';

/** The chart at `scale` device pixels per CSS pixel, over white. */
export async function chartPng(chart: Chart, scale = 2): Promise<Blob> {
  const opts = chart.options as { devicePixelRatio?: number };
  const before = opts.devicePixelRatio;
  opts.devicePixelRatio = scale;
  try {
    chart.resize();
    chart.draw();
    const src = chart.canvas;
    const out = document.createElement('canvas');
    out.width = src.width;
    out.height = src.height;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(src, 0, 0);
    return await canvasPng(out);
  } finally {
    opts.devicePixelRatio = before;
    chart.resize();
    chart.draw();
  }
}

const f = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '0');
const colorOf = (c: unknown, i = 0): string => (Array.isArray(c) ? String(c[i % c.length] ?? '#000') : typeof c === 'string' ? c : '#000');
const dash = (d: unknown) => (Array.isArray(d) && d.length ? ` stroke-dasharray="${d.join(' ')}"` : '');
const tickLabel = (l: unknown) => (Array.isArray(l) ? l.join(' ') : String(l ?? ''));

interface ScaleLike {
  id: string;
  axis: string;
  position: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
  ticks: { value: number; label?: unknown }[];
  options: { display?: boolean | string; title?: { display?: boolean; text?: string | string[] }; grid?: { drawOnChartArea?: boolean; display?: boolean } };
  getPixelForTick(i: number): number;
}

/** The chart as an SVG document (CSS pixels of its on-screen size). */
export function chartSvg(chart: Chart, title: string): string {
  const W = chart.width;
  const H = chart.height;
  const area = chart.chartArea;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="11">`);
  out.push(`<title>${esc(title)}</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<defs><clipPath id="area"><rect x="${f(area.left)}" y="${f(area.top)}" width="${f(area.right - area.left)}" height="${f(area.bottom - area.top)}"/></clipPath></defs>`);

  // axes: grid lines, ticks, labels, titles
  out.push('<g class="axes" fill="#667085" stroke="none">');
  for (const s of Object.values(chart.scales) as unknown as ScaleLike[]) {
    if (s.options.display === false) continue;
    const horizontal = s.axis === 'x';
    const grid = s.options.grid?.display !== false && s.options.grid?.drawOnChartArea !== false;
    s.ticks.forEach((t, i) => {
      const p = s.getPixelForTick(i);
      const text = esc(tickLabel(t.label));
      if (horizontal) {
        if (grid) out.push(`<line x1="${f(p)}" x2="${f(p)}" y1="${f(area.top)}" y2="${f(area.bottom)}" stroke="#e4e7ec"/>`);
        out.push(`<text x="${f(p)}" y="${f(area.bottom + 14)}" text-anchor="middle">${text}</text>`);
      } else {
        if (grid) out.push(`<line x1="${f(area.left)}" x2="${f(area.right)}" y1="${f(p)}" y2="${f(p)}" stroke="#e4e7ec"/>`);
        const right = s.position === 'right';
        out.push(`<text x="${f(right ? area.right + 6 : area.left - 6)}" y="${f(p + 4)}" text-anchor="${right ? 'start' : 'end'}">${text}</text>`);
      }
    });
    const t = s.options.title;
    if (t?.display && t.text) {
      const text = esc(tickLabel(t.text));
      if (horizontal) out.push(`<text x="${f((area.left + area.right) / 2)}" y="${f(s.bottom - 4)}" text-anchor="middle" fill="#1b1f29">${text}</text>`);
      else {
        const x = s.position === 'right' ? s.right - 6 : s.left + 10;
        out.push(`<text transform="translate(${f(x)} ${f((area.top + area.bottom) / 2)}) rotate(-90)" text-anchor="middle" fill="#1b1f29">${text}</text>`);
      }
    }
  }
  out.push(`<rect x="${f(area.left)}" y="${f(area.top)}" width="${f(area.right - area.left)}" height="${f(area.bottom - area.top)}" fill="none" stroke="#cbd0d8"/>`);
  out.push('</g>');

  // data: one group per dataset
  out.push('<g class="data" clip-path="url(#area)">');
  chart.data.datasets.forEach((ds, i) => {
    const meta = chart.getDatasetMeta(i);
    if (!chart.isDatasetVisible(i)) return;
    const o = ds as unknown as { label?: string; borderColor?: unknown; backgroundColor?: unknown; borderDash?: number[]; borderWidth?: number; pointRadius?: number; showLine?: boolean };
    const label = esc(o.label ?? `series ${i + 1}`);
    const points = meta.data as unknown as { x: number; y: number; base?: number; width?: number; skip?: boolean }[];
    if (meta.type === 'bar') {
      out.push(`<g class="bars"><title>${label}</title>`);
      points.forEach((p, j) => {
        const top = Math.min(p.y, p.base ?? p.y);
        const h = Math.abs((p.base ?? p.y) - p.y);
        out.push(`<rect x="${f(p.x - (p.width ?? 0) / 2)}" y="${f(top)}" width="${f(p.width ?? 0)}" height="${f(h)}" fill="${colorOf(o.backgroundColor, j)}"/>`);
      });
      out.push('</g>');
      return;
    }
    const stroke = colorOf(o.borderColor);
    const visible = points.filter((p) => !p.skip && Number.isFinite(p.x) && Number.isFinite(p.y));
    if (o.showLine !== false && visible.length > 1) {
      out.push(`<polyline fill="none" stroke="${stroke}" stroke-width="${o.borderWidth ?? 2}"${dash(o.borderDash)} points="${visible.map((p) => `${f(p.x)},${f(p.y)}`).join(' ')}"><title>${label}</title></polyline>`);
    }
    const r = o.pointRadius ?? 0;
    if (r > 0) for (const p of visible) out.push(`<circle cx="${f(p.x)}" cy="${f(p.y)}" r="${r}" fill="${colorOf(o.backgroundColor)}"/>`);
  });
  out.push('</g>');

  // legend, where the chart shows one
  const legend = chart.legend as unknown as { options?: { display?: boolean }; legendItems?: { text: string; strokeStyle?: unknown; fillStyle?: unknown; lineDash?: number[]; datasetIndex?: number }[]; legendHitBoxes?: { left: number; top: number; height: number }[] } | undefined;
  if (legend?.options?.display !== false && legend?.legendItems && legend.legendHitBoxes) {
    out.push('<g class="legend" fill="#1b1f29">');
    legend.legendItems.forEach((item, i) => {
      const box = legend.legendHitBoxes![i];
      if (!box) return;
      const y = box.top + box.height / 2;
      if (item.datasetIndex !== undefined && chart.getDatasetMeta(item.datasetIndex).type === 'bar') {
        out.push(`<rect x="${f(box.left)}" y="${f(y - 5)}" width="14" height="10" fill="${colorOf(item.fillStyle)}"/>`);
      } else {
        out.push(`<line x1="${f(box.left)}" x2="${f(box.left + 14)}" y1="${f(y)}" y2="${f(y)}" stroke="${colorOf(item.strokeStyle ?? item.fillStyle)}" stroke-width="3"${dash(item.lineDash)}/>`);
      }
      out.push(`<text x="${f(box.left + 20)}" y="${f(y + 4)}">${esc(item.text)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${out.join('\n')}\n`;
}

/** An inline SVG chart drawn into a PNG at `scale` × its size (through an image of its markup). */
export async function svgPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const width = svg.width.baseVal.value || svg.getBoundingClientRect().width;
  const height = svg.height.baseVal.value || svg.getBoundingClientRect().height;
  const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(svg)], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the chart could not be drawn as an image'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
