// The comparison service: reducers (PCA, UMAP, t-SNE, a model's latent means) as embeddings of a
// dataset, their coordinates, the numbers table, nearest neighbours, reconstructions, and exports.
import { basename } from 'node:path';
import { z } from 'zod';
import { LabFailure, type ExportRequest, type MetricsExportRequest, type MetricsRequest, type NeighboursRequest, type PcaRequest, type ReconstructRequest, type ReduceRequest } from '../../../shared/api';
import { datasetId, embeddingId, embeddingIds, path, reconMethod, reduceSchema, rowIndices, split } from '../../../shared/schemas';
import type {
  DatasetId,
  EmbeddingData,
  EmbeddingId,
  EmbeddingSummary,
  JobId,
  MetricsTable,
  NeighboursResult,
  ReconstructionResult,
  ReduceRequestParams,
  SplitName,
} from '../../../shared/types';
import { initBackend } from '../core/backend';
import { checkRows, gatherRows } from '../data/dataset';
import { writeEmbeddingCsv, writeMetricsCsv } from '../export/csv';
import { checkTarget } from '../export/target';
import type { ReduceHooks } from '../reduce/hooks';
import { runReducer } from '../reduce/run';
import { method } from '../session/define';
import { reduceHooks, type JobContext } from '../session/jobs';
import { newId, type DatasetEntry, type Session } from '../session/session';
import { splitView, summaryOf, type EmbeddingRecord } from './embeddings';
import { reconstructRows, reconTitle } from './reconstruct';
import { ensureTrainCoords, KNN_K, NEIGHBOURHOOD_K, rowNeighbours, scoreEmbeddings, scoredRows, scoringNotes } from './score';
import { compareSource, modelHandle, reduceContext, testErrorsOf } from './sources';

const REDUCER_NAMES = { pca: 'PCA', umap: 'UMAP', tsne: 't-SNE', latent: 'Latent means' } as const;

async function runReduce(s: Session, entry: DatasetEntry, req: ReduceRequestParams, ctx: JobContext): Promise<EmbeddingSummary> {
  await initBackend();
  const rec = await runReducer(newId<EmbeddingId>('emb'), req, reduceContext(s, entry, reduceHooks(ctx)));
  entry.addEmbedding(rec);
  ctx.progress(1, `${rec.data.title}: done in ${rec.data.seconds.toFixed(1)} s`);
  return summaryOf(rec.data);
}

/** Records to score: the requested ones (checked), else every embedding of the dataset. */
function recordsFor(s: Session, entry: DatasetEntry, ids?: EmbeddingId[]): EmbeddingRecord[] {
  const all = ids ? ids.map((id) => s.embedding(id)) : [...entry.embeddings.values()].map((rec) => ({ entry, rec }));
  const foreign = all.find((r) => r.entry !== entry);
  if (foreign) throw new LabFailure('wrong-dataset', `“${foreign.rec.data.title}” belongs to another dataset.`, 'Compare embeddings of one dataset at a time.');
  return all.map((r) => r.rec);
}

/** Reads the models behind model embeddings that are not in memory yet (runs restored from disk). */
async function modelsOf(s: Session, records: EmbeddingRecord[]): Promise<void> {
  for (const r of records) if (r.data.runId && r.recon) await s.runs.ensureModel(r.data.runId);
}

async function metricsTable(s: Session, entry: DatasetEntry, records: EmbeddingRecord[], hooks: ReduceHooks): Promise<MetricsTable> {
  await initBackend();
  const missing = records.filter((r) => !entry.scores.has(r.data.id));
  if (missing.length) {
    const rows = await scoreEmbeddings(missing, compareSource(s, entry), hooks);
    rows.forEach((row) => entry.scores.set(row.embeddingId, row));
  }
  const ds = entry.ds;
  return {
    datasetId: ds.summary.id,
    knnK: KNN_K,
    neighbourhoodK: NEIGHBOURHOOD_K,
    scoredRows: scoredRows(ds.test.n).length,
    testRows: ds.test.n,
    rows: records.map((r) => entry.scores.get(r.data.id)!),
    notes: scoringNotes(ds.test.n),
  };
}

const metricsRequest = { datasetId, embeddingIds: embeddingIds.optional() };

