// Reads a scatter's pixels back from its WebGL canvas, so that a check of a scatter fails when the
// points were not drawn, or not where and in the colours they should be. (The data-points
// attribute only says how many points were handed to WebGL: it reads the same on a blank canvas.)
// Shared by the browser specs and the Electron spec.
import { expect, type Page } from '@playwright/test';
import sharp from 'sharp';
import { colorFor } from '../../shared/palette';

export interface ScatterImage {
  /** Device pixels. */
  width: number;
  height: number;
  /** Device pixels per CSS pixel. */
  dpr: number;
  /** RGB as seen on a white page (the canvas' alpha composited over white), 3 bytes a pixel. */
  rgb: Uint8Array;
}

/** The canvas of the scatter with this test id, as drawn now (its drawing buffer is preserved). */
export async function readScatter(page: Page, testid: string): Promise<ScatterImage> {
  const canvas = page.getByTestId(testid).locator('canvas');
  const { url, cssWidth } = await canvas.evaluate((c: HTMLCanvasElement) => ({ url: c.toDataURL('image/png'), cssWidth: c.clientWidth }));
  const png = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const rgb = new Uint8Array(info.width * info.height * 3);
  for (let i = 0, j = 0; i < data.length; i += 4, j += 3) {
    const a = data[i + 3] / 255;
    for (let k = 0; k < 3; k++) rgb[j + k] = Math.round(data[i + k] * a + 255 * (1 - a));
  }
  return { width: info.width, height: info.height, dpr: info.width / Math.max(1, cssWidth), rgb };
}

/** How far a pixel is from white: its darkest channel's distance (0 = white). */
function ink(img: ScatterImage, i: number): number {
  return 255 - Math.min(img.rgb[3 * i], img.rgb[3 * i + 1], img.rgb[3 * i + 2]);
}

const rgbOf = (hex: string): [number, number, number] => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16)) as [number, number, number];

/**
 * Which of `colors` a pixel shows, or -1. A point is its colour blended over white (alpha, edges),
 * so the pixel's distance from white points the same way as the colour's: compared by direction.
 */
function colorIndex(img: ScatterImage, i: number, colors: [number, number, number][]): number {
  const p = [255 - img.rgb[3 * i], 255 - img.rgb[3 * i + 1], 255 - img.rgb[3 * i + 2]];
  const pn = Math.hypot(p[0], p[1], p[2]);
  if (pn < 40) return -1;
  let best = -1;
  let bestCos = 0.985;
  colors.forEach((c, k) => {
    const q = [255 - c[0], 255 - c[1], 255 - c[2]];
    const cos = (p[0] * q[0] + p[1] * q[1] + p[2] * q[2]) / (pn * Math.hypot(q[0], q[1], q[2]));
    if (cos > bestCos) [best, bestCos] = [k, cos];
  });
  return best;
}

export interface DrawnSummary {
  inked: number;
  /** Bounding box of the inked pixels, device pixels (x0, y0, x1, y1 inclusive). */
  box: [number, number, number, number];
  /** Inked pixels per colour asked about. */
  perColor: number[];
  /** Clearly coloured pixels (far from white) that match none of the colours asked about. */
  foreign: number;
  solid: number;
}

export function summarise(img: ScatterImage, colors: [number, number, number][] = []): DrawnSummary {
  let inked = 0;
  let solid = 0;
  let foreign = 0;
  const perColor = colors.map(() => 0);
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = y * img.width + x;
      const v = ink(img, i);
      if (v < 6) continue;
      inked++;
      if (x < box[0]) box[0] = x;
      if (y < box[1]) box[1] = y;
      if (x > box[2]) box[2] = x;
      if (y > box[3]) box[3] = y;
      if (!colors.length) continue;
      const k = colorIndex(img, i, colors);
      if (k >= 0) perColor[k]++;
      if (v >= 80) {
        solid++;
        if (k < 0) foreign++;
      }
    }
  }
  return { inked, box, perColor, foreign, solid };
}

/** The point diameter the scatter uses for n points, CSS pixels (Scatter.svelte). */
export const pointDiameter = (n: number) => (n > 200_000 ? 1.5 : n > 20_000 ? 2.5 : 4);

/**
 * The scatter shows its points as it should at the initial view: something is drawn; the drawn
 * area is centred, and its longer side spans 95% of the canvas' shorter side (the plot fits the
 * embedding's bounding box into [-0.95, 0.95] there); with `classes`, the label colours of classes
 * 0…classes-1 are all present and nothing clearly coloured is in another colour.
 */
