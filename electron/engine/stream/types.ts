// What the engine holds for a streamed dataset beside its in-memory sample: where the rows are,
// how they become features, how many each split has, and which source rows the sample holds.
import type { PlanCounts, StreamPlan } from './plan';
import type { StreamSource } from './source';

export interface StreamedData {
  source: StreamSource;
  plan: StreamPlan;
  counts: PlanCounts;
  /** Source row numbers of the in-memory sample (both splits), ascending: raw cells are held by position in it. */
  sampleRows: Int32Array;
  /** Rows per chunk when streaming (a range of row numbers, about one Parquet row group). */
  chunkRows: number;
}

/** Position of a source row in the sample's raw cells, or -1 when the sample does not hold it. */
export function samplePosition(s: StreamedData, row: number): number {
  const a = s.sampleRows;
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] === row) return mid;
    if (a[mid] < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
