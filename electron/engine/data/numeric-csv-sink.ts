// The matrix a plain numeric file is read into (numeric-csv.ts), grown as rows arrive, and the
// per-column statistics gathered while the rows are still in cache (missing and infinite counts,
// min / max / sums), so that no second pass over the data is needed. Split from numeric-csv.ts so
// that the statistics stand apart from the parser and the reading loop.
import type { BlockMoments } from './table';

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
    this.data = new Float32Array(Math.ceil(expectedRows * 1.1 + 1024) * cols);
    this.missing = new Float64Array(cols);
    this.infinite = new Float64Array(cols);
    this.firstInfinite = new Float64Array(cols).fill(-1);
    this.moments = {
      min: new Float64Array(cols).fill(Infinity), max: new Float64Array(cols).fill(-Infinity),
      sum: new Float64Array(cols), sumSq: new Float64Array(cols), count: new Float64Array(cols),
    };
  }

  get capacity(): number {
    return this.data.length / this.cols;
  }

  /** A bigger matrix when the file holds more rows than the sample suggested. */
  grow(): void {
    const next = new Float32Array(Math.ceil(this.capacity * 1.5) * this.cols);
    next.set(this.data.subarray(0, this.rows * this.cols));
    this.data = next;
  }

  /**
   * Takes in rows [this.rows, upTo) while they are still in cache: counts missing and infinite
   * cells and sums the finite ones in row order, as numericSummary() would.
   */
  take(upTo: number): void {
    const { cols, data } = this;
    const { min, max, sum, sumSq, count } = this.moments;
    for (let r = this.rows; r < upTo; r++) {
      for (let k = 0, s = r * cols; k < cols; k++, s++) {
        const v = data[s];
        if (v !== v) this.missing[k]++;
        else if (v === Infinity || v === -Infinity) {
          if (this.infinite[k]++ === 0) this.firstInfinite[k] = r;
        } else {
          if (v < min[k]) min[k] = v;
          if (v > max[k]) max[k] = v;
          sum[k] += v;
          sumSq[k] += v * v;
          count[k]++;
        }
      }
    }
    this.rows = upTo;
  }

  release(): void {
    this.data = new Float32Array(0);
  }
}
