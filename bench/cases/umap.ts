// Benchmark: UMAP and t-SNE on the full 70,000-row MNIST (training + test together), through the
// engine's `reduce` jobs with default parameters, then their 5-NN accuracy, trustworthiness and
// continuity on the test split. Reports wall and CPU seconds (CPU time is the steadier number on
// a shared machine) per stage, with the load average so that readers can judge the wall times.
// In the same run, when installed, the references work on the same PCA-50 rows (written as
// float32 to a private temporary folder): umap-learn (Python), R's uwot and Rtsne (Barnes–Hut);
// their layouts are scored by our code exactly as ours are (registered as embeddings of the
// dataset, one metrics job for all).
//   npx tsx bench/cases/umap.ts            (or through `npm run bench`)
// LAB_BENCH_TSNE_ITERATIONS=250 shortens t-SNE for a quick look; LAB_BENCH_LAYOUT_REFERENCES=
// umap-learn,uwot,rtsne chooses references (none: skip them); LAB_BENCH_REFERENCE_TIMEOUT_S
// bounds each (default 1800).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobKind, ReduceRequest } from '../../shared/api';
import type { EmbeddingId, EmbeddingSummary, JobId, LatentMatrix } from '../../shared/types';
import { awaitJob } from '../../electron/engine/session/await-job';
import { newId } from '../../electron/engine/session/session';
import { Engine } from '../../electron/engine/engine';
import { PYTHON, REPO, type BenchRow } from '../context';

export const title = 'UMAP and t-SNE on all 70,000 MNIST rows (seconds; quality on the test split)';

const job = <K extends JobKind>(engine: Engine, start: Promise<JobId>, kind: K) => awaitJob(engine, kind, start);

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; wallSeconds: number; cpuSeconds: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const c = process.cpuUsage(c0);
  return { value, wallSeconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
}

type LayoutMethod = 'umap' | 'tsne';

interface Reference {
  name: string;
  method: LayoutMethod;
  /** The command and its arguments, given the matrix, its shape and where to write the layout. */
  command(matrix: string, n: number, d: number, out: string): [string, string[]];
  /** Why it cannot run here, or null. */
  missing(): Promise<string | null>;
}

const RSCRIPT = process.env.LAB_RSCRIPT ?? '/usr/bin/Rscript';
const threads = String(availableParallelism());

interface ChildOutput {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  wallSeconds: number;
}

/** Runs a command (no shell), collecting its output; killed after timeoutMs. */
function runChild(cmd: string, args: string[], timeoutMs: number): Promise<ChildOutput> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr = (stderr + b).slice(-4000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const done = (code: number | null) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, wallSeconds: (performance.now() - t0) / 1000 });
    };
    child.on('error', (err) => {
      stderr += String(err);
      done(null);
    });
    child.on('close', done);
  });
}

async function rPackageMissing(pkg: string): Promise<string | null> {
  if (!existsSync(RSCRIPT)) return `R is not installed (apt-get install r-base-core r-cran-${pkg.toLowerCase()})`;
  const r = await runChild(RSCRIPT, ['-e', `if (!requireNamespace("${pkg}", quietly = TRUE)) quit(status = 3)`], 120_000);
  return r.code === 0 ? null : `R package ${pkg} is not installed (apt-get install r-cran-${pkg.toLowerCase()})`;
}

const references: Reference[] = [
  {
    name: 'umap-learn',
    method: 'umap',
    command: (m, n, d, out) => [PYTHON, [join(REPO, 'bench', 'py', 'umap_learn.py'), m, String(n), String(d), out]],
    async missing() {
      const r = await runChild(PYTHON, ['-c', 'import umap'], 300_000);
      return r.code === 0 ? null : 'umap-learn is not installed (apt-get install umap-learn)';
    },
  },
  {
    name: 'uwot',
    method: 'umap',
    command: (m, n, d, out) => [RSCRIPT, [join(REPO, 'bench', 'r', 'layouts.R'), 'uwot', m, String(n), String(d), out, threads]],
    missing: () => rPackageMissing('uwot'),
  },
  {
    name: 'Rtsne',
    method: 'tsne',
    command: (m, n, d, out) => [RSCRIPT, [join(REPO, 'bench', 'r', 'layouts.R'), 'rtsne', m, String(n), String(d), out, threads]],
    missing: () => rPackageMissing('Rtsne'),
  },
];

