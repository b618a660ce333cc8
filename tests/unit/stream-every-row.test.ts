// Every row of a streamed dataset through a view (PCA, a trained model's latent means), written to
// Parquet chunk by chunk: every kept row exactly once, the same coordinates as the in-memory view
// gives the sample's rows, region queries that count what a brute-force filter counts, the
// "every row" export read back by DuckDB, and bad requests answered with their own message.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { isLabError, type JobEvent } from '../../shared/api';
import type { DatasetSummary, EmbeddingSummary, JobId } from '../../shared/types';
import { Engine } from '../../electron/engine/engine';
import { BUDGET_ENV, resetMemoryBudget } from '../../electron/engine/data/budget';
import { awaitJob } from '../../electron/engine/session/await-job';
import { everyRowRefusal, everyRowRoot, modelMapper, pcaMapper, writeEveryRow, type EveryRowFile, type RowMapper } from '../../electron/engine/stream/every-row';
import { regionRows } from '../../electron/engine/stream/region';
import { badEveryRow, type EveryRowContext } from '../fixtures/bad/every-row-requests';
import { assertFreshBuild } from './helpers/build';
import { builtLab, unexpectedStderr } from './helpers/cli';
import { file, openWith } from './helpers/open';
import { streamTestDir, writeStreamFile } from './helpers/stream-files';

const dir = streamTestDir('lab-every-row-');

/** Reads a query's rows back (the test may hold them: 120,000 rows). */
async function query(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjects();
  } finally {
    conn.closeSync();
  }
}

const parts = (f: EveryRowFile) => `read_parquet('${join(f.dir, 'part-*.parquet')}')`;

/** Wraps a mapper to record the largest block it was given. */
function watched(m: RowMapper, seen: { blocks: number; largest: number }): RowMapper {
  return { ...m, map: (b) => {
    seen.blocks++;
    seen.largest = Math.max(seen.largest, b.n);
    return m.map(b);
  } };
}

