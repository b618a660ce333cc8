// Opens a file over the memory budget as a streamed dataset: the source (Parquet in place, or a
// Parquet copy of text), the first pass of statistics, the plan (roles, fill values, split,
// scaling), and an in-memory sample stratified by label that every feature working on rows in
// memory uses. Nothing here holds more than the sample and one block of rows at a time.
import { basename } from 'node:path';
import type { OpenDatasetRequest } from '../../../shared/api';
import type { ColumnInfo, DatasetId, DatasetSummary, StreamedInfo } from '../../../shared/types';
import { datasetBytes, formatBytes, memoryBudget, tooBig } from '../data/budget';
import { asData, type Dataset, type FeatureMap, type Split } from '../data/dataset';
import { sqlIdent } from '../data/duck';
import { plural, type LoadContext } from '../data/files';
import { numberColumn, type RawColumn, type RawTable } from '../data/table';
import { type Block, readBlocks } from './chunks';
import { streamConnect } from './duck';
import { SALT, sqlRowHash, threshold } from './hash';
import { labelCase, planStream, rolesByName, type StreamPlan } from './plan';
import { openStreamSource, type StreamFormat } from './source';
import { isNumeric, ROW } from './sql';
import { columnStatistics } from './stats';
import type { StreamedData } from './types';

/** Share of the budget the in-memory sample may take, and its bounds in rows. */
const SAMPLE_SHARE = 0.08;
const MIN_SAMPLE = 2_000;
export const MAX_SAMPLE = 250_000;
/** Rows of each class the sample takes at least (when the class has them), so rare classes show. */
const MIN_PER_CLASS = 500;
/** Fixed room streaming needs beyond rows: DuckDB's working memory, a model, a few blocks. */
const STREAM_OVERHEAD = 8 * 2 ** 20;

export const EVERY_ROW = [
  'training (shuffled chunks every epoch) and the test score',
  'PCA (fitted in passes over the chunks)',
  'a PCA or model view on request (Embed every row: each row’s coordinates and reconstruction error written to disk, the rows of the region you zoom into fetched, Export → Every row)',
];
export const ON_SAMPLE = [
  'the scatter views until every row is embedded, the comparison table and nearest neighbours',
  'UMAP and t-SNE (no transform for new rows: they run on the sample)',
  'exports of a view without its every-row data (the sample’s rows)',
  'anomaly detection, generation, reconstructions and hover cards',
];

/** Bytes one sample row takes: features, label, row id, split, raw cells. */
const sampleRowBytes = (plan: StreamPlan) => plan.d * 4 + 9 + plan.columns.reduce((s, c) => s + (isNumeric(c) ? 4 : 16), 0);

/** What streaming needs at least; refuses (too-big) when the budget is smaller still. */
function checkStreamable(file: string, d: number, columns: number, wholeBytes: number): void {
  const need = STREAM_OVERHEAD + (MIN_SAMPLE + 3 * 4096) * (d * 4 + 16 + columns * 4);
  const budget = memoryBudget();
  if (need > budget.bytes) {
    throw tooBig(basename(file), need, `even streamed: a sample of ${MIN_SAMPLE.toLocaleString('en-US')} rows and chunks of ${(4096).toLocaleString('en-US')} rows; loading it whole would need about ${formatBytes(wholeBytes)}`,
      'Raise the memory budget (the Memory budget setting in the Data panel, lab --memory-budget MB, or LAB_MEMORY_BUDGET_MB); streaming needs a few megabytes of its own.', budget);
  }
}

function concatBlocks(blocks: Block[], d: number, pick: (b: Block, i: number) => boolean): Split {
  let n = 0;
  for (const b of blocks) for (let i = 0; i < b.n; i++) if (pick(b, i)) n++;
  const x = new Float32Array(n * d);
  const rowIds = new Int32Array(n);
  const labels = blocks[0]?.labels ? new Int32Array(n) : null;
  let k = 0;
  for (const b of blocks) {
    for (let i = 0; i < b.n; i++) {
      if (!pick(b, i)) continue;
      x.set(b.x.subarray(i * d, (i + 1) * d), k * d);
      rowIds[k] = b.rowIds[i];
      if (labels) labels[k] = b.labels![i];
      k++;
    }
  }
  return { x: asData(x), n, labels, rowIds };
}

