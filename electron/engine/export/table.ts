// One export as a table: the rows asked for (a split, every row, or a selection) and the columns
// asked for (id, split, label, the coordinates, anomaly scores, a cluster id, the dataset's own
// columns), column-wise and typed, so that every format writer (text, NumPy, Parquet, Projector)
// reads the same thing.
import { LabFailure } from '../../../shared/api';
import type { AnomalyResult } from '../../../shared/anomalies';
import type { ExportColumns, ExportFormat, ExportSplit } from '../../../shared/export';
import type { EmbeddingData, LatentMatrix } from '../../../shared/types';
import type { Dataset } from '../data/dataset';
import { columnValues } from '../data/column-values';
import { columnExponent } from './numbers';

export type ExportColumn =
  /**
   * Numbers, element i at data[offset + i·stride]; NaN = missing. 'f32': the exact float32 value;
   * 'data': a value read from the file, 7 significant digits, no finer than `columnExp` (the
   * precision left after undoing the scaling; null when the values were not scaled).
   */
  | { name: string; type: 'float'; data: Float32Array; stride: number; offset: number; rounding: 'f32' | 'data'; columnExp?: number | null }
  /** Whole numbers; `missing` marks an empty cell. */
  | { name: string; type: 'int'; data: Int32Array; missing: number | null }
  /** Text as dictionary codes; −1 = missing. */
  | { name: string; type: 'text'; codes: Int32Array; dictionary: string[] };

export interface ExportTable {
  rows: number;
  /** The coordinates: rows × dims, row-major. */
  coords: LatentMatrix;
  dims: number;
  columns: ExportColumn[];
  /** Source row id and split of every row (the Projector's sprite reads the pixels back). */
  rowIds: Int32Array;
  /** 0 = training row, 1 = test row. */
  splitOf: Uint8Array;
  notes: string[];
}

/** The embedding's coordinates of one split, with the split's rows. */
export interface SplitCoords {
  split: 'train' | 'test';
  data: EmbeddingData;
}

export interface TableRequest {
  format: ExportFormat;
  split: ExportSplit;
  rows?: number[];
  rowIds?: number[];
  columns?: ExportColumns;
}

/** Column picks after the format's defaults: NumPy holds the coordinates only. */
function resolvedColumns(req: TableRequest, hasLabels: boolean): Required<Pick<ExportColumns, 'id' | 'label'>> & ExportColumns {
  const c = req.columns ?? {};
  if (req.format === 'npy') {
    const extra = (c.id ? ['id'] : []).concat(c.label ? ['label'] : [], c.original ? ['the original columns'] : [], c.anomalyId ? ['anomaly scores'] : [], c.clusters ? ['cluster'] : []);
    if (extra.length) {
      throw new LabFailure('bad-request', `A .npy file holds one float32 array (the coordinates), so it cannot hold ${extra.join(', ')}.`,
        'Export as CSV, TSV, Parquet or JSON for those columns, or leave them out.');
    }
    return { id: false, label: false };
  }
  return { ...c, id: c.id ?? true, label: (c.label ?? true) && hasLabels };
}

/** Positions of the wanted rows in the concatenated splits, ascending and without duplicates. */
function pickRows(req: TableRequest, rowIds: Int32Array, splitName: string): Int32Array | null {
  if (req.rows && req.rowIds) throw new LabFailure('bad-request', 'Give either row positions or row ids, not both.');
  const n = rowIds.length;
  if (req.rows) {
    const bad = req.rows.find((r) => r >= n);
    if (bad !== undefined) {
      throw new LabFailure('no-such-row', `Row ${bad} is outside the ${splitName} (${n.toLocaleString('en-US')} rows, numbered from 0).`,
        'Select the rows again in a view of this embedding.');
    }
    return Int32Array.from(new Set(req.rows)).sort();
  }
  if (req.rowIds) {
    const at = new Map<number, number>();
    rowIds.forEach((id, i) => at.set(id, i));
    const out = new Set<number>();
    for (const id of req.rowIds) {
      const p = at.get(id);
      if (p === undefined) {
        throw new LabFailure('no-such-row', `There is no row with id ${id} in the ${splitName}.`,
          'Pick ids of rows in the chosen split (the id column of an export, or a selection in a view).');
      }
      out.add(p);
    }
    return Int32Array.from(out).sort();
  }
  return null;
}

