// What can leave the app and how it is asked for: an embedding's coordinates in a file format other
// tools read (CSV, TSV, NumPy, Parquet, JSON, the Embedding Projector's TSV pair) with optional
// columns, and a self-contained HTML report of a dataset's runs and views. Plain data shared by the
// engine, the shells, the CLI and the renderer.
import type { AnomalyId } from './anomalies';
import type { DatasetId, EmbeddingId, RunId } from './types';

export const EXPORT_FORMATS = ['csv', 'tsv', 'npy', 'parquet', 'json', 'projector'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Which rows: one split, or every row (training rows first, then test rows, with a `split` column). */
/** 'every': every row of a streamed dataset, from the view's every-row data on disk (not the sample). */
export const EXPORT_SPLITS = ['test', 'train', 'all', 'every'] as const;
export type ExportSplit = (typeof EXPORT_SPLITS)[number];

export const FORMAT_INFO: Record<ExportFormat, { title: string; extension: string; folder: boolean; columns: boolean }> = {
  csv: { title: 'CSV', extension: '.csv', folder: false, columns: true },
  tsv: { title: 'TSV', extension: '.tsv', folder: false, columns: true },
  npy: { title: 'NumPy .npy (float32, coordinates only)', extension: '.npy', folder: false, columns: false },
  parquet: { title: 'Parquet', extension: '.parquet', folder: false, columns: true },
  json: { title: 'JSON (array of records)', extension: '.json', folder: false, columns: true },
  projector: { title: 'Embedding Projector (vectors.tsv + metadata.tsv)', extension: '', folder: true, columns: true },
};

/** The extra columns beside the coordinates z1…zk. */
export interface ExportColumns {
  /** The row's id in the source (default true). */
  id?: boolean;
  /** The label name (default true when the data has a label). */
  label?: boolean;
  /** The dataset's own columns as read (true = all; or a list of column names); default none. */
  original?: boolean | string[];
  /** One column per score of this anomaly result of the same dataset (test rows only). */
  anomalyId?: AnomalyId;
  /**
   * A cluster id per row of the chosen split (training rows first for 'all'); −1 = none. Latent Lab
   * has no clustering of its own yet: a caller that clustered the rows passes the ids here.
   */
  clusters?: Int32Array;
}

export interface ExportViewRequest {
  embeddingId: EmbeddingId;
  /** The file to write; for 'projector' the folder that receives the files. */
  path: string;
  format: ExportFormat;
  /** Default 'test'. */
  split?: ExportSplit;
  /** Only these rows: positions in the chosen split ('all': training rows first, then test rows). */
  rows?: number[];
  /** Or only the rows with these source row ids. */
  rowIds?: number[];
  columns?: ExportColumns;
  /** Replace an existing file (default: refuse with code 'exists'). */
  overwrite?: boolean;
}

export interface ReportRequest {
  datasetId: DatasetId;
  /** The HTML file to write. */
  path: string;
  /** The run whose config, curves and reconstructions the report shows (default: the latest run on the dataset with a model). */
  runId?: RunId;
  /** Views drawn as scatter images (default: every embedding of the dataset, at most 12). */
  embeddingIds?: EmbeddingId[];
  /** The anomaly result whose ROC curves it shows (default: the latest one of the dataset, if any). */
  anomalyId?: AnomalyId;
  overwrite?: boolean;
}

/** A view's short name for file names: pca2, umap, tsne, vae8, vae8-pca2 (a projected latent). */
export function viewSlug(v: { method: string; dims: number; params: Record<string, number | string | boolean> }): string {
  if (v.method === 'pca') return `pca${v.dims}`;
  if (v.method === 'umap' || v.method === 'tsne') return v.method;
  const base = `${v.method}${v.params.latent ?? v.dims}`;
  return v.params.projected ? `${base}-pca${v.dims}` : base;
}

/** A file name for an export: `<dataset>-<view>[-<split>].<ext>` (a folder name for the Projector). */
export function exportFileName(dataset: string, view: string, format: ExportFormat, split: ExportSplit | 'selection' = 'test'): string {
  const slug = (s: string) => s.toLowerCase().replace(/\.[a-z0-9]+$/, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'data';
  const suffix = split === 'test' ? '' : `-${split}`;
  const base = `${slug(dataset)}-${slug(view)}${suffix}`;
  return format === 'projector' ? `${base}-projector` : `${base}${FORMAT_INFO[format].extension}`;
}
