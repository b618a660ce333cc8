// Benchmark: the Compare panel's numbers table (reconstruction MSE, 5-NN accuracy, trustworthiness,
// continuity, silhouette) for four views of MNIST's 10,000 test rows — PCA, UMAP, t-SNE and a
// briefly trained VAE's latent means — timed as the engine's `computeMetrics` job. The views are
// made first and not timed; UMAP and t-SNE run short (quick layouts) because only the table's cost
// is measured here, which does not depend on how polished the layouts are.
//   npx tsx bench/cases/metrics.ts            (or `npx lab bench --only metrics`)
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobKind, ReduceRequest } from '../../shared/api';
import type { JobId } from '../../shared/types';
import { awaitJob } from '../../electron/engine/session/await-job';
import { Engine } from '../../electron/engine/engine';
import type { BenchRow } from '../context';

export const title = 'Numbers table for 4 views of MNIST (10,000 test rows)';

const job = <K extends JobKind>(engine: Engine, start: Promise<JobId>, kind: K) => awaitJob(engine, kind, start);

export async function run(): Promise<Record<string, unknown>> {
  // the short training run goes into a private data folder, not the user's run list
  const saved = process.env.LAB_DATA_DIR;
  const dataDir = mkdtempSync(join(tmpdir(), 'lab-bench-metrics-'));
  process.env.LAB_DATA_DIR = dataDir;
  try {
    return await measure();
  } finally {
    if (saved === undefined) delete process.env.LAB_DATA_DIR;
    else process.env.LAB_DATA_DIR = saved;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measure(): Promise<Record<string, unknown>> {
  const engine = new Engine();
  const backend = await engine.backend();
  const ds = await job(engine, engine.openDataset({ source: { kind: 'builtin', name: 'mnist' } }), 'open');
  const quick = process.env.BENCH_QUICK === '1';
  const run = await job(engine, engine.train({
    datasetId: ds.id,
    config: { architecture: 'mlp', epochs: 1, ...(quick ? { limit: 10000 } : {}) },
  }), 'train');
  const requests: ReduceRequest[] = [
    { datasetId: ds.id, method: 'pca', params: { components: 2 } },
    { datasetId: ds.id, method: 'umap', params: { nEpochs: quick ? 20 : 50 } },
    { datasetId: ds.id, method: 'tsne', params: { iterations: quick ? 50 : 150, earlyIterations: quick ? 25 : 75 } },
    { datasetId: ds.id, method: 'latent', params: { runId: run.id } },
  ];
  const views = [];
  for (const req of requests) views.push(await job(engine, engine.reduce(req), 'reduce'));
  const loadBefore = loadavg()[0];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const table = await job(engine, engine.computeMetrics({ datasetId: ds.id, embeddingIds: views.map((v) => v.id) }), 'metrics');
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpuSeconds = (c.user + c.system) / 1e6;
  const loadAfter = loadavg()[0];
  const rows: BenchRow[] = [
    { metric: `numbers table, 4 views × ${table.scoredRows.toLocaleString('en-US')} test rows`, value: seconds, unit: 's', note: `${cpuSeconds.toFixed(1)} s CPU; load ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}` },
  ];
  return {
    rows,
    backend: backend.detail,
    metrics: { seconds, cpuSeconds, scoredRows: table.scoredRows, views: views.map((v) => `${v.title} (${v.dims}-D)`) },
    loadAverage1m: [loadBefore, loadAfter],
    table: table.rows.map((r) => ({ name: r.name, knnAccuracy: r.knnAccuracy, trustworthiness: r.trustworthiness, continuity: r.continuity, silhouette: r.silhouette })),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2));