/** The sample's raw cells by position, as raw columns (text through the column's dictionary). */
function sampleColumns(blocks: Block[], plan: StreamPlan, stubs: RawColumn[], total: number): { columns: RawColumn[]; imputed: Int32Array[] } {
  const imputed = plan.columns.map(() => [] as number[]);
  const columns = plan.columns.map((c, j): RawColumn => {
    const stub = stubs[j];
    if (stub.kind === 'number') {
      const values = new Float32Array(total);
      let at = 0;
      for (const b of blocks) {
        values.set(b.raw![j] as Float32Array, at);
        for (const i of b.imputed![j]) imputed[j].push(b.rowIds[i]);
        at += b.n;
      }
      return { ...numberColumn(c.name, values, stub.type), missing: stub.missing, infinite: stub.infinite, firstInfiniteRow: stub.firstInfiniteRow };
    }
    const dictionary = [...stub.dictionary];
    const index = new Map(dictionary.map((v, k) => [v, k]));
    const codes = new Int32Array(total);
    let at = 0;
    for (const b of blocks) {
      const cells = b.raw![j] as (string | null)[];
      for (let i = 0; i < b.n; i++) {
        const v = cells[i];
        let code = v === null ? -1 : index.get(v);
        if (code === undefined) {
          code = dictionary.length;
          index.set(v!, code);
          dictionary.push(v!);
        }
        codes[at + i] = code;
      }
      for (const i of b.imputed![j]) imputed[j].push(b.rowIds[i]);
      at += b.n;
    }
    return { name: c.name, kind: 'text', type: stub.type, codes, dictionary, missing: stub.missing };
  });
  return { columns, imputed: imputed.map((r) => Int32Array.from(r).sort()) };
}

