// A training run from request to finished model: checks the config against the data, builds the
// run (its summary as the run list shows it), and the work a 'train' job does: train with live
// events and time-throttled checkpoints, score the test split, and add the test codes as an
// embedding of the dataset.
import { LabFailure, type TrainRequest } from '../../../shared/api';
import { MODEL_INFO } from '../../../shared/models';
import { trainConfigSchema } from '../../../shared/schemas';
import { withDefaults } from '../../../shared/train-config';
import type { EmbeddingId, RunId, RunSummary, SplitName, TrainConfig } from '../../../shared/types';
import { modelShortName } from '../compare/embeddings';
import { initBackend } from '../core/backend';
import { checkClasses, classList, rowsOfClasses } from '../data/class-subset';
import { headRows, type Split } from '../data/dataset';
import { embedCodes, evaluateModel, klPerDimension } from '../models/evaluate';
import { createModel, type Model } from '../models/model';
import { modelInput, schemaOf } from '../models/model-input';
import { modelSpecFor } from '../models/model-spec';
import { splitRows } from '../models/rows';
import { checkModelMemory } from '../models/serialize';
import type { JobContext } from '../session/jobs';
import { newId, type DatasetEntry, type Session } from '../session/session';
import { evaluateStreamed } from '../stream/evaluate';
import { streamedTrainRows } from '../stream/train-rows';
import { COLLAPSE_PREFIX, collapseAfterTraining, collapseWhileTraining, withCollapseVerdict } from './collapse';
import type { Run, RunPlan } from './runs';
import { trainModel, validationSize, type TrainOutcome } from './train';

/** Seconds between the checkpoints written while training (the last epoch is always written). */
function checkpointSeconds(): number {
  const v = Number(process.env.LAB_CHECKPOINT_SECONDS);
  return Number.isFinite(v) && v >= 0 ? v : 5;
}

/** Architecture fields a warm start takes from the model it starts from. */
const SHAPE_FIELDS = ['model', 'latent', 'hidden', 'architecture', 'likelihood'] as const;

/**
 * Checks a training request against its data and builds its run (not yet in the run list);
 * `work` trains it inside a job. Refuses at once when the config does not fit the data.
 */
