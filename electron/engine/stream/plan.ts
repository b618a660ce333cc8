// How a streamed dataset's rows become features, decided once from the first pass's statistics
// and applied to every chunk: roles (as proposed for a table in memory), one-hot dictionaries,
// the missing-value policy and fill values, the split (a seeded hash of the row number, or the
// file's own split column) and the scaling, fitted on the training rows in SQL. The decisions are
// the same as for a table loaded whole; where a figure is computed differently it says so.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnRole, MissingPolicy, OpenOptions, Scaling } from '../../../shared/types';
import type { SourceColumn } from '../data/duckread';
import { fileFailure, plural } from '../data/files';
import { defaultMissing, MIN_ROWS } from '../data/prepare';
import { resolveRoles, type Resolved } from '../data/prepare-roles';
import { splitColumn } from '../data/roles';
import { DEFAULT_TEST_FRACTION } from '../data/split';
import { emptyTable, type RawTable } from '../data/table';
import { rowHash, SALT, sqlRowHash, threshold } from './hash';
import type { StreamSource } from './source';
import { and, isNumeric, literal, presentExpr, ROW, valueExpr } from './sql';
import { aggregateInGroups, type StreamColumn } from './stats';

/** Above this many training rows the median fill value is DuckDB's approximate quantile. */
const EXACT_MEDIAN_ROWS = 2_000_000;

export interface NumericFeature { col: number; at: number; fill: number }
export interface OneHotFeature { col: number; at: number; slot: Map<string, number>; fill: string | null; codes: number[] }

export interface StreamPlan {
  columns: SourceColumn[];
  d: number;
  featureNames: string[];
  numeric: NumericFeature[];
  onehot: OneHotFeature[];
  label: { col: number; index: Map<string | number, number>; names: string[] } | null;
  center: Float64Array;
  spread: Float64Array;
  scaling: Scaling;
  likelihood: 'bernoulli' | 'gaussian-learned';
  /** Rows missing a feature value are left out ('drop'). */
  drop: boolean;
  policy: MissingPolicy;
  split: { kind: 'file'; col: number } | { kind: 'random'; seed: number; testFraction: number };
  /** SQL predicates over the source relation. */
  sql: { kept: string; test: string };
  roles: Resolved;
}

export interface PlanCounts { rows: number; kept: number; train: number; test: number; missingRows: number; labelCounts: number[] | null }

const quote = (n: string) => `\`${n}\``;
const int = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/** True when a file-split value puts its row in the test split (as in memory: anything not "train…"). */
export const fileSplitTest = (v: string | null) => v !== null && v !== '' && !/^train/i.test(v.trim());

/** Class names in index order, as a label column loaded whole gets them. */
function labelNames(c: StreamColumn): string[] {
  const values = c.values!;
  if (isNumeric(c.source)) return values.map((v) => String(v.value));
  const names = values.map((v) => String(v.value));
  const numeric = names.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  return names.sort((a, b) => (numeric ? Number(a) - Number(b) : a.localeCompare(b)));
}

/** Whether a row is in the test split, from its row number and (file split) the split column's value. */
export function isTestRow(plan: StreamPlan, row: number, splitValue: string | null): boolean {
  if (plan.split.kind === 'file') return fileSplitTest(splitValue);
  return rowHash(row, plan.split.seed, SALT.split) < threshold(plan.split.testFraction);
}

