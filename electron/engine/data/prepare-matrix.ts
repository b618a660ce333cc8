// The split feature matrices built from the raw columns: one-hot and pixel features gathered per
// split, numeric columns written in one backward walk that frees the raw columns behind it, or a
// row-major block turned into the splits (the training rows in place). Split from prepare.ts so that the memory-careful
// matrix building stands apart from the decisions (roles, missing values, split) that drive it.
import { adviseHugePages, nativeAddon } from '../native/addon';
import type { NumberColumn, RawTable, TextColumn } from './table';

/** Builds the feature matrix of some rows (one row per source row id). */
export function gatherRows(
  rowIds: Int32Array, d: number,
  onehot: { col: TextColumn; at: number; codes: number[]; fill: number }[], pixels: RawTable['pixels'], pixelAt: number,
): Float32Array {
  const n = rowIds.length;
  const x = new Float32Array(n * d);
  for (const { col, at, codes, fill } of onehot) {
    const slot = new Int32Array(col.dictionary.length).fill(-1);
    codes.forEach((c, k) => (slot[c] = k));
    for (let i = 0; i < n; i++) {
      const code = col.codes[rowIds[i]];
      const k = slot[code < 0 ? fill : code];
      if (k >= 0) x[i * d + at + k] = 1;
    }
  }
  if (pixels) {
    const w = pixels.shape[0] * pixels.shape[1] * pixels.shape[2];
    const scale = pixels.maxValue ? 1 / pixels.maxValue : 1;
    const src = pixels.data;
    for (let i = 0; i < n; i++) {
      const from = rowIds[i] * w;
      const to = i * d + pixelAt;
      for (let k = 0; k < w; k++) x[to + k] = src[from + k] * scale;
    }
  }
  return x;
}

/** Rows walked between two shrinks of the raw columns. */
const RELEASE_EVERY = 1 << 16;

/**
 * The numeric features of both splits, written from the file's last row to its first. The split
 * row lists are sorted, so the matrices fill from their ends as the walk goes, while each raw
 * column (a resizable buffer when DuckDB read it) shrinks behind it: the data is held about once,
 * not twice, at any moment.
 */
export function fillNumeric(
  totalRows: number, parts: { train: Int32Array; test: Int32Array }, x: { train: Float32Array; test: Float32Array },
  d: number, numeric: { col: NumberColumn; at: number; fill: number }[],
): void {
  // where[r]: position in train (≥ 0), -(position in test) - 2, or -1 for a dropped row
  const where = new Int32Array(totalRows).fill(-1);
  parts.train.forEach((r, i) => (where[r] = i));
  parts.test.forEach((r, i) => (where[r] = -i - 2));
  const cols = numeric.map((n) => n.col.values);
  const at = Int32Array.from(numeric, (n) => n.at);
  const fill = Float32Array.from(numeric, (n) => n.fill);
  const shrinkable = numeric.map((n) => n.col.values.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.resizable);
  for (let r = totalRows - 1; r >= 0; r--) {
    const w = where[r];
    if (w !== -1) {
      const dst = w >= 0 ? x.train : x.test;
      const base = (w >= 0 ? w : -w - 2) * d;
      for (let k = 0; k < cols.length; k++) {
        const v = cols[k][r];
        dst[base + at[k]] = v === v ? v : fill[k];
      }
    }
    if (r % RELEASE_EVERY === 0) for (const b of shrinkable) if (b.byteLength > r * 4) b.resize(r * 4);
  }
}

/**
 * The split matrices made from a row-major block (rows × stride) in one forward walk in file order:
 * the training rows move to the front of the block, d features each (training row i comes from
 * source row ≥ i and is read before it is written, so nothing unread is overwritten), and the test
 * rows are copied into an array of their own. The training split is a view of the block; the
 * test rows cost one more copy of their share of the data (a fifth by default), which a cycle-by-
 * cycle permutation of the block avoided at three times the time (random row accesses).
 */
export function splitBlockInPlace(
  data: Float32Array, parts: { train: Int32Array; test: Int32Array }, d: number,
  numeric: { col: NumberColumn; at: number; fill: number }[],
): { train: Float32Array; test: Float32Array } {
  const { train, test } = parts;
  const stride = numeric[0].col.block!.stride;
  const off = Int32Array.from(numeric, (n) => n.col.block!.offset);
  const at = Int32Array.from(numeric, (n) => n.at);
  const fill = Float32Array.from(numeric, (n) => n.fill);
  const m = numeric.length;
  const identity = d === stride && numeric.every((n, k) => n.fill !== n.fill && n.at === k && off[k] === k);
  // shared like the block (scaling may run on threads), on huge pages where the system allows
  const testX = new Float32Array(new SharedArrayBuffer(Math.max(1, test.length * d) * 4), 0, test.length * d);
  adviseHugePages(testX);
  const addon = nativeAddon().addon;
  if (identity && addon?.splitBlock) {
    // the same moves, whole rows at a time in the addon
    addon.splitBlock(data, stride, train, test, testX);
    return { train: data.subarray(0, train.length * d), test: testX };
  }
  const row = new Float32Array(Math.max(stride, d));
  for (let i = 0, j = 0; i < train.length || j < test.length;) {
    const isTrain = j >= test.length || (i < train.length && train[i] < test[j]);
    const src = (isTrain ? train[i] : test[j]) * stride;
    const dst = isTrain ? data : testX;
    const to = (isTrain ? i++ : j++) * d;
    if (identity) {
      if (isTrain) {
        if (src !== to) data.copyWithin(to, src, src + stride);
      } else testX.set(data.subarray(src, src + stride), to);
      continue;
    }
    for (let t = 0; t < stride; t++) row[t] = data[src + t];
    for (let t = 0; t < m; t++) {
      const v = row[off[t]];
      dst[to + at[t]] = v === v ? v : fill[t];
    }
  }
  return { train: data.subarray(0, train.length * d), test: testX };
}
