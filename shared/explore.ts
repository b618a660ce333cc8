// What exploring a view asks for and gets back: automatic clusters found in a view's density (with
// labels read from the data and contour lines of the same density), rows found by a search, the
// selection compared with the rest of the rows, and how many of each row's data-space neighbours a
// view keeps. Plain data shared by the engine, the CLI and the window.
import type { DatasetId, EmbeddingId } from './types';

/** How a view's density is estimated and cut into clusters; every field optional. */
export interface ClusterParams {
  /** Multiplies the kernel width of Scott's rule (default 0.5; smaller finds more, smaller clusters). */
  bandwidth?: number;
  /** A peak must rise this share of the highest density above the saddle to its neighbour (default 0.12). */
  prominence?: number;
  /** Points where the density is below this share of the highest density are noise (default 0.04). */
  noise?: number;
  /** Clusters with fewer points are noise (default: max(5, 0.5% of the rows)). */
  minSize?: number;
}

export interface ClusterRequest extends ClusterParams {
  embeddingId: EmbeddingId;
}

/** A column that sets a cluster apart from the other rows. */
export type ClusterColumn =
  /** A number column: means inside and outside, and the standardized mean difference (pooled SD). */
  | { name: string; kind: 'number'; inside: number; outside: number; smd: number }
  /** A text column: its category most over-represented in the cluster, with its share inside and outside. */
  | { name: string; kind: 'category'; value: string; inside: number; outside: number };

export interface ClusterInfo {
  /** 0 for the largest cluster, then by size. */
  id: number;
  size: number;
  /** The density peak in the view's coordinates (where its label goes). */
  peak: [number, number];
  /** The member row nearest the peak: test-split position and source row id. */
  representative: number;
  representativeId: number;
  /** The most common label among the members and its share; null without labels. */
  majority: { label: number; name: string; purity: number } | null;
  /** The columns that set it apart most (at most three), strongest first. */
  columns: ClusterColumn[];
  /** A short label: "7 · 96%", or the strongest column when there are no labels. */
  label: string;
}

/** A contour line of the density: segments x0 y0 x1 y1 … in the view's coordinates. */
export interface DensityContour {
  /** Share of the rows inside the line (0.9 = the line around the densest 90%). */
  mass: number;
  level: number;
  segments: Float32Array;
}

export interface ClusterResult {
  embeddingId: EmbeddingId;
  datasetId: DatasetId;
  /** Rows clustered: the view's test rows. */
  rows: number;
  /** Cluster id per test row; −1 = noise. */
  assignment: Int32Array;
  clusters: ClusterInfo[];
  /** Rows in no cluster. */
  noise: number;
  /** Share of clustered rows whose label is their cluster's majority label; null without labels. */
  purity: number | null;
  contours: DensityContour[];
  /** The parameters after defaults, and the kernel width in view units. */
  params: Required<ClusterParams> & { kernel: number };
}

/** One condition of a search; a row matches a search when it meets every condition. */
export type RowFilter =
  /** Source row ids: "12, 40-60". */
  | { column: 'id'; text: string }
  /** Case-insensitive text match in the label, in one text column, or ('*') in the label, any text column or the id. */
  | { column: string; text: string }
  /** A number column (or the id) between min and max, both inclusive; either may be left out. */
  | { column: string; min?: number; max?: number };

export interface FindRequest {
  datasetId: DatasetId;
  filters: RowFilter[];
}

export interface FindResult {
  /** Matching test-split positions, ascending. */
  rows: Int32Array;
  /** What was searched, in words ("label contains 7 and bill_length_mm from 40"). */
  description: string;
}

/** One column of the selection against the other rows. */
export type ColumnComparison =
  | {
    name: string;
    kind: 'number';
    selected: { mean: number; std: number; missing: number };
    rest: { mean: number; std: number; missing: number };
    /** Standardized mean difference (pooled SD); 0 when undefined. */
    smd: number;
  }
  | {
    name: string;
    kind: 'category';
    /** The most common categories of the selection (at most five) with their shares in both. */
    top: { value: string; selected: number; rest: number }[];
    /** Total variation distance between the two distributions (0 = the same, 1 = disjoint). */
    distance: number;
  };

export interface SelectionStats {
  selected: number;
  rest: number;
  columns: ColumnComparison[];
}

export interface SelectionRowsRequest {
  datasetId: DatasetId;
  /** Test-split positions. */
  rows: Int32Array;
  /** 'id', 'label' or a column name; default the order given. */
  sortBy?: string;
  descending?: boolean;
  offset?: number;
  limit?: number;
}

export interface SelectionRows {
  total: number;
  /** This page's test-split positions, in the sorted order. */
  rows: Int32Array;
  rowIds: Int32Array;
  columns: string[];
  cells: (string | number | null)[][];
  /** Label names per row of the page, or null. */
  labels: (string | null)[] | null;
  thumbnails: { width: number; height: number; channels: number; data: Uint8Array } | null;
}

/** Groups compared between two views: the classes, or the clusters found in the first view. */
export type NeighbourhoodGroups = 'label' | 'clusters';

export interface NeighbourhoodRequest {
  datasetId: DatasetId;
  /** Views to score (each row: how many of its data-space neighbours the view keeps). */
  embeddingIds: EmbeddingId[];
  /** Two of them to compare group by group. */
  pair?: [EmbeddingId, EmbeddingId];
  groupBy?: NeighbourhoodGroups;
}

export interface NeighbourhoodGroup {
  name: string;
  size: number;
  /** Mean share of data-space neighbours kept in view A and in view B. */
  keptA: number;
  keptB: number;
  /** Mean share of view A's neighbours that are also view B's (1 = the same neighbourhoods). */
  agreement: number;
}

export interface NeighbourhoodChange {
  datasetId: DatasetId;
  k: number;
  views: { embeddingId: EmbeddingId; title: string; kept: Uint8Array; mean: number }[];
  pair: { a: EmbeddingId; b: EmbeddingId; groupBy: NeighbourhoodGroups; groups: NeighbourhoodGroup[] } | null;
}
