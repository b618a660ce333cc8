// A dataset as the engine holds it: an n×d Float32 matrix per split plus labels and metadata.
import type { DataMatrix, DatasetSummary } from '../../../shared/types';

export interface Split {
  x: DataMatrix;
  n: number;
  /** Label index per row (-1 = missing), or null when the dataset has no label. */
  labels: Int32Array | null;
  /** Row index in the source file / original split, for exports. */
  rowIds: Int32Array;
}

export interface Dataset {
  summary: DatasetSummary;
  train: Split;
  test: Split;
  /** Per feature: x = (raw − center) / spread; absent = raw values as they are. */
  featureMap?: { center: Float64Array; spread: Float64Array };
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
