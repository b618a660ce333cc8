// Reading back what a test drew: a screenshot of one element decoded to RGBA (sharp), counts of
// pixels that meet a test in a region, and the pixels that changed between two screenshots. The
// explore tests check colours, lines and images on the plots with these, not only attributes.
import type { Locator } from '@playwright/test';
import sharp from 'sharp';

export interface Pixels {
  width: number;
  height: number;
  /** RGBA bytes, row by row. */
  data: Uint8Array;
}

export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

export async function shot(target: Locator, path?: string): Promise<Pixels> {
  const png = await target.screenshot(path ? { path } : {});
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

type Test = (r: number, g: number, b: number) => boolean;

/** Pixels in `region` (default: all) that pass `test`. */
export function count(p: Pixels, test: Test, region?: Region): number {
  const x0 = Math.max(0, Math.floor(region?.left ?? 0));
  const y0 = Math.max(0, Math.floor(region?.top ?? 0));
  const x1 = Math.min(p.width, Math.ceil(region ? region.left + region.width : p.width));
  const y1 = Math.min(p.height, Math.ceil(region ? region.top + region.height : p.height));
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = 4 * (y * p.width + x);
      if (test(p.data[i], p.data[i + 1], p.data[i + 2])) n++;
    }
  }
  return n;
}

/** Not the plot's white background. */
export const inked: Test = (r, g, b) => r < 235 || g < 235 || b < 235;
/** Near-black (image thumbnails' backgrounds, text). */
export const dark: Test = (r, g, b) => r < 60 && g < 60 && b < 60;

/** Close to a colour (each channel within `tolerance`). */
export const near = (hex: string, tolerance = 40): Test => {
  const [R, G, B] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return (r, g, b) => Math.abs(r - R) <= tolerance && Math.abs(g - G) <= tolerance && Math.abs(b - B) <= tolerance;
};

/** Saturated (a point's colour, not grey text or lines). */
export const colourful: Test = (r, g, b) => Math.max(r, g, b) - Math.min(r, g, b) > 60;

/** Pixels that differ by more than `threshold` in some channel, and how many of them got darker. */
export function changed(a: Pixels, b: Pixels, threshold = 40): { changed: number; darker: number } {
  let n = 0;
  let darker = 0;
  const len = Math.min(a.data.length, b.data.length);
  for (let i = 0; i < len; i += 4) {
    const d = Math.max(Math.abs(a.data[i] - b.data[i]), Math.abs(a.data[i + 1] - b.data[i + 1]), Math.abs(a.data[i + 2] - b.data[i + 2]));
    if (d <= threshold) continue;
    n++;
    if (b.data[i] + b.data[i + 1] + b.data[i + 2] < a.data[i] + a.data[i + 1] + a.data[i + 2]) darker++;
  }
  return { changed: n, darker };
}

/** Mean of (max − min channel) over inked pixels: how vivid the drawn points are. */
export function vividness(p: Pixels): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < p.data.length; i += 4) {
    const [r, g, b] = [p.data[i], p.data[i + 1], p.data[i + 2]];
    if (!inked(r, g, b)) continue;
    s += Math.max(r, g, b) - Math.min(r, g, b);
    n++;
  }
  return n ? s / n : 0;
}

/** Distinct colours among the saturated pixels, in 32-level bins per channel. */
export function distinctColours(p: Pixels, minPixels = 6): number {
  const bins = new Map<number, number>();
  for (let i = 0; i < p.data.length; i += 4) {
    const [r, g, b] = [p.data[i], p.data[i + 1], p.data[i + 2]];
    if (!colourful(r, g, b)) continue;
    const key = ((r >> 5) << 6) | ((g >> 5) << 3) | (b >> 5);
    bins.set(key, (bins.get(key) ?? 0) + 1);
  }
  return [...bins.values()].filter((c) => c >= minPixels).length;
}
