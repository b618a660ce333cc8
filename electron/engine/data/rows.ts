// Reads rows of an open dataset back for the UI: raw cells (undoing the scaling for released
// feature columns), the model's features, labels and image thumbnails.
import { LabFailure } from '../../../shared/api';
import type { DatasetRows, SplitName } from '../../../shared/types';
import { samplePosition } from '../stream/types';
import type { Dataset } from './dataset';
import { dataNumber, rangeExponent } from '../export/numbers';
import { cellValue } from './table';

/** Where a source row's raw cells are: the row itself, or (streamed) its position in the sample. */
export const rawAt = (ds: Dataset, row: number) => (ds.stream ? samplePosition(ds.stream, row) : row);

/** Longest thumbnail side: larger images are box-averaged down by a whole factor. */
const THUMB_MAX = 32;

/** Position of `value` in an ascending array, or -1. */
export function indexOf(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] === value) return mid;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function contains(sorted: Int32Array | null, value: number): boolean {
  return sorted !== null && indexOf(sorted, value) >= 0;
}


export function getRows(ds: Dataset, split: SplitName, rowIds: number[]): DatasetRows {
  const part = split === 'train' ? ds.train : ds.test;
  const d = ds.summary.features;
  const n = rowIds.length;
  const positions = rowIds.map((id) => {
    const at = indexOf(part.rowIds, id);
    if (at < 0) throw new LabFailure('no-such-row', `Row ${id} is not in the ${split} split of ${ds.summary.name}.`, 'Ask for row ids taken from that split (e.g. an embedding’s rowIds).');
    return at;
  });
  const features = new Float32Array(n * d);
  positions.forEach((p, i) => features.set(part.x.subarray(p * d, (p + 1) * d), i * d));
  const { center, spread, columns: map } = ds.featureMap;
  // a feature column's value comes back by undoing the scaling: round away the error that leaves
  const exps = map.map((m, c) => (m.kind === 'number' && (center[m.start] !== 0 || spread[m.start] !== 1)
    ? rangeExponent(ds.summary.columns[c]?.stats.min ?? null, ds.summary.columns[c]?.stats.max ?? null) : null));
  const cells = rowIds.map((id, i) => ds.raw.columns.map((col, c) => {
    const m = map[c];
    if (contains(m.imputed, id)) return null;
    if (m.kind === 'number') return dataNumber(features[i * d + m.start] * spread[m.start] + center[m.start], exps[c]);
    return cellValue(col, rawAt(ds, id));
  }));
  return {
    split,
    rowIds: Int32Array.from(rowIds),
    columns: ds.raw.columns.map((c) => c.name),
    cells,
    features: features as DatasetRows['features'],
    labels: part.labels ? Int32Array.from(positions, (p) => part.labels![p]) : null,
    thumbnails: thumbnails(ds, features, n),
  };
}

/** Thumbnails from the feature rows: undo the scaling, bring values to 0–255, shrink to ≤ `maxSide` px (32). */
export function thumbnails(ds: Dataset, features: Float32Array, n: number, maxSide = THUMB_MAX): DatasetRows['thumbnails'] {
  const px = ds.featureMap.pixels;
  if (!px || !px.isImage) return null;
  const d = ds.summary.features;
  const [h, w, c] = px.shape;
  const f = Math.max(1, Math.ceil(Math.max(h, w) / maxSide));
  const th = Math.floor(h / f);
  const tw = Math.floor(w / f);
  const { center, spread } = ds.featureMap;
  // pixel values before scaling: in [0, 1] when divided by maxValue, else in [lo, hi]
  const lo = px.maxValue ? 0 : px.lo;
  const range = px.maxValue ? 1 : px.hi - px.lo || 1;
  const data = new Uint8Array(n * th * tw * c);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        for (let ch = 0; ch < c; ch++) {
          let sum = 0;
          for (let dy = 0; dy < f; dy++) {
            for (let dx = 0; dx < f; dx++) {
              const k = px.start + ((y * f + dy) * w + (x * f + dx)) * c + ch;
              sum += features[i * d + k] * spread[k] + center[k];
            }
          }
          const v = (sum / (f * f) - lo) / range;
          data[((i * th + y) * tw + x) * c + ch] = Math.max(0, Math.min(255, Math.round(v * 255)));
        }
      }
    }
  }
  return { width: tw, height: th, channels: c, data };
}