export function planRun(s: Session, req: TrainRequest): RunPlan {
  const entry = s.entry(req.datasetId);
  const ds = entry.ds;
  const from = req.initFrom ? s.runs.get(req.initFrom) : null;
  const fromModel = req.initFrom ? s.runs.model(req.initFrom) : null;
  // fields left out take the defaults that suit this dataset (its kind, width and size)
  const config: TrainConfig = withDefaults(from
    ? { ...req.config, ...Object.fromEntries(SHAPE_FIELDS.map((f) => [f, from.summary.config[f]])) }
    : req.config, ds.summary);
  if (from) config.likelihood = from.summary.likelihood;
  const checked = trainConfigSchema.safeParse(config);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new LabFailure('bad-config', `The training setting "${issue?.path.join('.') || 'config'}" is not valid: ${issue?.message ?? 'invalid'}.`);
  }
  const spec = modelSpecFor(config, ds.summary);
  // refuse a model that cannot fit in memory now, not gigabytes into building it
  checkModelMemory(ds.summary.name, spec, config.batchSize);
  const schema = from ? from.schema : schemaOf(ds);
  const classes = req.classes ? checkClasses(ds.summary, req.classes) : null;
  const trainSplit = classes ? rowsOfClasses(ds.train, ds.summary.features, classes, ds.summary) : ds.train;
  const trainInput = modelInput(schema, ds, trainSplit);
  const testInput = modelInput(schema, ds, ds.test);
  const stream = ds.stream && !classes && (!from || from.summary.datasetId === ds.summary.id) ? ds.stream : null;
  const info = MODEL_INFO[config.model];
  const id = newId<RunId>('run');
  const onClasses = classes ? ` (class${classes.length > 1 ? 'es' : ''} ${classList(ds.summary, classes)})` : '';
  const run: Run = {
    model: null,
    schema,
    summary: {
      id,
      datasetId: ds.summary.id,
      datasetName: ds.summary.name,
      title: `${info.title} on ${ds.summary.name}${onClasses}`,
      config,
      architecture: spec.architecture,
      likelihood: spec.likelihood,
      backend: null,
      status: 'running',
      message: null,
      warnings: [],
      epochs: [],
      bestEpoch: null,
      test: null,
      klPerDim: null,
      samplesPerSec: 0,
      embeddingId: null,
      trainRows: 0,
      validationRows: 0,
      classes,
      checkpointDir: null,
      features: spec.inputDim,
      imageShape: spec.imageShape,
      labelNames: schema.labelNames,
      startedAt: Date.now(),
    },
  };
  const work = async (ctx: JobContext): Promise<RunSummary> => {
    const sum = run.summary;
    const backend = await initBackend();
    sum.backend = backend.name;
    ctx.run(structuredClone(sum));
    // on disk from the start: a run whose process dies before its first checkpoint is still listed (interrupted)
    await s.runs.writeRecord(run).catch(() => {});
    const model = createModel(spec, config.seed);
    if (fromModel) copyWeights(fromModel, model);
    run.model = model;
    // a streamed dataset trains on every training row, read in chunks each epoch (a class subset: on the sample)
    const streamed = stream ? await streamedTrainRows(stream, trainInput, { validationFraction: config.validationFraction, seed: config.seed, limit: config.limit, labels: spec.classes > 0 }) : null;
    const train = streamed ?? headRows(trainInput, spec.inputDim, config.limit);
    sum.validationRows = streamed ? streamed.validation?.n ?? 0 : validationSize(train.n, config.validationFraction);
    sum.trainRows = streamed ? streamed.n : train.n - sum.validationRows;
    const layers = [spec.inputDim, ...spec.hidden, spec.latent].join('-');
    ctx.log(`Training a ${info.title} (${spec.architecture} ${layers}, ${spec.likelihood}) on ${sum.trainRows} rows${onClasses}${streamed ? ` streamed in chunks of ${streamed.chunkRows.toLocaleString('en-US')} rows` : ''} with ${backend.detail}.`);
    let outcome: TrainOutcome;
    try {
      outcome = await trainModel(model, train, config, trainHooks(s, ctx, run));
    } catch (err) {
      await streamed?.close();
      sum.status = err instanceof LabFailure && err.code === 'diverged' ? 'diverged' : 'failed';
      sum.message = err instanceof Error ? [err.message, (err as LabFailure).detail].filter(Boolean).join(' ') : String(err);
      s.runs.dropModel(run);
      await s.runs.writeRecord(run).catch(() => {});
      throw err;
    }
    if (outcome.epochs.length === 0) {
      sum.status = 'cancelled';
      sum.message = 'Cancelled before the first epoch ended.';
      s.runs.dropModel(run);
      ctx.checkCancelled();
    }
    await streamed?.close();
    const last = outcome.epochs[outcome.epochs.length - 1];
    if (outcome.bestEpoch !== null) await checkpoint(s, ctx, run, outcome.bestEpoch);
    else if (last && run.checkpointed !== last.epoch) await checkpoint(s, ctx, run, last.epoch);
    ctx.progress(0.96, stream ? `Scoring the ${(stream.counts.test).toLocaleString('en-US')} test rows in chunks` : 'Scoring the test split');
    const rows = splitRows(testInput, spec.inputDim, spec.classes);
    sum.test = stream
      ? await evaluateStreamed(model, stream, config.seed + 7919, () => ctx.checkCancelled())
      : await evaluateModel(model, rows, config.seed + 7919);
    // per latent dimension on the rows in memory (a streamed dataset's: its sample's test rows)
    sum.klPerDim = await klPerDimension(model, rows);
    // the verdict on the finished model replaces what was said while it trained
    const verdict = collapseAfterTraining(sum);
    sum.warnings = withCollapseVerdict(sum.warnings, verdict);
    if (verdict) ctx.log(verdict);
    sum.embeddingId = await addModelEmbedding(entry, run, model, testInput, ds.test.labels, (Date.now() - sum.startedAt) / 1000);
    sum.samplesPerSec = last.samplesPerSec;
    sum.status = outcome.stop;
    sum.message = outcome.stop === 'stopped-early'
      ? `Stopped early after epoch ${last.epoch}: no better validation loss for ${config.patience} epoch(s); kept the weights of epoch ${outcome.bestEpoch}.`
      : outcome.stop === 'cancelled' ? `Cancelled during epoch ${last.epoch + 1}; the model is as it was then.` : null;
    await s.runs.writeRecord(run).catch((err: Error) => ctx.log(`Could not write run.json: ${err.message}`));
    ctx.progress(1, outcome.stop === 'finished' ? 'Training finished' : sum.message!);
    return structuredClone(sum);
  };
  return { run, title: `Train ${info.title} on ${ds.summary.name}${onClasses}`, work };
}

