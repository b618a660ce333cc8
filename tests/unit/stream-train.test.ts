// A streamed dataset trains on every training row, read in shuffled chunks each epoch (not on its
// in-memory sample), holds validation rows out by their row hash, scores every test row, and
// learns as well as the same file loaded whole.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import { BUDGET_ENV, resetMemoryBudget } from '../../electron/engine/data/budget';
import { awaitJob } from '../../electron/engine/session/await-job';
import { mulberry32 } from '../../electron/engine/core/random';
import { rowHash, SALT, threshold } from '../../electron/engine/stream/hash';
import { streamedTrainRows } from '../../electron/engine/stream/train-rows';
import type { DatasetSummary, RunSummary } from '../../shared/types';
import { file, openWith } from './helpers/open';
import { streamTestDir, writeStreamFile } from './helpers/stream-files';

const dir = streamTestDir('lab-stream-train-');

const config = { model: 'vae' as const, latent: 2, hidden: [16], epochs: 1, batchSize: 256, seed: 4, architecture: 'mlp' as const, validationFraction: 0 };

describe('training on a streamed dataset', () => {
  const engine = new Engine();
  const memoryEngine = new Engine();
  let streamed: DatasetSummary;
  let whole: DatasetSummary;
  beforeAll(async () => {
    const path = await writeStreamFile(join(dir, 'rows.parquet'), { rows: 120_000, features: 10, extras: true });
    whole = await openWith(memoryEngine, file(path));
    process.env[BUDGET_ENV] = '12';
    streamed = await openWith(engine, file(path));
    delete process.env[BUDGET_ENV];
    resetMemoryBudget();
  });

  it('goes through every training row of the file, not the sample', async () => {
    expect(streamed.streamed).toBeTruthy();
    const run: RunSummary = await awaitJob(engine, 'train', engine.train({ datasetId: streamed.id, config }));
    expect(run.status).toBe('finished');
    expect(run.trainRows).toBe(streamed.streamed!.trainRows);
    // a random split drawn per row by hash: about as many training rows as the whole table's split
    expect(Math.abs(run.trainRows - whole.trainRows)).toBeLessThan(0.01 * whole.trainRows);
    expect(run.trainRows).toBeGreaterThan(3 * streamed.trainRows);
    expect(Number.isFinite(run.test!.loss)).toBe(true);
    // the same file loaded whole, the same model: the test objective comes out alike
    const memoryRun: RunSummary = await awaitJob(memoryEngine, 'train', memoryEngine.train({ datasetId: whole.id, config }));
    expect(memoryRun.trainRows).toBe(whole.trainRows);
    expect(Math.abs(run.test!.loss - memoryRun.test!.loss)).toBeLessThan(0.1 * Math.abs(memoryRun.test!.loss) + 0.2);
  }, 240_000);

  it('reads each epoch in a shuffled chunk order, every training row once, validation rows held out by hash', async () => {
    const ds = engine.dataset(streamed.id);
    const s = ds.stream!;
    const rows = await streamedTrainRows({ ...s, chunkRows: 16_384 }, ds.train, { validationFraction: 0.1, seed: 4, limit: 0 });
    try {
      const seen = new Uint8Array(s.source.rows);
      const firsts: number[] = [];
      let n = 0;
      for await (const c of rows.chunks(mulberry32(1))) {
        firsts.push(c.rowIds[0]);
        for (const r of c.rowIds) {
          expect(seen[r]).toBe(0);
          seen[r] = 1;
          expect(rowHash(r, 4, SALT.validation) >= threshold(0.1)).toBe(true);
        }
        n += c.n;
      }
      expect(n).toBe(rows.n);
      expect(firsts.length).toBeGreaterThan(4);
      // not in file order
      expect(firsts.some((f, i) => i > 0 && f < firsts[i - 1])).toBe(true);
      // the validation rows: sample rows that are held out, none trained on
      expect(rows.validation!.n).toBeGreaterThan(0);
      for (const r of rows.validation!.rowIds) {
        expect(seen[r]).toBe(0);
        expect(rowHash(r, 4, SALT.validation)).toBeLessThan(threshold(0.1));
      }
      // the training and held-out rows together are the training split
      expect(n + Math.round(streamed.streamed!.trainRows * 0.1)).toBeGreaterThan(streamed.streamed!.trainRows * 0.99);
    } finally {
      await rows.close();
    }
  }, 120_000);

  it('takes the first --limit training rows', async () => {
    const ds = engine.dataset(streamed.id);
    const rows = await streamedTrainRows(ds.stream!, ds.train, { validationFraction: 0, seed: 4, limit: 5000 });
    try {
      expect(rows.n).toBe(5000);
      let n = 0;
      for await (const c of rows.chunks(mulberry32(2))) n += c.n;
      expect(n).toBe(5000);
    } finally {
      await rows.close();
    }
  }, 60_000);
});
