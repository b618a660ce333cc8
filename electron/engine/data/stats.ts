// Per-column statistics for the Data panel's column table: counts, range, mean, a small histogram
// for numbers and the most frequent values for text.
import type { ColumnStats } from '../../../shared/types';
import type { NumberColumn, RawColumn, TextColumn } from './table';

export const HISTOGRAM_BINS = 20;
const DISTINCT_CAP = 1000;
/** Rows per block of the column-by-column passes over a row-major block. */
const BLOCK_ROWS = 512;

/**
 * min(bins − 1, ⌊x / width⌋) as numericSummary() computes it, by a multiplication with 1 / width:
 * the product is within a few units in the last place of the quotient, so only an x close to a
 * bin edge needs the division itself. A kernel (threads.ts), as histogramColumns() calls it.
 */
export function histogramBin(x: number, width: number, inv: number, bins: number): number {
  if (!(width > 0)) return 0;
  const q = x * inv;
  const f = Math.floor(q);
  const b = q - f > 1e-9 && f + 1 - q > 1e-9 ? f : Math.floor(x / width);
  return Math.min(bins - 1, b) | 0;
}

/**
 * A kernel (threads.ts): the histograms of columns [k0, k1) of a row-major block (rows × stride),
 * `bins` bins each between the column's min and max, added into counts[k * bins + b]. Counts do
 * not depend on the order the values are met in: any cut of the columns gives the same result.
 */
export function histogramColumns(
  data: Float32Array, rows: number, stride: number, k0: number, k1: number,
  min: Float64Array, max: Float64Array, bins: number, counts: Float64Array,
): void {
  // the addon's copy where this thread has it (the same operations)
  const addon = (globalThis as { labAddon?: { histogramColumns?: (...a: unknown[]) => void } | null }).labAddon;
  if (addon?.histogramColumns) {
    addon.histogramColumns(data, rows, stride, k0, k1, min, max, bins, counts);
    return;
  }
  const BLOCK = 512; // rows per block: they stay in cache while each column is walked
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const end = Math.min(rows, r0 + BLOCK) * stride;
    for (let k = k0; k < k1; k++) {
      const lo = min[k];
      const width = (max[k] - lo) / bins;
      const inv = 1 / width;
      const at = k * bins;
      for (let i = r0 * stride + k; i < end; i += stride) {
        const v = data[i];
        if (v !== v || v === Infinity || v === -Infinity) continue;
        counts[at + histogramBin(v - lo, width, inv, bins)]++;
      }
    }
  }
}
const TOP_VALUES = 10;

/** Distinct non-missing values of a number column, counted up to `cap`. */
export function distinctNumbers(values: ArrayLike<number>, cap: number): { count: number; capped: boolean; values: Map<number, number> } {
  const seen = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    const c = seen.get(v);
    if (c !== undefined) seen.set(v, c + 1);
    else {
      if (seen.size >= cap) return { count: seen.size, capped: true, values: seen };
      seen.set(v, 1);
    }
  }
  return { count: seen.size, capped: false, values: seen };
}

/** Range, mean, std and histogram of the finite values (NaN = missing; ±Inf skipped). */
export function numericSummary(values: ArrayLike<number>, stride = 1, offset = 0) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  for (let i = offset; i < values.length; i += stride) {
    const v = values[i];
    if (v !== v || v === Infinity || v === -Infinity) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSq += v * v;
    count++;
  }
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  if (count === 0) return { count, min: null, max: null, mean: null, std: null, histogram: null };
  const mean = sum / count;
  const std = count > 1 ? Math.sqrt(Math.max(0, (sumSq - count * mean * mean) / (count - 1))) : 0;
  const width = (max - min) / HISTOGRAM_BINS;
  for (let i = offset; i < values.length; i += stride) {
    const v = values[i];
    if (v !== v || v === Infinity || v === -Infinity) continue;
    const b = width > 0 ? Math.min(HISTOGRAM_BINS - 1, Math.floor((v - min) / width)) : 0;
    counts[b]++;
  }
  return { count, min, max, mean, std, histogram: { min, max, counts } };
}

function topOf(counts: Map<string, number>): { value: string; count: number }[] {
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, TOP_VALUES).map(([value, count]) => ({ value, count }));
}

function assembleNumberStats(
  col: NumberColumn, rows: number, s: ReturnType<typeof numericSummary>, distinct: ReturnType<typeof distinctNumbers>,
): ColumnStats {
  const lowCardinality = !distinct.capped && distinct.count <= 20 && (col.type !== 'number' || distinct.count <= 2);
  return {
    count: rows - col.missing,
    missing: col.missing,
    distinct: distinct.count,
    distinctCapped: distinct.capped,
    min: s.min, max: s.max, mean: s.mean, std: s.std,
    histogram: s.histogram,
    top: lowCardinality ? topOf(new Map([...distinct.values].map(([v, c]) => [String(v), c]))) : null,
  };
}

function numberStats(col: NumberColumn): ColumnStats {
  return assembleNumberStats(col, col.values.length, numericSummary(col.values), distinctNumbers(col.values, DISTINCT_CAP));
}