export const compareHandlers = {
  /** PCA with k components (the same as reduce with method 'pca'); a 'pca' job. */
  computePca: method(z.tuple([z.strictObject({ datasetId, components: z.number().int().min(1).max(1000) })]), async (s, req: PcaRequest): Promise<JobId> => {
    const entry = s.entry(req.datasetId);
    return s.jobs.start('pca', `PCA on ${entry.ds.summary.name}`, (ctx) =>
      runReduce(s, entry, { method: 'pca', params: { components: req.components } }, ctx));
  }),

  /** Runs a reducer as a 'reduce' job; resolves to the new embedding's summary. */
  reduce: method(z.tuple([reduceSchema]), async (s, req: ReduceRequest): Promise<JobId> => {
    const entry = s.entry(req.datasetId);
    if (req.method === 'latent') {
      await s.runs.ensureModel(req.params.runId);
      modelHandle(s, req.params.runId, entry); // fail now, not in the job
    }
    return s.jobs.start('reduce', `${REDUCER_NAMES[req.method]} on ${entry.ds.summary.name}`, (ctx) => runReduce(s, entry, req, ctx));
  }),

  /** Test-split coordinates (default), or the training-split ones where the engine has them. */
  getEmbedding: method(z.tuple([embeddingId, split.optional()]), async (s, id: EmbeddingId, which: SplitName = 'test'): Promise<EmbeddingData> => {
    const { entry, rec } = s.embedding(id);
    if (which === 'train' && rec.data.runId) await s.runs.ensureModel(rec.data.runId);
    if (which === 'train') await ensureTrainCoords(rec, compareSource(s, entry));
    return splitView(rec, entry.ds, which);
  }),

  /** Embeddings of a dataset (summaries, oldest first). */
  listEmbeddings: method(z.tuple([datasetId]), async (s, id: DatasetId): Promise<EmbeddingSummary[]> =>
    [...s.entry(id).embeddings.values()].map((r) => summaryOf(r.data))),

  /** Writes an embedding's test rows as CSV `id,label,z1..zk` (exportView does every split and format); an 'export' job. */
  exportEmbedding: method(z.tuple([z.strictObject({ embeddingId, path, overwrite: z.boolean().optional() })]), async (s, req: ExportRequest): Promise<JobId> => {
    const e = s.embedding(req.embeddingId).rec.data;
    await checkTarget(req.path, req.overwrite);
    return s.jobs.start('export', `Export ${basename(req.path)}`, async (ctx) => {
      ctx.progress(0.1, `Writing ${e.rows.toLocaleString('en-US')} rows`);
      const result = await writeEmbeddingCsv(req.path, e);
      ctx.progress(1, `Saved ${basename(req.path)}`);
      return result;
    });
  }),

  /** Scores embeddings on the test split as a 'metrics' job; resolves to the comparison table. */
  computeMetrics: method(z.tuple([z.strictObject(metricsRequest)]), async (s, req: MetricsRequest): Promise<JobId> => {
    const entry = s.entry(req.datasetId);
    const records = recordsFor(s, entry, req.embeddingIds);
    await modelsOf(s, records);
    return s.jobs.start('metrics', `Compare ${records.length} embedding${records.length === 1 ? '' : 's'} of ${entry.ds.summary.name}`,
      (ctx) => metricsTable(s, entry, records, reduceHooks(ctx)));
  }),

  /** Writes the comparison table as CSV (computing missing rows first); an 'export' job. */
  exportMetrics: method(z.tuple([z.strictObject({ ...metricsRequest, path, overwrite: z.boolean().optional() })]), async (s, req: MetricsExportRequest): Promise<JobId> => {
    const entry = s.entry(req.datasetId);
    const records = recordsFor(s, entry, req.embeddingIds);
    await modelsOf(s, records);
    await checkTarget(req.path, req.overwrite);
    return s.jobs.start('export', `Export ${basename(req.path)}`, async (ctx) => {
      const result = await writeMetricsCsv(req.path, await metricsTable(s, entry, records, reduceHooks(ctx)));
      ctx.progress(1, `Saved ${basename(req.path)}`);
      return result;
    });
  }),

  /** Nearest test rows of one test row in data space and in each embedding. */
  neighbours: method(z.tuple([z.strictObject({ datasetId, row: z.number().int().min(0), k: z.number().int().min(1).max(100), embeddingIds })]),
    async (s, req: NeighboursRequest): Promise<NeighboursResult> => {
      const entry = s.entry(req.datasetId);
      checkRows([req.row], entry.ds.test.n, 'test');
      await initBackend();
      return rowNeighbours(entry.ds, req.row, req.k, recordsFor(s, entry, req.embeddingIds));
    }),

  /** Originals and reconstructions (PCA-k, models) of chosen test rows, plus per-feature errors. */
  reconstruct: method(z.tuple([z.strictObject({ datasetId, rows: rowIndices.max(256), methods: z.array(reconMethod).max(32) })]),
    async (s, req: ReconstructRequest): Promise<ReconstructionResult> => {
      const entry = s.entry(req.datasetId);
      const ds = entry.ds;
      const d = ds.summary.features;
      checkRows(req.rows, ds.test.n, 'test');
      await initBackend();
      for (const m of req.methods) if (m.kind === 'model') await s.runs.ensureModel(m.runId);
      const original = gatherRows(ds.test, d, req.rows) as ReconstructionResult['original'];
      const labels = ds.test.labels ? Int32Array.from(req.rows, (r) => ds.test.labels![r]) : null;
      const source = compareSource(s, entry);
      const methods = [];
      for (const m of req.methods) {
        const values = await reconstructRows(m, original, req.rows.length, source, labels);
        const whole = await testErrorsOf(s, entry, m);
        methods.push({
          method: m,
          title: reconTitle(m, source),
          values,
          rowMse: Float32Array.from(req.rows, (r) => whole.rowMse[r]),
          columnMse: whole.columnMse,
          mse: whole.mse,
        });
      }
      return {
        datasetId: ds.summary.id,
        rows: Int32Array.from(req.rows),
        rowIds: Int32Array.from(req.rows, (r) => ds.test.rowIds[r]),
        labels,
        features: d,
        featureNames: ds.summary.featureNames,
        imageShape: ds.summary.imageShape,
        original,
        methods,
      };
    }),
};
