// The matrix a plain numeric file is read into (numeric-csv.ts), grown as rows arrive, and the
// per-column statistics gathered while the rows are still in cache (missing and infinite counts,
// min / max / sums), so that no second pass over the data is needed. Split from numeric-csv.ts so
// that the statistics stand apart from the parser and the reading loop. Everything lives in shared
// memory: the parse threads write their rows straight into the matrix, and the sums are taken by
// column ranges on every thread (each column's sums still run in row order: the same bits).
import { adviseHugePages } from '../native/addon';
import type { BlockMoments } from './table';

const sharedF64 = (n: number, fill = 0) => new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8)).fill(fill);

/**
 * The row-major matrix the lines are parsed into (rows × columns, a plain array so that it can become
 * the split matrices later), with the missing / infinite counts numberColumn() would keep.
 */
export class BlockSink {
  data: Float32Array;
  rows = 0;
  readonly missing: Float64Array;
  readonly infinite: Float64Array;
  readonly firstInfinite: Float64Array;
  readonly moments: BlockMoments;

  constructor(readonly cols: number, expectedRows: number) {
    // untouched capacity costs address space only: the estimate from the sample plus a margin
    // (fresh memory: huge pages where the system allows, so writing it costs few page faults)
    this.data = new Float32Array(new SharedArrayBuffer(Math.ceil(expectedRows * 1.1 + 1024) * cols * 4));
    adviseHugePages(this.data);
    this.missing = sharedF64(cols);
    this.infinite = sharedF64(cols);
    this.firstInfinite = sharedF64(cols, -1);
    this.moments = {
      min: sharedF64(cols, Infinity), max: sharedF64(cols, -Infinity),
      sum: sharedF64(cols), sumSq: sharedF64(cols), count: sharedF64(cols),
    };
  }

  get capacity(): number {
    return this.data.length / this.cols;
  }

  /** A bigger matrix when the file holds more rows than the sample suggested. */
  grow(): void {
    const next = new Float32Array(new SharedArrayBuffer(Math.ceil(this.capacity * 1.5) * this.cols * 4));
    adviseHugePages(next);
    next.set(this.data.subarray(0, this.rows * this.cols));
    this.data = next;
  }

  /** The arguments of sumColumns() for rows [this.rows, upTo) and columns [k0, k1). */
  sumArgs(upTo: number, k0: number, k1: number): unknown[] {
    const { min, max, sum, sumSq, count } = this.moments;
    return [this.data, this.rows, upTo, this.cols, k0, k1, this.missing, this.infinite, this.firstInfinite, min, max, sum, sumSq, count];
  }

  /** Takes in rows [this.rows, upTo) on this thread (sumColumns over every column). */
  take(upTo: number): void {
    const { min, max, sum, sumSq, count } = this.moments;
    sumColumns(this.data, this.rows, upTo, this.cols, 0, this.cols, this.missing, this.infinite, this.firstInfinite, min, max, sum, sumSq, count);
    this.rows = upTo;
  }

  release(): void {
    this.data = new Float32Array(0);
  }
}

/**
 * A kernel (threads.ts): takes in rows [from, to) of columns [k0, k1) while they are still in cache:
 * counts missing and infinite cells and sums the finite ones in row order, as numericSummary()
 * would. Columns are independent, so any cut of them into ranges gives the same bits.
 */
export function sumColumns(
  data: Float32Array, from: number, to: number, cols: number, k0: number, k1: number,
  missing: Float64Array, infinite: Float64Array, firstInfinite: Float64Array,
  min: Float64Array, max: Float64Array, sum: Float64Array, sumSq: Float64Array, count: Float64Array,
): void {
  // the addon's copy where this thread has it (the same operations in the same order)
  const addon = (globalThis as { labAddon?: { sumColumns?: (...a: unknown[]) => void } | null }).labAddon;
  if (addon?.sumColumns) {
    addon.sumColumns(data, from, to, cols, k0, k1, missing, infinite, firstInfinite, min, max, sum, sumSq, count);
    return;
  }
  for (let r = from; r < to; r++) {
    for (let k = k0, s = r * cols + k0; k < k1; k++, s++) {
      const v = data[s];
      if (v !== v) missing[k]++;
      else if (v === Infinity || v === -Infinity) {
        if (infinite[k]++ === 0) firstInfinite[k] = r;
      } else {
        if (v < min[k]) min[k] = v;
        if (v > max[k]) max[k] = v;
        sum[k] += v;
        sumSq[k] += v * v;
        count[k]++;
      }
    }
  }
}
