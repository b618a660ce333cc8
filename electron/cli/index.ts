// `lab` command line: the same engine as the app (in its own process), no UI.
//   lab datasets [--json]
//   lab inspect <file-or-builtin> [data options] [--json]
//   lab train --data <file-or-builtin> --out <dir> [data options] [--model vae] [--latent 2] …
//             [--save <dir>] [--load <dir>] [--json]   (see USAGE)
//   lab bench [--json] [--only training,pca]
//   lab compare --data <file-or-builtin> [--methods pca,umap,tsne,vae] [--latent 2] [--json] …
//   lab export / reduce / report / generate / clusters (export.ts, report.ts, generate.ts, clusters.ts)
// Exit codes: 0 done, 1 failed (data, files, training), 2 usage error (unknown command or flag, bad value).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LabFailure, toLabError, type DatasetSource, type OpenDatasetRequest } from '../../shared/api';
import { MODEL_INFO, MODEL_NAMES } from '../../shared/models';
import { ANOMALY_MODEL_DEFAULTS, DEFAULT_PCA_COMPONENTS, DEFAULT_SAMPLES } from '../../shared/anomalies';
import type { DatasetId, EmbeddingId, LossValues, RunSummary, TrainConfig } from '../../shared/types';
import { DATA_OPTIONS, DATA_USAGE, openOptionsFromFlags } from './data-options';
import { budgetOption, intOption, trainConfigFrom, tsneParams, umapParams } from './options';
import { writeFileAtomic } from '../engine/export/csv';
import { SERVE_USAGE, serveCommand } from '../remote/serve';
import { ENGINE_USAGE, openCliEngine } from './engine';
import { files } from './files';
import { appVersion } from '../version';
import { runJob, status, type CliEngine } from './progress';
import { ANOMALY_USAGE, anomalyRequestFrom, anomalyReport } from './anomalies';
import { CLUSTERS_USAGE, clustersCommand } from './clusters';
import { EXPORT_USAGE, exportCommand, reduceCommand } from './export';
import { GENERATE_USAGE, generateCommand } from './generate';
import { REPORT_USAGE, reportCommand } from './report';
import { recordInWorkspace, WORKSPACE_USAGE, workspaceCommand } from './workspace';

const USAGE = `Latent Lab ${appVersion} — command line

  lab datasets [--json]                         list the built-in datasets
  lab inspect <file-or-builtin> [--json]        rows, features, labels and columns of a dataset
  lab train --data <file-or-builtin> --out <dir> [--json] [options]
                                                train a model and PCA; writes embedding.csv, pca.csv,
                                                metrics.json into <dir>
Model:     --model ${MODEL_NAMES.join('|')} (vae)
           --latent 2  --hidden 400 (or 512,256)  --arch mlp|conv|auto (mlp; auto = conv for images)
           --likelihood auto|bernoulli|gaussian|gaussian-learned (auto: from the data)
           --beta 4 (beta-vae)  --alpha 0 --lambda 10 (info-vae; wae-mmd uses --lambda)  --k 5 (iwae)
Training:  --epochs 1  --batch 128  --lr 0.001  --seed 1  --limit N (first N training rows)
           --schedule constant|step|cosine  --step-epochs 10 --step-factor 0.5
           --clip NORM (0 = off)  --warmup EPOCHS (KL warm-up, 0 = off)
           --val FRACTION (0; 0.1 when --patience is given)  --patience EPOCHS (0 = off)
Models:    --save DIR  writes the trained model (model.json + weights.bin)
           --load DIR  uses a saved model: embeds and scores --data with it, or trains it further
                       when --epochs is given
  lab compare --data <file-or-builtin> [--json] [--methods pca,umap,tsne,vae] [--latent 2]
            [--components 2,10,…] [--epochs 1] [--limit N] [--hidden 400] [--seed 1]
            [--umap-neighbors 15] [--umap-min-dist 0.1] [--umap-epochs 0]
            [--tsne-perplexity 30] [--tsne-iterations 1000] [--pca-dims 50] [--csv <file>]
                                                fit each method and print the comparison table
                                                (test-split MSE, 5-NN accuracy, trustworthiness,
                                                continuity, silhouette, seconds); PCA uses
                                                --components (default: --latent), the VAE trains
                                                --epochs on the first --limit training rows
${ANOMALY_USAGE}
${EXPORT_USAGE}
${WORKSPACE_USAGE}
${REPORT_USAGE}
${GENERATE_USAGE}
${CLUSTERS_USAGE}
  lab bench [--json] [--only training,pca]     the benchmark beside PyTorch and scikit-learn (same as
                                                npm run bench; needs the source checkout)
${SERVE_USAGE}

${ENGINE_USAGE}
Memory (every command): --memory-budget MB  the engine's memory budget for this command (default: the
           app's setting, LAB_MEMORY_BUDGET_MB, or half this computer's memory); a Parquet, CSV or
           JSON table over it opens streamed: trained and fitted in chunks, shown through a sample

${DATA_USAGE}
Exit codes: 0 done; 1 failed (one line on stderr naming the file and the problem); 2 usage error
(an unknown command or flag, a bad flag value, a missing flag). --force lets export, reduce, report,
generate and --csv replace an existing file; without it they refuse.`;

