// `lab export` and `lab reduce`: fit a view of a dataset (PCA, UMAP, t-SNE, a model trained on the
// fly or a saved one) and write its rows in any export format. Written against the engine's API
// only (methods + job events), so it runs the same in-process or against an engine process.
import { resolve } from 'node:path';
import { LabFailure, type DatasetSource } from '../../shared/api';
import { EXPORT_FORMATS, EXPORT_SPLITS, FORMAT_INFO, type ExportColumns, type ExportFormat, type ExportSplit } from '../../shared/export';
import { MODEL_NAMES } from '../../shared/models';
import type { DatasetSummary, EmbeddingId, EmbeddingSummary, ModelName } from '../../shared/types';
import { files } from './files';
import { openOptionsFromFlags } from './data-options';
import { choiceOption, intOption, trainConfigFrom, tsneParams, umapParams } from './options';
import { runJob, type CliEngine } from './progress';

type Flags = Record<string, unknown>;
const str = (v: Flags, name: string) => v[name] as string | undefined;

export const EXPORT_USAGE = `  lab export --data <file-or-builtin> --method pca|umap|tsne|<model> --out PATH [--json]
            [--format csv|tsv|npy|parquet|json|projector] [--split test|train|all] [--every-row]
            [--components 2] [--columns id,label,original] [--force] [--load DIR] [model flags]
                                                fit the view (PCA with --components, UMAP/t-SNE with
                                                their flags as in lab compare, a model trained with the
                                                lab train flags, or --load DIR of a saved model) and
                                                write its coordinates z1…zk with the --columns asked
                                                for (default id,label); --format defaults to the --out
                                                extension; projector writes vectors.tsv, metadata.tsv
                                                (+ sprite.png for images) and projector_config.json
                                                into the --out folder; all = training rows first,
                                                then test rows, with a split column; --every-row (a
                                                file over the memory budget, PCA or a model): every
                                                row of the file, both splits, with a score column,
                                                embedded chunk by chunk (CSV, TSV, JSON, Parquet)
  lab reduce --data <file-or-builtin> --method pca|umap|tsne --out FILE [--json] [--format …]
            [--split all|train|test] [--components 2] [--force] [UMAP/t-SNE flags]
                                                run one reducer and write its coordinates (every row
                                                by default); prints its parameters and diagnostics`;

function sourceOf(arg: string): DatasetSource {
  return files().source(arg);
}

export async function openData(engine: CliEngine, values: Flags, command: string): Promise<DatasetSummary> {
  const data = str(values, 'data');
  if (!data) throw new LabFailure('bad-option', `lab ${command} needs --data <file-or-builtin>.`);
  await engine.backend();
  return runJob(engine, 'open', engine.openDataset({ source: sourceOf(data), ...openOptionsFromFlags(values) }));
}

/** --format, or the format the --out name implies (.csv .tsv .npy .parquet .json). */
export function formatOf(values: Flags, out: string): ExportFormat {
  const given = str(values, 'format');
  if (given !== undefined) return choiceOption('format', given.toLowerCase(), EXPORT_FORMATS, 'csv');
  const ext = /\.([a-z]+)$/i.exec(out)?.[1]?.toLowerCase();
  const byExt = EXPORT_FORMATS.find((f) => FORMAT_INFO[f].extension === `.${ext}`);
  if (!byExt) {
    throw new LabFailure('bad-option', `Cannot tell the format from "${out}": give --format ${EXPORT_FORMATS.join('|')} (or end --out with .csv, .tsv, .npy, .parquet or .json).`);
  }
  return byExt;
}

/** --columns id,label,original (npy: none). */
function columnsOf(values: Flags, format: ExportFormat): ExportColumns {
  const given = str(values, 'columns');
  if (format === 'npy') {
    if (given) throw new LabFailure('bad-option', '--columns does not apply to --format npy: a .npy file holds the coordinates only.');
    return {};
  }
  const list = (given ?? 'id,label').split(',').map((c) => c.trim().toLowerCase()).filter(Boolean);
  const known = ['id', 'label', 'original'];
  const unknown = list.find((c) => !known.includes(c));
  if (unknown !== undefined) throw new LabFailure('bad-option', `--columns takes a comma-separated list of ${known.join(', ')} (got "${unknown}").`);
  return { id: list.includes('id'), label: list.includes('label'), ...(list.includes('original') ? { original: true } : {}) };
}

function outOf(values: Flags, command: string): string {
  const out = str(values, 'out');
  if (!out) throw new LabFailure('bad-option', `lab ${command} needs --out PATH for the file to write.`);
  return resolve(out);
}

