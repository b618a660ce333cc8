// `lab` command line: the same engine as the app, in-process, no UI.
//   lab datasets [--json]
//   lab inspect <file-or-builtin> [--label COL] [--json]
//   lab train --data <file-or-builtin> [--latent 2] [--epochs 1] [--limit N] [--seed S]
//             [--batch 128] [--lr 0.001] [--hidden 400] [--label COL] --out <dir> [--json]
//   lab bench [--json] [--only training,pca]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LabFailure, toLabError, type DatasetSource, type JobKind, type JobResults } from '../../shared/api';
import type { DatasetId, JobId, TrainConfig } from '../../shared/types';
import { findBuiltin } from '../engine/data/catalog';
import { Engine } from '../engine/engine';
import { writeFileAtomic } from '../engine/export';
import { appVersion } from '../version';

const USAGE = `Latent Lab ${appVersion} — command line

  lab datasets [--json]                         list the built-in datasets
  lab inspect <file-or-builtin> [--json]        rows, features, labels and columns of a dataset
  lab train --data <file-or-builtin> --out <dir> [--json]
            [--latent 2] [--hidden 400] [--epochs 1] [--batch 128] [--lr 0.001]
            [--seed 1] [--limit N] [--label COLUMN]
                                                train a VAE and PCA; writes embedding.csv, pca.csv,
                                                metrics.json into <dir>
  lab bench [--json] [--only training,pca]     the benchmark beside PyTorch and scikit-learn (same as
                                                npm run bench; needs the source checkout)

Options: --label COLUMN picks the label column of a CSV (--label none for no label).
Exit code 1 and one line on stderr on any failure.`;

const interactive = process.stderr.isTTY === true;

function status(line: string): void {
  if (interactive) process.stderr.write(`\r\x1b[2K${line}`);
}

/** Runs one engine job to completion, mirroring progress on an interactive stderr. */
function runJob<K extends JobKind>(engine: Engine, kind: K, start: Promise<JobId>): Promise<JobResults[K]> {
  return new Promise((resolveJob, rejectJob) => {
    let id: JobId | null = null;
    const early: Parameters<Parameters<Engine['onEvent']>[0]>[0][] = [];
    const handle = (e: (typeof early)[number]) => {
      if (e.jobId !== id) return;
      if (e.type === 'progress') status(`${Math.round(e.fraction * 100)}% ${e.message}`);
      else if (e.type === 'done' && e.kind === kind) {
        off();
        status('');
        resolveJob(e.result as JobResults[K]);
      } else if (e.type === 'error') {
        off();
        status('');
        rejectJob(new LabFailure(e.error.code, e.error.message, e.error.detail));
      } else if (e.type === 'cancelled') {
        off();
        rejectJob(new LabFailure('cancelled', 'Cancelled.'));
      }
    };
    const off = engine.onEvent((e) => (id === null ? early.push(e) : handle(e)));
    start.then((jobId) => {
      id = jobId;
      early.splice(0).forEach(handle);
    }, rejectJob);
  });
}

function sourceOf(arg: string): DatasetSource {
  return findBuiltin(arg) ? { kind: 'builtin', name: arg.toLowerCase() } : { kind: 'file', path: resolve(arg) };
}

function labelOption(v: string | undefined): string | null | undefined {
  if (v === undefined) return undefined;
  return v === 'none' ? null : v;
}

function intOption(name: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new LabFailure('bad-option', `--${name} must be a whole number ≥ ${min} (got "${v}").`);
  return n;
}

function numberOption(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new LabFailure('bad-option', `--${name} must be a positive number (got "${v}").`);
  return n;
}

