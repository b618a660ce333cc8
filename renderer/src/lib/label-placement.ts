// Places text labels on a plot without collisions: the most important label first, each at the
// first of a few candidate spots around its anchor (on it, above, below, to the sides, then
// further out) that overlaps no label placed before it and stays inside the plot; a label with no
// free spot is left out. Greedy, as map labelling does it: enough for the dozens of cluster names
// a view holds, and cheap enough to run on every zoom and pan.

export interface LabelRequest {
  id: number;
  /** Where the label belongs (its centre when placed on it), in plot pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Higher is placed first. */
  priority: number;
}

export interface PlacedLabel {
  id: number;
  /** Top-left corner. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** Whether it sits away from its anchor (then a leader line helps). */
  moved: boolean;
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function overlaps(a: Box, b: Box, gap = 0): boolean {
  return a.left < b.left + b.width + gap && b.left < a.left + a.width + gap && a.top < b.top + b.height + gap && b.top < a.top + a.height + gap;
}

/** Candidate centres around an anchor, nearest first, in units of the label's size. */
const OFFSETS: [number, number][] = [
  [0, 0], [0, -1.1], [0, 1.1], [0.75, 0], [-0.75, 0],
  [0.6, -1.1], [-0.6, -1.1], [0.6, 1.1], [-0.6, 1.1],
  [0, -2.2], [0, 2.2], [1.3, 0], [-1.3, 0], [1.1, -2.2], [-1.1, -2.2], [1.1, 2.2], [-1.1, 2.2],
];

/**
 * Places labels greedily by priority. `bounds` is the plot (labels stay inside it), `blocked`
 * holds areas no label may cover (buttons, the legend), `gap` the pixels kept between labels.
 */
export function placeLabels(labels: LabelRequest[], bounds: { width: number; height: number }, blocked: Box[] = [], gap = 2): PlacedLabel[] {
  const placed: PlacedLabel[] = [];
  const order = [...labels].sort((a, b) => b.priority - a.priority || a.id - b.id);
  for (const l of order) {
    if (l.x < 0 || l.y < 0 || l.x > bounds.width || l.y > bounds.height) continue; // its anchor is out of view
    for (const [fx, fy] of OFFSETS) {
      const box = {
        id: l.id,
        left: l.x + fx * l.width - l.width / 2,
        top: l.y + fy * l.height - l.height / 2,
        width: l.width,
        height: l.height,
        moved: fx !== 0 || fy !== 0,
      };
      if (box.left < 0 || box.top < 0 || box.left + box.width > bounds.width || box.top + box.height > bounds.height) continue;
      if (placed.some((p) => overlaps(p, box, gap)) || blocked.some((b) => overlaps(b, box))) continue;
      placed.push(box);
      break;
    }
  }
  return placed;
}