function sourceOf(arg: string): DatasetSource {
  return files().source(arg);
}

async function open(engine: CliEngine, data: string, options: Omit<OpenDatasetRequest, 'source'>) {
  return runJob(engine, 'open', engine.openDataset({ source: sourceOf(data), ...options }));
}

/** lab anomalies: train on the normal classes, score the test split, print AUC per method. */
async function anomalies(engine: CliEngine, values: Record<string, unknown>) {
  if (!values.data) throw new LabFailure('bad-option', 'lab anomalies needs --data <file-or-builtin>.');
  const str = (name: string) => values[name] as string | undefined;
  // --k is the PCA size here (IWAE's K keeps its default)
  const config = trainConfigFrom({ ...values, k: undefined }, ANOMALY_MODEL_DEFAULTS);
  await engine.backend();
  const ds = await open(engine, str('data')!, openOptionsFromFlags(values));
  const { request, names } = anomalyRequestFrom(ds, {
    normal: str('normal'),
    methods: str('methods'),
    k: intOption('k', str('k'), DEFAULT_PCA_COMPONENTS, 1),
    samples: intOption('samples', str('samples'), DEFAULT_SAMPLES, 1),
    config,
  });
  const result = await runJob(engine, 'anomalies', engine.detectAnomalies(request));
  const csvPath = str('csv') ? resolve(str('csv')!) : null;
  if (csvPath) await runJob(engine, 'export', engine.exportAnomalies({ anomalyId: result.id, path: await files().output(csvPath, { force: values.force === true }), overwrite: values.force === true }));
  const top = intOption('top', str('top'), result.truth ? 0 : 10, 0);
  const ranked = top ? await Promise.all(result.methods.map((m) => engine.rankAnomalies({ anomalyId: result.id, key: m.key, top }))) : [];
  const report = anomalyReport(ds, result, names, config, ranked, csvPath);
  if (str('workspace')) await recordInWorkspace(engine, str('workspace')!, ds.id);
  return report;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'serve') {
    // runs until Ctrl-C / SIGTERM; clients come and go, the engine keeps running
    const served = await serveCommand(argv.slice(1));
    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', () => resolveStop());
      process.once('SIGTERM', () => resolveStop());
    });
    await served.stop();
    return;
  }
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
      ...DATA_OPTIONS,
      model: { type: 'string' },
      arch: { type: 'string' },
      likelihood: { type: 'string' },
      beta: { type: 'string' },
      alpha: { type: 'string' },
      lambda: { type: 'string' },
      k: { type: 'string' },
      schedule: { type: 'string' },
      'step-epochs': { type: 'string' },
      'step-factor': { type: 'string' },
      clip: { type: 'string' },
      warmup: { type: 'string' },
      val: { type: 'string' },
      patience: { type: 'string' },
      save: { type: 'string' },
      load: { type: 'string' },
      methods: { type: 'string' },
      components: { type: 'string' },
      csv: { type: 'string' },
      'umap-neighbors': { type: 'string' },
      'umap-min-dist': { type: 'string' },
      'umap-epochs': { type: 'string' },
      'tsne-perplexity': { type: 'string' },
      'tsne-iterations': { type: 'string' },
      'pca-dims': { type: 'string' },
      normal: { type: 'string' },
      samples: { type: 'string' },
      top: { type: 'string' },
      only: { type: 'string' },
      method: { type: 'string' },
      format: { type: 'string' },
      split: { type: 'string' },
      'every-row': { type: 'boolean', default: false },
      columns: { type: 'string' },
      force: { type: 'boolean', default: false },
      workspace: { type: 'string' },
      count: { type: 'string' },
      source: { type: 'string' },
      bandwidth: { type: 'string' },
      prominence: { type: 'string' },
      noise: { type: 'string' },
      'min-size': { type: 'string' },
      engine: { type: 'string' },
      'token-file': { type: 'string' },
      ca: { type: 'string' },
      fingerprint: { type: 'string' },
      'memory-budget': { type: 'string' },
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

  // checked before any engine starts: a bad value is a usage error
  const budgetMb = budgetOption(values['memory-budget']);
  // this machine's engine in its own process, or a remote one (--engine)
  const { engine } = await openCliEngine(values);
  if (budgetMb !== null) await engine.setMemoryBudget({ mb: budgetMb, save: false });
  /** Fetches what a remote engine wrote, then prints the result with this machine's paths. */
  const print = async (obj: unknown, text: string) => {
    await files().finish();
    console.log(values.json ? JSON.stringify(files().localize(obj), null, 2) : files().localize(text));
  };

  if (command === 'datasets') {
    const list = await engine.listDatasets();
    await print(list, list.map((d) => `${d.name.padEnd(12)} ${d.title} — ${d.rows} rows × ${d.features} features`).join('\n'));
    return;
  }

  if (command === 'inspect') {
    const target = rest[0] ?? values.data;
    if (!target) throw new LabFailure('bad-option', 'lab inspect needs a file or built-in dataset name.');
    const s = await open(engine, target, openOptionsFromFlags(values));
    const out = {
      rows: s.rows,
      features: s.features,
      labels: s.labelNames ? s.labelNames.length : null,
      format: s.format,
      columns: s.columns.map((c) => ({
        name: c.name, role: c.role, type: c.type, missing: c.missing, width: c.width,
        ...(c.reason ? { reason: c.reason } : {}),
        min: c.stats.min, max: c.stats.max, mean: c.stats.mean, distinct: c.stats.distinct,
      })),
      ...(s.imageShape ? { imageShape: s.imageShape } : {}),
      name: s.name,
      trainRows: s.trainRows,
      testRows: s.testRows,
      droppedRows: s.droppedRows,
      labelColumn: s.labelColumn,
      labelNames: s.labelNames,
      missing: s.missing,
      likelihood: s.likelihood,
      scaling: s.scaling,
      split: s.split,
      ...(s.delimited ? { delimited: s.delimited } : {}),
      options: s.options,
      notes: s.notes,
    };
    await print(out, [
      `${s.name}: ${s.rows} rows, ${s.features} features, ${out.labels ?? 'no'} label classes (${s.format})`,
      ...s.notes.map((n) => `  - ${n}`),
    ].join('\n'));
    return;
  }

  if (command === 'train') {
    if (!values.data) throw new LabFailure('bad-option', 'lab train needs --data <file-or-builtin>.');
    if (!values.out) throw new LabFailure('bad-option', 'lab train needs --out <dir> for the results.');
    const config = trainConfigFrom(values);
    const outDir = resolve(values.out);
    await mkdir(outDir, { recursive: true }).catch((err: Error) => {
      throw new LabFailure('not-writable', `Cannot create the output folder ${outDir}: ${err.message}`);
    });
    const backend = await engine.backend();
    const loaded = values.load ? await engine.loadModel({ path: await files().input(values.load) }) : null;
    const ds = await open(engine, values.data, openOptionsFromFlags(values));
    const trainFurther = !loaded || values.epochs !== undefined;
    const run: RunSummary = trainFurther
      ? await runJob(engine, 'train', engine.train({ datasetId: ds.id as DatasetId, config, ...(loaded ? { initFrom: loaded.id } : {}) }))
      : loaded!;
    for (const w of run.warnings) process.stderr.write(`lab: warning: ${w}\n`);
    const test: LossValues = trainFurther
      ? run.test!
      : (await runJob(engine, 'evaluate', engine.evaluate({ runId: run.id, datasetId: ds.id }))).values;
    const embeddingId = trainFurther
      ? run.embeddingId!
      : (await runJob(engine, 'embed', engine.embed({ runId: run.id, datasetId: ds.id }))).id;
    const latent = run.config.latent;
    const pca = await runJob(engine, 'pca', engine.computePca({ datasetId: ds.id, components: latent }));
    await runJob(engine, 'export', engine.exportEmbedding({ embeddingId, path: await files().output(join(outDir, 'embedding.csv'), { force: true }), overwrite: true }));
    await runJob(engine, 'export', engine.exportEmbedding({ embeddingId: pca.id, path: await files().output(join(outDir, 'pca.csv'), { force: true }), overwrite: true }));
    const saved = values.save ? await engine.saveModel({ runId: run.id, path: await files().output(values.save, { folder: true, force: true }) }) : null;
    const info = MODEL_INFO[run.config.model];
    const metrics = {
      dataset: ds.name,
      backend: backend.name,
      backendDetail: backend.detail,
      model: run.config.model,
      architecture: run.architecture,
      likelihood: run.likelihood,
      config: run.config,
      trainRows: run.trainRows,
      validationRows: run.validationRows,
      testRows: ds.testRows,
      status: run.status,
      message: run.message,
      warnings: run.warnings,
      bestEpoch: run.bestEpoch,
      samplesPerSec: run.samplesPerSec,
      testLoss: test.loss,
      testNegElbo: test.negElbo,
      testRecon: test.recon,
      testKl: test.kl,
      testMmd: test.mmd,
      pcaExplainedVariance: pca.explainedVariance,
      pcaSeconds: pca.seconds,
      epochs: run.epochs,
      // the engine process's resident memory at its peak (the kernel's high-water mark), and the budget it worked in
      peakRssMB: Math.round((await engine.engineMemory()).peakRssBytes / 2 ** 20),
      memoryBudgetMB: (await engine.memoryBudget()).mb,
      streamed: ds.streamed ? { trainRows: ds.streamed.trainRows, testRows: ds.streamed.testRows, sampleRows: ds.streamed.sampleTrainRows + ds.streamed.sampleTestRows, chunkRows: ds.streamed.chunkRows } : null,
      ...(loaded ? { loadedFrom: resolve(values.load!) } : {}),
      files: {
        embedding: join(outDir, 'embedding.csv'),
        pca: join(outDir, 'pca.csv'),
        metrics: join(outDir, 'metrics.json'),
        ...(saved ? { model: saved.path } : {}),
        ...(run.checkpointDir ? { checkpoint: run.checkpointDir } : {}),
      },
    };
    await writeFileAtomic(join(outDir, 'metrics.json'), [JSON.stringify(files().localize(metrics), null, 2)]);
    if (values.workspace) await recordInWorkspace(engine, values.workspace, ds.id, [embeddingId, pca.id]);
    const fmt = (v: number | null) => (v === null ? '—' : v.toFixed(2));
    await print(metrics, [
      trainFurther
        ? `Trained ${info.title} (${run.architecture}, ${run.likelihood}) on ${run.trainRows} rows with ${backend.detail}: ${Math.round(run.samplesPerSec)} samples/s${run.message ? `\n${run.message}` : ''}`
        : `Loaded ${info.title} from ${resolve(values.load!)}`,
      `test loss ${fmt(test.loss)} (recon ${fmt(test.recon)}${test.kl !== null ? `, KL ${fmt(test.kl)}` : ''}${test.mmd !== null ? `, MMD ${test.mmd.toFixed(4)}` : ''})${test.negElbo !== null ? `, −ELBO ${fmt(test.negElbo)}` : ''}`,
      `PCA explained variance: ${(pca.explainedVariance ?? []).map((v) => v.toFixed(3)).join(', ')}`,
      `Wrote ${outDir}/embedding.csv, pca.csv, metrics.json${saved ? `; model in ${saved.path}` : ''}`,
    ].join('\n'));
    return;
  }
  if (command === 'compare') {
    if (!values.data) throw new LabFailure('bad-option', 'lab compare needs --data <file-or-builtin>.');
    const methods = (values.methods ?? 'pca,umap,vae').split(',').map((m) => m.trim().toLowerCase()).filter(Boolean);
    const known: string[] = ['pca', 'umap', 'tsne', ...MODEL_NAMES];
    const unknown = methods.find((m) => !known.includes(m));
    if (unknown || methods.length === 0) {
      throw new LabFailure('bad-option', `--methods takes a comma-separated list of ${known.join(', ')} (got "${unknown ?? ''}").`);
    }
    const latent = intOption('latent', values.latent, 2, 1);
    const components = (values.components ?? String(latent)).split(',').map((c) => intOption('components', c.trim(), latent, 1));
    const csvPath = values.csv ? resolve(values.csv) : null;
    await engine.backend();
    const ds = await open(engine, values.data, openOptionsFromFlags(values));
    const ids: EmbeddingId[] = [];
    for (const m of methods) {
      if (m === 'pca') {
        for (const k of components) {
          ids.push((await runJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'pca', params: { components: k } }))).id);
        }
      } else if (m === 'umap') {
        ids.push((await runJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'umap', params: umapParams(values) }))).id);
      } else if (m === 'tsne') {
        ids.push((await runJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'tsne', params: tsneParams(values) }))).id);
      } else {
        // any model of the family: the same flags as lab train, with this latent size
        const config: TrainConfig = { ...trainConfigFrom({ ...values, model: m }), latent };
        ids.push((await runJob(engine, 'train', engine.train({ datasetId: ds.id as DatasetId, config }))).embeddingId!);
      }
    }
    const table = await runJob(engine, 'metrics', engine.computeMetrics({ datasetId: ds.id, embeddingIds: ids }));
    if (values.workspace) await recordInWorkspace(engine, values.workspace, ds.id, ids);
    if (csvPath) await runJob(engine, 'export', engine.exportMetrics({ datasetId: ds.id, embeddingIds: ids, path: await files().output(csvPath, { force: values.force === true }), overwrite: values.force === true }));
    const out = {
      dataset: ds.name,
      testRows: table.testRows,
      scoredRows: table.scoredRows,
      knnK: table.knnK,
      neighbourhoodK: table.neighbourhoodK,
      notes: table.notes,
      methods: table.rows.map((r) => ({
        name: r.name,
        title: r.title,
        dims: r.dims,
        mse: r.mse,
        knnAccuracy: r.knnAccuracy,
        trustworthiness: r.trustworthiness,
        continuity: r.continuity,
        silhouette: r.silhouette,
        explainedVariance: r.explainedVariance,
        negElbo: r.negElbo,
        seconds: r.seconds,
      })),
      ...(csvPath ? { csv: csvPath } : {}),
    };
    const cell = (v: number | null, digits: number) => (v === null ? '—' : v.toFixed(digits)).padStart(9);
    await print(out, [
      `${ds.name}: ${table.testRows} test rows`,
      `${'method'.padEnd(16)}${['MSE', '5-NN acc', 'trust', 'contin', 'silh', 'seconds'].map((h) => h.padStart(9)).join('')}`,
      ...out.methods.map((r) => `${r.name.padEnd(16)}${cell(r.mse, 5)}${cell(r.knnAccuracy, 4)}${cell(r.trustworthiness, 4)}${cell(r.continuity, 4)}${cell(r.silhouette, 4)}${cell(r.seconds, 1)}`),
      ...table.notes,
      ...(csvPath ? [`Wrote ${csvPath}`] : []),
    ].join('\n'));
    return;
  }
  if (command === 'workspace') {
    const out = await workspaceCommand(engine, rest);
    await print(out.json, out.text);
    return;
  }
  if (command === 'anomalies') {
    const out = await anomalies(engine, values);
    await print(out.json, out.text);
    return;
  }
  const commands = { export: exportCommand, reduce: reduceCommand, report: reportCommand, generate: generateCommand, clusters: clustersCommand } as const;
  if (Object.hasOwn(commands, command)) {
    const out = await commands[command as keyof typeof commands](engine, values);
    await print(out.json, out.text);
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

// anything that escapes the promise chain still gets one line, never a stack trace
process.on('uncaughtException', (err) => {
  process.stderr.write(`lab: ${toLabError(err).message}\n`);
  process.exit(1);
});

main(process.argv.slice(2)).then(
  () => exit(0),
  (err: unknown) => {
    const e = err instanceof TypeError && /Unknown option|unexpected argument/i.test(err.message)
      ? { code: 'bad-option', message: `${err.message.split('.')[0]}. Run "lab --help" for the options.` }
      : err instanceof TypeError && /argument is ambiguous/i.test(err.message)
        ? { code: 'bad-option', message: `${err.message.split('.')[0]}: a value that starts with a dash goes after "=" (e.g. --seed=-1).` }
        : toLabError(err);
    status('');
    process.stderr.write(`lab: ${e.message}${e.detail ? ` ${e.detail}` : ''}\n`);
    // 2: the command line itself is wrong (usage); 1: the work failed
    exit(e.code === 'bad-option' ? 2 : 1);
  },
);
