// Small images of test rows, fetched from the engine a batch at a time (getRows' thumbnails) and
// kept as canvases ready to draw: the scatter draws them in place of points when few are in view,
// and cluster labels show their representative row. `version` changes when new ones arrive.
import type { DatasetId } from '../../../shared/types';
import { lab } from './lab.svelte';

/** getRows takes at most this many ids per call. */
const BATCH = 400;

export class ThumbCache {
  version = $state(0);
  private readonly images = new Map<number, HTMLCanvasElement>();
  private readonly pending = new Set<number>();
  /** Ids the engine had no image for (a non-image dataset): never asked again. */
  private readonly none = new Set<number>();

  constructor(readonly datasetId: DatasetId) {}

  private readonly urls = new Map<number, string>();

  get(rowId: number): HTMLCanvasElement | null {
    return this.images.get(rowId) ?? null;
  }

  /** The image as a data: URL (for an <img>), or null while it is not here. */
  url(rowId: number): string | null {
    let u = this.urls.get(rowId);
    if (!u) {
      const c = this.images.get(rowId);
      if (!c) return null;
      u = c.toDataURL();
      this.urls.set(rowId, u);
    }
    return u;
  }

  /** Fetches the images of these test rows that are not here yet. */
  want(rowIds: Iterable<number>): void {
    const missing: number[] = [];
    for (const id of rowIds) if (!this.images.has(id) && !this.pending.has(id) && !this.none.has(id)) missing.push(id);
    for (let at = 0; at < missing.length; at += BATCH) void this.fetch(missing.slice(at, at + BATCH));
  }

  private async fetch(ids: number[]): Promise<void> {
    if (!lab.api || !ids.length) return;
    ids.forEach((id) => this.pending.add(id));
    try {
      const got = await lab.api.getRows({ datasetId: this.datasetId, split: 'test', rowIds: ids });
      const t = got.thumbnails;
      if (!t) {
        ids.forEach((id) => this.none.add(id));
        return;
      }
      const per = t.width * t.height * t.channels;
      got.rowIds.forEach((id, i) => {
        const canvas = document.createElement('canvas');
        canvas.width = t.width;
        canvas.height = t.height;
        const ctx = canvas.getContext('2d')!;
        const img = ctx.createImageData(t.width, t.height);
        for (let p = 0; p < t.width * t.height; p++) {
          const src = i * per + p * t.channels;
          const [r, g, b] = t.channels >= 3 ? [t.data[src], t.data[src + 1], t.data[src + 2]] : [t.data[src], t.data[src], t.data[src]];
          img.data.set([r, g, b, 255], 4 * p);
        }
        ctx.putImageData(img, 0, 0);
        this.images.set(id, canvas);
      });
      this.version++;
    } catch {
      // a thumbnail is a nicety: a failed fetch leaves the point a point
      ids.forEach((id) => this.none.add(id));
    } finally {
      ids.forEach((id) => this.pending.delete(id));
    }
  }
}
