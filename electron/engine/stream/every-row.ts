// Every row of a streamed dataset through a view whose coordinates are a function of the row (PCA,
// a trained model's latent means): read chunk by chunk, each chunk's coordinates and anomaly score
// computed and written as one Parquet part into a private folder of the user data folder. The
// sample's view stays what it was; the parts answer region queries on zoom (region.ts) and the
// "every row" export. Memory is bounded by one chunk: no list of all rows is ever held in JS.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBDataChunk, FLOAT, INTEGER, VARCHAR, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { LabFailure } from '../../../shared/api';
import type { EmbeddingId, EveryRowSummary } from '../../../shared/types';
import type { EmbeddingRecord } from '../compare/embeddings';
import { asData } from '../data/dataset';
import { sqlString } from '../data/duck';
import { modelScores, pcaErrorScores } from '../anomalies/scores';
import { embedCodes } from '../models/evaluate';
import type { Model } from '../models/model';
import { splitRows } from '../models/rows';
import { silentHooks } from '../reduce/hooks';
import { pcaTransform, type PcaModel } from '../reduce/pca';
import { readBlocks, type Block } from './chunks';
import { streamConnect, streamsDir } from './duck';
import { collectBetweenChunks } from './gc';
import type { StreamedData } from './types';

/** What the engine keeps of a view's every-row data (in the dataset entry, per embedding). */
export interface EveryRowFile extends EveryRowSummary {
  /** The folder of Parquet parts (one per chunk). */
  dir: string;
}

/** How one chunk's rows become the view's coordinates and a score. */
export interface RowMapper {
  /** Coordinate columns (c1…c{dims}) and, for a model seen through a 2-D PCA, its latent means (z1…z{latent}). */
  dims: number;
  latent: number;
  scoreName: string;
  map(b: Block): Promise<{ coords: Float32Array; latent: Float32Array | null; score: Float32Array }>;
}

/** The view is a function of each row? (PCA and models are; UMAP and t-SNE are fitted on the sample.) */
export function everyRowRefusal(rec: EmbeddingRecord, stream: StreamedData | undefined): LabFailure | null {
  if (!stream) {
    return new LabFailure('not-streamed', `“${rec.data.title}” belongs to a dataset held in memory: its view already shows every test row.`, 'Embedding every row is for streamed datasets (larger than the memory budget).');
  }
  if (rec.data.method === 'umap' || rec.data.method === 'tsne') {
    return new LabFailure('not-per-row', `“${rec.data.title}” was fitted on the in-memory sample and has no transform for other rows.`,
      'Embed every row in a PCA view or a trained model\'s view; UMAP and t-SNE show the sample only.');
  }
  if (rec.data.params.projected === true && !rec.projection) {
    // a view restored from a workspace keeps its coordinates, not the 2-D projection of the latent
    return new LabFailure('no-projection', `“${rec.data.title}” was restored without the 2-D projection of its latent means, so other rows cannot be placed on it.`,
      'Add the model\'s view again (Latent means in the Compare panel), then embed every row.');
  }
  return null;
}

/** PCA-k: the coordinates, and the reconstruction error from k components as the score. */
export function pcaMapper(pca: PcaModel, k: number): RowMapper {
  return {
    dims: k,
    latent: 0,
    scoreName: `PCA-${k} reconstruction error`,
    map: async (b) => ({ coords: pcaTransform(pca, b.x, b.n, k), latent: null, score: await pcaErrorScores(pca, b.x, b.n, k, silentHooks) }),
  };
}

/** A model: latent means μ(x), the view's 2-D projection of them when it has one, and the reconstruction error (the anomaly score). */
export function modelMapper(model: Model, rec: EmbeddingRecord): RowMapper {
  const k = model.spec.latent;
  const p = rec.projection ?? null;
  return {
    dims: p ? 2 : k,
    latent: p ? k : 0,
    scoreName: 'reconstruction error',
    map: async (b) => {
      const rows = splitRows({ x: asData(b.x), n: b.n, labels: b.labels, rowIds: b.rowIds }, model.spec.inputDim, model.spec.classes);
      const means = await embedCodes(model, rows);
      // the anomaly panel's per-row scores, reconstruction error only (no samples of z drawn)
      const scores = await modelScores(model, rows, 0, 0, silentHooks);
      if (!p) return { coords: means, latent: null, score: scores.reconError };
      const proj = { d: k, mean: p.mean, components: p.axes } as unknown as PcaModel;
      return { coords: pcaTransform(proj, means, b.n, 2), latent: means, score: scores.reconError };
    },
  };
}

/** This engine's every-row folders; removed when the engine exits. */
const mine = new Set<string>();
let exitHook = false;

export const everyRowRoot = () => join(streamsDir(), 'every');

/** Removes folders left by engines that are gone (a crash leaves its folders behind). */
function pruneDead(): void {
  let names: string[] = [];
  try {
    names = readdirSync(everyRowRoot());
  } catch {
    return;
  }
  for (const n of names) {
    const pid = Number(n.split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(everyRowRoot(), n), { recursive: true, force: true });
    }
  }
}

