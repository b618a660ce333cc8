// Turns a raw table into a Dataset: roles, missing values, one-hot encoding, split, scaling.
// Every decision taken for the user is written into `notes`; every choice can be overridden.
// The role decisions are in prepare-roles.ts, the building of the split matrices in prepare-matrix.ts.
import { basename } from 'node:path';
import type {
  ColumnInfo, ColumnStats, DatasetId, DatasetSummary, MissingPolicy, OpenOptions, Scaling,
} from '../../../shared/types';
import { asData, labelCounts, type Dataset, type FeatureMap, type Split } from './dataset';
import { fileFailure, plural } from './files';
import { fillValue, findMissingRows } from './missing';
import { fillNumeric, gatherRows, splitBlockInPlace } from './prepare-matrix';
import { labelIndex, quoteName, resolveRoles } from './prepare-roles';
import { splitColumn } from './roles';
import { fitScaling, SCALE_KERNELS, type ScalingFit } from './scale';
import { DEFAULT_TEST_FRACTION, splitRows } from './split';
import { blockColumnStats, blockStats, columnStats } from './stats';
import { materialize, type NumberColumn, type RawColumn, type RawTable, type TextColumn } from './table';
import { KernelPool, layoutThreads } from '../reduce/threads';

export const MIN_ROWS = 5;
/** Drop rows with missing values by default when that loses at most this share of the rows. */
const DROP_SHARE = 0.05;
/** A block of at least this many kept cells is scaled on threads (LAB_CSV_THREADS, as its reader). */
const POOL_CELLS = 1 << 20;

export function defaultMissing(missingRows: number, rows: number): MissingPolicy {
  return missingRows <= rows * DROP_SHARE ? 'drop' : 'median';
}

/** columnStats() of every column; the columns of a row-major block in a few passes over it. */
function tableStats(table: RawTable): ColumnStats[] {
  const byBlock = new Map<Float32Array, NumberColumn[]>();
  for (const c of table.columns) {
    if (c.kind !== 'number' || !c.block) continue;
    const list = byBlock.get(c.block.data) ?? [];
    list.push(c);
    byBlock.set(c.block.data, list);
  }
  const known = new Map<RawColumn, ColumnStats>();
  for (const cols of byBlock.values()) blockColumnStats(cols, table.rows).forEach((s, j) => known.set(cols[j], s));
  return table.columns.map((c) => known.get(c) ?? columnStats(c));
}