/**
 * columnStats() of every column of one row-major block at once, equal to it to the last bit (the
 * same sums in the same order), in passes that read the block front to back: a column-by-column
 * walk would read each cache line of a wide block once per column.
 */
export function blockColumnStats(cols: NumberColumn[], rows: number): ColumnStats[] {
  const m = cols.length;
  if (m === 0) return [];
  const { data, stride } = cols[0].block!;
  const off = Int32Array.from(cols, (c) => c.block!.offset);
  const min = new Float64Array(m).fill(Infinity);
  const max = new Float64Array(m).fill(-Infinity);
  const sum = new Float64Array(m);
  const sumSq = new Float64Array(m);
  const count = new Float64Array(m);
  const given = cols[0].block!.moments;
  if (given) {
    cols.forEach((c, j) => {
      const k = c.block!.offset;
      [min[j], max[j], sum[j], sumSq[j], count[j]] = [given.min[k], given.max[k], given.sum[k], given.sumSq[k], given.count[k]];
    });
  }
  // column by column within blocks of rows that stay in cache (sums keep row order)
  for (let r0 = 0; r0 < rows && !given; r0 += BLOCK_ROWS) {
    const end = Math.min(rows, r0 + BLOCK_ROWS) * stride;
    for (let j = 0; j < m; j++) {
      let lo = min[j];
      let hi = max[j];
      let s = sum[j];
      let s2 = sumSq[j];
      let n = count[j];
      for (let i = r0 * stride + off[j]; i < end; i += stride) {
        const v = data[i];
        if (v !== v || v === Infinity || v === -Infinity) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        s += v;
        s2 += v * v;
        n++;
      }
      [min[j], max[j], sum[j], sumSq[j], count[j]] = [lo, hi, s, s2, n];
    }
  }
  // histograms: the reader's (by block column, taken on its threads) or here, by selected column
  const bins = new Float64Array(m * HISTOGRAM_BINS);
  if (given?.bins) {
    cols.forEach((c, j) => bins.set(given.bins!.subarray(c.block!.offset * HISTOGRAM_BINS, (c.block!.offset + 1) * HISTOGRAM_BINS), j * HISTOGRAM_BINS));
  } else {
    for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
      const end = Math.min(rows, r0 + BLOCK_ROWS) * stride;
      for (let j = 0; j < m; j++) {
        const lo = min[j];
        const width = (max[j] - lo) / HISTOGRAM_BINS;
        const inv = 1 / width;
        const at = j * HISTOGRAM_BINS;
        for (let i = r0 * stride + off[j]; i < end; i += stride) {
          const v = data[i];
          if (v !== v || v === Infinity || v === -Infinity) continue;
          bins[at + histogramBin(v - lo, width, inv, HISTOGRAM_BINS)]++;
        }
      }
    }
  }
  // distinct values, column by column in row order, until every column has passed the cap
  const seen = cols.map(() => new Map<number, number>());
  const capped = new Uint8Array(m);
  let open = m;
  for (let r = 0, base = 0; r < rows && open > 0; r++, base += stride) {
    for (let j = 0; j < m; j++) {
      if (capped[j]) continue;
      const v = data[base + off[j]];
      if (v !== v) continue;
      const map = seen[j];
      const c = map.get(v);
      if (c !== undefined) map.set(v, c + 1);
      else if (map.size >= DISTINCT_CAP) {
        capped[j] = 1;
        open--;
      } else map.set(v, 1);
    }
  }
  return cols.map((col, j) => {
    const n = count[j];
    const summary = n === 0
      ? { count: 0, min: null, max: null, mean: null, std: null, histogram: null }
      : (() => {
        const mean = sum[j] / n;
        const std = n > 1 ? Math.sqrt(Math.max(0, (sumSq[j] - n * mean * mean) / (n - 1))) : 0;
        const counts = Array.from(bins.subarray(j * HISTOGRAM_BINS, (j + 1) * HISTOGRAM_BINS));
        return { count: n, min: min[j], max: max[j], mean, std, histogram: { min: min[j], max: max[j], counts } };
      })();
    return assembleNumberStats(col, rows, summary, { count: seen[j].size, capped: capped[j] === 1, values: seen[j] });
  });
}

function textStats(col: TextColumn): ColumnStats {
  const counts = new Int32Array(col.dictionary.length);
  for (const c of col.codes) if (c >= 0) counts[c]++;
  const named = new Map<string, number>();
  col.dictionary.forEach((v, i) => named.set(v, counts[i]));
  return {
    count: col.codes.length - col.missing,
    missing: col.missing,
    distinct: col.dictionary.length,
    distinctCapped: false,
    min: null, max: null, mean: null, std: null, histogram: null,
    top: topOf(named),
  };
}

export function columnStats(col: RawColumn): ColumnStats {
  return col.kind === 'number' ? numberStats(col) : textStats(col);
}

/** One summary over every value of a pixel block (the Data panel shows it as one "pixels" row). */
export function blockStats(data: ArrayLike<number>): ColumnStats {
  const s = numericSummary(data);
  return {
    count: s.count, missing: data.length - s.count, distinct: 0, distinctCapped: true,
    min: s.min, max: s.max, mean: s.mean, std: s.std, histogram: s.histogram, top: null,
  };
}
