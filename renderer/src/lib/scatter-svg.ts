// A scatter view as SVG: the points inside the current view (zoom and pan as on screen) as circles
// of their colour, size and state (dimmed, highlighted). An SVG of 100,000 circles is too heavy for
// most viewers, so above SVG_MAX_POINTS the points are thinned evenly (every k-th, in row order)
// and the picture says so.
import { escapeXml as esc } from './download';

export const SVG_MAX_POINTS = 20_000;

export interface ScatterSvgInput {
  width: number;
  height: number;
  /** Plot-space positions, x0, y0, x1, y1, … */
  positions: Float32Array;
  /** RGB bytes per point. */
  colors: Uint8Array;
  /** Per point: 0 normal, 1 highlighted, 2 dimmed; null = all normal. */
  states: Uint8Array | null;
  toScreen: (x: number, y: number) => [number, number];
  /** Diameter in CSS pixels of a point in each state. */
  diameter: (state: number) => number;
  title: string;
  /** Alpha of points that are not dimmed (default 0.85). */
  opacity?: number;
}

const hex = (c: Uint8Array, i: number) => `#${[c[3 * i], c[3 * i + 1], c[3 * i + 2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`;

export function scatterSvg(p: ScatterSvgInput): { svg: string; drawn: number; visible: number } {
  const n = p.positions.length / 2;
  const xs = new Float32Array(n);
  const ys = new Float32Array(n);
  const inside: number[] = [];
  const margin = p.diameter(1);
  for (let i = 0; i < n; i++) {
    const [x, y] = p.toScreen(p.positions[2 * i], p.positions[2 * i + 1]);
    xs[i] = x;
    ys[i] = y;
    if (x >= -margin && x <= p.width + margin && y >= -margin && y <= p.height + margin) inside.push(i);
  }
  const stride = Math.max(1, Math.ceil(inside.length / SVG_MAX_POINTS));
  const kept = stride === 1 ? inside : inside.filter((_, k) => k % stride === 0);
  // one group per colour and state; highlighted points last, on top
  const groups = new Map<string, number[]>();
  for (const state of [2, 0, 1]) {
    for (const i of kept) {
      if ((p.states ? p.states[i] : 0) !== state) continue;
      const key = `${state}|${hex(p.colors, i)}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(i);
    }
  }
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${p.width}" height="${p.height}" viewBox="0 0 ${p.width} ${p.height}" font-family="system-ui, sans-serif" font-size="11">`);
  out.push(`<title>${esc(p.title)}</title>`);
  const thinned = stride > 1 ? `${kept.length.toLocaleString('en-US')} of the ${inside.length.toLocaleString('en-US')} points in view (every ${stride}th, in row order)` : '';
  out.push(`<desc>${esc(thinned ? `${p.title}: ${thinned}.` : `${p.title}: ${kept.length} points.`)}</desc>`);
  out.push(`<rect width="${p.width}" height="${p.height}" fill="#ffffff"/>`);
  out.push('<g class="points">');
  for (const [key, idx] of groups) {
    const [state, color] = key.split('|');
    const s = Number(state);
    const r = (p.diameter(s) / 2).toFixed(2);
    out.push(`<g fill="${color}" fill-opacity="${s === 2 ? 0.12 : (p.opacity ?? 0.85)}">`);
    for (const i of idx) out.push(`<circle cx="${xs[i].toFixed(1)}" cy="${ys[i].toFixed(1)}" r="${r}"/>`);
    out.push('</g>');
  }
  out.push('</g>');
  if (thinned) out.push(`<text x="8" y="${p.height - 8}" fill="#667085">Showing ${esc(thinned)}</text>`);
  out.push('</svg>');
  return { svg: `<?xml version="1.0" encoding="UTF-8"?>\n${out.join('\n')}\n`, drawn: kept.length, visible: inside.length };
}
