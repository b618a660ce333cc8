// Finding rows of the test split (the rows every view shows) by id, label or any column: id lists
// and ranges ("12, 40-60"), case-insensitive text matches, number ranges. A search is a list of
// conditions a row must all meet; what is wrong with one (an unknown column, a range that cannot
// match) is said in words, never as an empty result.
import { LabFailure } from '../../../shared/api';
import type { FindResult, RowFilter } from '../../../shared/explore';
import { columnValues } from '../data/column-values';
import type { Dataset } from '../data/dataset';

/** Parses "12, 40-60, 7" into ranges of ids; refuses anything else with the part it could not read. */
export function parseIds(text: string): [number, number][] {
  const parts = text.split(/[,;\s]+/).filter(Boolean);
  if (!parts.length) throw new LabFailure('bad-filter', 'The id search is empty.', 'Type row ids such as "12, 40-60".');
  return parts.map((p) => {
    const m = /^(\d+)(?:\s*(?:-|–|\.\.)\s*(\d+))?$/.exec(p);
    if (!m) throw new LabFailure('bad-filter', `"${p.slice(0, 40)}" is not a row id or a range of ids.`, 'Type whole numbers and ranges, such as "12, 40-60".');
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new LabFailure('bad-filter', `The id range ${p} runs backwards.`, `Write it as ${hi}-${lo}.`);
    return [lo, hi] as [number, number];
  });
}

const hasText = (f: RowFilter): f is { column: string; text: string } => 'text' in f && typeof f.text === 'string';

function describe(f: RowFilter): string {
  if (hasText(f)) return f.column === 'id' ? `id in ${f.text}` : `${f.column === '*' ? 'any column' : f.column} contains “${f.text}”`;
  const r = f as { column: string; min?: number; max?: number };
  if (r.min !== undefined && r.max !== undefined) return `${r.column} from ${r.min} to ${r.max}`;
  return r.min !== undefined ? `${r.column} ≥ ${r.min}` : `${r.column} ≤ ${r.max}`;
}

/** Marks the rows of the test split that meet one condition. */
function apply(ds: Dataset, f: RowFilter, keep: Uint8Array): void {
  const test = ds.test;
  const n = test.n;
  const names = ds.raw.columns.map((c) => c.name);
  const known = ['id', 'label', '*', ...names];
  if (!known.includes(f.column)) {
    throw new LabFailure('no-such-column', `${ds.summary.name} has no column "${f.column.slice(0, 80)}" to search.`, `Search id, label or one of: ${names.slice(0, 20).join(', ')}.`);
  }
  if (hasText(f)) {
    const needle = f.text.trim().toLowerCase();
    if (f.column === 'id') {
      const ranges = parseIds(f.text);
      for (let i = 0; i < n; i++) if (keep[i] && !ranges.some(([lo, hi]) => test.rowIds[i] >= lo && test.rowIds[i] <= hi)) keep[i] = 0;
      return;
    }
    if (!needle) throw new LabFailure('bad-filter', `The search text for ${f.column === '*' ? 'any column' : f.column} is empty.`, 'Type what to look for, or remove the condition.');
    const hits = new Uint8Array(n);
    const matchCodes = (names: string[], codes: ArrayLike<number>) => {
      const match = names.map((s) => s.toLowerCase().includes(needle));
      for (let i = 0; i < n; i++) if (codes[i] >= 0 && match[codes[i]]) hits[i] = 1;
    };
    const labelNames = ds.summary.labelNames;
    if ((f.column === 'label' || f.column === '*') && test.labels && labelNames) matchCodes(labelNames, test.labels);
    if (f.column === 'label' && (!test.labels || !labelNames)) {
      throw new LabFailure('no-label', `${ds.summary.name} has no label column to search.`, 'Search id or a column instead.');
    }
    const columns = f.column === '*' ? names : f.column === 'label' ? [] : [f.column];
    for (const name of columns) {
      const v = columnValues(ds, 'test', name);
      if (v.kind === 'category') matchCodes(v.names, v.codes);
      else if (f.column !== '*') {
        // a number column searched as text: the value written out contains the text
        v.values.forEach((x, i) => {
          if (Number.isFinite(x) && String(Number(x.toPrecision(7))).includes(needle)) hits[i] = 1;
        });
      }
    }
    if (f.column === '*' && /^\d+$/.test(needle)) for (let i = 0; i < n; i++) if (test.rowIds[i] === Number(needle)) hits[i] = 1;
    for (let i = 0; i < n; i++) keep[i] &= hits[i];
    return;
  }
  const { min, max } = f as { min?: number; max?: number };
  if (min === undefined && max === undefined) throw new LabFailure('bad-filter', `The range for ${f.column} has neither a lowest nor a highest value.`, 'Give at least one bound, or remove the condition.');
  if (min !== undefined && max !== undefined && min > max) {
    throw new LabFailure('bad-filter', `The range for ${f.column} runs backwards: from ${min} to ${max}.`, `Swap them: from ${max} to ${min}.`);
  }
  let values: ArrayLike<number>;
  if (f.column === 'id') values = test.rowIds;
  else {
    if (f.column === '*' || (f.column === 'label' && !names.includes('label'))) throw new LabFailure('bad-filter', `A range needs a number column; ${f.column === '*' ? 'any column' : 'the label'} is searched by text.`, 'Pick a number column, or type text to match.');
    const v = columnValues(ds, 'test', f.column);
    if (v.kind !== 'number') throw new LabFailure('bad-filter', `${f.column} holds text, not numbers: it has no range.`, `Search it by text (e.g. “${v.names[0] ?? ''}”).`);
    values = v.values;
  }
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  for (let i = 0; i < n; i++) if (keep[i] && !(values[i] >= lo && values[i] <= hi)) keep[i] = 0;
}

/** The test rows that meet every condition. */
export function findRows(ds: Dataset, filters: RowFilter[]): FindResult {
  if (!filters.length) throw new LabFailure('bad-filter', 'The search has no conditions.', 'Add a condition: an id, a label, or a column with text or a range.');
  const keep = new Uint8Array(ds.test.n).fill(1);
  for (const f of filters) apply(ds, f, keep);
  const rows: number[] = [];
  keep.forEach((k, i) => k && rows.push(i));
  return { rows: Int32Array.from(rows), description: filters.map(describe).join(' and ') };
}