/** Deletes one every-row folder (a replaced, cancelled or dropped one). */
export function removeEveryRow(dir: string): void {
  mine.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

function newFolder(id: EmbeddingId): string {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const d of mine) rmSync(d, { recursive: true, force: true });
    });
    pruneDead();
  }
  const dir = join(everyRowRoot(), `${process.pid}-${id}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  mine.add(dir);
  return dir;
}

const ROWS_PER_APPEND = 2048;

/** Writes one chunk's rows as a Parquet part: appended to a scratch table, copied out, dropped. */
async function writePart(conn: DuckDBConnection, path: string, b: Block, m: RowMapper, out: Awaited<ReturnType<RowMapper['map']>>): Promise<void> {
  const names = ['row', 'split', 'label', ...Array.from({ length: m.dims }, (_, j) => `c${j + 1}`), ...Array.from({ length: m.latent }, (_, j) => `z${j + 1}`), 'score'];
  const types: DuckDBType[] = [INTEGER, VARCHAR, INTEGER, ...names.slice(3).map(() => FLOAT)];
  const table = `every_${randomBytes(6).toString('hex')}`;
  await conn.run(`CREATE TEMP TABLE ${table} (${names.map((n, j) => `${n} ${types[j].toString()}`).join(', ')})`);
  try {
    const appender = await conn.createAppender(table);
    try {
      for (let from = 0; from < b.n; from += ROWS_PER_APPEND) {
        const n = Math.min(ROWS_PER_APPEND, b.n - from);
        const chunk = DuckDBDataChunk.create(types, n);
        const col = (j: number) => chunk.getColumnVector(j) as unknown as { setItem(i: number, v: unknown): void; flush(): void };
        const fill = (j: number, value: (i: number) => unknown) => {
          const v = col(j);
          for (let i = 0; i < n; i++) v.setItem(i, value(from + i));
          v.flush();
        };
        fill(0, (i) => b.rowIds[i]);
        fill(1, (i) => (b.test[i] ? 'test' : 'train'));
        fill(2, (i) => (b.labels && b.labels[i] >= 0 ? b.labels[i] : null));
        for (let c = 0; c < m.dims; c++) fill(3 + c, (i) => out.coords[i * m.dims + c]);
        for (let c = 0; c < m.latent; c++) fill(3 + m.dims + c, (i) => out.latent![i * m.latent + c]);
        fill(names.length - 1, (i) => (Number.isFinite(out.score[i]) ? out.score[i] : null));
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    await conn.run(`COPY ${table} TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  }
}

export interface EveryRowOptions {
  /** Called after each chunk: the fraction done and what is happening. */
  progress?: (fraction: number, message: string) => void;
  /** Throws when the job was cancelled. */
  check?: () => void;
  /** Rows per chunk (default the stream's). */
  chunkRows?: number;
}

/**
 * Writes every kept row of the stream through `m` into a new folder; returns its description.
 * On failure or cancel the folder is removed and the error passed on.
 */
export async function writeEveryRow(id: EmbeddingId, s: StreamedData, m: RowMapper, labelled: boolean, opts: EveryRowOptions = {}): Promise<EveryRowFile> {
  const dir = newFolder(id);
  const conn = await streamConnect();
  // a second connection writes the parts: a query on the reading one would end its stream
  const writer = await streamConnect();
  const total = s.counts.kept;
  let rows = 0;
  let parts = 0;
  const bounds = { x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity };
  try {
    for await (const b of readBlocks(conn, s.source.relation, s.plan, { split: 'all', blockRows: opts.chunkRows ?? s.chunkRows, check: opts.check, labels: labelled })) {
      if (b.n === 0) continue;
      const out = await m.map(b);
      opts.check?.();
      for (let i = 0; i < b.n; i++) {
        const x = out.coords[i * m.dims];
        const y = m.dims > 1 ? out.coords[i * m.dims + 1] : 0;
        if (x < bounds.x0) bounds.x0 = x;
        if (x > bounds.x1) bounds.x1 = x;
        if (y < bounds.y0) bounds.y0 = y;
        if (y > bounds.y1) bounds.y1 = y;
      }
      await writePart(writer, join(dir, `part-${String(parts++).padStart(5, '0')}.parquet`), b, m, out);
      rows += b.n;
      collectBetweenChunks();
      opts.progress?.(rows / Math.max(1, total), `Embedded ${rows.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows`);
    }
  } catch (err) {
    removeEveryRow(dir);
    throw err;
  } finally {
    conn.closeSync();
    writer.closeSync();
  }
  return { embeddingId: id, rows, dims: m.dims, latent: m.latent, scoreName: m.scoreName, bounds: rows ? bounds : null, dir };
}

/** The relation of a view's every-row parts. */
export const everyRowRelation = (f: EveryRowFile) => `read_parquet(${sqlString(join(f.dir, 'part-*.parquet'))})`;
