// What a model reads (its data schema, saved beside its weights) and how any dataset's rows become
// that input: columns matched by name, the dataset's own scaling undone and the model's applied,
// labels matched by name. A saved model thus embeds new files exactly as it saw its training data.
import { basename } from 'node:path';
import { LabFailure } from '../../../shared/api';
import { asData, type Dataset, type Split } from '../data/dataset';

/** Per feature: model input = (raw − center) / spread; null = raw values as they are. */
export type Scaling = { center: number[]; spread: number[] } | null;

export interface DataSchema {
  datasetName: string;
  featureNames: string[];
  imageShape: [number, number, number] | null;
  /** Label names in class order (a cvae's classes), or null. */
  labelNames: string[] | null;
  /** raw value → model input. */
  scaling: Scaling;
}

export function scalingOf(ds: Dataset): Scaling {
  const map = ds.featureMap;
  return map ? { center: Array.from(map.center), spread: Array.from(map.spread) } : null;
}

export function schemaOf(ds: Dataset): DataSchema {
  const s = ds.summary;
  return {
    datasetName: s.name,
    featureNames: [...s.featureNames],
    imageShape: s.imageShape,
    labelNames: s.labelNames,
    scaling: scalingOf(ds),
  };
}

const sameList = <T>(a: readonly T[] | null, b: readonly T[] | null) =>
  a === b || (a !== null && b !== null && a.length === b.length && a.every((v, i) => v === b[i]));

const isIdentity = (s: Scaling) => !s || (s.center.every((c) => c === 0) && s.spread.every((v) => v === 1));

function sameScaling(a: Scaling, b: Scaling): boolean {
  if (isIdentity(a) || isIdentity(b)) return isIdentity(a) && isIdentity(b);
  return sameList(a!.center, b!.center) && sameList(a!.spread, b!.spread);
}

/** Column index in the dataset of each feature the model reads; throws naming what is missing. */
function featureColumns(schema: DataSchema, ds: Dataset): Int32Array {
  const s = ds.summary;
  if (schema.imageShape && !sameList(schema.imageShape, s.imageShape)) {
    throw new LabFailure('schema-mismatch', `The model reads ${schema.imageShape.join('×')} images; ${s.name} ${s.imageShape ? `has ${s.imageShape.join('×')} images` : 'is not an image dataset'}.`,
      'Open images of the size the model was trained on.');
  }
  const at = new Map(s.featureNames.map((n, i) => [n, i]));
  const cols = Int32Array.from(schema.featureNames, (n) => at.get(n) ?? -1);
  const missing = schema.featureNames.filter((_, j) => cols[j] < 0);
  if (missing.length) {
    const list = missing.slice(0, 5).map((m) => `"${m}"`).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
    throw new LabFailure('schema-mismatch', `${basename(s.name)} lacks ${missing.length === 1 ? 'the column' : `${missing.length} columns`} the model was trained on: ${list}.`,
      `Open a file with the same feature columns as ${schema.datasetName}.`);
  }
  return cols;
}

/** The split's rows as the model's input: the split itself when nothing needs mapping. */
export function modelInput(schema: DataSchema, ds: Dataset, split: Split): Split {
  const cols = featureColumns(schema, ds);
  const from = scalingOf(ds);
  const identity = cols.length === ds.summary.features && cols.every((c, j) => c === j) && sameScaling(from, schema.scaling);
  const labels = mapLabels(schema, ds, split);
  if (identity) return labels === split.labels ? split : { ...split, labels };
  const d = ds.summary.features;
  const k = cols.length;
  const x = new Float32Array(split.n * k);
  for (let j = 0; j < k; j++) {
    const c = cols[j];
    const [m0, s0] = from ? [from.center[c], from.spread[c]] : [0, 1];
    const [m1, s1] = schema.scaling ? [schema.scaling.center[j], schema.scaling.spread[j]] : [0, 1];
    for (let i = 0; i < split.n; i++) x[i * k + j] = (split.x[i * d + c] * s0 + m0 - m1) / s1;
  }
  return { x: asData(x), n: split.n, labels, rowIds: split.rowIds };
}

/** The split's labels as the model's class indices (by name; unknown names become −1). */
function mapLabels(schema: DataSchema, ds: Dataset, split: Split): Int32Array | null {
  const names = ds.summary.labelNames;
  if (!split.labels || !names || !schema.labelNames) return split.labels;
  if (sameList(names, schema.labelNames)) return split.labels;
  const index = new Map(schema.labelNames.map((n, i) => [n, i]));
  const map = names.map((n) => index.get(n) ?? -1);
  return Int32Array.from(split.labels, (l) => (l >= 0 ? map[l] : -1));
}

/**
 * The split's rows as a model reads them, refusing at once when a conditional model would need
 * labels the dataset does not have.
 */
export function inputFor(model: { spec: { classes: number } }, schema: DataSchema, ds: Dataset, split: Split): Split {
  const input = modelInput(schema, ds, split);
  if (model.spec.classes && !input.labels) {
    throw new LabFailure('no-labels', `This conditional VAE needs the label column of ${ds.summary.name}.`, 'Open the file with its label column picked.');
  }
  return input;
}
