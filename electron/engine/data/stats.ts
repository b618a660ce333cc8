// Per-column statistics for the Data panel's column table: counts, range, mean, a small histogram
// for numbers and the most frequent values for text.
import type { ColumnStats } from '../../../shared/types';
import type { NumberColumn, RawColumn, TextColumn } from './table';

export const HISTOGRAM_BINS = 20;
const DISTINCT_CAP = 1000;
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

function numberStats(col: NumberColumn): ColumnStats {
  const s = numericSummary(col.values);
  const distinct = distinctNumbers(col.values, DISTINCT_CAP);
  const lowCardinality = !distinct.capped && distinct.count <= 20 && (col.type !== 'number' || distinct.count <= 2);
  return {
    count: col.values.length - col.missing,
    missing: col.missing,
    distinct: distinct.count,
    distinctCapped: distinct.capped,
    min: s.min, max: s.max, mean: s.mean, std: s.std,
    histogram: s.histogram,
    top: lowCardinality ? topOf(new Map([...distinct.values].map(([v, c]) => [String(v), c]))) : null,
  };
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
