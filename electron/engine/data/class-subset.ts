// The rows of a split whose label is one of some classes: what a model trains on when only some
// classes count as normal (anomaly detection), checked against the dataset's labels.
import { LabFailure } from '../../../shared/api';
import type { DatasetSummary } from '../../../shared/types';
import { asData, type Split } from './dataset';

/** Checks label indices against the dataset; returns them sorted without repeats. */
export function checkClasses(summary: DatasetSummary, classes: number[], what = 'Training on some classes'): number[] {
  const names = summary.labelNames;
  if (!names) {
    throw new LabFailure('no-labels', `${what} needs a label column, and ${summary.name} has none.`, 'Pick the label column in the Data panel, or use every row.');
  }
  const bad = classes.find((c) => !Number.isInteger(c) || c < 0 || c >= names.length);
  if (bad !== undefined) {
    throw new LabFailure('no-such-class', `${summary.name} has ${names.length} classes (numbered 0 to ${names.length - 1}); ${bad} is not one of them.`, 'Pick classes from the label list.');
  }
  const unique = [...new Set(classes)].sort((a, b) => a - b);
  if (unique.length === 0) throw new LabFailure('no-classes', `${what} needs at least one class.`, 'Pick one or more classes.');
  return unique;
}

/** A copy of the rows of `split` whose label is in `classes` (label indices, already checked). */
export function rowsOfClasses(split: Split, d: number, classes: number[], summary: DatasetSummary): Split {
  const keep = new Set(classes);
  const labels = split.labels!;
  const picked: number[] = [];
  for (let i = 0; i < split.n; i++) if (keep.has(labels[i])) picked.push(i);
  if (picked.length === 0) {
    const names = classes.map((c) => summary.labelNames![c]).join(', ');
    throw new LabFailure('too-few-rows', `The training split of ${summary.name} has no rows of class ${names}.`, 'Pick classes that occur in the training rows.');
  }
  const x = new Float32Array(picked.length * d);
  picked.forEach((r, i) => x.set(split.x.subarray(r * d, (r + 1) * d), i * d));
  return {
    x: asData(x),
    n: picked.length,
    labels: Int32Array.from(picked, (r) => labels[r]),
    rowIds: Int32Array.from(picked, (r) => split.rowIds[r]),
  };
}

/** Label names of some classes, for titles: "0, 1 and 7". */
export function classList(summary: DatasetSummary, classes: number[]): string {
  const names = classes.map((c) => summary.labelNames?.[c] ?? String(c));
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0] ?? '';
}
