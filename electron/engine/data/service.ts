// The data service: the backend in use, the built-in catalogue, opening and closing datasets,
// rows and columns for the Data panel, and files uploaded from the browser window.
import { basename } from 'node:path';
import { z } from 'zod';
import { LabFailure, type ColumnRequest, type OpenDatasetRequest, type RowsRequest } from '../../../shared/api';
import { datasetId, datasetSource, none, openOptionsShape, split } from '../../../shared/schemas';
import type { BackendInfo, CatalogEntry, ColumnValues, DatasetId, DatasetRows, DatasetSummary, JobId } from '../../../shared/types';
import { initBackend } from '../core/backend';
import { method } from '../session/define';
import { newId, type DatasetEntry, type Session } from '../session/session';
import { catalog } from './catalog';
import { columnValues } from './column-values';
import type { LoadContext } from './files';
import { openDataset } from './open';
import { stableDatasetId } from './identity';
import { getRows } from './rows';
import { saveUpload } from './uploads';
import { servedPathProblem } from '../files/roots';

/**
 * Fault injection for the crash-containment tests: LAB_TEST_CRASH_ON_OPEN=<file name> makes the
 * engine process die as a native library would (SIGSEGV) while opening that file.
 */
function crashIfAsked(req: OpenDatasetRequest): void {
  const name = process.env.LAB_TEST_CRASH_ON_OPEN;
  if (name && req.source.kind === 'file' && basename(req.source.path) === name) process.kill(process.pid, 'SIGSEGV');
}

/** Opens a dataset into the session under its stable id (the same data with the same settings is the same dataset in every session). */
export async function openInto(s: Session, req: OpenDatasetRequest, ctx: LoadContext): Promise<DatasetEntry> {
  // a served engine opens nothing outside its folders, whoever names the file (a call, a workspace)
  for (const p of [req.source.kind === 'file' ? req.source.path : null, req.labelsPath ?? null]) {
    const refused = p ? servedPathProblem(p) : null;
    if (refused) throw new LabFailure('outside-roots', refused);
  }
  crashIfAsked(req);
  const ds = await openDataset(newId<DatasetId>('ds'), req, ctx);
  ds.summary.id = await stableDatasetId(req.source, ds.summary.options);
  return s.addDataset(ds);
}

export const dataHandlers = {
  /** Starts the tfjs backend chain if needed and says which backend won. */
  backend: method(none, async (): Promise<BackendInfo> => initBackend()),

  listDatasets: method(none, async (): Promise<CatalogEntry[]> => catalog),

  /** Opens a dataset as an 'open' job; resolves to its summary. */
  openDataset: method(z.tuple([z.strictObject({ source: datasetSource, ...openOptionsShape })]), async (s, req: OpenDatasetRequest): Promise<JobId> => {
    const title = req.source.kind === 'builtin' ? `Open ${req.source.name}` : `Open ${basename(req.source.path)}`;
    return s.jobs.start('open', title, async (ctx) => {
      const { ds } = await openInto(s, req, ctx);
      ctx.progress(1, `Opened ${ds.summary.name}`);
      return ds.summary;
    });
  }),

  getDataset: method(z.tuple([datasetId]), async (s, id: DatasetId): Promise<DatasetSummary> => s.dataset(id).summary),

  /** Raw cells, model features and thumbnails of some rows of one split. */
  getRows: method(z.tuple([z.strictObject({ datasetId, split, rowIds: z.array(z.number().int().min(0)).max(5000) })]),
    async (s, req: RowsRequest): Promise<DatasetRows> => getRows(s.dataset(req.datasetId), req.split, req.rowIds)),

  /** One column's values for every row of a split, in the file's units (colour by column). */
  getColumn: method(z.tuple([z.strictObject({ datasetId, split, column: z.string().min(1).max(1000) })]),
    async (s, req: ColumnRequest): Promise<ColumnValues> => columnValues(s.dataset(req.datasetId), req.split, req.column)),

  /** Forgets an open dataset and everything computed from it (embeddings, PCA, scores, anomaly results). */
  closeDataset: method(z.tuple([datasetId]), async (s, id: DatasetId): Promise<void> => {
    s.entry(id);
    s.closeDataset(id);
  }),

  /**
   * Stores bytes the user dropped/picked in browser mode; returns a path openDataset accepts.
   * `name` may be a relative path (a file inside a dropped folder); files sent with the same
   * `group` land in the same upload folder, keeping their sub-folders.
   */
  uploadFile: method(z.union([
    z.tuple([z.string().min(1).max(1024), z.instanceof(Uint8Array)]),
    z.tuple([z.string().min(1).max(1024), z.instanceof(Uint8Array), z.string().regex(/^[\w-]{1,64}$/)]),
  ]), async (_s, name: string, bytes: Uint8Array, group?: string): Promise<string> => saveUpload(name, bytes, group)),
};