export async function prepareTable(id: DatasetId, table: RawTable, opts: OpenOptions = {}, builtin: string | null = null, title?: string): Promise<Dataset> {
  const name = title ?? basename(table.file);
  const notes = [...table.notes];
  if (table.rows < MIN_ROWS) {
    throw fileFailure(table.file, 'too-few-rows', `has only ${plural(table.rows, 'data row')}; Latent Lab needs at least ${MIN_ROWS}.`,
      'Add more rows (a model learns from many examples), or check that the header setting is right.');
  }
  const stats = tableStats(table);
  let fileSplit = table.fileSplit;
  const splitCol = fileSplit ? null : splitColumn(table);
  if (splitCol && splitCol.kind === 'text') {
    const isTest = splitCol.dictionary.map((v) => !/^train/i.test(v.trim()));
    fileSplit = Uint8Array.from(splitCol.codes, (c) => (c >= 0 && isTest[c] ? 1 : 0));
  }
  const useFileSplit = fileSplit !== null && opts.fileSplit !== false;
  const r = resolveRoles(table, stats, opts, useFileSplit ? splitCol : null, notes);
  // columns that stay in the raw table (label, ignored) get their own arrays before a block is
  // overwritten by the split matrices
  table.columns.forEach((c, i) => {
    if (c.kind === 'number' && r.roles[i] !== 'feature') materialize(c, table.rows);
  });

  // features: numeric columns, one-hot text columns, then the pixel block
  const numeric: { col: NumberColumn; index: number; at: number; fill: number }[] = [];
  const onehot: { col: TextColumn; index: number; at: number; codes: number[]; fill: number }[] = [];
  const featureNames: string[] = [];
  table.columns.forEach((c, i) => {
    if (r.roles[i] !== 'feature') return;
    if (c.kind === 'number') {
      if (c.infinite > 0) {
        throw fileFailure(table.file, 'non-finite', `column "${c.name}" has ${plural(c.infinite, 'infinite value')} (first in data row ${c.firstInfiniteRow + 1}).`,
          'Replace them with real numbers or empty cells, or set the column to "ignore".');
      }
      numeric.push({ col: c, index: i, at: featureNames.length, fill: NaN });
      featureNames.push(c.name);
    } else {
      const codes = c.dictionary.map((_, k) => k).sort((a, b) => c.dictionary[a].localeCompare(c.dictionary[b]));
      onehot.push({ col: c, index: i, at: featureNames.length, codes, fill: -1 });
      for (const k of codes) featureNames.push(`${c.name}=${c.dictionary[k]}`);
    }
  });
  const pixelAt = featureNames.length;
  if (table.pixels) for (let k = 0; k < table.pixels.shape[0] * table.pixels.shape[1] * table.pixels.shape[2]; k++) featureNames.push(table.pixels.featureName(k));
  const d = featureNames.length;
  if (d < 2) {
    const usable = table.columns.filter((c, i) => r.roles[i] === 'feature').map((c) => `"${c.name}"`);
    const unused = table.columns.map((c, i) => (r.roles[i] === 'ignore' && r.reasons[i] ? `"${c.name}" ${r.reasons[i]}` : null)).filter(Boolean);
    const why = unused.length ? ` Not used: ${unused.slice(0, 5).join('; ')}.` : '';
    throw fileFailure(table.file, 'too-few-features', `has ${d === 0 ? 'no feature columns' : `only one feature column (${usable.join('')})`}; Latent Lab needs at least 2.${why}`,
      table.delimited
        ? 'Check the delimiter and decimal settings (numbers may have been read as text), or set more columns to "feature".'
        : 'Set more columns to "feature", or add numeric columns.');
  }
  if (onehot.length) notes.push(`One-hot encoded ${onehot.map((o) => `${quoteName(o.col.name)} (${o.codes.length} categories)`).join(', ')}.`);

  // missing values
  const featureCols: RawColumn[] = [...numeric.map((n) => n.col), ...onehot.map((o) => o.col)];
  const missing = findMissingRows(table.rows, featureCols);
  const policy: MissingPolicy = opts.missing ?? defaultMissing(missing.rows, table.rows);
  let kept: Int32Array;
  if (policy === 'drop' && missing.rows > 0) {
    kept = new Int32Array(table.rows - missing.rows);
    let k = 0;
    for (let row = 0; row < table.rows; row++) if (!missing.mask[row]) kept[k++] = row;
    const where = missing.perColumn.filter((m) => m.count > 0).map((m) => `${quoteName(m.name)} (${m.count})`).join(', ');
    notes.push(`Dropped ${plural(missing.rows, 'row')} with missing values in ${where}.`);
    if (kept.length < MIN_ROWS) {
      throw fileFailure(table.file, 'too-few-rows', `keeps only ${plural(kept.length, 'row')} after dropping rows with missing values.`,
        'Fill in the missing values instead (choose mean, median or mode), or ignore the columns that are mostly empty.');
    }
  } else {
    kept = Int32Array.from({ length: table.rows }, (_, i) => i);
  }

  // split
  const seed = opts.splitSeed ?? 0;
  const testFraction = opts.testFraction ?? DEFAULT_TEST_FRACTION;
  const parts = splitRows(kept, { fileSplit: useFileSplit ? fileSplit : null, seed, testFraction });
  if (parts.train.length < 2 || parts.test.length < 1) {
    throw fileFailure(table.file, 'bad-split', `leaves ${parts.train.length} training and ${parts.test.length} test rows after the split.`, 'Use a random split (turn off the file’s own split) or add rows.');
  }
  notes.push(useFileSplit
    ? `Used the file’s own split: ${plural(parts.train.length, 'training row')}, ${plural(parts.test.length, 'test row')}.`
    : `Split ${plural(parts.train.length, 'training row')} / ${plural(parts.test.length, 'test row')} at random (seed ${seed}, ${Math.round(testFraction * 100)}% test).`);

  // fill values from the training rows only, so the test rows do not leak into them
  const imputed = new Map<RawColumn, Int32Array>();
  if (policy !== 'drop' && missing.rows > 0) {
    for (const n of numeric) {
      if (n.col.missing === 0) continue;
      n.fill = fillValue(n.col, parts.train, policy);
      imputed.set(n.col, missing.rowsOf(n.col));
      notes.push(`Filled ${plural(n.col.missing, 'missing value')} in ${quoteName(n.col.name)} with the ${policy === 'mode' ? 'most frequent value' : policy} (${Number(n.fill.toPrecision(6))}).`);
    }
    for (const o of onehot) {
      if (o.col.missing === 0) continue;
      o.fill = fillValue(o.col, parts.train, 'mode');
      imputed.set(o.col, missing.rowsOf(o.col));
      notes.push(`Filled ${plural(o.col.missing, 'missing value')} in ${quoteName(o.col.name)} with its most frequent value ("${o.col.dictionary[o.fill]}").`);
    }
  }

  // the split matrices, scaled (on threads for a large block: closed whatever happens)
  const held: { pool: KernelPool | null } = { pool: null };
  const matrices = async () => {
    let trainX: Float32Array;
    let testX: Float32Array;
    const block = numeric[0]?.col.block?.data;
    if (block && !table.pixels && onehot.length === 0 && numeric.every((n) => n.col.block?.data === block)) {
      // a large block (shared memory) is scaled on threads: they start while the splits are made
      const threads = Math.max(1, Math.min(Number(process.env.LAB_CSV_THREADS) || layoutThreads(), 8));
      if (threads > 1 && block.buffer instanceof SharedArrayBuffer && kept.length * d >= POOL_CELLS) held.pool = KernelPool.create(SCALE_KERNELS, threads);
      // every feature is in one row-major block (plain numeric text): it becomes the splits in place
      ({ train: trainX, test: testX } = splitBlockInPlace(block, parts, d, numeric));
    } else {
      for (const n of numeric) materialize(n.col, table.rows);
      // one-hot and pixel features by split; the numeric ones in one walk that frees the raw columns
      const gather = (rows: Int32Array) => gatherRows(rows, d, onehot, table.pixels, pixelAt);
      trainX = gather(parts.train);
      testX = gather(parts.test);
      fillNumeric(table.rows, parts, { train: trainX, test: testX }, d, numeric);
    }
    // the feature values now live in the splits: release the raw copies at once, before scaling and
    // labels allocate more (keeps the peak near one copy of the data; getRows reads them back)
    for (const n of numeric) {
      n.col.values = new Float32Array(0);
      delete n.col.block;
    }

    // scaling: fitted on the training rows; one-hot columns stay 0/1
    const scaled = new Uint8Array(d);
    numeric.forEach((n) => (scaled[n.at] = 1));
    if (table.pixels) scaled.fill(1, pixelAt);
    const fit = await fitScaling(trainX, parts.train.length, d, scaled, opts.scaling ?? table.defaultScaling, held.pool);
    await fit.apply(trainX, parts.train.length);
    await fit.apply(testX, parts.test.length);
    return { trainX, testX, fit };
  };
  let built: { trainX: Float32Array; testX: Float32Array; fit: ScalingFit };
  try {
    built = await matrices();
  } finally {
    await held.pool?.close();
  }
  const { trainX, testX, fit } = built;
  if (table.pixels?.maxValue) notes.push(`Pixels divided by ${table.pixels.maxValue} to lie in [0, 1].`);
  notes.push(fit.note);
  const scaling: Scaling = fit.scaling;
  // A learned per-feature variance lets the decoder trust some features more than others; with a
  // fixed unit variance a VAE on a few standardized columns tends to ignore its latent space.
  const likelihood = fit.inUnit && scaling === 'none' ? 'bernoulli' : 'gaussian-learned';
  notes.push(likelihood === 'bernoulli'
    ? 'Every feature lies in [0, 1]: Bernoulli likelihood.'
    : 'Gaussian likelihood with a learned variance per feature (features are not all in [0, 1]).');

  // labels
  let labels: Int32Array | null = null;
  let labelNames: string[] | null = null;
  if (r.label) {
    const li = labelIndex(r.label);
    labels = li.codes;
    labelNames = li.names;
    if (labelNames.length < 2) {
      const problem = `the label column "${r.label.name}" has ${labelNames.length === 0 ? 'no values' : `only one class ("${labelNames[0]}")`}.`;
      if (r.labelChosen && !table.formatLabel) throw fileFailure(table.file, 'one-class', problem, 'Pick a label column with at least two classes, or choose no label.');
      notes.push(`${problem[0].toUpperCase()}${problem.slice(1)} Colours and label metrics will not tell much.`);
    }
    if (r.label.missing > 0) notes.push(`${plural(r.label.missing, 'row')} ha${r.label.missing === 1 ? 's' : 've'} no label (shown as "unknown").`);
  }
  const splitOf = (rows: Int32Array, x: Float32Array): Split => ({
    x: asData(x), n: rows.length, labels: labels ? Int32Array.from(rows, (row) => labels![row]) : null, rowIds: rows,
  });
  const train = splitOf(parts.train, trainX);
  const test = splitOf(parts.test, testX);

  const featureMap: FeatureMap = {
    center: fit.center,
    spread: fit.spread,
    columns: table.columns.map((c) => {
      const n = numeric.find((x) => x.col === c);
      if (n) return { kind: 'number', start: n.at, width: 1, imputed: imputed.get(c) ?? null, codes: null };
      const o = onehot.find((x) => x.col === c);
      if (o) return { kind: 'onehot', start: o.at, width: o.codes.length, imputed: imputed.get(c) ?? null, codes: o.codes };
      return { kind: 'none', start: 0, width: 0, imputed: null, codes: null };
    }),
    pixels: null,
  };
  const columns: ColumnInfo[] = table.columns.map((c, i) => ({
    name: c.name,
    type: c.type,
    role: r.roles[i],
    missing: c.missing,
    stats: stats[i],
    width: featureMap.columns[i].width,
    reason: r.reasons[i],
  }));
  if (table.pixels) {
    const p = table.pixels;
    const sample = p.data.length > 4_000_000 ? p.data.subarray(0, 4_000_000) : p.data;
    const s = blockStats(sample);
    featureMap.pixels = { start: pixelAt, shape: p.shape, maxValue: p.maxValue, lo: s.min ?? 0, hi: s.max ?? 1, isImage: p.isImage };
    columns.unshift({ name: p.isImage ? 'pixels' : 'values', type: 'number', role: 'feature', missing: s.missing, stats: s, width: d - pixelAt, reason: p.isImage ? `${p.shape[0]}×${p.shape[1]}×${p.shape[2]} image` : null });
  }
  if (table.pixels) table.pixels.data = new Uint8Array(0);

  const summary: DatasetSummary = {
    id,
    name,
    source: builtin ?? table.file,
    format: table.format,
    builtin,
    rows: table.rows,
    trainRows: train.n,
    testRows: test.n,
    features: d,
    featureNames,
    columns,
    labelColumn: r.label?.name ?? null,
    labelNames,
    labelCounts: labels && labelNames ? labelCounts(Int32Array.from(kept, (row) => labels![row]), labelNames.length) : null,
    imageShape: table.pixels?.isImage ? table.pixels.shape : null,
    scaling,
    likelihood,
    missing: policy,
    droppedRows: table.rows - kept.length,
    split: { kind: useFileSplit ? 'file' : 'random', seed, testFraction },
    delimited: table.delimited,
    options: {
      ...(table.delimited ? { delimiter: table.delimited.delimiter, quote: table.delimited.quote, header: table.delimited.header, decimal: table.delimited.decimal, encoding: table.delimited.encoding } : {}),
      labelColumn: r.label?.name ?? null,
      roles: Object.fromEntries(table.columns.map((c, i) => [c.name, r.roles[i]])),
      missing: policy,
      scaling,
      splitSeed: seed,
      testFraction,
      fileSplit: useFileSplit,
      ...table.loaderOptions,
    },
    preview: table.preview,
    sampleRowIds: Array.from(train.rowIds.subarray(0, 24)),
    notes,
  };
  return { summary, train, test, raw: table, featureMap };
}
