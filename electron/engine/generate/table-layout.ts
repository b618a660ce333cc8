// Decoded rows of a table read as the file's own columns: a one-hot group becomes its most probable
// category (with every category's probability), a number is rounded to the decimals its column has
// in the file (41.2, not 41.23457; 3750, not 3750.4). The layout comes from the open dataset (its
// feature map and the columns' values) or, for a model loaded without its data, from the feature
// names the model was trained on ("island=Biscoe" is category Biscoe of column island).
import type { DecodedColumn, DecodedTable } from '../../../shared/generation';
import { columnValues } from '../data/column-values';
import type { Dataset } from '../data/dataset';
import { columnDecimals, columnExponent, roundTo } from '../export/numbers';
import type { DataSchema } from '../models/model-input';

export type LayoutColumn =
  | { name: string; kind: 'number'; at: number; decimals: number | null }
  | { name: string; kind: 'category'; at: number; categories: string[] };

/** Where each of the file's columns sits among a model's features. */
export interface TableLayout {
  features: number;
  columns: LayoutColumn[];
}

const cache = new WeakMap<Dataset, Map<string, number | null>>();

/** Decimals of a numeric column in the file, read back from the training rows (cached per dataset). */
function decimalsOf(ds: Dataset, name: string): number | null {
  let known = cache.get(ds);
  if (!known) cache.set(ds, (known = new Map()));
  if (known.has(name)) return known.get(name)!;
  const values = columnValues(ds, 'train', name);
  let decimals: number | null = null;
  if (values.kind === 'number') {
    const at = ds.raw.columns.findIndex((c) => c.name === name);
    const m = ds.featureMap.columns[at];
    const scaled = m.kind === 'number' && (ds.featureMap.center[m.start] !== 0 || ds.featureMap.spread[m.start] !== 1);
    decimals = columnDecimals(values.values, scaled ? columnExponent(values.values) : null);
  }
  known.set(name, decimals);
  return decimals;
}

/** From the open dataset, when the model reads its features in the same order. */
function fromDataset(ds: Dataset, featureNames: string[]): TableLayout | null {
  const names = ds.summary.featureNames;
  if (names.length !== featureNames.length || names.some((n, i) => n !== featureNames[i])) return null;
  const columns: LayoutColumn[] = [];
  ds.raw.columns.forEach((col, c) => {
    const m = ds.featureMap.columns[c];
    if (m.kind === 'number') columns.push({ name: col.name, kind: 'number', at: m.start, decimals: decimalsOf(ds, col.name) });
    else if (m.kind === 'onehot' && col.kind === 'text') columns.push({ name: col.name, kind: 'category', at: m.start, categories: m.codes!.map((k) => col.dictionary[k]) });
  });
  columns.sort((a, b) => a.at - b.at);
  return { features: featureNames.length, columns };
}

/** From feature names alone: runs of "column=category" names are one-hot groups. */
export function layoutFromNames(featureNames: string[]): TableLayout {
  const columns: LayoutColumn[] = [];
  for (let j = 0; j < featureNames.length; j++) {
    const eq = featureNames[j].indexOf('=');
    if (eq <= 0) {
      columns.push({ name: featureNames[j], kind: 'number', at: j, decimals: null });
      continue;
    }
    const name = featureNames[j].slice(0, eq);
    const prev = columns[columns.length - 1];
    if (prev?.kind === 'category' && prev.name === name && prev.at + prev.categories.length === j) prev.categories.push(featureNames[j].slice(eq + 1));
    else columns.push({ name, kind: 'category', at: j, categories: [featureNames[j].slice(eq + 1)] });
  }
  return { features: featureNames.length, columns };
}

/** The layout of a model's rows; null for images (they are shown as pictures). */
export function layoutOf(schema: DataSchema, ds: Dataset | null): TableLayout | null {
  if (schema.imageShape) return null;
  return (ds && fromDataset(ds, schema.featureNames)) ?? layoutFromNames(schema.featureNames);
}

/** Rows in the user's units (n × features) as the file's columns. */
export function decodeTable(original: Float32Array, n: number, layout: TableLayout): DecodedTable {
  const d = layout.features;
  const columns = layout.columns.map((c): DecodedColumn => {
    if (c.kind === 'number') {
      return { name: c.name, kind: 'number', decimals: c.decimals, values: Array.from({ length: n }, (_, i) => roundTo(original[i * d + c.at], c.decimals)) };
    }
    const k = c.categories.length;
    const probs = new Array<number>(n * k);
    const index = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      let best = 0;
      for (let j = 0; j < k; j++) {
        const v = Math.min(1, Math.max(0, original[i * d + c.at + j]));
        probs[i * k + j] = v;
        sum += v;
        if (original[i * d + c.at + j] > original[i * d + c.at + best]) best = j;
      }
      for (let j = 0; j < k; j++) probs[i * k + j] = sum > 0 ? probs[i * k + j] / sum : 1 / k;
      index[i] = best;
    }
    return { name: c.name, kind: 'category', categories: [...c.categories], index, probs };
  });
  return { rows: n, columns };
}
