// The export service: an embedding's rows (test split, training split, all rows or a selection) in
// any of the file formats other tools read, with the columns asked for, and the run report. Both
// are 'export' jobs; neither replaces an existing file unless the request says overwrite.
import { basename } from 'node:path';
import { z } from 'zod';
import { LabFailure } from '../../../shared/api';
import { EXPORT_FORMATS, EXPORT_SPLITS, FORMAT_INFO, type ExportViewRequest, type ReportRequest } from '../../../shared/export';
import { anomalyId, datasetId, embeddingId, embeddingIds, path, runId } from '../../../shared/schemas';
import type { ExportResult, JobId, RunSummary } from '../../../shared/types';
import { compareSource, testErrorsOf } from '../compare/sources';
import { splitView, type EmbeddingRecord } from '../compare/embeddings';
import { embedCodes } from '../models/evaluate';
import { inputFor } from '../models/model-input';
import { splitRows } from '../models/rows';
import { initBackend } from '../core/backend';
import { method } from '../session/define';
import type { Session } from '../session/session';
import type { Dataset } from '../data/dataset';
import { appVersion } from '../../version';
import { writeFileAtomic } from './csv';
import { PROJECTOR_FILES, writeProjector } from './projector';
import { buildReport } from './report';
import { buildTable, type SplitCoords } from './table';
import { checkFolderTarget, checkTarget } from './target';
import { writeDelimited, writeJson, writeNpy, writeParquet } from './writers';
import { everyRowFile } from '../stream/service';
import { exportEveryRow, exportEveryRowCheck } from '../stream/region';

const rowList = z.array(z.number().int().min(0)).max(10_000_000);

export const exportViewSchema = z.strictObject({
  embeddingId,
  path,
  format: z.enum(EXPORT_FORMATS),
  split: z.enum(EXPORT_SPLITS).optional(),
  rows: rowList.optional(),
  rowIds: rowList.optional(),
  columns: z.strictObject({
    id: z.boolean().optional(),
    label: z.boolean().optional(),
    original: z.union([z.boolean(), z.array(z.string().min(1).max(1000)).max(100_000)]).optional(),
    anomalyId: anomalyId.optional(),
    clusters: z.custom<Int32Array>((v) => v instanceof Int32Array, 'expected an Int32Array').optional(),
  }).optional(),
  overwrite: z.boolean().optional(),
});

/**
 * Training-split coordinates of a model's embedding, encoded on demand with the model's own
 * preprocessing (a saved model loaded from disk included); projected latents (dims ≠ latent) have none.
 */
async function ensureTrainRows(s: Session, rec: EmbeddingRecord, ds: Dataset): Promise<void> {
  if (rec.train || !rec.data.runId) return;
  const run = s.runs.get(rec.data.runId);
  const model = s.runs.model(rec.data.runId);
  if (model.spec.latent !== rec.data.dims) return;
  const input = inputFor(model, run.schema, ds, ds.train);
  rec.train = await embedCodes(model, splitRows(input, model.spec.inputDim, model.spec.classes));
}

/** Checks the request and the target, then returns the work of the export job. */
async function planExport(s: Session, req: ExportViewRequest): Promise<{ title: string; work: (progress: (f: number, m: string) => void) => Promise<ExportResult> }> {
  const { entry, rec } = s.embedding(req.embeddingId);
  const ds = entry.ds;
  const split = req.split ?? 'test';
  if (split === 'every') return planEveryRow(s, req);
  const anomaly = req.columns?.anomalyId ? s.anomaly(req.columns.anomalyId) : null;
  if (anomaly && anomaly.entry !== entry) {
    throw new LabFailure('wrong-dataset', 'Those anomaly scores belong to another dataset.', 'Pick scores computed on the dataset of this embedding.');
  }
  const info = FORMAT_INFO[req.format];
  if (info.folder) await checkFolderTarget(req.path, Object.values(PROJECTOR_FILES), req.overwrite);
  else await checkTarget(req.path, req.overwrite);
  const name = basename(req.path);
  return {
    title: `Export ${name}`,
    work: async (progress) => {
      if (split !== 'test' && !rec.train) {
        // a model's embedding made by training holds the test rows: encode the training rows now
        progress(0.02, `Encoding the ${ds.train.n.toLocaleString('en-US')} training rows`);
        await ensureTrainRows(s, rec, ds);
      }
      const parts: SplitCoords[] = (split === 'all' ? (['train', 'test'] as const) : [split]).map((p) => ({ split: p, data: splitView(rec, ds, p) }));
      const table = buildTable(ds, parts, { ...req, split }, anomaly?.result ?? null);
      progress(0.05, `Writing ${table.rows.toLocaleString('en-US')} rows to ${name}`);
      const result: ExportResult = { path: req.path, rows: table.rows, columns: table.columns.map((c) => c.name) };
      switch (req.format) {
        case 'csv':
          await writeDelimited(req.path, table, ',');
          break;
        case 'tsv':
          await writeDelimited(req.path, table, '\t');
          break;
        case 'json':
          await writeJson(req.path, table);
          break;
        case 'npy':
          await writeNpy(req.path, table);
          break;
        case 'parquet':
          await writeParquet(req.path, table, (f) => progress(0.05 + 0.8 * f, `Writing ${name}`));
          break;
        case 'projector': {
          const p = await writeProjector(req.path, ds, table, `${ds.summary.name} · ${rec.data.title}`);
          result.files = p.files;
          result.columns = p.metadataColumns;
          table.notes.push(...p.notes);
          break;
        }
      }
      if (table.notes.length) result.notes = table.notes;
      progress(1, `Saved ${name}`);
      return result;
    },
  };
}

