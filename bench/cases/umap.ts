// Benchmark: UMAP and t-SNE on the full 70,000-row MNIST (training + test together), through the
// engine's `reduce` jobs with default parameters, then their 5-NN accuracy, trustworthiness and
// continuity on the test split. Reports wall and CPU seconds (CPU time is the steadier number on
// a shared machine) per stage, with the load average so that readers can judge the wall times.
//   npx tsx bench/cases/umap.ts            (or through `npm run bench`)
// LAB_BENCH_TSNE_ITERATIONS=250 shortens t-SNE for a quick look.
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { JobKind, ReduceRequest } from '../../shared/api';
import type { EmbeddingSummary, JobId } from '../../shared/types';
import { awaitJob } from '../../electron/engine/session/await-job';
import { Engine } from '../../electron/engine/engine';
import type { BenchRow } from '../context';

export const title = 'UMAP and t-SNE on all 70,000 MNIST rows (seconds; quality on the test split)';

const job = <K extends JobKind>(engine: Engine, start: Promise<JobId>, kind: K) => awaitJob(engine, kind, start);

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; wallSeconds: number; cpuSeconds: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const c = process.cpuUsage(c0);
  return { value, wallSeconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
}

export async function run(): Promise<Record<string, unknown>> {
  const engine = new Engine();
  const backend = await engine.backend();
  const load = [loadavg()[0]];
  const ds = await job(engine, engine.openDataset({ source: { kind: 'builtin', name: 'mnist' } }), 'open');
  // the PCA both methods start from is fitted once per dataset: time it on its own
  const pca = await timed(() => job(engine, engine.reduce({ datasetId: ds.id, method: 'pca', params: { components: 50 } }), 'reduce'));
  const iterations = Number(process.env.LAB_BENCH_TSNE_ITERATIONS) || undefined;
  const runs: Record<string, { summary: EmbeddingSummary; wallSeconds: number; cpuSeconds: number }> = {};
  for (const method of ['umap', 'tsne'] as const) {
    const req: ReduceRequest = method === 'tsne'
      ? { datasetId: ds.id, method, params: iterations ? { iterations } : {} }
      : { datasetId: ds.id, method, params: {} };
    const r = await timed(() => job(engine, engine.reduce(req), 'reduce'));
    runs[method] = { summary: r.value, wallSeconds: r.wallSeconds, cpuSeconds: r.cpuSeconds };
    load.push(loadavg()[0]);
  }
  const table = await timed(() => job(engine, engine.computeMetrics({
    datasetId: ds.id, embeddingIds: [runs.umap.summary.id, runs.tsne.summary.id],
  }), 'metrics'));
  const scores = new Map(table.value.rows.map((r) => [r.embeddingId, r]));
  const report = (m: 'umap' | 'tsne') => {
    const { summary, wallSeconds, cpuSeconds } = runs[m];
    const s = scores.get(summary.id)!;
    return {
      rows: summary.fitRows,
      title: summary.title,
      wallSeconds,
      cpuSeconds,
      stages: summary.diagnostics.stages,
      params: summary.params,
      knnAccuracy: s.knnAccuracy,
      trustworthiness: s.trustworthiness,
      continuity: s.continuity,
      silhouette: s.silhouette,
      notes: summary.diagnostics.notes,
    };
  };
  const u = report('umap');
  const t = report('tsne');
  const rows: BenchRow[] = [
    { metric: 'PCA-50 fit (shared input)', value: pca.wallSeconds, unit: 's', note: `${pca.cpuSeconds.toFixed(1)} s CPU` },
    ...([['UMAP', u], ['t-SNE', t]] as const).flatMap(([name, r]) => [
      { metric: `${name} on ${r.rows.toLocaleString('en-US')} rows`, value: r.wallSeconds, unit: 's', note: `${r.cpuSeconds.toFixed(1)} s CPU` },
      { metric: `${name} 5-NN accuracy / trustworthiness`, value: r.knnAccuracy, unit: '', note: `trustworthiness ${r.trustworthiness?.toFixed(3)}, continuity ${r.continuity?.toFixed(3)}` },
    ]),
  ];
  return {
    rows,
    backend: backend.detail,
    loadAverage1m: load,
    pcaFit: { wallSeconds: pca.wallSeconds, cpuSeconds: pca.cpuSeconds },
    umap: report('umap'),
    tsne: report('tsne'),
    metrics: { wallSeconds: table.wallSeconds, cpuSeconds: table.cpuSeconds, scoredRows: table.value.scoredRows },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2));