async function open(engine: Engine, data: string, label: string | undefined) {
  return runJob(engine, 'open', engine.openDataset({ source: sourceOf(data), labelColumn: labelOption(label) }));
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      data: { type: 'string' },
      out: { type: 'string' },
      latent: { type: 'string' },
      hidden: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      limit: { type: 'string' },
      label: { type: 'string' },
      only: { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (command === 'bench') {
    await runBench([...(values.json ? ['--json'] : []), ...(values.only ? ['--only', values.only] : [])]);
    return;
  }

  const engine = new Engine();
  const print = (obj: unknown, text: string) => console.log(values.json ? JSON.stringify(obj, null, 2) : text);

  if (command === 'datasets') {
    const list = await engine.listDatasets();
    print(list, list.map((d) => `${d.name.padEnd(12)} ${d.title} — ${d.rows} rows × ${d.features} features`).join('\n'));
    return;
  }

  if (command === 'inspect') {
    const target = rest[0] ?? values.data;
    if (!target) throw new LabFailure('bad-option', 'lab inspect needs a file or built-in dataset name.');
    const s = await open(engine, target, values.label);
    const out = {
      rows: s.rows,
      features: s.features,
      labels: s.labelNames ? s.labelNames.length : null,
      format: s.format,
      name: s.name,
      trainRows: s.trainRows,
      testRows: s.testRows,
      labelColumn: s.labelColumn,
      likelihood: s.likelihood,
      scaling: s.scaling,
      columns: s.columns,
      ...(s.imageShape ? { imageShape: s.imageShape } : {}),
      notes: s.notes,
    };
    print(out, [
      `${s.name}: ${s.rows} rows, ${s.features} features, ${out.labels ?? 'no'} label classes (${s.format})`,
      ...s.notes.map((n) => `  - ${n}`),
    ].join('\n'));
    return;
  }

  if (command === 'train') {
    if (!values.data) throw new LabFailure('bad-option', 'lab train needs --data <file-or-builtin>.');
    if (!values.out) throw new LabFailure('bad-option', 'lab train needs --out <dir> for the results.');
    const config: TrainConfig = {
      latent: intOption('latent', values.latent, 2, 1),
      hidden: intOption('hidden', values.hidden, 400, 1),
      epochs: intOption('epochs', values.epochs, 1, 1),
      batchSize: intOption('batch', values.batch, 128, 1),
      learningRate: numberOption('lr', values.lr, 0.001),
      seed: intOption('seed', values.seed, 1, 0),
      limit: intOption('limit', values.limit, 0, 0),
    };
    const outDir = resolve(values.out);
    await mkdir(outDir, { recursive: true }).catch((err: Error) => {
      throw new LabFailure('not-writable', `Cannot create the output folder ${outDir}: ${err.message}`);
    });
    const backend = await engine.backend();
    const ds = await open(engine, values.data, values.label);
    const run = await runJob(engine, 'train', engine.train({ datasetId: ds.id as DatasetId, config }));
    const pca = await runJob(engine, 'pca', engine.computePca({ datasetId: ds.id, components: config.latent }));
    await runJob(engine, 'export', engine.exportEmbedding({ embeddingId: run.embeddingId, path: join(outDir, 'embedding.csv') }));
    await runJob(engine, 'export', engine.exportEmbedding({ embeddingId: pca.id, path: join(outDir, 'pca.csv') }));
    const metrics = {
      dataset: ds.name,
      backend: backend.name,
      backendDetail: backend.detail,
      config,
      trainRows: config.limit ? Math.min(config.limit, ds.trainRows) : ds.trainRows,
      testRows: ds.testRows,
      likelihood: run.likelihood,
      samplesPerSec: run.samplesPerSec,
      testNegElbo: run.testNegElbo,
      testRecon: run.testRecon,
      testKl: run.testKl,
      pcaExplainedVariance: pca.explainedVariance,
      pcaSeconds: pca.seconds,
      epochs: run.epochs,
      files: { embedding: join(outDir, 'embedding.csv'), pca: join(outDir, 'pca.csv'), metrics: join(outDir, 'metrics.json') },
    };
    await writeFileAtomic(join(outDir, 'metrics.json'), [JSON.stringify(metrics, null, 2)]);
    print(metrics, [
      `Trained on ${metrics.trainRows} rows with ${backend.detail}: ${Math.round(run.samplesPerSec)} samples/s`,
      `test −ELBO ${run.testNegElbo.toFixed(2)} (recon ${run.testRecon.toFixed(2)}, KL ${run.testKl.toFixed(2)})`,
      `PCA explained variance: ${(pca.explainedVariance ?? []).map((v) => v.toFixed(3)).join(', ')}`,
      `Wrote ${outDir}/embedding.csv, pca.csv, metrics.json`,
    ].join('\n'));
    return;
  }
  throw new LabFailure('bad-option', `Unknown command "${command}". Run "lab --help" for the commands.`);
}

/** Runs bench/run.ts of the checkout this CLI was built from, passing its output through. */
async function runBench(args: string[]): Promise<void> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const script = join(root, 'bench', 'run.ts');
  if (!existsSync(script)) {
    throw new LabFailure('no-bench', `The benchmark is not part of this installation (${script} is missing).`,
      'Run it from the Latent Lab source folder: npm run bench.');
  }
  await new Promise<void>((resolveRun, rejectRun) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, stdio: 'inherit' });
    child.on('error', rejectRun);
    child.on('close', () => resolveRun());
  });
}

/** Exits once stdout has drained (a pipe would otherwise lose the end of the JSON). */
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

main(process.argv.slice(2)).then(
  () => exit(0),
  (err: unknown) => {
    const e = err instanceof TypeError && /Unknown option|unexpected argument/i.test(err.message)
      ? { code: 'bad-option', message: `${err.message.split('.')[0]}. Run "lab --help" for the options.` }
      : toLabError(err);
    status('');
    process.stderr.write(`lab: ${e.message}${e.detail ? ` ${e.detail}` : ''}\n`);
    exit(1);
  },
);
