// The session store owns lifetimes: closing a dataset frees everything computed from it
// (embeddings, the PCA fit, reconstruction errors, table rows, anomaly results), so opening,
// working on and closing a dataset many times keeps memory and the tensor count flat.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import { awaitJob } from '../../electron/engine/session/await-job';
import type { DatasetSummary } from '../../shared/types';
import { file, openWith } from './helpers/open';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

/** A labelled table of 12,000 rows × 40 numbers: each open holds a few MB, enough to see a leak. */
async function makeTable(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lab-session-'));
  const cols = Array.from({ length: 40 }, (_, j) => `x${j}`);
  const lines = [[...cols, 'label'].join(',')];
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 12000; i++) lines.push([...cols.map(() => rnd().toFixed(4)), `c${i % 3}`].join(','));
  const path = join(dir, 'table.csv');
  await writeFile(path, lines.join('\n'));
  return path;
}

/** Everything the Compare and Anomalies panels compute on a dataset. */
async function workOn(engine: Engine, ds: DatasetSummary): Promise<void> {
  const pca = await awaitJob(engine, 'pca', engine.computePca({ datasetId: ds.id, components: 2 }));
  await awaitJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'pca', params: { components: 10 } }));
  await awaitJob(engine, 'metrics', engine.computeMetrics({ datasetId: ds.id }));
  await engine.reconstruct({ datasetId: ds.id, rows: [0, 1], methods: [{ kind: 'pca', components: 5 }] });
  await awaitJob(engine, 'anomalies', engine.detectAnomalies({ datasetId: ds.id, normalClasses: [0], methods: ['pca-error'], pcaComponents: 5 }));
  expect((await engine.getEmbedding(pca.id)).rows).toBeGreaterThan(0);
}

describe('the session store', () => {
  let path: string;
  beforeAll(async () => {
    path = await makeTable();
  });

  it('frees everything computed from a dataset when it closes: 14 open/work/close rounds keep memory and tensors flat', async () => {
    const engine = new Engine();
    const heap: number[] = [];
    const tensors: number[] = [];
    for (let round = 0; round < 14; round++) {
      const ds = await openWith(engine, file(path, { labelColumn: 'label' }));
      await workOn(engine, ds);
      await engine.closeDataset(ds.id);
      heap.push(heapAfterGc());
      tensors.push(engine.tensorCount());
    }
    console.log(`session rounds: heap after rounds 3…14: ${heap.slice(2).map((h) => (h / 1e6).toFixed(1)).join(' ')} MB`);
    // what one open dataset holds at the very least: its feature matrix (12,000 × 40 float32);
    // the embeddings, PCA fit, scores and anomaly results of a round come on top. Once closed,
    // eight more rounds add less than that (the least of four rounds: the heap swings by ~3 MB).
    const matrix = 12_000 * 40 * 4;
    // the least of four rounds: garbage a collection has not reached yet only ever adds
    expect(Math.min(...heap.slice(10, 14)) - Math.min(...heap.slice(2, 6))).toBeLessThan(matrix);
    expect(tensors[13]).toBe(tensors[2]);
  }, 400_000);

  it('says an embedding or anomaly result of a closed dataset is gone, and other datasets keep theirs', async () => {
    const engine = new Engine();
    const a = await openWith(engine, file(path, { labelColumn: 'label' }));
    const b = await openWith(engine, file(path, { labelColumn: 'label', scaling: 'minmax' }));
    const ea = await awaitJob(engine, 'pca', engine.computePca({ datasetId: a.id, components: 2 }));
    const eb = await awaitJob(engine, 'pca', engine.computePca({ datasetId: b.id, components: 2 }));
    const anomalies = await awaitJob(engine, 'anomalies', engine.detectAnomalies({ datasetId: a.id, normalClasses: [0], methods: ['pca-error'], pcaComponents: 5 }));
    await engine.closeDataset(a.id);
    await expect(engine.getEmbedding(ea.id)).rejects.toMatchObject({ code: 'no-such-embedding' });
    await expect(engine.rankAnomalies({ anomalyId: anomalies.id, key: anomalies.methods[0].key, top: 5 })).rejects.toMatchObject({ code: 'no-such-result' });
    await expect(engine.listEmbeddings(a.id)).rejects.toMatchObject({ code: 'no-such-dataset' });
    expect((await engine.listEmbeddings(b.id)).map((e) => e.id)).toEqual([eb.id]);
    // the record of ended jobs (kept for a client catching up) lets go of the closed dataset's results
    const about = (id: string) => (await_: Awaited<ReturnType<Engine['jobs']>>) =>
      await_.ended.filter((e) => e.type === 'done' && [(e.result as { id?: string }).id, (e.result as { datasetId?: string }).datasetId].includes(id)).length;
    const ended = await engine.jobs();
    expect(about(a.id)(ended)).toBe(0);
    expect(about(b.id)(ended)).toBe(2);
  });
});
