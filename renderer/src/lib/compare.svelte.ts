// The Compare panel's state: which embeddings of the open dataset are shown as views, their
// coordinates, what points are coloured by, the row under the mouse or picked, and the numbers
// table. Reset when another dataset is opened.
import type { ReduceRequest } from '../../../shared/api';
import type {
  ColumnValues,
  DatasetSummary,
  EmbeddingData,
  EmbeddingId,
  EmbeddingSummary,
  MetricsTable,
} from '../../../shared/types';
import { isCancelled, lab } from './lab.svelte';

class CompareState {
  datasetId: string | null = null;
  /** Every embedding of the dataset the engine holds. */
  summaries = $state<EmbeddingSummary[]>([]);
  /** Views on screen, in order. */
  shown = $state<EmbeddingId[]>([]);
  /** Loaded coordinates per embedding (raw: big arrays need no deep reactivity). */
  data = $state.raw<Record<string, EmbeddingData>>({});
  /** 'label' or a column name. */
  colorBy = $state('label');
  colorValues = $state.raw<ColumnValues | null>(null);
  /** Test-split position of the row under the mouse / picked by a click. */
  hovered = $state<number | null>(null);
  picked = $state<number | null>(null);
  metrics = $state<MetricsTable | null>(null);
  /** Components for PCA reconstructions and the PCA-k row of the table (picked on the scree plot). */
  pcaK = $state(10);
  /** The user chose k (scree plot): it no longer follows the model's latent size. */
  pcaKPicked = $state(false);

  /** Starts over when the open dataset changed. */
  sync(ds: DatasetSummary | null): void {
    if ((ds?.id ?? null) === this.datasetId) return;
    this.datasetId = ds?.id ?? null;
    this.summaries = [];
    this.shown = [];
    this.data = {};
    this.colorBy = 'label';
    this.colorValues = null;
    this.hovered = null;
    this.picked = null;
    this.metrics = null;
    // never every component by default: PCA-7 of 7 columns rebuilds them exactly (MSE 0)
    this.pcaK = Math.min(10, Math.max(1, (ds?.features ?? 11) - 1));
    this.pcaKPicked = false;
  }

  async refresh(): Promise<void> {
    if (!lab.api || !this.datasetId) return;
    const id = this.datasetId;
    const list = await lab.api.listEmbeddings(id as DatasetSummary['id']).catch((e) => (lab.fail(e), null));
    if (list && this.datasetId === id) this.summaries = list;
  }

  async load(id: EmbeddingId): Promise<void> {
    if (!lab.api || this.data[id]) return;
    const e = await lab.api.getEmbedding(id).catch((err) => (lab.fail(err), null));
    if (e && e.datasetId === this.datasetId) this.data = { ...this.data, [id]: e };
  }

  show(id: EmbeddingId): void {
    if (!this.shown.includes(id)) this.shown = [...this.shown, id];
    void this.load(id);
  }

  hide(id: EmbeddingId): void {
    this.shown = this.shown.filter((s) => s !== id);
  }

  /** Runs a reducer as a job and shows the new embedding. */
  async add(req: ReduceRequest): Promise<EmbeddingSummary | null> {
    if (!lab.api) return null;
    try {
      const s = await lab.runJob('reduce', lab.api.reduce(req));
      await this.refresh();
      this.show(s.id);
      return s;
    } catch (err) {
      if (!isCancelled(err)) lab.fail(err);
      return null;
    }
  }

  /** A deleted run's views go with it. */
  forgetRun(runId: string): void {
    const gone = new Set(this.summaries.filter((s) => s.runId === runId).map((s) => s.id as string));
    this.summaries = this.summaries.filter((s) => !gone.has(s.id));
    this.shown = this.shown.filter((id) => !gone.has(id));
  }

  async setColorBy(column: string): Promise<void> {
    this.colorBy = column;
    if (column === 'label' || !lab.api || !this.datasetId) {
      this.colorValues = null;
      return;
    }
    const values = await lab.api.getColumn({ datasetId: this.datasetId as DatasetSummary['id'], split: 'test', column }).catch((e) => (lab.fail(e), null));
    if (this.colorBy === column) this.colorValues = values;
  }

  async computeMetrics(): Promise<void> {
    if (!lab.api || !this.datasetId) return;
    try {
      this.metrics = await lab.runJob('metrics', lab.api.computeMetrics({ datasetId: this.datasetId as DatasetSummary['id'], embeddingIds: this.shown.slice() }));
    } catch (err) {
      if (!isCancelled(err)) lab.fail(err);
    }
  }
}

export const compare = new CompareState();