export async function planStream(conn: DuckDBConnection, src: StreamSource, cols: StreamColumn[], opts: OpenOptions, notes: string[]): Promise<{ plan: StreamPlan; counts: PlanCounts }> {
  const { file, relation } = src;
  const table: RawTable = { ...emptyTable(file, src.format), rows: src.rows, columns: cols.map((c) => c.stub), delimited: src.delimited };
  const stats = cols.map((c) => c.stats);
  const splitCol = splitColumn(table);
  const useFileSplit = splitCol !== null && opts.fileSplit !== false;
  const r = resolveRoles(table, stats, opts, useFileSplit ? splitCol : null, notes);

  const numeric: NumericFeature[] = [];
  const onehot: OneHotFeature[] = [];
  const featureNames: string[] = [];
  cols.forEach((c, i) => {
    if (r.roles[i] !== 'feature') return;
    const stub = c.stub;
    if (stub.kind === 'number') {
      if (stub.infinite > 0) {
        throw fileFailure(file, 'non-finite', `column "${stub.name}" has ${plural(stub.infinite, 'infinite value')} (first in data row ${stub.firstInfiniteRow + 1}).`,
          'Replace them with real numbers or empty cells, or set the column to "ignore".');
      }
      numeric.push({ col: i, at: featureNames.length, fill: NaN });
      featureNames.push(stub.name);
    } else {
      if (!c.values) {
        throw fileFailure(file, 'too-many-categories', `column "${stub.name}" has more than ${(1000).toLocaleString('en-US')} different values, too many to one-hot encode.`,
          'Set the column to "ignore", or group its values into fewer categories.');
      }
      const codes = stub.dictionary.map((_, k) => k).sort((a, b) => stub.dictionary[a].localeCompare(stub.dictionary[b]));
      const slot = new Map<string, number>();
      codes.forEach((code, k) => slot.set(stub.dictionary[code], k));
      onehot.push({ col: i, at: featureNames.length, slot, fill: null, codes });
      for (const k of codes) featureNames.push(`${stub.name}=${stub.dictionary[k]}`);
    }
  });
  const d = featureNames.length;
  if (d < 2) {
    const usable = cols.filter((_, i) => r.roles[i] === 'feature').map((c) => `"${c.stub.name}"`);
    throw fileFailure(file, 'too-few-features', `has ${d === 0 ? 'no feature columns' : `only one feature column (${usable.join('')})`}; Latent Lab needs at least 2.`,
      'Set more columns to "feature", or add numeric columns.');
  }
  if (onehot.length) notes.push(`One-hot encoded ${onehot.map((o) => `${quote(cols[o.col].stub.name)} (${o.codes.length} categories)`).join(', ')}.`);

  const featureCols = [...numeric, ...onehot].map((f) => cols[f.col]);
  const anyMissing = featureCols.filter((c) => c.stub.missing > 0).map((c) => `NOT ${presentExpr(c.source)}`).join(' OR ') || 'FALSE';
  const seed = opts.splitSeed ?? 0;
  const testFraction = opts.testFraction ?? DEFAULT_TEST_FRACTION;
  const test = useFileSplit
    ? `coalesce(NOT regexp_matches(trim(${valueExpr(cols[table.columns.indexOf(splitCol!)].source)}), '^train', 'i'), FALSE)`
    : `${sqlRowHash(ROW, seed, SALT.split)} < ${threshold(testFraction)}`;

  // pass: rows missing a feature value, then the policy
  const m = (await conn.runAndReadAll(`SELECT count(*) FILTER (WHERE ${anyMissing}) AS m FROM ${relation}`)).getRowObjects()[0];
  const missingRows = int(m.m);
  const policy: MissingPolicy = opts.missing ?? defaultMissing(missingRows, src.rows);
  const drop = policy === 'drop' && missingRows > 0;
  const kept = drop ? `NOT (${anyMissing})` : 'TRUE';
  if (drop) {
    const where = featureCols.filter((c) => c.stub.missing > 0).map((c) => `${quote(c.stub.name)} (${c.stub.missing})`).join(', ');
    notes.push(`Dropped ${plural(missingRows, 'row')} with missing values in ${where}.`);
  }

  // pass: the split's sizes and the training rows' statistics of every numeric feature
  const train = and(kept, `NOT (${test})`);
  const aggs = [`count(*) FILTER (WHERE ${kept}) AS kept`, `count(*) FILTER (WHERE ${and(kept, test)}) AS test`];
  const bigTrain = src.rows > EXACT_MEDIAN_ROWS;
  numeric.forEach((f, k) => {
    const c = cols[f.col].source;
    const v = valueExpr(c);
    const w = and(train, presentExpr(c));
    aggs.push(`count(*) FILTER (WHERE ${w}) AS n${k}`, `avg(${v}) FILTER (WHERE ${w}) AS m${k}`, `var_samp(${v}) FILTER (WHERE ${w}) AS v${k}`,
      `min(${v}) FILTER (WHERE ${w}) AS lo${k}`, `max(${v}) FILTER (WHERE ${w}) AS hi${k}`);
    if (policy === 'median' && cols[f.col].stub.missing > 0) aggs.push(`${bigTrain ? 'approx_quantile' : 'quantile_cont'}(${v}, 0.5) FILTER (WHERE ${w}) AS q${k}`);
  });
  const s = await aggregateInGroups(conn, relation, aggs, () => undefined);
  const counts: PlanCounts = { rows: src.rows, kept: int(s.kept), test: int(s.test), train: int(s.kept) - int(s.test), missingRows, labelCounts: null };
  if (counts.kept < MIN_ROWS) {
    throw fileFailure(file, 'too-few-rows', `keeps only ${plural(counts.kept, 'row')} after dropping rows with missing values.`,
      'Fill in the missing values instead (choose mean, median or mode), or ignore the columns that are mostly empty.');
  }
  if (counts.train < 2 || counts.test < 1) {
    throw fileFailure(file, 'bad-split', `leaves ${counts.train} training and ${counts.test} test rows after the split.`, 'Use a random split (turn off the file’s own split) or add rows.');
  }
  notes.push(useFileSplit
    ? `Used the file’s own split: ${plural(counts.train, 'training row')}, ${plural(counts.test, 'test row')}.`
    : `Split ${plural(counts.train, 'training row')} / ${plural(counts.test, 'test row')} at random (seed ${seed}, ${Math.round(testFraction * 100)}% test, drawn per row from a hash of its number).`);

  // fill values (training rows only), then the scaling of the filled training values
  const center = new Float64Array(d);
  const spread = new Float64Array(d).fill(1);
  const lo = new Float64Array(d).fill(0);
  const hi = new Float64Array(d).fill(1);
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (const [k, f] of numeric.entries()) {
    const c = cols[f.col];
    const present = int(s[`n${k}`]);
    const pm = Number(s[`m${k}`] ?? 0);
    const missingTrain = counts.train - present;
    if (!drop && c.stub.missing > 0) {
      if (policy === 'mean') f.fill = pm;
      else if (policy === 'median') f.fill = Number(s[`q${k}`] ?? 0);
      else {
        const top = (await conn.runAndReadAll(`SELECT ${valueExpr(c.source)} AS v FROM ${relation} WHERE ${and(train, presentExpr(c.source))} GROUP BY v ORDER BY count(*) DESC, min(${ROW}) LIMIT 1`)).getRowObjects()[0];
        f.fill = Number(top?.v ?? 0);
      }
      if (present === 0) f.fill = 0;
      f.fill = Math.fround(f.fill);
      const how = policy === 'mode' ? 'most frequent value' : policy === 'median' && bigTrain ? 'median (approximate)' : policy;
      notes.push(`Filled ${plural(c.stub.missing, 'missing value')} in ${quote(c.stub.name)} with the ${how} (${Number(f.fill.toPrecision(6))}).`);
    }
    const fillIn = missingTrain > 0 && !drop ? f.fill : null;
    const n = counts.train;
    const mu = fillIn === null ? pm : (pm * present + fillIn * missingTrain) / n;
    const varP = Number(s[`v${k}`] ?? 0);
    sq[f.at] = Math.max(0, present - 1) * varP + present * (pm - mu) ** 2 + (fillIn === null ? 0 : missingTrain * (fillIn - mu) ** 2);
    mean[f.at] = mu;
    lo[f.at] = Math.min(Number(s[`lo${k}`] ?? Infinity), fillIn ?? Infinity);
    hi[f.at] = Math.max(Number(s[`hi${k}`] ?? -Infinity), fillIn ?? -Infinity);
  }
  for (const o of onehot) {
    const c = cols[o.col];
    if (drop || c.stub.missing === 0) continue;
    const rows = (await conn.runAndReadAll(`SELECT ${valueExpr(c.source)} AS v, count(*) AS n FROM ${relation} WHERE ${and(train, presentExpr(c.source))} GROUP BY v`)).getRowObjects();
    const count = new Map(rows.map((x) => [String(x.v), int(x.n)]));
    const dict = (c.stub as { dictionary: string[] }).dictionary;
    let best = 0;
    for (let k = 1; k < dict.length; k++) if ((count.get(dict[k]) ?? 0) > (count.get(dict[best]) ?? 0)) best = k;
    o.fill = dict[best] ?? null;
    notes.push(`Filled ${plural(c.stub.missing, 'missing value')} in ${quote(c.stub.name)} with its most frequent value ("${o.fill}").`);
  }
  let inUnit = true;
  for (let j = 0; j < d; j++) if (lo[j] < 0 || hi[j] > 1) inUnit = false;
  const scaling: Scaling = opts.scaling ?? (inUnit ? 'none' : 'standardize');
  for (const f of numeric) {
    if (scaling === 'minmax') {
      center[f.at] = lo[f.at];
      spread[f.at] = hi[f.at] - lo[f.at] || 1;
    } else if (scaling === 'standardize') {
      center[f.at] = mean[f.at];
      spread[f.at] = Math.sqrt(sq[f.at] / Math.max(1, counts.train - 1)) || 1;
    }
  }
  const what = `${numeric.length} numeric feature${numeric.length === 1 ? '' : 's'}`;
  const chosen = opts.scaling ? '' : inUnit ? ' (chosen because every value already lies in [0, 1])' : ' (chosen because the features have different ranges)';
  notes.push(scaling === 'none' ? `No scaling${chosen}.`
    : scaling === 'minmax' ? `Min-max scaled ${what} to [0, 1] on the training rows${chosen}.`
      : `Standardized ${what} to mean 0 and standard deviation 1 on the training rows${chosen}.`);
  const likelihood = inUnit && scaling === 'none' ? 'bernoulli' : 'gaussian-learned';
  notes.push(likelihood === 'bernoulli'
    ? 'Every feature lies in [0, 1]: Bernoulli likelihood.'
    : 'Gaussian likelihood with a learned variance per feature (features are not all in [0, 1]).');

  // the label's classes and their counts over the kept rows
  let label: StreamPlan['label'] = null;
  if (r.label) {
    const at = table.columns.indexOf(r.label);
    const c = cols[at];
    if (!c.values) {
      throw fileFailure(file, 'too-many-classes', `the label column "${c.stub.name}" has more than ${(1000).toLocaleString('en-US')} different values.`,
        'A label names a class: pick a column with fewer values, or choose no label.');
    }
    const names = labelNames(c);
    const index = new Map<string | number, number>();
    for (const v of c.values) index.set(v.value, names.indexOf(String(v.value)));
    label = { col: at, index, names };
    if (names.length < 2) {
      const problem = `the label column "${c.stub.name}" has ${names.length === 0 ? 'no values' : `only one class ("${names[0]}")`}.`;
      if (r.labelChosen) throw fileFailure(file, 'one-class', problem, 'Pick a label column with at least two classes, or choose no label.');
      notes.push(`${problem[0].toUpperCase()}${problem.slice(1)} Colours and label metrics will not tell much.`);
    }
    const lc = (await conn.runAndReadAll(`SELECT ${valueExpr(c.source)} AS v, count(*) AS n FROM ${relation} WHERE ${and(kept, presentExpr(c.source))} GROUP BY v`)).getRowObjects();
    counts.labelCounts = names.map(() => 0);
    for (const x of lc) {
      const k = index.get(isNumeric(c.source) ? Number(x.v) : String(x.v));
      if (k !== undefined && k >= 0) counts.labelCounts[k] += int(x.n);
    }
    if (c.stub.missing > 0) notes.push(`${plural(c.stub.missing, 'row')} ha${c.stub.missing === 1 ? 's' : 've'} no label (shown as "unknown").`);
  }
  const splitAt = useFileSplit ? table.columns.indexOf(splitCol!) : -1;
  const plan: StreamPlan = {
    columns: cols.map((c) => c.source), d, featureNames, numeric, onehot, label, center, spread, scaling, likelihood, drop, policy,
    split: useFileSplit ? { kind: 'file', col: splitAt } : { kind: 'random', seed, testFraction },
    sql: { kept, test }, roles: r,
  };
  return { plan, counts };
}

/** The role of each column, by name (the summary's options echo it). */
export const rolesByName = (plan: StreamPlan): Record<string, ColumnRole> =>
  Object.fromEntries(plan.columns.map((c, i) => [c.name, plan.roles.roles[i]]));

/** SQL: the label value's class index (−1 for none), for stratified sampling. */
export function labelCase(plan: StreamPlan, values: (k: number) => string): string {
  if (!plan.label) return '0';
  const c = plan.columns[plan.label.col];
  const whens = [...plan.label.index].map(([v, k]) => `WHEN ${literal(c, v)} THEN ${values(k)}`).join(' ');
  return `CASE ${valueExpr(c)} ${whens} ELSE ${values(-1)} END`;
}

