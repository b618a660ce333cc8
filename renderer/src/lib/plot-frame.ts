// What a scatter tells the layers drawn over it (clusters, contours, thumbnails) after each frame:
// its size, where a view coordinate or a point lands on screen, the colours it drew, and the areas
// its own controls cover. A new frame object per drawn frame, so layers redraw when it changes.
import type { Box } from './label-placement';

export interface PlotFrame {
  /** Counts up with every frame. */
  version: number;
  width: number;
  height: number;
  zoom: number;
  /** Points plotted. */
  n: number;
  /** The view's coordinates (its first two) → CSS pixels in the plot. */
  toScreen(x: number, y: number): [number, number];
  /** Where point i is drawn, in CSS pixels. */
  pointAt(i: number): [number, number];
  /** RGB bytes per point, as drawn. */
  colors: Uint8Array;
  /** Per point: 0 normal, 1 highlighted, 2 dimmed; null = all normal. */
  states: Uint8Array | null;
  /** A normal point's diameter in CSS pixels. */
  pointDiameter: number;
  /** Areas of the plot its own controls cover (the legend, the save button). */
  blocked: Box[];
}

/** Legend of a scatter: classes or categories (clickable), or a number ramp. */
export type ScatterLegendSpec =
  | { kind: 'category'; title?: string; names: string[]; counts?: number[]; colors?: string[] }
  | { kind: 'number'; title?: string; min: number; max: number; css: string };
