// Missing values: which rows miss a feature value, and what to fill in when the user keeps them.
import type { MissingPolicy } from '../../../shared/types';
import { numberAt, type RawColumn } from './table';

const isMissing = (col: RawColumn, row: number) => {
  if (col.kind === 'text') return col.codes[row] < 0;
  const v = numberAt(col, row);
  return v !== v;
};

/** Rows that miss a value in any of `cols`, with per-column counts. */
export function findMissingRows(rows: number, cols: RawColumn[]) {
  const mask = new Uint8Array(rows);
  let count = 0;
  const withMissing = cols.filter((c) => c.missing > 0);
  for (const c of withMissing) {
    for (let r = 0; r < rows; r++) {
      if (!mask[r] && isMissing(c, r)) {
        mask[r] = 1;
        count++;
      }
    }
  }
  return {
    mask,
    rows: count,
    perColumn: cols.map((c) => ({ name: c.name, count: c.missing })),
    /** The source rows where `col` is missing, ascending. */
    rowsOf(col: RawColumn): Int32Array {
      const out = new Int32Array(col.missing);
      let k = 0;
      for (let r = 0; r < rows && k < out.length; r++) if (isMissing(col, r)) out[k++] = r;
      return out;
    },
  };
}

/**
 * The value that replaces a missing cell, from the training rows: mean, median or most frequent
 * value for numbers; the most frequent category code for text.
 */
export function fillValue(col: RawColumn, trainRows: Int32Array, policy: Exclude<MissingPolicy, 'drop'>): number {
  if (col.kind === 'text') {
    const counts = new Int32Array(col.dictionary.length);
    for (const r of trainRows) if (col.codes[r] >= 0) counts[col.codes[r]]++;
    let best = 0;
    for (let k = 1; k < counts.length; k++) if (counts[k] > counts[best]) best = k;
    return best;
  }
  const present = Float64Array.from(Array.from(trainRows, (r) => numberAt(col, r)).filter((v) => v === v));
  if (present.length === 0) return 0;
  if (policy === 'mean') return present.reduce((a, b) => a + b, 0) / present.length;
  if (policy === 'median') {
    present.sort();
    const mid = present.length >> 1;
    return present.length % 2 ? present[mid] : (present[mid - 1] + present[mid]) / 2;
  }
  const counts = new Map<number, number>();
  let best = present[0];
  for (const v of present) {
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    if (c > counts.get(best)!) best = v;
  }
  return best;
}
