// Point colours for "colour by column": categories take the label palette (generated colours past
// its twenty), numbers a colour map between the column's 2nd and 98th percentiles — viridis
// (perceptual, the default), magma (perceptual, dark to light) or a diverging blue–red around the
// middle; missing values are grey.
import type { ColumnValues } from '../../../shared/types';
import { colorFor, UNLABELLED_COLOR } from './palette';

export const COLOR_MAPS = {
  viridis: ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'],
  magma: ['#000004', '#180f3d', '#440f76', '#721f81', '#9e2f7f', '#cd4071', '#f1605d', '#fd9668', '#feca8d', '#fcfdbf'],
  diverging: ['#3b4cc0', '#5977e3', '#7b9ff9', '#9ebeff', '#c0d4f5', '#f2cbb7', '#f7a889', '#ee8468', '#d65244', '#b40426'],
} as const;
export type ColorMapName = keyof typeof COLOR_MAPS;
export const COLOR_MAP_NAMES = Object.keys(COLOR_MAPS) as ColorMapName[];

function rgb(hex: string): [number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

const MAPS_RGB = Object.fromEntries(COLOR_MAP_NAMES.map((m) => [m, COLOR_MAPS[m].map(rgb)])) as Record<ColorMapName, [number, number, number][]>;
const MISSING = rgb(UNLABELLED_COLOR);

export function rampColor(t: number, map: ColorMapName = 'viridis'): [number, number, number] {
  const stops = MAPS_RGB[map];
  const x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [stops[i], stops[i + 1]];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}

export const rampCss = (map: ColorMapName = 'viridis') => `linear-gradient(to right, ${COLOR_MAPS[map].join(', ')})`;
export const RAMP_CSS = rampCss('viridis');

export type ColorLegend =
  | { kind: 'category'; names: string[] }
  | { kind: 'number'; min: number; max: number; map: ColorMapName };

/** RGB bytes per value of a ramp from lo to hi (NaN: grey). */
export function rampColors(values: ArrayLike<number>, lo: number, hi: number, map: ColorMapName = 'viridis'): Uint8Array {
  const span = hi - lo || 1;
  const out = new Uint8Array(values.length * 3);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    out.set(Number.isFinite(x) ? rampColor((x - lo) / span, map) : MISSING, 3 * i);
  }
  return out;
}

export function columnColors(v: ColumnValues, map: ColorMapName = 'viridis'): { rgb: Uint8Array; legend: ColorLegend } {
  if (v.kind === 'category') {
    const out = new Uint8Array(v.codes.length * 3);
    v.codes.forEach((c, i) => out.set(c < 0 ? MISSING : rgb(colorFor(c)), 3 * i));
    return { rgb: out, legend: { kind: 'category', names: v.names } };
  }
  const finite = Array.from(v.values).filter(Number.isFinite).sort((a, b) => a - b);
  const lo = finite.length ? finite[Math.floor(finite.length * 0.02)] : 0;
  const hi = finite.length ? finite[Math.min(finite.length - 1, Math.floor(finite.length * 0.98))] : 1;
  return { rgb: rampColors(v.values, lo, hi, map), legend: { kind: 'number', min: lo, max: hi, map } };
}
