// Colours shared by the window and the report: categorical colours for labels (distinct,
// colour-blind-aware first ten, then a second ring, then generated ones for data with more
// categories) and one colour per anomaly score.
import type { AnomalyMethod } from './anomalies';

export const CATEGORY_COLORS = [
  '#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5', '#9c6b4e', '#9498a0',
  '#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#386cb0', '#f0027f', '#bf5b17',
];
export const UNLABELLED_COLOR = '#5b6270';

/** sRGB hex of an OKLCH colour (lightness 0–1, chroma, hue in degrees), clipped into the gamut. */
export function oklchHex(l: number, c: number, hDeg: number): string {
  const h = (hDeg * Math.PI) / 180;
  const a = c * Math.cos(h);
  const b = c * Math.sin(h);
  const l3 = (l + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m3 = (l - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s3 = (l - 0.0894841775 * a - 1.291485548 * b) ** 3;
  const linear = [
    4.0767416621 * l3 - 3.3077115913 * m3 + 0.2309699292 * s3,
    -1.2684380046 * l3 + 2.6097574011 * m3 - 0.3413193965 * s3,
    -0.0041960863 * l3 - 0.7034186147 * m3 + 1.707614701 * s3,
  ];
  return `#${linear.map((v) => {
    const x = Math.max(0, Math.min(1, v));
    const srgb = x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055;
    return Math.round(srgb * 255).toString(16).padStart(2, '0');
  }).join('')}`;
}

const generated = new Map<number, string>();

/**
 * Colour of category `index`: the twenty above, then (for data with more categories) colours of
 * evenly turning hue (the golden angle) at three lightness levels, so that no two neighbours in
 * the list look alike and nothing repeats.
 */
export function colorFor(index: number): string {
  if (index < 0) return UNLABELLED_COLOR;
  if (index < CATEGORY_COLORS.length) return CATEGORY_COLORS[index];
  let c = generated.get(index);
  if (!c) {
    const k = index - CATEGORY_COLORS.length;
    c = oklchHex([0.62, 0.74, 0.5][k % 3], 0.14, (k * 137.508 + 20) % 360);
    generated.set(index, c);
  }
  return c;
}

/** Colour per anomaly score, the same in the chart, the table and the legend. */
export const METHOD_COLORS: Record<AnomalyMethod, string> = {
  'recon-prob': '#4269d0',
  'vae-error': '#3ca951',
  'neg-elbo': '#a463f2',
  'ae-error': '#efb118',
  'pca-error': '#ff725c',
};
