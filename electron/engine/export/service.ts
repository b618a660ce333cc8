// The export service: an embedding's rows (test split, training split, all rows or a selection) in
// any of the file formats other tools read, with the columns asked for, and the run report. Both
// are 'export' jobs; neither replaces an existing file unless the request says overwrite.
import { basename } from 'node:path';
import { z } from 'zod';
import { LabFailure } from '../../../shared/api';
import { EXPORT_FORMATS, EXPORT_SPLITS, FORMAT_INFO, type ExportViewRequest } from '../../../shared/export';
import { anomalyId, embeddingId, path } from '../../../shared/schemas';
import type { ExportResult, JobId } from '../../../shared/types';
import { ensureTrainCoords } from '../compare/score';
import { compareSource } from '../compare/sources';
import { splitView } from '../compare/embeddings';
import { method } from '../session/define';
import type { Session } from '../session/session';
import { PROJECTOR_FILES, writeProjector } from './projector';
import { buildTable, type SplitCoords } from './table';
import { checkFolderTarget, checkTarget } from './target';
import { writeDelimited, writeJson, writeNpy, writeParquet } from './writers';

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
    clusters: z.instanceof(Int32Array).optional(),
  }).optional(),
  overwrite: z.boolean().optional(),
});

/** Checks the request and the target, then returns the work of the export job. */
async function planExport(s: Session, req: ExportViewRequest): Promise<{ title: string; work: (progress: (f: number, m: string) => void) => Promise<ExportResult> }> {
  const { entry, rec } = s.embedding(req.embeddingId);
  const ds = entry.ds;
  const split = req.split ?? 'test';
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
        await ensureTrainCoords(rec, compareSource(s, entry));
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
};