function trainHooks(s: Session, ctx: JobContext, run: Run) {
  const epochs = run.summary.config.epochs;
  return {
    shouldStop: () => ctx.cancelled,
    whenRunning: () => ctx.whenRunning(),
    onBatch: (m: Parameters<JobContext['batch']>[0]) => {
      ctx.batch(m);
      ctx.progress(m.fraction * 0.95, `Epoch ${m.epoch}/${epochs}, batch ${m.batch}/${m.batchesPerEpoch}`, m.samplesPerSec);
    },
    onEpoch: async (m: Parameters<JobContext['metrics']>[0]) => {
      run.summary.epochs.push(m);
      run.summary.samplesPerSec = m.samplesPerSec;
      ctx.metrics(m);
      warnCollapse(ctx, run);
      // tiny epochs end many times a second: writing each would cost more than training it
      if (Date.now() - (run.checkpointedAt ?? 0) >= checkpointSeconds() * 1000) await checkpoint(s, ctx, run, m.epoch);
    },
    yieldToHost: () => new Promise<void>((resolve) => setImmediate(resolve)),
  };
}

/** Says once (and updates the run) when the epoch KL shows posterior collapse after the warm-up. */
function warnCollapse(ctx: JobContext, run: Run): void {
  const sum = run.summary;
  const warning = collapseWhileTraining(sum.config, sum.epochs, sum.trainRows);
  if (!warning || sum.warnings.some((w) => w.startsWith(COLLAPSE_PREFIX))) return;
  sum.warnings = withCollapseVerdict(sum.warnings, warning);
  ctx.log(warning);
  ctx.run(structuredClone(sum));
}

/**
 * A failed checkpoint write is reported, not fatal: training goes on, and the run says (once)
 * that its checkpoints are off and why, so a finished run is not mistaken for a kept one.
 */
async function checkpoint(s: Session, ctx: JobContext, run: Run, epoch: number): Promise<void> {
  await s.runs.checkpoint(run, epoch).catch((err: Error) => {
    const warning = `Checkpoints are off: the runs folder ${s.runs.folder(run.summary.id)} cannot be written (${err.message}). The model stays in memory for this session only; save it with Save model.`;
    if (!run.summary.warnings.some((w) => w.startsWith('Checkpoints are off'))) {
      run.summary.warnings.push(warning);
      ctx.log(warning);
      ctx.run(structuredClone(run.summary));
    }
  });
  run.checkpointed = epoch;
  run.checkpointedAt = Date.now();
}

/**
 * Codes of `input` (the model's view of some of the entry's rows; `labels`: the dataset's, for
 * colour) as an embedding of that dataset. `split` says which rows they are; 'test' ones take part
 * in the comparison.
 */
export async function addModelEmbedding(entry: DatasetEntry, run: Run, model: Model, input: Split, labels: Int32Array | null, seconds: number, split: SplitName = 'test'): Promise<EmbeddingId> {
  const ds = entry.ds;
  const spec = model.spec;
  const coords = await embedCodes(model, splitRows(input, spec.inputDim, spec.classes));
  const id = newId<EmbeddingId>('emb');
  const what = spec.stochastic ? 'latent means μ(x)' : 'codes';
  // a model trained on this very dataset can rebuild its rows (reconstruction MSE, grids)
  const sameData = run.summary.datasetId === ds.summary.id;
  entry.addEmbedding({
    data: {
      id,
      datasetId: ds.summary.id,
      method: spec.name,
      runId: run.summary.id,
      title: `${modelShortName(spec.name, spec.latent)}: ${what}`,
      rows: input.n,
      dims: spec.latent,
      explainedVariance: null,
      seconds,
      fitRows: run.summary.trainRows,
      params: { runId: run.summary.id, latent: spec.latent, projected: false },
      diagnostics: { notes: [`${MODEL_INFO[spec.name].title} ${what} of the ${input.n.toLocaleString('en-US')} ${split === 'test' ? 'test' : ''} rows.`.replace('  ', ' ')], explainedVarianceRatio: null, trace: [], stages: [] },
      coords,
      labels,
      labelNames: ds.summary.labelNames,
      rowIds: input.rowIds,
      split,
    },
    train: null, // encoded when the comparison table needs them
    recon: sameData ? { kind: 'model', runId: run.summary.id } : null,
  });
  return id;
}

/** Copies weights between two models of the same spec (a warm start). */
function copyWeights(from: Model, to: Model): void {
  for (const [name, v] of to.params) {
    const src = from.params.get(name);
    if (!src || src.shape.join() !== v.shape.join()) throw new LabFailure('bad-model', `The model to start from has no weight "${name}" of shape [${v.shape.join(', ')}].`);
    v.assign(src);
  }
}