export async function expectScatterDrawn(page: Page, testid: string, opts: { classes?: number } = {}): Promise<void> {
  const colors = Array.from({ length: opts.classes ?? 0 }, (_, k) => rgbOf(colorFor(k)));
  await expect(async () => {
    const n = Number(await page.getByTestId(testid).getAttribute('data-points'));
    expect(n, `${testid}: points handed to WebGL`).toBeGreaterThan(0);
    const img = await readScatter(page, testid);
    const s = summarise(img, colors);
    expect(s.inked, `${testid}: pixels drawn`).toBeGreaterThan(0);
    const d = pointDiameter(n) * img.dpr;
    const span = 0.95 * Math.min(img.width, img.height);
    const [bw, bh] = [s.box[2] - s.box[0] + 1, s.box[3] - s.box[1] + 1];
    expect(Math.max(bw, bh), `${testid}: extent of the drawn points (canvas ${img.width}×${img.height})`).toBeGreaterThanOrEqual(span - 3);
    expect(Math.max(bw, bh), `${testid}: extent of the drawn points (canvas ${img.width}×${img.height})`).toBeLessThanOrEqual(span + 1.8 * d + 3);
    expect(Math.abs((s.box[0] + s.box[2] + 1) / 2 - img.width / 2), `${testid}: horizontal centre of the drawn points`).toBeLessThanOrEqual(0.9 * d + 2);
    expect(Math.abs((s.box[1] + s.box[3] + 1) / 2 - img.height / 2), `${testid}: vertical centre of the drawn points`).toBeLessThanOrEqual(0.9 * d + 2);
    if (colors.length) {
      s.perColor.forEach((count, k) => expect(count, `${testid}: pixels in the colour of class ${k} (${colorFor(k)})`).toBeGreaterThan(0));
      expect(s.foreign, `${testid}: clearly coloured pixels in no class colour (of ${s.solid})`).toBeLessThanOrEqual(0.1 * s.solid);
    }
  }).toPass({ timeout: 30_000 });
}

export interface ExpectedPoint {
  x: number;
  y: number;
  label: string;
}

/** Where a point of the embedding lands on the canvas at the initial view, in CSS pixels. */
export function screenPositions(points: ExpectedPoint[], cssWidth: number, cssHeight: number): [number, number][] {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = 1.9 / (Math.max(maxX - minX, maxY - minY) || 1);
  const aspect = cssWidth / cssHeight;
  const [sx, sy] = aspect >= 1 ? [1 / aspect, 1] : [1, aspect];
  return points.map((p) => {
    const px = (p.x - (minX + maxX) / 2) * scale;
    const py = (p.y - (minY + maxY) / 2) * scale;
    return [((px * sx + 1) / 2) * cssWidth, ((1 - py * sy) / 2) * cssHeight];
  });
}

/**
 * The scatter drew exactly these points (coordinates read from elsewhere, e.g. an export): a dot
 * in one colour per label at each one's place, and no clearly coloured pixel away from all of them.
 */
export async function expectPointsAt(page: Page, testid: string, points: ExpectedPoint[], classes: number): Promise<void> {
  const colors = Array.from({ length: classes }, (_, k) => rgbOf(colorFor(k)));
  await expect(async () => {
    const img = await readScatter(page, testid);
    const at = screenPositions(points, img.width / img.dpr, img.height / img.dpr).map(([x, y]) => [x * img.dpr, y * img.dpr]);
    const d = pointDiameter(points.length) * img.dpr;
    // the colour at each point's centre, by label
    const seen = new Map<string, number[]>();
    let blank = 0;
    at.forEach(([x, y], i) => {
      const idx = Math.min(img.height - 1, Math.floor(y)) * img.width + Math.min(img.width - 1, Math.floor(x));
      if (ink(img, idx) < 80) blank++;
      const list = seen.get(points[i].label) ?? [];
      list.push(colorIndex(img, idx, colors));
      seen.set(points[i].label, list);
    });
    expect(blank, `${testid}: expected points with nothing drawn at their place (of ${points.length})`).toBe(0);
    // every label shows in one colour of its own (a later point may cover an earlier one)
    const colorOf = new Map<string, number>();
    let mismatched = 0;
    for (const [label, list] of seen) {
      const counts = new Map<number, number>();
      for (const k of list) counts.set(k, (counts.get(k) ?? 0) + 1);
      const [k] = [...counts].sort((a, b) => b[1] - a[1])[0];
      colorOf.set(label, k);
      mismatched += list.filter((c) => c !== k).length;
    }
    expect([...colorOf.values()].every((k) => k >= 0), `${testid}: each label drawn in a class colour`).toBe(true);
    expect(new Set(colorOf.values()).size, `${testid}: distinct colours for ${colorOf.size} labels`).toBe(colorOf.size);
    expect(mismatched, `${testid}: points not in their label's colour`).toBeLessThanOrEqual(Math.ceil(0.1 * points.length));
    // nothing drawn away from the points
    const reach = (d / 2 + 1.5) ** 2;
    let stray = 0;
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        if (ink(img, y * img.width + x) < 80) continue;
        if (!at.some(([px, py]) => (px - x - 0.5) ** 2 + (py - y - 0.5) ** 2 <= reach)) stray++;
      }
    }
    expect(stray, `${testid}: clearly drawn pixels away from every expected point`).toBe(0);
  }).toPass({ timeout: 30_000 });
}
