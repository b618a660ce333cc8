// A dataset as the engine holds it: an n×d Float32 matrix per split plus labels and metadata.
import { LabFailure } from '../../../shared/api';
import type { DataMatrix, DatasetSummary } from '../../../shared/types';
import type { StreamedData } from '../stream/types';
import type { RawTable } from './table';

export interface Split {
  x: DataMatrix;
  n: number;
  /** Label index per row (-1 = missing), or null when the dataset has no label. */
  labels: Int32Array | null;
  /** Row index in the source file / original split, for exports. */
  rowIds: Int32Array;
}

/** Where each feature came from, so raw values can be read back from the feature matrix. */
export interface FeatureMap {
  /** Per feature: x = (raw − center) / spread. */
  center: Float64Array;
  spread: Float64Array;
  /** Per raw column (same order as RawTable.columns). */
  columns: {
    kind: 'number' | 'onehot' | 'none';
    start: number;
    width: number;
    /** Source rows whose missing value was filled in (sorted), or null. */
    imputed: Int32Array | null;
    /** One-hot: dictionary code of each feature column. */
    codes: number[] | null;
  }[];
  /** The pixel block's features and its value range before /maxValue (for thumbnails). */
  pixels: { start: number; shape: [number, number, number]; maxValue: number | null; lo: number; hi: number; isImage: boolean } | null;
}

export interface Dataset {
  summary: DatasetSummary;
  train: Split;
  test: Split;
  /** The table as read; feature columns' values are released once they live in the splits. */
  raw: RawTable;
  featureMap: FeatureMap;
  /**
   * Set when the file was over the memory budget: `train` and `test` then hold a sample, `raw`
   * holds the sample's cells by position in `stream.sampleRows`, and the rows stream from here.
   */
  stream?: StreamedData;
}

export const asData = (a: Float32Array) => a as DataMatrix;

/** Counts per label index (labels < 0 are skipped). */
export function labelCounts(labels: Int32Array, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const l of labels) if (l >= 0) counts[l]++;
  return counts;
}

/** The first `limit` rows of a split (a view, no copy); limit 0 = all. */
export function headRows(split: Split, d: number, limit: number): Split {
  if (!limit || limit >= split.n) return split;
  return {
    x: asData(split.x.subarray(0, limit * d)),
    n: limit,
    labels: split.labels ? split.labels.subarray(0, limit) : null,
    rowIds: split.rowIds.subarray(0, limit),
  };
}

/** Several splits one after another (e.g. train then test), copied into one. */
export function concatSplits(parts: Split[], d: number): Split {
  if (parts.length === 1) return parts[0];
  const n = parts.reduce((s, p) => s + p.n, 0);
  const x = new Float32Array(n * d);
  const rowIds = new Int32Array(n);
  const labels = parts.every((p) => p.labels) ? new Int32Array(n) : null;
  let at = 0;
  for (const p of parts) {
    x.set(p.x.subarray(0, p.n * d), at * d);
    rowIds.set(p.rowIds, at);
    labels?.set(p.labels!, at);
    at += p.n;
  }
  return { x: asData(x), n, labels, rowIds };
}

/** The labels of several splits one after another, or null when one has none. */
export function concatLabels(splits: Split[]): Int32Array | null {
  if (splits.length === 1) return splits[0].labels;
  if (!splits.every((s) => s.labels)) return null;
  const out = new Int32Array(splits.reduce((s, p) => s + p.n, 0));
  let at = 0;
  for (const s of splits) {
    out.set(s.labels!, at);
    at += s.n;
  }
  return out;
}

/** Copies the given rows of a split into one row-major matrix. */
export function gatherRows(split: Split, d: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(split.x.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

/** Refuses row positions outside a split. */
export function checkRows(rows: number[], n: number, split: 'train' | 'test'): void {
  const bad = rows.find((r) => r >= n);
  if (bad !== undefined) {
    throw new LabFailure('no-such-row', `Row ${bad} is outside the ${split} split (${n} rows, numbered from 0).`, `Pick rows 0 to ${n - 1}.`);
  }
}
