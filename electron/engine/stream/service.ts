// The calls behind "every row" of a streamed dataset's view: embed every row to disk (a job), say
// whether a view has it, and answer the rows in a rectangle of the view (the scatter's zoom).
import { z } from 'zod';
import { LabFailure } from '../../../shared/api';
import { embeddingId } from '../../../shared/schemas';
import type { EmbeddingId, EveryRowSummary, JobId, RegionRows } from '../../../shared/types';
import { initBackend } from '../core/backend';
import { method } from '../session/define';
import type { DatasetEntry, Session } from '../session/session';
import type { EmbeddingRecord } from '../compare/embeddings';
import { everyRowRefusal, modelMapper, pcaMapper, writeEveryRow, type EveryRowFile, type RowMapper } from './every-row';
import { regionRows } from './region';

/** Most rows one region query returns (the count says how many more there are). */
export const REGION_MAX_LIMIT = 200_000;

const summaryOfFile = ({ dir: _d, ...summary }: EveryRowFile): EveryRowSummary => summary;

async function mapperFor(s: Session, entry: DatasetEntry, rec: EmbeddingRecord): Promise<RowMapper> {
  if (rec.data.method === 'pca') return pcaMapper((await entry.pca()).model, rec.data.dims);
  const runId = rec.data.runId!;
  await s.runs.ensureModel(runId);
  return modelMapper(s.runs.model(runId), rec);
}

/** The every-row data of a view, or a failure saying how to get it. */
export function everyRowFile(s: Session, id: EmbeddingId): { entry: DatasetEntry; file: EveryRowFile } {
  const { entry, rec } = s.embedding(id);
  const file = entry.everyRow.get(id);
  if (!file) {
    const refused = everyRowRefusal(rec, entry.ds.stream);
    if (refused) throw refused;
    throw new LabFailure('no-every-row', `“${rec.data.title}” has no coordinates for every row yet: it shows the sample.`, 'Press “Embed every row” in the view (lab: --every-row) first.');
  }
  return { entry, file };
}

const rect = z.number().finite();

export const everyRowHandlers = {
  /**
   * Reads every row of a streamed dataset in chunks through a view (PCA or a trained model's latent
   * means) and writes each row's coordinates and score to Parquet in the user data folder; an
   * 'everyRow' job. Running it again replaces the data; closing the dataset removes it.
   */
  embedEveryRow: method(z.tuple([embeddingId]), async (s, id: EmbeddingId): Promise<JobId> => {
    const { entry, rec } = s.embedding(id);
    const refused = everyRowRefusal(rec, entry.ds.stream);
    if (refused) throw refused;
    const stream = entry.ds.stream!;
    if (rec.data.runId) await s.runs.ensureModel(rec.data.runId);
    return s.jobs.start('everyRow', `Every row of ${rec.data.title}`, async (ctx) => {
      await initBackend();
      ctx.progress(0, `Embedding ${stream.counts.kept.toLocaleString('en-US')} rows in chunks`);
      const mapper = await mapperFor(s, entry, rec);
      const file = await writeEveryRow(id, stream, mapper, true, { progress: (f, m) => ctx.progress(f, m), check: () => ctx.checkCancelled() });
      entry.setEveryRow(file);
      ctx.progress(1, `Embedded ${file.rows.toLocaleString('en-US')} rows`);
      return summaryOfFile(file);
    });
  }),

  /** What a view's every-row data holds, or null when it has none. */
  everyRowSummary: method(z.tuple([embeddingId]), async (s, id: EmbeddingId): Promise<EveryRowSummary | null> => {
    const f = s.embedding(id).entry.everyRow.get(id);
    return f ? summaryOfFile(f) : null;
  }),

  /**
   * The rows of a view inside x0 ≤ c1 ≤ x1, y0 ≤ c2 ≤ y1 (its two shown coordinates), from its
   * every-row data: the first `limit` in row order, and the count of all of them.
   */
  regionRows: method(z.tuple([z.strictObject({ embeddingId, x0: rect, x1: rect, y0: rect, y1: rect, limit: z.number().int().min(0).max(REGION_MAX_LIMIT) })]),
    async (s, req: { embeddingId: EmbeddingId; x0: number; x1: number; y0: number; y1: number; limit: number }): Promise<RegionRows> => {
      const { file } = everyRowFile(s, req.embeddingId);
      return regionRows(file, req, req.limit);
    }),
};
