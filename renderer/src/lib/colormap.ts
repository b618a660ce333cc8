// Point colours for "colour by column": categories take the label palette, numbers a perceptual
// ramp (viridis-like) between the column's 2nd and 98th percentiles; missing values are grey.
import type { ColumnValues } from '../../../shared/types';
import { colorFor, UNLABELLED_COLOR } from './palette';

const RAMP = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];

function rgb(hex: string): [number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

const RAMP_RGB = RAMP.map(rgb);
const MISSING = rgb(UNLABELLED_COLOR);

export function rampColor(t: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, t)) * (RAMP_RGB.length - 1);
  const i = Math.min(RAMP_RGB.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [RAMP_RGB[i], RAMP_RGB[i + 1]];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}

export const RAMP_CSS = `linear-gradient(to right, ${RAMP.join(', ')})`;

export type ColorLegend =
  | { kind: 'category'; names: string[] }
  | { kind: 'number'; min: number; max: number };

export function columnColors(v: ColumnValues): { rgb: Uint8Array; legend: ColorLegend } {
  if (v.kind === 'category') {
    const out = new Uint8Array(v.codes.length * 3);
    v.codes.forEach((c, i) => out.set(c < 0 ? MISSING : rgb(colorFor(c)), 3 * i));
    return { rgb: out, legend: { kind: 'category', names: v.names } };
  }
  const finite = Array.from(v.values).filter(Number.isFinite).sort((a, b) => a - b);
  const lo = finite.length ? finite[Math.floor(finite.length * 0.02)] : 0;
  const hi = finite.length ? finite[Math.min(finite.length - 1, Math.floor(finite.length * 0.98))] : 1;
  const span = hi - lo || 1;
  const out = new Uint8Array(v.values.length * 3);
  v.values.forEach((x, i) => out.set(Number.isFinite(x) ? rampColor((x - lo) / span) : MISSING, 3 * i));
  return { rgb: out, legend: { kind: 'number', min: lo, max: hi } };
}