function concat<T extends Int32Array | Float32Array>(parts: T[], make: (n: number) => T): T {
  if (parts.length === 1) return parts[0];
  const out = make(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function gather<T extends Int32Array | Float32Array | Uint8Array>(a: T, picked: Int32Array | null, width = 1): T {
  if (!picked) return a;
  const out = new (a.constructor as new (n: number) => T)(picked.length * width);
  if (width === 1) {
    for (let i = 0; i < picked.length; i++) out[i] = a[picked[i]];
  } else {
    for (let i = 0; i < picked.length; i++) out.set(a.subarray(picked[i] * width, (picked[i] + 1) * width), i * width);
  }
  return out;
}

/** Names made unique in order: a later "label" next to an earlier one becomes "label_2". */
function uniqueNames(columns: ExportColumn[]): void {
  const seen = new Set<string>();
  for (const c of columns) {
    let name = c.name;
    for (let k = 2; seen.has(name); k++) name = `${c.name}_${k}`;
    c.name = name;
    seen.add(name);
  }
}

/**
 * Builds the table of an export. `parts` holds the coordinates of each split in order (one part,
 * or training then test rows for 'all'); `anomaly` is the result whose scores to add (test rows).
 */
export function buildTable(ds: Dataset, parts: SplitCoords[], req: TableRequest, anomaly: AnomalyResult | null): ExportTable {
  const dims = parts[0].data.dims;
  const splitName = req.split === 'all' ? 'dataset (training rows first, then test rows)' : `${req.split} split`;
  const allIds = concat(parts.map((p) => p.data.rowIds), (n) => new Int32Array(n));
  const picked = pickRows(req, allIds, splitName);
  const total = allIds.length;
  const n = picked ? picked.length : total;
  const cols = resolvedColumns(req, ds.summary.labelNames !== null);
  const notes: string[] = [];
  const columns: ExportColumn[] = [];

  const splitAll = new Uint8Array(total);
  {
    let at = 0;
    for (const p of parts) {
      splitAll.fill(p.split === 'test' ? 1 : 0, at, at + p.data.rows);
      at += p.data.rows;
    }
  }
  const rowIds = gather(allIds, picked);
  const splitOf = gather(splitAll, picked);
  const coords = gather(concat(parts.map((p) => p.data.coords as Float32Array), (k) => new Float32Array(k)), picked, dims) as LatentMatrix;

  if (cols.id) columns.push({ name: 'id', type: 'int', data: rowIds, missing: null });
  if (req.split === 'all' && req.format !== 'npy') {
    columns.push({ name: 'split', type: 'text', codes: Int32Array.from(splitOf), dictionary: ['train', 'test'] });
  }
  if (cols.label) {
    const labels = concat(parts.map((p) => p.data.labels ?? new Int32Array(p.data.rows).fill(-1)), (k) => new Int32Array(k));
    columns.push({ name: 'label', type: 'text', codes: gather(labels, picked), dictionary: ds.summary.labelNames ?? [] });
  }
  for (let j = 0; j < dims; j++) columns.push({ name: `z${j + 1}`, type: 'float', data: coords, stride: dims, offset: j, rounding: 'f32' });

  if (cols.anomalyId && anomaly) {
    if (anomaly.rows !== ds.test.n) throw new LabFailure('wrong-dataset', 'Those anomaly scores do not belong to this dataset’s test split.', 'Run the anomaly detection on this dataset again.');
    if (req.split === 'train') {
      throw new LabFailure('no-scores', 'Anomaly scores exist for the test rows only, and this export holds training rows.',
        'Export the test rows or all rows to add the scores, or leave the scores out.');
    }
    const testAt = new Map<number, number>();
    ds.test.rowIds.forEach((id, i) => testAt.set(id, i));
    let without = 0;
    for (const m of anomaly.methods) {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const p = splitOf[i] === 1 ? testAt.get(rowIds[i]) : undefined;
        data[i] = p === undefined ? NaN : m.scores[p];
      }
      columns.push({ name: m.key, type: 'float', data, stride: 1, offset: 0, rounding: 'f32' });
    }
    for (let i = 0; i < n; i++) if (splitOf[i] === 0) without++;
    if (without) notes.push(`${without.toLocaleString('en-US')} training rows have no anomaly score (scores exist for test rows only): their score cells are empty.`);
  }

  if (cols.clusters) {
    if (cols.clusters.length !== total) {
      throw new LabFailure('bad-request', `The cluster ids cover ${cols.clusters.length.toLocaleString('en-US')} rows but the ${splitName} has ${total.toLocaleString('en-US')}.`,
        'Pass one cluster id per row of the chosen split (−1 for none).');
    }
    columns.push({ name: 'cluster', type: 'int', data: gather(cols.clusters, picked), missing: -1 });
  }

  if (cols.original) {
    const wanted = cols.original === true ? ds.raw.columns.map((c) => c.name) : cols.original;
    for (const name of wanted) {
      // the values of each split, in the file's units, then the rows asked for
      const per = parts.map((p) => columnValues(ds, p.split, name));
      const first = per[0];
      if (first.kind === 'category') {
        const codes = concat(per.map((v) => (v as typeof first).codes), (k) => new Int32Array(k));
        columns.push({ name, type: 'text', codes: gather(codes, picked), dictionary: first.names });
      } else {
        const values = concat(per.map((v) => (v as Extract<typeof v, { kind: 'number' }>).values), (k) => new Float32Array(k));
        // a released feature column was rebuilt by undoing the scaling: round to the column's precision
        const at = ds.raw.columns.findIndex((c) => c.name === name);
        const map = ds.featureMap.columns[at];
        const rebuilt = map?.kind === 'number' && ds.raw.columns[at].kind === 'number' && (ds.raw.columns[at] as { values: Float32Array }).values.length === 0
          && (ds.featureMap.center[map.start] !== 0 || ds.featureMap.spread[map.start] !== 1);
        columns.push({ name, type: 'float', data: gather(values, picked), stride: 1, offset: 0, rounding: 'data', columnExp: rebuilt ? columnExponent(values) : null });
      }
    }
    if (ds.featureMap.pixels && cols.original === true) {
      notes.push(`The ${ds.featureMap.pixels.shape.slice(0, 2).join('×')} pixels are not written as columns; the other columns are.`);
    }
  }

  uniqueNames(columns);
  return { rows: n, coords, dims, columns, rowIds, splitOf, notes };
}