interface ReferenceResult {
  name: string;
  method: LayoutMethod;
  version: string | null;
  /** The fit alone, as the reference timed it (wall, and CPU over all its threads); wallSeconds: the whole process. */
  seconds: number | null;
  cpuSeconds: number | null;
  wallSeconds: number | null;
  loadAverage1m: number;
  embeddingId: EmbeddingId | null;
  skipped?: string;
  error?: string;
}

/**
 * Runs the chosen references on x (n×d, training rows then test rows, as our layouts get them) in a
 * private temporary folder, and registers each layout as an embedding of the dataset (a copy of
 * `like`, our layout of the same method) so the one metrics job scores them all alike.
 */
async function runReferences(engine: Engine, x: Float32Array, n: number, d: number, nTrain: number,
  like: Record<LayoutMethod, EmbeddingId>): Promise<ReferenceResult[]> {
  const chosen = (process.env.LAB_BENCH_LAYOUT_REFERENCES ?? 'umap-learn,uwot,rtsne').toLowerCase().split(',').map((s) => s.trim());
  const timeoutMs = (Number(process.env.LAB_BENCH_REFERENCE_TIMEOUT_S) || 1800) * 1000;
  const dir = await mkdtemp(join(tmpdir(), 'lab-bench-layouts-'));
  const results: ReferenceResult[] = [];
  try {
    await chmod(dir, 0o700);
    const matrix = join(dir, 'pca50.f32');
    await writeFile(matrix, new Uint8Array(x.buffer, x.byteOffset, n * d * 4), { mode: 0o600 });
    for (const ref of references) {
      const base = { name: ref.name, method: ref.method, version: null, seconds: null, cpuSeconds: null, wallSeconds: null, embeddingId: null };
      if (!chosen.includes(ref.name.toLowerCase())) continue;
      const missing = await ref.missing();
      if (missing) {
        results.push({ ...base, loadAverage1m: loadavg()[0], skipped: missing });
        continue;
      }
      const out = join(dir, `${ref.name}.f32`);
      const [cmd, args] = ref.command(matrix, n, d, out);
      const r = await runChild(cmd, args, timeoutMs);
      const load = loadavg()[0];
      if (r.code !== 0 || !existsSync(out)) {
        results.push({ ...base, wallSeconds: r.wallSeconds, loadAverage1m: load,
          error: r.timedOut ? `stopped after ${timeoutMs / 1000} s` : `exit ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` });
        continue;
      }
      const told = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; cpuSeconds?: number; version: string };
      const bytes = await readFile(out);
      const coords = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      if (coords.length !== 2 * n || !coords.every(Number.isFinite)) {
        results.push({ ...base, version: told.version, seconds: told.seconds, cpuSeconds: told.cpuSeconds ?? null, wallSeconds: r.wallSeconds, loadAverage1m: load,
          error: `wrote ${coords.length / 2} rows, expected ${n} finite rows` });
        continue;
      }
      const { entry, rec } = engine.session.embedding(like[ref.method]);
      const id = newId<EmbeddingId>('emb');
      entry.addEmbedding({
        ...rec,
        data: { ...rec.data, id, title: `${ref.name} ${told.version}`, coords: coords.slice(2 * nTrain) as LatentMatrix, seconds: told.seconds },
        train: coords.slice(0, 2 * nTrain) as LatentMatrix,
        recon: null,
      });
      results.push({ ...base, version: told.version, seconds: told.seconds, cpuSeconds: told.cpuSeconds ?? null, wallSeconds: r.wallSeconds, loadAverage1m: load, embeddingId: id });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
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
  // the rows our layouts worked on: the shared PCA-50 fit, training rows then test rows
  const pcaRec = engine.session.embedding(pca.value.id).rec;
  const nTrain = pcaRec.train!.length / 50;
  const nTest = pcaRec.data.coords.length / 50;
  const x = new Float32Array((nTrain + nTest) * 50);
  x.set(pcaRec.train!);
  x.set(pcaRec.data.coords, nTrain * 50);
  const refs = await runReferences(engine, x, nTrain + nTest, 50, nTrain, { umap: runs.umap.summary.id, tsne: runs.tsne.summary.id });
  const scored = refs.filter((r) => r.embeddingId !== null);
  const table = await timed(() => job(engine, engine.computeMetrics({
    datasetId: ds.id, embeddingIds: [runs.umap.summary.id, runs.tsne.summary.id, ...scored.map((r) => r.embeddingId!)],
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
  const reference = refs.map((r) => {
    const s = r.embeddingId ? scores.get(r.embeddingId) : undefined;
    return {
      name: r.name, method: r.method, version: r.version, seconds: r.seconds, cpuSeconds: r.cpuSeconds, processWallSeconds: r.wallSeconds,
      loadAverage1m: r.loadAverage1m,
      knnAccuracy: s?.knnAccuracy ?? null, trustworthiness: s?.trustworthiness ?? null, continuity: s?.continuity ?? null,
      ...(r.skipped ? { skipped: r.skipped } : {}), ...(r.error ? { error: r.error } : {}),
    };
  });
  const rows: BenchRow[] = [
    { metric: 'PCA-50 fit (shared input)', value: pca.wallSeconds, unit: 's', note: `${pca.cpuSeconds.toFixed(1)} s CPU` },
    ...([['UMAP', 'umap', u], ['t-SNE', 'tsne', t]] as const).flatMap(([name, method, r]) => {
      const refsOf = reference.filter((x) => x.method === method);
      return [
        { metric: `${name} on ${r.rows.toLocaleString('en-US')} rows`, value: r.wallSeconds, unit: 's', note: `${r.cpuSeconds.toFixed(1)} s CPU` },
        ...refsOf.map((x) => ({
          metric: `${name}: ${x.name}${x.version ? ` ${x.version}` : ''} seconds (fit only)`, value: r.wallSeconds, unit: 's',
          reference: x.seconds, referenceName: x.name, ratio: x.seconds ? r.wallSeconds / x.seconds : null,
          note: x.skipped ?? x.error ?? `${x.cpuSeconds === null ? '' : `${x.cpuSeconds.toFixed(1)} s CPU; `}load ${x.loadAverage1m.toFixed(1)} when done`,
        })),
        { metric: `${name} 5-NN accuracy / trustworthiness`, value: r.knnAccuracy, unit: '', note: `trustworthiness ${r.trustworthiness?.toFixed(3)}, continuity ${r.continuity?.toFixed(3)}` },
        ...refsOf.filter((x) => x.knnAccuracy !== null).map((x) => ({
          metric: `${name}: ${x.name} 5-NN accuracy / trustworthiness`, value: x.knnAccuracy, unit: '',
          note: `trustworthiness ${x.trustworthiness?.toFixed(3)}, continuity ${x.continuity?.toFixed(3)}`,
        })),
      ];
    }),
  ];
  const figures = (r: typeof u) => ({ seconds: r.wallSeconds, cpuSeconds: r.cpuSeconds, trustworthiness: r.trustworthiness, knn5: r.knnAccuracy, continuity: r.continuity });
  return {
    rows,
    backend: backend.detail,
    loadAverage1m: load,
    pcaFit: { wallSeconds: pca.wallSeconds, cpuSeconds: pca.cpuSeconds },
    umap: u,
    tsne: t,
    references: reference,
    metrics: { wallSeconds: table.wallSeconds, cpuSeconds: table.cpuSeconds, scoredRows: table.value.scoredRows },
    // what bench/run.ts lifts to the top of --json: umap.seconds, tsne.trustworthiness, …
    summary: {
      umap: { ...figures(u), references: reference.filter((x) => x.method === 'umap').map(({ name, seconds, cpuSeconds, trustworthiness, knnAccuracy }) => ({ name, seconds, cpuSeconds, trustworthiness, knn5: knnAccuracy })) },
      tsne: { ...figures(t), references: reference.filter((x) => x.method === 'tsne').map(({ name, seconds, cpuSeconds, trustworthiness, knnAccuracy }) => ({ name, seconds, cpuSeconds, trustworthiness, knn5: knnAccuracy })) },
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2));
