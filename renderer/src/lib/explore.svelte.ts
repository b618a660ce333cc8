// The state of exploring the open dataset's views: what is drawn over them (cluster names, density
// contours), how points look (size, opacity, the colour map of number columns, colouring by
// cluster or by neighbours kept), each view's clusters, the named selections, the neighbourhood
// comparison and the thumbnails. Reset when another dataset is on screen; the named selections
// travel with the dataset's view in the workspace.
import type { ClusterResult, NeighbourhoodChange, NeighbourhoodGroups } from '../../../shared/explore';
import type { DatasetSummary, EmbeddingId } from '../../../shared/types';
import { rampColors, rampCss, type ColorMapName } from './colormap';
import { isCancelled, lab } from './lab.svelte';
import { colorFor, UNLABELLED_COLOR } from './palette';
import type { ScatterLegendSpec } from './plot-frame';
import { ThumbCache } from './thumbs.svelte';

export interface NamedSelection {
  name: string;
  rows: Int32Array;
}

/** How points are coloured: by the Compare panel's column (or label), by cluster, or by neighbours kept. */
export type PointColouring = 'column' | 'clusters' | 'kept';

const hexRgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

class ExploreState {
  datasetId: string | null = null;
  showClusters = $state(true);
  showContours = $state(false);
  pointScale = $state(1);
  opacity = $state(0.85);
  colorMap = $state<ColorMapName>('viridis');
  colouring = $state<PointColouring>('column');
  /** Clusters per view (default parameters). */
  clusters = $state.raw<Record<string, ClusterResult>>({});
  selections = $state<NamedSelection[]>([]);
  /** The named selection last saved or shown (null once the selection changes otherwise). */
  activeSelection = $state<string | null>(null);
  neighbourhoods = $state.raw<NeighbourhoodChange | null>(null);
  thumbs = $state.raw<ThumbCache | null>(null);
  /** Set by the workspace: the named selections changed (autosave). */
  onChange: (() => void) | null = null;
  private asked = new Set<string>();

  sync(ds: DatasetSummary | null): void {
    if ((ds?.id ?? null) === this.datasetId) return;
    this.datasetId = ds?.id ?? null;
    this.clusters = {};
    this.asked.clear();
    this.selections = [];
    this.activeSelection = null;
    this.neighbourhoods = null;
    this.colouring = 'column';
    this.thumbs = ds?.imageShape ? new ThumbCache(ds.id) : null;
  }

  /** Whether a view's clusters are needed on screen. */
  get wantsClusters(): boolean {
    return this.showClusters || this.showContours || this.colouring === 'clusters';
  }

  /** Fetches a view's clusters once. */
  async ensureClusters(id: EmbeddingId): Promise<void> {
    if (!lab.api || this.clusters[id] || this.asked.has(id)) return;
    this.asked.add(id);
    const datasetId = this.datasetId;
    try {
      const r = await lab.api.clusters({ embeddingId: id });
      if (this.datasetId !== datasetId) return;
      this.clusters = { ...this.clusters, [id]: r };
      this.thumbs?.want(r.clusters.map((c) => c.representativeId));
    } catch (err) {
      this.asked.delete(id);
      lab.fail(err);
    }
  }

  /** Colours and key of a view when points are coloured by cluster or by neighbours kept (else null). */
  viewColours(id: EmbeddingId, rows: number): { rgb: Uint8Array; legend: ScatterLegendSpec } | null {
    if (this.colouring === 'clusters') {
      const r = this.clusters[id];
      if (!r || r.rows !== rows) return null;
      const rgb = new Uint8Array(rows * 3);
      const noise = hexRgb(UNLABELLED_COLOR);
      r.assignment.forEach((c, i) => rgb.set(c < 0 ? noise : hexRgb(colorFor(c)), 3 * i));
      return {
        rgb,
        legend: {
          kind: 'category',
          title: 'Cluster',
          names: [...r.clusters.map((c) => c.label), ...(r.noise ? ['no cluster'] : [])],
          counts: [...r.clusters.map((c) => c.size), ...(r.noise ? [r.noise] : [])],
          colors: [...r.clusters.map((c) => colorFor(c.id)), ...(r.noise ? [UNLABELLED_COLOR] : [])],
        },
      };
    }
    if (this.colouring === 'kept') {
      const v = this.neighbourhoods?.views.find((x) => x.embeddingId === id);
      if (!v || v.kept.length !== rows) return null;
      const k = this.neighbourhoods!.k;
      return {
        rgb: rampColors(v.kept, 0, k, this.colorMap),
        legend: { kind: 'number', title: `Neighbours kept of ${k}`, min: 0, max: k, css: rampCss(this.colorMap) },
      };
    }
    return null;
  }

  /** Rows of a cluster (or of the noise, index = number of clusters) of a view. */
  clusterRows(id: EmbeddingId, index: number): Int32Array {
    const r = this.clusters[id];
    if (!r) return new Int32Array(0);
    const want = index >= r.clusters.length ? -1 : index;
    const out: number[] = [];
    r.assignment.forEach((c, i) => c === want && out.push(i));
    return Int32Array.from(out);
  }

  /** Makes these rows the selection (Shift: adds them to it). */
  select(rows: Int32Array, additive = false): void {
    const merged = additive && lab.selection ? Int32Array.from(new Set([...lab.selection, ...rows])).sort() : rows;
    lab.selection = merged.length ? merged : null;
    this.activeSelection = null;
  }

  saveSelection(name: string): void {
    const rows = lab.selection;
    const clean = name.trim();
    if (!rows || !clean) return;
    this.selections = [...this.selections.filter((s) => s.name !== clean), { name: clean, rows: rows.slice() }];
    this.activeSelection = clean;
    this.onChange?.();
  }

  showSelection(name: string): void {
    const s = this.selections.find((x) => x.name === name);
    if (!s) return;
    lab.selection = s.rows;
    this.activeSelection = name;
  }

  deleteSelection(name: string): void {
    this.selections = this.selections.filter((s) => s.name !== name);
    if (this.activeSelection === name) this.activeSelection = null;
    this.onChange?.();
  }

  /** Scores every view on screen (and a pair of them, by class or cluster) as a job. */
  async compareNeighbourhoods(ids: EmbeddingId[], pair: [EmbeddingId, EmbeddingId] | null, groupBy: NeighbourhoodGroups): Promise<void> {
    if (!lab.api || !this.datasetId || !ids.length) return;
    try {
      this.neighbourhoods = await lab.runJob('neighbourhoods', lab.api.neighbourhoodChange({
        datasetId: this.datasetId as DatasetSummary['id'],
        embeddingIds: ids,
        ...(pair && pair[0] !== pair[1] ? { pair, groupBy } : {}),
      }));
    } catch (err) {
      if (!isCancelled(err)) lab.fail(err);
    }
  }
}

export const explore = new ExploreState();