/** Fits the view the flags ask for and returns its embedding. */
export async function fitView(engine: CliEngine, ds: DatasetSummary, values: Flags, allowModels: boolean): Promise<EmbeddingSummary> {
  const method = str(values, 'method')?.toLowerCase();
  const load = str(values, 'load');
  if (load && allowModels && (method === undefined || (MODEL_NAMES as readonly string[]).includes(method))) {
    const loaded = await engine.loadModel({ path: await files().input(load) });
    if (str(values, 'epochs') !== undefined) {
      const run = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: trainConfigFrom(values), initFrom: loaded.id }));
      return summaryOf(engine, run.embeddingId);
    }
    return runJob(engine, 'embed', engine.embed({ runId: loaded.id, datasetId: ds.id }));
  }
  const methods = ['pca', 'umap', 'tsne', ...(allowModels ? MODEL_NAMES : [])];
  if (method === undefined || !methods.includes(method)) {
    throw new LabFailure('bad-option', `--method takes one of ${methods.join(', ')}${allowModels ? ' (or give --load DIR)' : ''} (got "${method ?? ''}").`);
  }
  if (method === 'pca') {
    const components = intOption('components', str(values, 'components'), 2, 1);
    return runJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'pca', params: { components } }));
  }
  if (method === 'umap') return runJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'umap', params: umapParams(values) }));
  if (method === 'tsne') return runJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'tsne', params: tsneParams(values) }));
  const run = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: trainConfigFrom({ ...values, model: method as ModelName }) }));
  return summaryOf(engine, run.embeddingId);
}

/** The summary of a run's embedding (no arrays); a run that ended without a model has none. */
async function summaryOf(engine: CliEngine, id: EmbeddingId | null): Promise<EmbeddingSummary> {
  if (!id) throw new LabFailure('no-model', 'Training ended without a model.', 'Try more epochs or a lower learning rate.');
  const { coords: _c, labels: _l, labelNames: _n, rowIds: _r, split: _s, ...summary } = await engine.getEmbedding(id);
  return summary;
}

export interface CommandOutput {
  json: unknown;
  text: string;
}

/** Fits the view and writes it; shared by lab export (default: the test rows) and lab reduce (default: every row). */
async function writeView(engine: CliEngine, values: Flags, command: 'export' | 'reduce'): Promise<CommandOutput> {
  const out = outOf(values, command);
  const format = formatOf(values, out);
  const split: ExportSplit = values['every-row'] === true ? 'every' : choiceOption('split', str(values, 'split'), EXPORT_SPLITS, command === 'reduce' ? 'all' : 'test');
  const columns = split === 'every' && !str(values, 'columns') ? undefined : columnsOf(values, format);
  const ds = await openData(engine, values, command);
  const view = await fitView(engine, ds, values, command === 'export');
  const target = await files().output(out, { force: values.force === true, folder: format === 'projector' });
  // every row of a streamed file: its coordinates are written to disk chunk by chunk first
  if (split === 'every') await runJob(engine, 'everyRow', engine.embedEveryRow(view.id));
  const result = await runJob(engine, 'export', engine.exportView({
    embeddingId: view.id, path: target, format, split, columns, overwrite: values.force === true,
  }));
  const json = {
    dataset: ds.name,
    view: { title: view.title, method: view.method, dims: view.dims, seconds: view.seconds, params: view.params, explainedVariance: view.explainedVariance, notes: view.diagnostics.notes },
    format,
    split,
    path: result.path,
    rows: result.rows,
    columns: result.columns,
    ...(result.files ? { files: result.files } : {}),
    ...(result.notes ? { notes: result.notes } : {}),
  };
  const ev = view.explainedVariance ? ` (explained variance ${(view.explainedVariance.reduce((a, b) => a + b, 0) * 100).toFixed(1)}%)` : '';
  const text = [
    `${view.title} on ${ds.name}: ${view.dims} coordinate${view.dims === 1 ? '' : 's'}, fitted in ${view.seconds.toFixed(1)} s${ev}`,
    ...view.diagnostics.notes.map((n) => `  - ${n}`),
    `Wrote ${result.rows.toLocaleString('en-US')} rows (${split === 'all' ? 'training then test rows' : `${split} split`}) to ${result.path}${result.files ? `: ${result.files.map((f) => f.slice(result.path.length + 1)).join(', ')}` : ''} as ${FORMAT_INFO[format].title}`,
    `Columns: ${result.columns.join(', ')}`,
    ...(result.notes ?? []),
  ].join('\n');
  return { json, text };
}

export const exportCommand = (engine: CliEngine, values: Flags) => writeView(engine, values, 'export');
export const reduceCommand = (engine: CliEngine, values: Flags) => writeView(engine, values, 'reduce');
