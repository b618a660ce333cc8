// Turns a raw table into a Dataset: picks features and the label, checks values, splits, scales.
// Every decision taken for the user is written into `notes`.
import { basename } from 'node:path';
import { LabFailure } from '../../../shared/api';
import type { ColumnInfo, DatasetId, DatasetSummary } from '../../../shared/types';
import { mulberry32, shuffledIndices } from '../random';
import { asData, labelCounts, type Dataset, type Split } from './dataset';
import type { NumberColumn, RawColumn, RawTable } from './table';

const LABEL_NAMES = /^(label|labels|class|classes|target|species|y|category|type|digit)$/i;
export const MIN_ROWS = 5;
export const TEST_FRACTION = 0.2;

export interface PrepareOptions {
  /** Column to use as label; null = none; undefined = propose one. */
  labelColumn?: string | null;
  splitSeed?: number;
}

function distinctCount(col: RawColumn, cap: number): number {
  const seen = new Set<string | number>();
  for (const v of col.values) {
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) continue;
    seen.add(v);
    if (seen.size > cap) break;
  }
  return seen.size;
}

/** A label column the user would expect: named like one, or a low-cardinality text column. */
export function proposeLabel(table: RawTable): string | null {
  const named = table.columns.find((c) => LABEL_NAMES.test(c.name.trim()));
  if (named && distinctCount(named, 100) <= 100) return named.name;
  const text = table.columns.filter((c) => c.kind === 'string' && distinctCount(c, 50) <= Math.max(2, Math.min(50, table.rows / 2)));
  return text.length ? text[text.length - 1].name : null;
}

function labelIndex(col: RawColumn): { labels: Int32Array; names: string[] } {
  const text = col.kind === 'number'
    ? Array.from(col.values, (v) => (Number.isNaN(v) ? null : String(v)))
    : col.values;
  const distinct = [...new Set(text.filter((v): v is string => v !== null))];
  const numeric = distinct.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => a.localeCompare(b));
  const index = new Map(distinct.map((v, i) => [v, i]));
  return { labels: Int32Array.from(text, (v) => (v === null ? -1 : index.get(v)!)), names: distinct };
}

function checkFeature(file: string, col: NumberColumn): void {
  const name = basename(file);
  if (col.nonFinite > 0) {
    throw new LabFailure('non-finite', `${name}: column "${col.name}" has ${col.nonFinite} infinite or NaN value${col.nonFinite > 1 ? 's' : ''} (first in data row ${col.firstNonFiniteRow + 1}).`,
      'Replace them with real numbers or empty cells, or mark the column as ignored.');
  }
  if (col.missing > 0) {
    const first = col.values.findIndex((v) => Number.isNaN(v));
    throw new LabFailure('missing', `${name}: column "${col.name}" has ${col.missing} empty cell${col.missing > 1 ? 's' : ''} (first in data row ${first + 1}).`,
      'Fill them in, or mark the column as ignored.');
  }
}

function splitRows(n: number, seed: number): { train: Int32Array; test: Int32Array } {
  const order = shuffledIndices(n, mulberry32(seed));
  const nTest = Math.max(1, Math.round(n * TEST_FRACTION));
  const test = Int32Array.from(order.subarray(0, nTest)).sort();
  const train = Int32Array.from(order.subarray(nTest)).sort();
  return { train, test };
}

function gather(features: NumberColumn[], rows: Int32Array, labels: Int32Array | null): Split {
  const d = features.length;
  const x = new Float32Array(rows.length * d);
  for (let j = 0; j < d; j++) {
    const v = features[j].values;
    for (let i = 0; i < rows.length; i++) x[i * d + j] = v[rows[i]];
  }
  return { x: asData(x), n: rows.length, labels: labels ? Int32Array.from(rows, (r) => labels[r]) : null, rowIds: rows };
}

/** Column means/stds on the training split; standardizes both splits in place and returns them. */
function standardize(train: Split, test: Split, d: number): { center: Float64Array; spread: Float64Array } {
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < train.n; i++) for (let j = 0; j < d; j++) mean[j] += train.x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= train.n;
  for (let i = 0; i < train.n; i++) for (let j = 0; j < d; j++) sq[j] += (train.x[i * d + j] - mean[j]) ** 2;
  const std = Array.from(sq, (s) => Math.sqrt(s / Math.max(1, train.n - 1)) || 1);
  for (const s of [train, test]) for (let i = 0; i < s.n; i++) for (let j = 0; j < d; j++) s.x[i * d + j] = (s.x[i * d + j] - mean[j]) / std[j];
  return { center: mean, spread: Float64Array.from(std) };
}