/** Every row of a streamed dataset's view, from its every-row data (DuckDB streams it to the file). */
async function planEveryRow(s: Session, req: ExportViewRequest) {
  const { entry, file } = everyRowFile(s, req.embeddingId);
  if (req.rows || req.rowIds || req.columns?.original || req.columns?.anomalyId || req.columns?.clusters) {
    throw new LabFailure('bad-request', 'Every row is exported with its id, split, label, coordinates and score only.',
      'Leave out the row picks, original columns, anomaly scores and clusters, or export the sample.');
  }
  exportEveryRowCheck(req.format);
  await checkTarget(req.path, req.overwrite);
  const name = basename(req.path);
  return {
    title: `Export ${name}`,
    work: async (progress: (f: number, m: string) => void): Promise<ExportResult> => {
      progress(0.05, `Writing ${file.rows.toLocaleString('en-US')} rows to ${name}`);
      const result = await exportEveryRow(file, req.path, req.format, entry.ds.summary.labelNames);
      progress(1, `Saved ${name}`);
      return result;
    },
  };
}

/** Views a report draws by default. */
const REPORT_VIEWS = 12;

function hasModel(s: Session, run: RunSummary): boolean {
  try {
    s.runs.model(run.id);
    return true;
  } catch {
    return false;
  }
}

/** Gathers what the report shows (checking that everything belongs to the dataset) and returns the job's work. */
async function planReport(s: Session, req: ReportRequest) {
  const entry = s.entry(req.datasetId);
  const ds = entry.ds;
  await checkTarget(req.path, req.overwrite);
  const runs = s.runs.list().filter((r) => r.datasetId === entry.id);
  let run: RunSummary | null;
  if (req.runId) {
    run = s.runs.get(req.runId).summary;
    if (run.datasetId !== entry.id) throw new LabFailure('wrong-dataset', `“${run.title}” was trained on another dataset.`, 'Pick a run of this dataset, or open its dataset.');
  } else {
    run = runs.filter((r) => hasModel(s, r)).at(-1) ?? runs.at(-1) ?? null;
  }
  const records = req.embeddingIds
    ? req.embeddingIds.map((id) => {
      const e = s.embedding(id);
      if (e.entry !== entry) throw new LabFailure('wrong-dataset', `“${e.rec.data.title}” belongs to another dataset.`, 'Pick views of this dataset.');
      return e.rec;
    })
    : [...entry.embeddings.values()].slice(-REPORT_VIEWS);
  let anomaly = null;
  if (req.anomalyId) {
    const a = s.anomaly(req.anomalyId);
    if (a.entry !== entry) throw new LabFailure('wrong-dataset', 'Those anomaly scores belong to another dataset.', 'Pick scores computed on this dataset.');
    anomaly = a.result;
  } else {
    anomaly = [...entry.anomalies.values()].at(-1) ?? null;
  }
  const name = basename(req.path);
  return {
    title: `Report ${name}`,
    work: async (progress: (f: number, m: string) => void): Promise<ExportResult> => {
      progress(0.05, 'Gathering the report');
      const backend = await initBackend();
      const report = await buildReport({
        ds,
        run: run ? structuredClone(run) : null,
        otherRuns: runs.filter((r) => r.id !== run?.id),
        views: records.map((r) => r.data),
        scores: records.flatMap((r) => entry.scores.get(r.data.id) ?? []),
        anomaly,
        source: compareSource(s, entry),
        testErrors: (m) => testErrorsOf(s, entry, m),
        runReconstructs: run !== null && hasModel(s, run),
        version: appVersion,
        backend: backend.detail,
        step: (f, m) => progress(0.05 + 0.85 * f, m),
      });
      await writeFileAtomic(req.path, [report.html]);
      progress(1, `Saved ${name}`);
      return { path: req.path, rows: ds.summary.rows, columns: [], sections: report.sections };
    },
  };
}

export const exportHandlers = {
  /**
   * Writes an embedding's rows as CSV, TSV, NPY (float32 coordinates), Parquet, JSON or the
   * Embedding Projector's files, with the columns asked for; an 'export' job. Refuses an existing
   * target (code 'exists') unless `overwrite`.
   */
  exportView: method(z.tuple([exportViewSchema]), async (s, req: ExportViewRequest): Promise<JobId> => {
    const plan = await planExport(s, req);
    return s.jobs.start('export', plan.title, (ctx) => plan.work((f, m) => ctx.progress(f, m)));
  }),

  /**
   * Writes the run report: one self-contained HTML file (data and decisions, the run's config and
   * curves, scatter images of the views, the comparison table when computed, reconstructions, the
   * anomaly ROC curves); an 'export' job. Refuses an existing file unless `overwrite`.
   */
  writeReport: method(z.tuple([z.strictObject({
    datasetId,
    path,
    runId: runId.optional(),
    embeddingIds: embeddingIds.optional(),
    anomalyId: anomalyId.optional(),
    overwrite: z.boolean().optional(),
  })]), async (s, req: ReportRequest): Promise<JobId> => {
    const plan = await planReport(s, req);
    return s.jobs.start('export', plan.title, (ctx) => plan.work((f, m) => ctx.progress(f, m)));
  }),
};