export async function openStreamed(id: DatasetId, req: OpenDatasetRequest, file: string, format: StreamFormat, ctx: LoadContext): Promise<Dataset> {
  const src = await openStreamSource(file, format, req, ctx);
  const wholeBytes = datasetBytes(src.rows * src.columns.length, 4, src.columns.length);
  checkStreamable(file, src.columns.length, src.columns.length, wholeBytes);
  const conn = await streamConnect();
  try {
    const budget = memoryBudget();
    const notes = [...src.notes];
    ctx.progress(0.2, `Statistics of ${plural(src.rows, 'row')} of ${basename(file)}`);
    const cols = await columnStatistics(conn, src.relation, src.columns, src.rows, () => ctx.checkCancelled());
    ctx.progress(0.5, 'Choosing roles, fill values, split and scaling');
    const { plan, counts } = await planStream(conn, src, cols, req, notes);
    checkStreamable(file, plan.d, src.columns.length, wholeBytes);

    // the sample: a hash of the row number under a rate per class (stratified by label)
    const target = Math.min(counts.kept, MAX_SAMPLE, Math.max(MIN_SAMPLE, Math.floor((budget.bytes * SAMPLE_SHARE) / sampleRowBytes(plan))));
    const perClass = counts.labelCounts;
    const rate = (k: number) => {
      if (!perClass || k < 0) return target / counts.kept;
      const c = perClass[k] || 1;
      return Math.min(1, Math.max(Math.min(c, MIN_PER_CLASS), (target * c) / counts.kept) / c);
    };
    const where = `${sqlRowHash(ROW, 0, SALT.sample)} < ${labelCase(plan, (k) => String(threshold(rate(k))))}`;
    ctx.progress(0.6, `Reading a sample of about ${target.toLocaleString('en-US')} rows`);
    const blocks: Block[] = [];
    for await (const b of readBlocks(conn, src.relation, plan, { where, raw: true, blockRows: 32_768, check: () => ctx.checkCancelled() })) blocks.push(b);
    const d = plan.d;
    const train = concatBlocks(blocks, d, (b, i) => b.test[i] === 0);
    const test = concatBlocks(blocks, d, (b, i) => b.test[i] === 1);
    const total = train.n + test.n;
    const sampleRows = new Int32Array(total);
    { let k = 0; for (const b of blocks) { sampleRows.set(b.rowIds, k); k += b.n; } }
    const { columns: rawColumns, imputed } = sampleColumns(blocks, plan, cols.map((c) => c.stub), total);
    blocks.length = 0;
    // the feature values live in the splits: the raw copies are rebuilt from them when asked
    for (const f of plan.numeric) (rawColumns[f.col] as { values: Float32Array }).values = new Float32Array(0);

    const chunkRows = Math.max(2048, Math.min(src.groupRows, 262_144));
    const info: StreamedInfo = {
      trainRows: counts.train, testRows: counts.test, sampleTrainRows: train.n, sampleTestRows: test.n, chunkRows,
      wholeBytes, budgetBytes: budget.bytes, everyRow: EVERY_ROW, onSample: ON_SAMPLE,
    };
    notes.unshift(`Over the memory budget (loading it whole would need about ${formatBytes(wholeBytes)}; the budget is ${formatBytes(budget.bytes)}, ${budget.description}): opened streamed. `
      + `Training, its test score and PCA go through all ${counts.kept.toLocaleString('en-US')} rows in chunks; views, comparisons, UMAP, t-SNE and anomalies use an in-memory sample of ${total.toLocaleString('en-US')} rows${plan.label ? ', stratified by label' : ''} (a PCA or model view can embed every row on request).`);

    const featureMap: FeatureMap = {
      center: plan.center,
      spread: plan.spread,
      columns: plan.columns.map((_, j) => {
        const n = plan.numeric.find((f) => f.col === j);
        if (n) return { kind: 'number', start: n.at, width: 1, imputed: imputed[j].length ? imputed[j] : null, codes: null };
        const o = plan.onehot.find((f) => f.col === j);
        if (o) return { kind: 'onehot', start: o.at, width: o.codes.length, imputed: imputed[j].length ? imputed[j] : null, codes: o.codes };
        return { kind: 'none', start: 0, width: 0, imputed: null, codes: null };
      }),
      pixels: null,
    };
    const columns: ColumnInfo[] = cols.map((c, i) => ({
      name: c.source.name, type: c.stub.type, role: plan.roles.roles[i], missing: c.stub.missing, stats: c.stats,
      width: featureMap.columns[i].width, reason: plan.roles.reasons[i],
    }));
    const previewRows = (await conn.runAndReadAll(`SELECT ${src.columns.map((c) => `CAST(${sqlIdent(c.name)} AS VARCHAR)`).join(', ')} FROM ${src.relation} LIMIT 10`)).getRows()
      .map((r) => r.map((v) => (v === null ? '' : String(v))));
    const raw: RawTable = {
      file, format, rows: total, columns: rawColumns, pixels: null, fileSplit: null, formatLabel: null, delimited: src.delimited,
      loaderOptions: {}, preview: { header: src.columns.map((c) => c.name), rows: previewRows }, notes: [],
    };
    const s = src.delimited;
    const summary: DatasetSummary = {
      id, name: basename(file), source: file, format, builtin: null,
      rows: src.rows, trainRows: train.n, testRows: test.n, features: d, featureNames: plan.featureNames, columns,
      labelColumn: plan.label ? plan.columns[plan.label.col].name : null,
      labelNames: plan.label?.names ?? null,
      labelCounts: counts.labelCounts,
      imageShape: null, scaling: plan.scaling, likelihood: plan.likelihood, missing: plan.policy,
      droppedRows: src.rows - counts.kept,
      split: plan.split.kind === 'file' ? { kind: 'file', seed: req.splitSeed ?? 0, testFraction: req.testFraction ?? 0.2 } : { kind: 'random', seed: plan.split.seed, testFraction: plan.split.testFraction },
      delimited: s,
      options: {
        ...(s ? { delimiter: s.delimiter, quote: s.quote, header: s.header, decimal: s.decimal, encoding: s.encoding } : {}),
        labelColumn: plan.label ? plan.columns[plan.label.col].name : null,
        roles: rolesByName(plan), missing: plan.policy, scaling: plan.scaling,
        splitSeed: req.splitSeed ?? 0, testFraction: req.testFraction ?? 0.2, fileSplit: plan.split.kind === 'file',
      },
      preview: raw.preview,
      sampleRowIds: Array.from(train.rowIds.subarray(0, 24)),
      notes,
      streamed: info,
    };
    const stream: StreamedData = { source: src, plan, counts, sampleRows, chunkRows };
    ctx.progress(0.95, `Opened ${basename(file)} streamed`);
    return { summary, train, test, raw, featureMap, stream };
  } finally {
    conn.closeSync();
  }
}