export function prepareTable(id: DatasetId, table: RawTable, opts: PrepareOptions = {}): Dataset {
  const name = basename(table.file);
  const notes = [...table.notes];
  if (table.rows < MIN_ROWS) {
    throw new LabFailure('too-few-rows', `${name} has only ${table.rows} data row${table.rows === 1 ? '' : 's'}; Latent Lab needs at least ${MIN_ROWS}.`,
      'Add more rows: a model learns from many examples.');
  }
  const labelName = opts.labelColumn === undefined ? proposeLabel(table) : opts.labelColumn;
  const labelCol = labelName === null ? null : table.columns.find((c) => c.name === labelName);
  if (labelName !== null && !labelCol) {
    throw new LabFailure('no-such-column', `${name} has no column "${labelName}".`, `Pick one of: ${table.columns.map((c) => c.name).join(', ')}.`);
  }
  if (labelCol && opts.labelColumn === undefined) notes.push(`Proposed "${labelCol.name}" as the label column.`);
  const columns: ColumnInfo[] = [];
  const features: NumberColumn[] = [];
  for (const c of table.columns) {
    const info: ColumnInfo = { name: c.name, type: c.kind, role: 'ignore', missing: c.missing };
    columns.push(info);
    if (c === labelCol) {
      info.role = 'label';
    } else if (c.kind === 'number') {
      if (distinctCount(c, 1) <= 1) {
        notes.push(`Ignored column "${c.name}": it has a single value everywhere.`);
        continue;
      }
      checkFeature(table.file, c);
      info.role = 'feature';
      features.push(c);
    } else {
      notes.push(`Ignored text column "${c.name}" (only numeric columns become features).`);
    }
  }
  if (features.length < 2) {
    throw new LabFailure('too-few-features', `${name} has ${features.length === 0 ? 'no' : 'only one'} numeric feature column${features.length === 1 ? ` ("${features[0].name}")` : ''}; Latent Lab needs at least 2.`,
      'Check the delimiter and that the numbers are not quoted text, or add numeric columns.');
  }
  let labels: Int32Array | null = null;
  let labelNames: string[] | null = null;
  if (labelCol) {
    ({ labels, names: labelNames } = labelIndex(labelCol));
    if (labelNames.length < 2) {
      notes.push(`The label column "${labelCol.name}" has only one class; colours and label metrics will not tell much.`);
    }
  }
  const { train: trainRows, test: testRows } = splitRows(table.rows, opts.splitSeed ?? 0);
  notes.push(`Split ${trainRows.length} training / ${testRows.length} test rows at random (seed ${opts.splitSeed ?? 0}).`);
  const train = gather(features, trainRows, labels);
  const test = gather(features, testRows, labels);
  const d = features.length;
  let inUnit = true;
  for (const c of features) for (const v of c.values) if (v < 0 || v > 1) { inUnit = false; break; }
  const featureMap = inUnit ? undefined : standardize(train, test, d);
  if (!inUnit) {
    notes.push('Standardized every feature (mean 0, standard deviation 1 on the training rows); Gaussian likelihood.');
  } else {
    notes.push('All values lie in [0, 1]: kept as they are; Bernoulli likelihood.');
  }
  const summary: DatasetSummary = {
    id,
    name,
    source: table.file,
    format: table.format,
    rows: table.rows,
    trainRows: train.n,
    testRows: test.n,
    features: d,
    featureNames: features.map((f) => f.name),
    columns,
    labelColumn: labelCol?.name ?? null,
    labelNames,
    labelCounts: labels && labelNames ? labelCounts(labels, labelNames.length) : null,
    imageShape: null,
    scaling: inUnit ? 'none' : 'standardize',
    likelihood: inUnit ? 'bernoulli' : 'gaussian',
    preview: table.preview,
    notes,
  };
  return { summary, train, test, ...(featureMap ? { featureMap } : {}) };
}
