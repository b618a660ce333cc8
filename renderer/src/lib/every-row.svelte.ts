// One view's "every row" state for a streamed dataset: the job that embeds every row to disk (its
// progress and cancel), what it wrote, and the rows of the visible region fetched when the user
// zooms in (debounced after the frame settles; dropped when zoomed back out).
import type { EmbeddingId, EveryRowSummary, JobId, RegionRows } from '../../../shared/types';
import { isCancelled, lab } from './lab.svelte';

/** Rows one region fetch draws at most (the count says how many the region holds). */
export const REGION_LIMIT = 50_000;
/** Quiet time after the last frame before the region is fetched. */
const SETTLE_MS = 300;
/** Zoom under which the view is considered whole: the fetched rows are dropped. */
const MIN_ZOOM = 1.5;

type Rect = { x0: number; x1: number; y0: number; y1: number };

export class EveryRowView {
  summary = $state.raw<EveryRowSummary | null>(null);
  jobId = $state<JobId | null>(null);
  /** Fetched rows not in the sample, to draw with it. */
  extra = $state.raw<{ coords: Float32Array; labels: Int32Array | null } | null>(null);
  /** Rows of every row inside the visible rectangle (the last fetch). */
  inView = $state<number | null>(null);
  fetching = $state(false);
  private timer: ReturnType<typeof setTimeout> | null = null;
  private last: Rect | null = null;
  private asked = 0;

  constructor(readonly id: EmbeddingId, private readonly sampleRows: () => Int32Array | null) {}

  get job() {
    return this.jobId ? lab.jobs.find((j) => j.id === this.jobId) : undefined;
  }

  /** Asks the engine whether the view already has its every-row data (a reopened window). */
  async check(): Promise<void> {
    const s = await lab.api?.everyRowSummary(this.id).catch(() => null);
    if (s) this.summary = s;
  }

  async run(): Promise<void> {
    if (!lab.api) return;
    const start = lab.api.embedEveryRow(this.id);
    try {
      this.jobId = await start;
      this.summary = await lab.runJob('everyRow', start);
      this.last = null;
    } catch (err) {
      if (!isCancelled(err)) lab.fail(err);
    } finally {
      this.jobId = null;
    }
  }

  cancel(): void {
    const job = this.job;
    if (job) void lab.cancel(job);
  }

  /** The scatter drew a frame: fetch the visible region once it settles. */
  viewport(rect: Rect, zoom: number): void {
    if (!this.summary) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.settled(rect, zoom), SETTLE_MS);
  }

  private async settled(rect: Rect, zoom: number): Promise<void> {
    if (zoom < MIN_ZOOM) {
      this.last = null;
      if (this.extra) this.extra = null;
      this.inView = null;
      return;
    }
    const l = this.last;
    const w = rect.x1 - rect.x0;
    if (l && Math.abs(l.x0 - rect.x0) < 1e-6 * w && Math.abs(l.x1 - rect.x1) < 1e-6 * w && Math.abs(l.y0 - rect.y0) < 1e-6 * w && Math.abs(l.y1 - rect.y1) < 1e-6 * w) return;
    this.last = rect;
    const ask = ++this.asked;
    this.fetching = true;
    try {
      const got = await lab.api!.regionRows({ embeddingId: this.id, ...rect, limit: REGION_LIMIT });
      if (ask !== this.asked) return;
      this.inView = got.total;
      this.extra = notInSample(got, this.sampleRows());
    } catch (err) {
      if (ask === this.asked) lab.fail(err);
    } finally {
      if (ask === this.asked) this.fetching = false;
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.asked++;
  }
}

/** The fetched rows the sample does not already draw. */
function notInSample(got: RegionRows, sample: Int32Array | null): { coords: Float32Array; labels: Int32Array | null } {
  const drawn = new Set(sample ?? []);
  const keep: number[] = [];
  for (let i = 0; i < got.rowIds.length; i++) if (!drawn.has(got.rowIds[i])) keep.push(i);
  const coords = new Float32Array(2 * keep.length);
  keep.forEach((i, k) => {
    coords[2 * k] = got.coords[2 * i];
    coords[2 * k + 1] = got.coords[2 * i + 1];
  });
  return { coords, labels: got.labels ? Int32Array.from(keep, (i) => got.labels![i]) : null };
}