describe('every row of a streamed dataset', () => {
  const engine = new Engine();
  let streamed: DatasetSummary;
  let pca: EmbeddingSummary;
  let latent: EmbeddingSummary;
  const config = { model: 'vae' as const, latent: 3, hidden: [8], epochs: 1, batchSize: 512, seed: 3, architecture: 'mlp' as const, validationFraction: 0 };

  // folders an engine that is gone left behind (a crash), and one of an engine still running
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  const deadDir = join(everyRowRoot(), `${dead}-emb-gone-00000000`);
  const liveDir = join(everyRowRoot(), `${process.ppid}-emb-live-00000000`);

  beforeAll(async () => {
    mkdirSync(deadDir, { recursive: true });
    mkdirSync(liveDir, { recursive: true });
    const path = await writeStreamFile(join(dir, 'rows.parquet'), { rows: 120_000, features: 10, extras: true });
    process.env[BUDGET_ENV] = '12';
    resetMemoryBudget();
    streamed = await openWith(engine, file(path));
    delete process.env[BUDGET_ENV];
    resetMemoryBudget();
    pca = await awaitJob(engine, 'reduce', engine.reduce({ datasetId: streamed.id, method: 'pca', params: { components: 3 } }));
    const run = await awaitJob(engine, 'train', engine.train({ datasetId: streamed.id, config }));
    latent = await awaitJob(engine, 'reduce', engine.reduce({ datasetId: streamed.id, method: 'latent', params: { runId: run.id } }));
  }, 300_000);

  it('writes every kept row once, in chunks, with the coordinates of the PCA view', async () => {
    expect(streamed.streamed).toBeTruthy();
    const ds = engine.dataset(streamed.id);
    const s = ds.stream!;
    const entry = engine.session.entry(streamed.id);
    const seen = { blocks: 0, largest: 0 };
    const f = await writeEveryRow(pca.id, s, watched(pcaMapper((await entry.pca()).model, 3), seen), true, { chunkRows: 2048 });
    try {
      // chunked: many small blocks (readBlocks ends a block at most one DuckDB vector past the size asked)
      expect(seen.blocks).toBeGreaterThan(10);
      expect(seen.largest).toBeLessThanOrEqual(4096);
      // the first write removed the folders of the engine that is gone, not those of the live one
      expect(existsSync(deadDir)).toBe(false);
      expect(existsSync(liveDir)).toBe(true);
      rmSync(liveDir, { recursive: true });
      expect(statSync(f.dir).mode & 0o777).toBe(0o700);
      expect(f.rows).toBe(s.counts.kept);
      const [c] = await query(`SELECT count(*)::INTEGER AS n, count(DISTINCT row)::INTEGER AS d FROM ${parts(f)}`);
      expect(c).toEqual({ n: s.counts.kept, d: s.counts.kept });
      // exactly the rows the plan keeps (the source rows minus those dropped for missing values)
      const [k] = await query(`SELECT count(*)::INTEGER AS n FROM (SELECT row FROM ${parts(f)} EXCEPT SELECT file_row_number::INTEGER FROM ${s.source.relation} WHERE ${s.plan.sql.kept})`);
      expect(k.n).toBe(0);
      // the sample's test rows: the view's own coordinates, the split and the label
      const view = await engine.getEmbedding(pca.id);
      const rows = await query(`SELECT row, split, label, c1, c2, c3 FROM ${parts(f)} WHERE row IN (${Array.from(view.rowIds).join(',')}) ORDER BY row`);
      expect(rows.length).toBe(view.rows);
      const at = new Map(rows.map((r) => [r.row as number, r]));
      for (let i = 0; i < view.rows; i++) {
        const r = at.get(view.rowIds[i])!;
        expect(r.split).toBe('test');
        expect(r.label).toBe(view.labels![i] < 0 ? null : view.labels![i]);
        for (let j = 0; j < 3; j++) expect(Math.abs((r[`c${j + 1}`] as number) - view.coords[i * 3 + j])).toBeLessThan(1e-5);
      }
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('writes a model view: its 2-D projection, the latent means and the reconstruction error', async () => {
    const ds = engine.dataset(streamed.id);
    const { rec } = engine.session.embedding(latent.id);
    expect(rec.projection).toBeTruthy();
    const model = engine.runModel(latent.runId!);
    const seen = { blocks: 0, largest: 0 };
    const f = await writeEveryRow(latent.id, ds.stream!, watched(modelMapper(model, rec), seen), true, { chunkRows: 4096 });
    try {
      expect(seen.blocks).toBeGreaterThan(5);
      expect(f).toMatchObject({ rows: ds.stream!.counts.kept, dims: 2, latent: 3, scoreName: 'reconstruction error' });
      const view = await engine.getEmbedding(latent.id);
      const rows = await query(`SELECT row, c1, c2, z1, score FROM ${parts(f)} WHERE row IN (${Array.from(view.rowIds).join(',')})`);
      const at = new Map(rows.map((r) => [r.row as number, r]));
      let scored = 0;
      for (let i = 0; i < view.rows; i++) {
        const r = at.get(view.rowIds[i])!;
        expect(Math.abs((r.c1 as number) - view.coords[2 * i])).toBeLessThan(1e-5);
        expect(Math.abs((r.c2 as number) - view.coords[2 * i + 1])).toBeLessThan(1e-5);
        if ((r.score as number) > 0) scored++;
      }
      expect(scored).toBe(view.rows);
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  }, 120_000);

  let every: EveryRowFile;
  it('runs as a job, answers region queries as a brute-force filter counts, re-running replaces', async () => {
    const events: JobEvent[] = [];
    const first = await awaitJob(engine, 'everyRow', engine.embedEveryRow(pca.id), (e) => events.push(e));
    expect(first.rows).toBe(engine.dataset(streamed.id).stream!.counts.kept);
    expect(events.filter((e) => e.type === 'progress').length).toBeGreaterThan(2);
    expect(await engine.everyRowSummary(pca.id)).toEqual(first);
    every = engine.session.entry(streamed.id).everyRow.get(pca.id)!;
    const all = await query(`SELECT row, c1, c2 FROM ${parts(every)}`);
    const b = first.bounds!;
    const w = b.x1 - b.x0;
    const h = b.y1 - b.y0;
    for (const r of [
      { x0: b.x0 + 0.4 * w, x1: b.x0 + 0.5 * w, y0: b.y0 + 0.4 * h, y1: b.y0 + 0.55 * h },
      { x0: b.x0, x1: b.x1, y0: b.y0, y1: b.y1 },
      { x0: b.x1 + 1, x1: b.x1 + 2, y0: 0, y1: 1 },
    ]) {
      const inside = all.filter((p) => (p.c1 as number) >= r.x0 && (p.c1 as number) <= r.x1 && (p.c2 as number) >= r.y0 && (p.c2 as number) <= r.y1)
        .map((p) => p.row as number).sort((a, c) => a - c);
      const got = await engine.regionRows({ embeddingId: pca.id, ...r, limit: 500 });
      expect(got.total).toBe(inside.length);
      expect(Array.from(got.rowIds)).toEqual(inside.slice(0, 500));
      expect(got.coords.length).toBe(2 * got.rowIds.length);
      for (let i = 0; i < got.rowIds.length; i++) expect(got.coords[2 * i]).toBeGreaterThanOrEqual(r.x0);
      if (got.rowIds.length) expect(got.labels).not.toBeNull();
    }
    // the whole extent holds every row
    expect((await engine.regionRows({ embeddingId: pca.id, ...b, limit: 0 })).total).toBe(first.rows);
    // again: the new data replaces the old folder
    await awaitJob(engine, 'everyRow', engine.embedEveryRow(pca.id));
    const again = engine.session.entry(streamed.id).everyRow.get(pca.id)!;
    expect(again.dir).not.toBe(every.dir);
    expect(existsSync(every.dir)).toBe(false);
    every = again;
  }, 180_000);

  it('exports every row (CSV and Parquet, streamed by DuckDB), read back whole', async () => {
    for (const format of ['parquet', 'csv'] as const) {
      const path = join(dir, `every.${format}`);
      const result = await awaitJob(engine, 'export', engine.exportView({ embeddingId: pca.id, format, split: 'every', path }));
      expect(result.rows).toBe(every.rows);
      expect(result.columns).toEqual(['id', 'split', 'label', 'z1', 'z2', 'z3', 'score']);
      const reader = format === 'parquet' ? `read_parquet('${path}')` : `read_csv('${path}')`;
      const [c] = await query(`SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS d, count(*) FILTER (WHERE label LIKE 'class%')::INTEGER AS labelled FROM ${reader}`);
      expect(c.n).toBe(engine.dataset(streamed.id).stream!.counts.kept);
      expect(c.d).toBe(c.n);
      expect(c.labelled).toBe(c.n);
    }
  }, 120_000);

  it('answers bad requests with their own message', async () => {
    const memory = new Engine();
    const iris = await openWith(memory, file('resources/datasets/iris.csv'));
    const irisPca = await awaitJob(memory, 'reduce', memory.reduce({ datasetId: iris.id, method: 'pca', params: { components: 2 } }));
    const fresh = await awaitJob(engine, 'reduce', engine.reduce({ datasetId: streamed.id, method: 'pca', params: { components: 2 } }));
    const ctx: EveryRowContext = { dir, fresh: fresh.id, embedded: pca.id, inMemory: irisPca.id };
    for (const bad of badEveryRow) {
      const target = bad.name.includes('in memory') ? memory : engine;
      let failure: unknown = null;
      try {
        const r = await target.call(bad.call, bad.args(ctx));
        if (bad.call !== 'regionRows') await awaitJob(target, bad.call === 'exportView' ? 'export' : 'everyRow', Promise.resolve(r as JobId));
      } catch (err) {
        failure = err;
      }
      expect(isLabError(failure), bad.name).toBe(true);
      expect((failure as { code: string }).code, bad.name).toBe(bad.code);
      expect((failure as Error).message, bad.name).toMatch(bad.says);
    }
    // a view fitted on the sample (UMAP, t-SNE) has no transform for the other rows
    const { rec } = engine.session.embedding(pca.id);
    const refusal = everyRowRefusal({ ...rec, data: { ...rec.data, method: 'umap', title: 'UMAP' } }, engine.dataset(streamed.id).stream);
    expect(refusal?.message).toMatch(/“UMAP” was fitted on the in-memory sample and has no transform for other rows/);
    // a model view restored without its projection cannot place other rows on its plane
    const restored = engine.session.embedding(latent.id).rec;
    expect(everyRowRefusal({ ...restored, projection: null }, engine.dataset(streamed.id).stream)?.code).toBe('no-projection');
    expect(everyRowRefusal(restored, engine.dataset(streamed.id).stream)).toBeNull();
  }, 120_000);

  it('a cancelled job leaves no files and keeps the data it had', async () => {
    const before = engine.session.entry(streamed.id).everyRow.get(pca.id)!;
    const start = engine.embedEveryRow(pca.id);
    const done = awaitJob(engine, 'everyRow', start);
    await engine.cancel(await start);
    await expect(done).rejects.toMatchObject({ code: 'cancelled' });
    expect(engine.session.entry(streamed.id).everyRow.get(pca.id)).toBe(before);
    const folders = readdirSync(join(before.dir, '..'));
    expect(folders.filter((n) => n.includes(pca.id))).toEqual([before.dir.split('/').at(-1)]);
    // a region query still answers from the data it had
    expect((await regionRows(before, before.bounds!, 0)).total).toBe(before.rows);
  }, 60_000);

  it('a model view through the job: deleting its run removes its every-row folder', async () => {
    const summary = await awaitJob(engine, 'everyRow', engine.embedEveryRow(latent.id));
    expect(summary).toMatchObject({ dims: 2, latent: 3, rows: engine.dataset(streamed.id).stream!.counts.kept });
    const f = engine.session.entry(streamed.id).everyRow.get(latent.id)!;
    const got = await engine.regionRows({ embeddingId: latent.id, ...summary.bounds!, limit: 10 });
    expect(got.total).toBe(summary.rows);
    expect(existsSync(f.dir)).toBe(true);
    await engine.deleteRun(latent.runId!);
    expect(existsSync(f.dir)).toBe(false);
    expect(engine.session.entry(streamed.id).everyRow.has(latent.id)).toBe(false);
  }, 120_000);

  it('closing the dataset removes its every-row folders', async () => {
    const f = engine.session.entry(streamed.id).everyRow.get(pca.id)!;
    expect(existsSync(f.dir)).toBe(true);
    await engine.closeDataset(streamed.id);
    expect(existsSync(f.dir)).toBe(false);
  });
});

describe('lab export --every-row', () => {
  beforeAll(() => assertFreshBuild(['out/main/cli.js']));
  const lab = builtLab({ LAB_DATA_DIR: join(dir, 'cli-data'), LAB_RUNS_DIR: join(dir, 'cli-runs'), [BUDGET_ENV]: '12' });

  it('writes every row of a streamed file (both splits, with the score), read back whole', async () => {
    const path = await writeStreamFile(join(dir, 'cli.parquet'), { rows: 120_000, features: 10, extras: true });
    const out = join(dir, 'cli-every.csv');
    const r = await lab('export', '--data', path, '--method', 'pca', '--out', out, '--every-row', '--json');
    expect(unexpectedStderr(r.stderr)).toEqual([]);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.split).toBe('every');
    expect(json.columns).toEqual(['id', 'split', 'label', 'z1', 'z2', 'score']);
    const fileRows = (await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${path}')`))[0].n as number;
    const [c] = await query(`SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS d, count(*) FILTER (WHERE split = 'test')::INTEGER AS test FROM read_csv('${out}')`);
    expect(json.rows).toBe(c.n);
    expect(c.d).toBe(c.n);
    // every row of the file the plan keeps (the few missing a value may be dropped or filled), not the sample
    const written = c.n as number;
    expect(written).toBeLessThanOrEqual(fileRows);
    expect(written).toBeGreaterThan(0.95 * fileRows);
    expect(c.test as number).toBeGreaterThan(0.1 * written);
  }, 240_000);
});
