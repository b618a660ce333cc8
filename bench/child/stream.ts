// Child process of the streamed-data case: opens --file under a memory budget of --budget MB (0:
// the default, half this computer's memory) with the engine in this process, trains the VAE one
// epoch on its training rows and fits PCA (streamed: also writes every row through a PCA view and
// fetches a region of it), then prints one JSON line with samples/s and the peak
// resident memory of this process (the kernel's high-water mark). --file iris measures the
// runtime alone (Node, TensorFlow.js, DuckDB) on a tiny built-in dataset.
import { parseArgs } from 'node:util';
import { Engine } from '../../electron/engine/engine';
import { awaitJob } from '../../electron/engine/session/await-job';
import { engineMemory } from '../../electron/engine/data/budget-service';

const { values } = parseArgs({ options: { file: { type: 'string' }, budget: { type: 'string' }, epochs: { type: 'string' } } });
const engine = new Engine();
const backend = await engine.backend();
const budget = Number(values.budget ?? 0);
if (budget > 0) await engine.setMemoryBudget({ mb: budget, save: false });
const source = values.file === 'iris' ? { kind: 'builtin' as const, name: 'iris' } : { kind: 'file' as const, path: values.file! };
const t0 = performance.now();
const ds = await awaitJob(engine, 'open', engine.openDataset({ source }));
const openSeconds = (performance.now() - t0) / 1000;
const config = { model: 'vae' as const, latent: 2, hidden: [64], epochs: Number(values.epochs ?? 1), batchSize: 512, validationFraction: 0, architecture: 'mlp' as const, seed: 1 };
const run = await awaitJob(engine, 'train', engine.train({ datasetId: ds.id, config }));
const t1 = performance.now();
const pca = await awaitJob(engine, 'pca', engine.computePca({ datasetId: ds.id, components: 2 }));
const pcaSeconds = (performance.now() - t1) / 1000;
// streamed: every row through the PCA-2 view written to Parquet, then the rows of a region around its middle
let everyRow: { seconds: number; rows: number; regionSeconds: number; regionTotal: number } | null = null;
if (ds.streamed) {
  const view = await awaitJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'pca', params: { components: 2 } }));
  const t2 = performance.now();
  const summary = await awaitJob(engine, 'everyRow', engine.embedEveryRow(view.id));
  const seconds = (performance.now() - t2) / 1000;
  const b = summary.bounds!;
  const [cx, cy, wx, wy] = [(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2, (b.x1 - b.x0) / 10, (b.y1 - b.y0) / 10];
  const t3 = performance.now();
  const region = await engine.regionRows({ embeddingId: view.id, x0: cx - wx, x1: cx + wx, y0: cy - wy, y1: cy + wy, limit: 50_000 });
  everyRow = { seconds, rows: summary.rows, regionSeconds: (performance.now() - t3) / 1000, regionTotal: region.total };
}
console.log(JSON.stringify({
  backend: backend.detail,
  streamed: !!ds.streamed,
  rows: ds.streamed ? ds.streamed.trainRows + ds.streamed.testRows : ds.rows,
  trainRows: run.trainRows,
  sampleRows: ds.streamed ? ds.streamed.sampleTrainRows + ds.streamed.sampleTestRows : null,
  openSeconds,
  samplesPerSec: run.samplesPerSec,
  testLoss: run.test?.loss ?? null,
  pcaSeconds,
  everyRow,
  pcaExplainedVariance: pca.explainedVariance,
  peakRssMb: engineMemory().peakRssBytes / 2 ** 20,
}));
process.exit(0);
