// The engine: everything the UI can ask, with no Electron and no DOM. Runs in a worker thread
// behind EngineHost, or in-process for the CLI, the benchmark and the tests.
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  LabFailure,
  type ColumnRequest,
  type EngineApi,
  type ExportRequest,
  type JobEvent,
  type JobListener,
  type MetricsExportRequest,
  type MetricsRequest,
  type NeighboursRequest,
  type OpenDatasetRequest,
  type PcaRequest,
  type ReconstructRequest,
  type ReduceRequest,
  type RowsRequest,
  type TrainRequest,
} from '../../shared/api';
import { rowsAbove, topRows, type AnomalyExportRequest, type AnomalyId, type AnomalyRankRequest, type AnomalyRanking, type AnomalyRequest, type AnomalyResult } from '../../shared/anomalies';
import type {
  GeneratedSamples,
  Interpolation,
  InterpolationRequest,
  LatentGrid,
  LatentGridRequest,
  LatentTraversal,
  SampleExportRequest,
  SampleRequest,
  TraversalRequest,
} from '../../shared/generation';
import { MODEL_INFO } from '../../shared/models';
import { trainConfigSchema } from '../../shared/schemas';
import { withDefaults } from '../../shared/train-config';
import type {
  BackendInfo,
  CatalogEntry,
  ColumnValues,
  DatasetId,
  DatasetRows,
  DatasetSummary,
  DataMatrix,
  EmbeddingData,
  EmbeddingId,
  EmbeddingSummary,
  EmbedRequest,
  EvaluateRequest,
  EvaluationResult,
  JobId,
  LoadModelRequest,
  MetricsRow,
  MetricsTable,
  NeighboursResult,
  ReconMethod,
  ReconstructionResult,
  ReduceRequestParams,
  RunId,
  RunSummary,
  SavedModelInfo,
  SaveModelRequest,
  SplitName,
  TrainConfig,
} from '../../shared/types';
import { initBackend } from './backend';
import { ensureTrainCoords, KNN_K, NEIGHBOURHOOD_K, rowNeighbours, scoreEmbeddings, scoredRows, scoringNotes, type CompareSource } from './compare';
import { checkClasses, classList, rowsOfClasses } from './class-subset';
import { catalog } from './data/catalog';
import { headRows, type Dataset, type Split } from './data/dataset';
import { openDataset } from './data/open';
import { saveUpload } from './data/uploads';
import { getRows } from './data/rows';
import { columnValues } from './data/column-values';
import { modelShortName, splitView, summaryOf, type EmbeddingRecord } from './embeddings';
import { embedCodes, evaluateModel, reconstructMeans } from './evaluate';
import { writeAnomalyCsv, writeEmbeddingCsv, writeMetricsCsv, writeSamplesCsv } from './export';
import { codeStats, type CodeStats } from './generate';
import { interpolate, manifold, sampleFromPrior, traverse, type GenerationSource } from './generator';
import { planAnomalies } from './anomaly-job';
import { JobRunner, reduceHooks, type JobContext } from './jobs';
import type { ReconstructionErrors } from './metrics';
import { modelInput, scalingOf, schemaOf } from './model-input';
import { modelSpecFor } from './model-spec';
import { createModel, type Model } from './models/model';
import { loadModelDir } from './models/serialize';
import { reconKey, reconstructRows, reconTitle, splitErrors } from './reconstruct';
import type { ReduceHooks } from './reduce/hooks';
import { pcaFit, pcaReconstruct } from './reduce/pca';
import { runReducer, type FittedPca, type ModelHandle, type ReduceContext } from './reduce/run';
import { oneHot, splitRows } from './rows';
import { RunStore, type Run, type RunPlan } from './runs';
import { trainModel, validationSize, type TrainOutcome } from './train';

/** Seconds between the checkpoints written while training (the last epoch is always written). */
function checkpointSeconds(): number {
  const v = Number(process.env.LAB_CHECKPOINT_SECONDS);
  return Number.isFinite(v) && v >= 0 ? v : 5;
}

const newId = <T extends string>(prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}` as T;

/** Architecture fields a warm start takes from the model it starts from. */
const SHAPE_FIELDS = ['model', 'latent', 'hidden', 'architecture', 'likelihood'] as const;

function checkRows(rows: number[], n: number, split: SplitName): void {
  const bad = rows.find((r) => r >= n);
  if (bad !== undefined) {
    throw new LabFailure('no-such-row', `Row ${bad} is outside the ${split} split (${n} rows, numbered from 0).`, `Pick rows 0 to ${n - 1}.`);
  }
}

/** Copies the given rows of a split into one row-major matrix. */
function gather(split: Split, d: number, rows: number[]): DataMatrix {
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(split.x.subarray(r * d, (r + 1) * d), i * d));
  return out as DataMatrix;
}

export class Engine implements EngineApi {
  private readonly listeners = new Set<JobListener>();
  private readonly jobs = new JobRunner((e) => this.dispatch(e));
  private readonly datasets = new Map<DatasetId, Dataset>();
  private readonly embeddings = new Map<EmbeddingId, EmbeddingRecord>();
  private readonly runs = new RunStore();
  /** One PCA fit (all components, training rows) per dataset, shared by PCA-k, UMAP/t-SNE input and reconstructions. */
  private readonly pcaFits = new Map<DatasetId, Promise<FittedPca>>();
  /** Test-split reconstruction errors per dataset and method (see reconKey). */
  private readonly testErrors = new Map<string, Promise<ReconstructionErrors>>();
  /** Table rows already computed (an embedding never changes once made). */
  private readonly scores = new Map<EmbeddingId, MetricsRow>();
  /** Code statistics per run (the AE's fitted Gaussian, the manifold's data extent), for the model they were computed with. */
  private readonly codeStats = new Map<RunId, { model: Model; stats: Promise<CodeStats> }>();
  private readonly anomalies = new Map<AnomalyId, AnomalyResult>();

  onEvent(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dispatch(event: JobEvent): void {
    for (const l of this.listeners) l(event);
  }

  async backend(): Promise<BackendInfo> {
    return initBackend();
  }

  async listDatasets(): Promise<CatalogEntry[]> {
    return catalog;
  }

  async openDataset(req: OpenDatasetRequest): Promise<JobId> {
    const title = req.source.kind === 'builtin' ? `Open ${req.source.name}` : `Open ${basename(req.source.path)}`;
    return this.jobs.start('open', title, async (ctx) => {
      const id = newId<DatasetId>('ds');
      const ds = await openDataset(id, req, ctx);
      this.datasets.set(id, ds);
      ctx.progress(1, `Opened ${ds.summary.name}`);
      return ds.summary;
    });
  }

  /** The engine-side dataset, for in-process callers (CLI, bench, tests). */
  dataset(id: DatasetId): Dataset {
    const ds = this.datasets.get(id);
    if (!ds) throw new LabFailure('no-such-dataset', 'That dataset is no longer open.', 'Open it again in the Data panel.');
    return ds;
  }

  async getDataset(id: DatasetId): Promise<DatasetSummary> {
    return this.dataset(id).summary;
  }

  async getRows(req: RowsRequest): Promise<DatasetRows> {
    return getRows(this.dataset(req.datasetId), req.split, req.rowIds);
  }

  async getColumn(req: ColumnRequest): Promise<ColumnValues> {
    return columnValues(this.dataset(req.datasetId), req.split, req.column);
  }

  async closeDataset(id: DatasetId): Promise<void> {
    this.dataset(id);
    this.datasets.delete(id);
  }

  async train(req: TrainRequest): Promise<JobId> {
    const plan = this.planRun(req);
    this.runs.add(plan.run);
    return this.jobs.start('train', plan.title, (ctx) => plan.work(ctx), { pausable: true });
  }

  /**
   * Checks a training request against its data and builds its run (not yet in the run list);
   * `work` trains it inside a job. Refuses at once when the config does not fit the data.
   */
  private planRun(req: TrainRequest): RunPlan {
    const ds = this.dataset(req.datasetId);
    const from = req.initFrom ? this.runs.get(req.initFrom) : null;
    const fromModel = req.initFrom ? this.runs.model(req.initFrom) : null;
    const config: TrainConfig = withDefaults(from
      ? { ...req.config, ...Object.fromEntries(SHAPE_FIELDS.map((f) => [f, from.summary.config[f]])) }
      : req.config);
    if (from) config.likelihood = from.summary.likelihood;
    const checked = trainConfigSchema.safeParse(config);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new LabFailure('bad-config', `The training setting "${issue?.path.join('.') || 'config'}" is not valid: ${issue?.message ?? 'invalid'}.`);
    }
    const spec = modelSpecFor(config, ds.summary);
    const schema = from ? from.schema : schemaOf(ds);
    const classes = req.classes ? checkClasses(ds.summary, req.classes) : null;
    const trainSplit = classes ? rowsOfClasses(ds.train, ds.summary.features, classes, ds.summary) : ds.train;
    const trainInput = modelInput(schema, ds, trainSplit);
    const testInput = modelInput(schema, ds, ds.test);
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
        epochs: [],
        bestEpoch: null,
        test: null,
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
      const s = run.summary;
      const backend = await initBackend();
      s.backend = backend.name;
      ctx.run(structuredClone(s));
      const model = createModel(spec, config.seed);
      if (fromModel) copyWeights(fromModel, model);
      run.model = model;
      const train = headRows(trainInput, spec.inputDim, config.limit);
      s.validationRows = validationSize(train.n, config.validationFraction);
      s.trainRows = train.n - s.validationRows;
      const layers = [spec.inputDim, ...spec.hidden, spec.latent].join('-');
      ctx.log(`Training a ${info.title} (${spec.architecture} ${layers}, ${spec.likelihood}) on ${train.n} rows${onClasses} with ${backend.detail}.`);
      let outcome: TrainOutcome;
      try {
        outcome = await trainModel(model, train, config, this.trainHooks(ctx, run));
      } catch (err) {
        s.status = err instanceof LabFailure && err.code === 'diverged' ? 'diverged' : 'failed';
        s.message = err instanceof Error ? [err.message, (err as LabFailure).detail].filter(Boolean).join(' ') : String(err);
        this.runs.dropModel(run);
        await this.runs.writeRecord(run).catch(() => {});
        throw err;
      }
      if (outcome.epochs.length === 0) {
        s.status = 'cancelled';
        s.message = 'Cancelled before the first epoch ended.';
        this.runs.dropModel(run);
        ctx.checkCancelled();
      }
      const last = outcome.epochs[outcome.epochs.length - 1];
      if (outcome.bestEpoch !== null) await this.checkpoint(ctx, run, outcome.bestEpoch);
      else if (last && run.checkpointed !== last.epoch) await this.checkpoint(ctx, run, last.epoch);
      ctx.progress(0.96, 'Scoring the test split');
      const rows = splitRows(testInput, spec.inputDim, spec.classes);
      s.test = await evaluateModel(model, rows, config.seed + 7919);
      s.embeddingId = await this.addEmbedding(run, model, ds, testInput, ds.test.labels, (Date.now() - s.startedAt) / 1000);
      s.samplesPerSec = last.samplesPerSec;
      s.status = outcome.stop;
      s.message = outcome.stop === 'stopped-early'
        ? `Stopped early after epoch ${last.epoch}: no better validation loss for ${config.patience} epoch(s); kept the weights of epoch ${outcome.bestEpoch}.`
        : outcome.stop === 'cancelled' ? `Cancelled during epoch ${last.epoch + 1}; the model is as it was then.` : null;
      await this.runs.writeRecord(run).catch((err: Error) => ctx.log(`Could not write run.json: ${err.message}`));
      ctx.progress(1, outcome.stop === 'finished' ? 'Training finished' : s.message!);
      return structuredClone(s);
    };
    return { run, title: `Train ${info.title} on ${ds.summary.name}${onClasses}`, work };
  }

  private trainHooks(ctx: JobContext, run: Run) {
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
        // tiny epochs end many times a second: writing each would cost more than training it
        if (Date.now() - (run.checkpointedAt ?? 0) >= checkpointSeconds() * 1000) await this.checkpoint(ctx, run, m.epoch);
      },
      yieldToHost: () => new Promise<void>((resolve) => setImmediate(resolve)),
    };
  }

  /** A failed checkpoint write is reported, not fatal: training goes on. */
  private async checkpoint(ctx: JobContext, run: Run, epoch: number): Promise<void> {
    await this.runs.checkpoint(run, epoch).catch((err: Error) => ctx.log(`Could not write the checkpoint of epoch ${epoch}: ${err.message}`));
    run.checkpointed = epoch;
    run.checkpointedAt = Date.now();
  }

  /**
   * Codes of `input` (the model's view of some of ds's rows; `labels`: the dataset's, for colour) as
   * an embedding. `split` says which rows they are; 'test' ones take part in the comparison.
   */
  private async addEmbedding(run: Run, model: Model, ds: Dataset, input: Split, labels: Int32Array | null, seconds: number, split: SplitName = 'test'): Promise<EmbeddingId> {
    const spec = model.spec;
    const coords = await embedCodes(model, splitRows(input, spec.inputDim, spec.classes));
    const id = newId<EmbeddingId>('emb');
    const what = spec.stochastic ? 'latent means μ(x)' : 'codes';
    // a model trained on this very dataset can rebuild its rows (reconstruction MSE, grids)
    const sameData = run.summary.datasetId === ds.summary.id;
    this.embeddings.set(id, {
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

  async evaluate(req: EvaluateRequest): Promise<JobId> {
    const run = this.runs.get(req.runId);
    const model = this.runs.model(req.runId);
    const ds = this.dataset(req.datasetId);
    const input = modelInput(run.schema, ds, ds.test);
    if (model.spec.classes && !input.labels) {
      throw new LabFailure('no-labels', `This conditional VAE needs the label column of ${ds.summary.name}.`, 'Open the file with its label column picked.');
    }
    return this.jobs.start('evaluate', `Score ${ds.summary.name} with ${run.summary.title}`, async (ctx) => {
      ctx.progress(0.1, `Scoring ${input.n.toLocaleString('en-US')} test rows`);
      const values = await evaluateModel(model, splitRows(input, model.spec.inputDim, model.spec.classes), run.summary.config.seed + 7919);
      return { runId: run.summary.id, datasetId: ds.summary.id, rows: input.n, values } satisfies EvaluationResult;
    });
  }

  async pause(jobId: JobId): Promise<void> {
    this.jobs.pause(jobId);
  }

  async resume(jobId: JobId): Promise<void> {
    this.jobs.resume(jobId);
  }

  async listRuns(): Promise<RunSummary[]> {
    return structuredClone(this.runs.list());
  }

  async getRun(id: RunId): Promise<RunSummary> {
    return structuredClone(this.runs.get(id).summary);
  }

  async saveModel(req: SaveModelRequest): Promise<SavedModelInfo> {
    return this.runs.save(req.runId, req.path);
  }

  async loadModel(req: LoadModelRequest): Promise<RunSummary> {
    await initBackend();
    const { model, file, dir } = await loadModelDir(req.path);
    const spec = model.spec;
    const id = newId<RunId>('run');
    const run: Run = {
      model,
      schema: file.data,
      summary: {
        id,
        datasetId: null,
        datasetName: file.data.datasetName,
        title: `${MODEL_INFO[spec.name].title} from ${basename(dir)}`,
        config: file.config,
        architecture: spec.architecture,
        likelihood: spec.likelihood,
        backend: null,
        status: 'loaded',
        message: `Loaded from ${dir} (trained on ${file.data.datasetName}, ${file.training.epochs.length} epoch(s), ${file.training.status}).`,
        epochs: file.training.epochs,
        bestEpoch: file.training.bestEpoch,
        test: file.training.test,
        samplesPerSec: 0,
        embeddingId: null,
        trainRows: file.training.trainRows ?? 0,
        validationRows: file.training.validationRows ?? 0,
        classes: null,
        checkpointDir: null,
        features: spec.inputDim,
        imageShape: spec.imageShape,
        labelNames: file.data.labelNames,
        startedAt: Date.now(),
      },
    };
    this.runs.add(run);
    return structuredClone(run.summary);
  }

  async embed(req: EmbedRequest): Promise<JobId> {
    const run = this.runs.get(req.runId);
    const model = this.runs.model(req.runId);
    const ds = this.dataset(req.datasetId);
    const splits = req.rows === 'all' ? [ds.train, ds.test] : [ds.test];
    const inputs = splits.map((split) => modelInput(run.schema, ds, split));
    if (model.spec.classes && inputs.some((i) => !i.labels)) {
      throw new LabFailure('no-labels', `This conditional VAE needs the label column of ${ds.summary.name}.`, 'Open the file with its label column picked.');
    }
    return this.jobs.start('embed', `Embed ${ds.summary.name} with ${run.summary.title}`, async (ctx) => {
      const t0 = performance.now();
      ctx.progress(0.1, `Encoding ${inputs.reduce((s, i) => s + i.n, 0).toLocaleString('en-US')} rows`);
      const input = inputs.length === 1 ? inputs[0] : concatSplits(inputs, model.spec.inputDim);
      const id = await this.addEmbedding(run, model, ds, input, concatLabels(splits), 0);
      const e = this.embeddings.get(id)!.data;
      e.seconds = (performance.now() - t0) / 1000;
      return summaryOf(e) satisfies EmbeddingSummary;
    });
  }

  async computePca(req: PcaRequest): Promise<JobId> {
    const ds = this.dataset(req.datasetId);
    return this.jobs.start('pca', `PCA on ${ds.summary.name}`, (ctx) =>
      this.runReduce(ds, { method: 'pca', params: { components: req.components } }, ctx));
  }

  async reduce(req: ReduceRequest): Promise<JobId> {
    const ds = this.dataset(req.datasetId);
    if (req.method === 'latent') this.modelHandle(req.params.runId, ds.summary.id); // fail now, not in the job
    const names = { pca: 'PCA', umap: 'UMAP', tsne: 't-SNE', latent: 'Latent means' } as const;
    return this.jobs.start('reduce', `${names[req.method]} on ${ds.summary.name}`, (ctx) => this.runReduce(ds, req, ctx));
  }

  private async runReduce(ds: Dataset, req: ReduceRequestParams, ctx: JobContext): Promise<EmbeddingSummary> {
    await initBackend();
    const id = newId<EmbeddingId>('emb');
    const rec = await runReducer(id, req, this.reduceContext(ds, reduceHooks(ctx)));
    this.embeddings.set(id, rec);
    ctx.progress(1, `${rec.data.title}: done in ${rec.data.seconds.toFixed(1)} s`);
    return summaryOf(rec.data);
  }

  private reduceContext(ds: Dataset, hooks: ReduceHooks): ReduceContext {
    return { ds, pca: () => this.pcaOf(ds), model: (runId) => this.modelHandle(runId, ds.summary.id), hooks };
  }

  /** The dataset's PCA (all components of the training rows), fitted on first use. */
  private pcaOf(ds: Dataset): Promise<FittedPca> {
    let fit = this.pcaFits.get(ds.summary.id);
    if (!fit) {
      fit = (async () => {
        await initBackend();
        const t0 = performance.now();
        const model = pcaFit(ds.train.x, ds.train.n, ds.summary.features);
        return { model, seconds: (performance.now() - t0) / 1000 };
      })();
      fit.catch(() => this.pcaFits.delete(ds.summary.id));
      this.pcaFits.set(ds.summary.id, fit);
    }
    return fit;
  }

  /** A trained model as the comparison code sees it. */
  private modelHandle(runId: RunId, datasetId: DatasetId): ModelHandle {
    const run = this.runs.get(runId);
    const model = this.runs.model(runId);
    const { summary } = run;
    if (summary.datasetId !== datasetId) {
      throw new LabFailure('wrong-dataset', 'That model was trained on another dataset.', 'Pick a model trained on this dataset.');
    }
    const ds = this.dataset(datasetId);
    const { inputDim, classes } = model.spec;
    // the comparison hands us the dataset's own rows; the model reads them through its schema
    const rowsOf = (split: Split) => splitRows(modelInput(run.schema, ds, split), inputDim, classes);
    return {
      runId,
      name: model.spec.name,
      title: modelShortName(model.spec.name, summary.config.latent),
      latent: summary.config.latent,
      seconds: summary.epochs.reduce((s, e) => s + e.seconds, 0),
      trainRows: summary.trainRows,
      testNegElbo: summary.test?.negElbo ?? null,
      encodeMeans: (split: Split) => embedCodes(model, rowsOf(split)),
      reconstruct: (x: Float32Array, n: number, labels: Int32Array | null) =>
        reconstructMeans(model, splitRows({ x: x as Split['x'], n, labels, rowIds: new Int32Array(n) }, inputDim, classes)),
    };
  }

  private record(id: EmbeddingId): EmbeddingRecord {
    const e = this.embeddings.get(id);
    if (!e) throw new LabFailure('no-such-embedding', 'That embedding is no longer available.', 'Train or compute it again.');
    return e;
  }

  async getEmbedding(id: EmbeddingId, split: SplitName = 'test'): Promise<EmbeddingData> {
    const rec = this.record(id);
    const ds = this.dataset(rec.data.datasetId);
    if (split === 'train') await ensureTrainCoords(rec, this.compareSource(ds));
    return splitView(rec, ds, split);
  }

  async listEmbeddings(datasetId: DatasetId): Promise<EmbeddingSummary[]> {
    this.dataset(datasetId);
    return [...this.embeddings.values()].filter((r) => r.data.datasetId === datasetId).map((r) => summaryOf(r.data));
  }

  private compareSource(ds: Dataset): CompareSource {
    return {
      ds,
      pca: () => this.pcaOf(ds),
      model: (runId) => this.modelHandle(runId, ds.summary.id),
      testErrors: (m) => this.testErrorsOf(ds, m),
    };
  }

  private testErrorsOf(ds: Dataset, m: ReconMethod): Promise<ReconstructionErrors> {
    const key = `${ds.summary.id}|${reconKey(m)}`;
    let e = this.testErrors.get(key);
    if (!e) {
      e = splitErrors(m, ds.test, ds.summary.features, this.compareSource(ds));
      e.catch(() => this.testErrors.delete(key));
      this.testErrors.set(key, e);
    }
    return e;
  }

  /** Records to score: the requested ones (checked), else every embedding of the dataset. */
  private recordsFor(ds: Dataset, ids?: EmbeddingId[]): EmbeddingRecord[] {
    const all = ids ? ids.map((id) => this.record(id)) : [...this.embeddings.values()].filter((r) => r.data.datasetId === ds.summary.id);
    const foreign = all.find((r) => r.data.datasetId !== ds.summary.id);
    if (foreign) throw new LabFailure('wrong-dataset', `“${foreign.data.title}” belongs to another dataset.`, 'Compare embeddings of one dataset at a time.');
    return all;
  }

  private async metricsTable(ds: Dataset, records: EmbeddingRecord[], hooks: ReduceHooks): Promise<MetricsTable> {
    await initBackend();
    const missing = records.filter((r) => !this.scores.has(r.data.id));
    if (missing.length) {
      const rows = await scoreEmbeddings(missing, this.compareSource(ds), hooks);
      rows.forEach((row) => this.scores.set(row.embeddingId, row));
    }
    return {
      datasetId: ds.summary.id,
      knnK: KNN_K,
      neighbourhoodK: NEIGHBOURHOOD_K,
      scoredRows: scoredRows(ds.test.n).length,
      testRows: ds.test.n,
      rows: records.map((r) => this.scores.get(r.data.id)!),
      notes: scoringNotes(ds.test.n),
    };
  }

  async computeMetrics(req: MetricsRequest): Promise<JobId> {
    const ds = this.dataset(req.datasetId);
    const records = this.recordsFor(ds, req.embeddingIds);
    return this.jobs.start('metrics', `Compare ${records.length} embedding${records.length === 1 ? '' : 's'} of ${ds.summary.name}`,
      (ctx) => this.metricsTable(ds, records, reduceHooks(ctx)));
  }

  async exportMetrics(req: MetricsExportRequest): Promise<JobId> {
    const ds = this.dataset(req.datasetId);
    const records = this.recordsFor(ds, req.embeddingIds);
    return this.jobs.start('export', `Export ${basename(req.path)}`, async (ctx) => {
      const table = await this.metricsTable(ds, records, reduceHooks(ctx));
      const result = await writeMetricsCsv(req.path, table);
      ctx.progress(1, `Saved ${basename(req.path)}`);
      return result;
    });
  }

  async neighbours(req: NeighboursRequest): Promise<NeighboursResult> {
    const ds = this.dataset(req.datasetId);
    checkRows([req.row], ds.test.n, 'test');
    await initBackend();
    return rowNeighbours(ds, req.row, req.k, this.recordsFor(ds, req.embeddingIds));
  }

  async reconstruct(req: ReconstructRequest): Promise<ReconstructionResult> {
    const ds = this.dataset(req.datasetId);
    const d = ds.summary.features;
    checkRows(req.rows, ds.test.n, 'test');
    await initBackend();
    const original = gather(ds.test, d, req.rows);
    const labels = ds.test.labels ? Int32Array.from(req.rows, (r) => ds.test.labels![r]) : null;
    const source = this.compareSource(ds);
    const methods = [];
    for (const m of req.methods) {
      const values = await reconstructRows(m, original, req.rows.length, source, labels);
      const whole = await this.testErrorsOf(ds, m);
      methods.push({
        method: m,
        title: reconTitle(m, source),
        values,
        rowMse: Float32Array.from(req.rows, (r) => whole.rowMse[r]),
        columnMse: whole.columnMse,
        mse: whole.mse,
      });
    }
    return {
      datasetId: ds.summary.id,
      rows: Int32Array.from(req.rows),
      rowIds: Int32Array.from(req.rows, (r) => ds.test.rowIds[r]),
      labels,
      features: d,
      featureNames: ds.summary.featureNames,
      imageShape: ds.summary.imageShape,
      original,
      methods,
    };
  }

  async exportEmbedding(req: ExportRequest): Promise<JobId> {
    const e = this.record(req.embeddingId).data;
    return this.jobs.start('export', `Export ${basename(req.path)}`, async (ctx) => {
      ctx.progress(0.1, `Writing ${e.rows.toLocaleString('en-US')} rows`);
      const result = await writeEmbeddingCsv(req.path, e);
      ctx.progress(1, `Saved ${basename(req.path)}`);
      return result;
    });
  }

  /** A run's model as generation sees it (its dataset, when open, supplies the pixel range). */
  private generationSource(runId: RunId): GenerationSource {
    const run = this.runs.get(runId);
    const model = this.runs.model(runId);
    const ds = run.summary.datasetId ? this.datasets.get(run.summary.datasetId) ?? null : null;
    return {
      runId,
      model,
      schema: run.schema,
      pixels: ds?.featureMap.pixels ?? null,
      labelNames: run.schema.labelNames,
      embeddingId: run.summary.embeddingId,
      codes: () => this.codeStatsOf(run, model),
    };
  }

  /** Statistics of a run's codes on its training rows (at most 20,000 of them), kept while its model lasts. */
  private codeStatsOf(run: Run, model: Model): Promise<CodeStats> {
    const cached = this.codeStats.get(run.summary.id);
    if (cached && cached.model === model) return cached.stats;
    const ds = run.summary.datasetId ? this.datasets.get(run.summary.datasetId) : undefined;
    if (!ds) {
      return Promise.reject(new LabFailure('no-dataset', `A Gaussian fitted to the codes needs the data the model was trained on (${run.schema.datasetName}).`,
        'Open that dataset in the Data panel, or sample from N(0, I).'));
    }
    const stats = (async () => {
      const classes = run.summary.classes;
      const rows = classes ? rowsOfClasses(ds.train, ds.summary.features, classes, ds.summary) : ds.train;
      const input = headRows(modelInput(run.schema, ds, rows), model.spec.inputDim, 20_000);
      const codes = await embedCodes(model, splitRows(input, model.spec.inputDim, model.spec.classes));
      return codeStats(codes, input.n, model.spec.latent);
    })();
    // a run still training changes its weights: compute afresh next time
    if (run.summary.status !== 'running') this.codeStats.set(run.summary.id, { model, stats });
    stats.catch(() => this.codeStats.delete(run.summary.id));
    return stats;
  }

  /** Test rows of a dataset as a model sees them: their latent means and (CVAE) one-hot labels, plus the rows in the dataset's units. */
  private async testRowsUnder(runId: RunId, datasetId: DatasetId, rows: number[]) {
    const run = this.runs.get(runId);
    const model = this.runs.model(runId);
    const ds = this.dataset(datasetId);
    checkRows(rows, ds.test.n, 'test');
    const input = modelInput(run.schema, ds, ds.test);
    const { inputDim, classes } = model.spec;
    if (classes && !input.labels) {
      throw new LabFailure('no-labels', `This conditional VAE needs the label column of ${ds.summary.name}.`, 'Open the file with its label column picked.');
    }
    const labels = input.labels ? Int32Array.from(rows, (r) => input.labels![r]) : null;
    const picked = { x: gather(input, inputDim, rows), n: rows.length, labels, rowIds: Int32Array.from(rows, (r) => ds.test.rowIds[r]) };
    const codes = await embedCodes(model, splitRows(picked, inputDim, classes));
    return { ds, codes, y: classes ? oneHot(labels!, classes) : null, x: gather(ds.test, ds.summary.features, rows), rowIds: picked.rowIds };
  }

  async generateSamples(req: SampleRequest): Promise<GeneratedSamples> {
    await initBackend();
    return sampleFromPrior(this.generationSource(req.runId), req);
  }

  async traverseLatent(req: TraversalRequest): Promise<LatentTraversal> {
    await initBackend();
    const g = this.generationSource(req.runId);
    const base = req.base?.kind === 'row' ? (await this.testRowsUnder(req.runId, req.base.datasetId, [req.base.row])).codes : null;
    return traverse(g, req, base);
  }

  async latentGrid(req: LatentGridRequest): Promise<LatentGrid> {
    await initBackend();
    return manifold(this.generationSource(req.runId), req);
  }

  async interpolate(req: InterpolationRequest): Promise<Interpolation> {
    await initBackend();
    const g = this.generationSource(req.runId);
    const { ds, codes, y, x, rowIds } = await this.testRowsUnder(req.runId, req.datasetId, req.rows);
    const { model: pca } = await this.pcaOf(ds);
    const available = pca.variances.length;
    const components = req.components ?? Math.min(g.model.spec.latent, available);
    if (components > available) {
      throw new LabFailure('too-many-components', `PCA of ${ds.summary.name} has ${available} components; ${components} were asked for.`, `Pick between 1 and ${available}.`);
    }
    return interpolate(g, {
      rows: req.rows,
      rowIds: [rowIds[0], rowIds[1]],
      x,
      codes,
      y,
      scaling: scalingOf(ds),
      pixels: ds.featureMap.pixels,
      pcaReconstruct: async (rows, n) => pcaReconstruct(pca, rows, n, components),
      components,
    }, req.steps ?? 10);
  }

  async exportSamples(req: SampleExportRequest): Promise<JobId> {
    const g = this.generationSource(req.runId);
    return this.jobs.start('export', `Export ${basename(req.path)}`, async (ctx) => {
      ctx.progress(0.1, `Generating ${req.count.toLocaleString('en-US')} samples`);
      const { path, ...sample } = req;
      const result = await writeSamplesCsv(path, await sampleFromPrior(g, sample));
      ctx.progress(1, `Saved ${basename(path)}`);
      return result;
    });
  }

  async detectAnomalies(req: AnomalyRequest): Promise<JobId> {
    const ds = this.dataset(req.datasetId);
    const trainRowsOf = (classes: number[] | null) => (classes ? rowsOfClasses(ds.train, ds.summary.features, classes, ds.summary) : ds.train);
    const plan = planAnomalies(req, {
      ds,
      plan: (config, classes) => this.planRun({ datasetId: ds.summary.id, config, ...(classes ? { classes } : {}) }),
      addRun: (run) => this.runs.add(run),
      model: (run) => this.runs.model(run.summary.id),
      pca: async (classes) => {
        if (!classes) return (await this.pcaOf(ds)).model;
        const rows = trainRowsOf(classes);
        return pcaFit(rows.x, rows.n, ds.summary.features);
      },
      fitRows: (classes) => (classes ? ds.train.labels!.reduce((n, l) => n + (classes.includes(l) ? 1 : 0), 0) : ds.train.n),
    });
    return this.jobs.start('anomalies', plan.title, async (ctx) => {
      await initBackend();
      const id = newId<AnomalyId>('anom');
      const result = await plan.work(ctx, id);
      this.anomalies.set(id, result);
      return result;
    });
  }

  private anomalyResult(id: AnomalyId): AnomalyResult {
    const r = this.anomalies.get(id);
    if (!r) throw new LabFailure('no-such-result', 'Those anomaly scores are no longer available.', 'Run the anomaly detection again.');
    return r;
  }

  async rankAnomalies(req: AnomalyRankRequest): Promise<AnomalyRanking> {
    const r = this.anomalyResult(req.anomalyId);
    const m = r.methods.find((x) => x.key === req.key);
    if (!m) throw new LabFailure('no-such-score', `There is no score "${req.key}" in these results.`, `Pick one of ${r.methods.map((x) => x.key).join(', ')}.`);
    const rows = topRows(m.scores, req.top);
    return {
      key: m.key,
      rows,
      rowIds: Int32Array.from(rows, (i) => r.rowIds[i]),
      scores: Float32Array.from(rows, (i) => m.scores[i]),
      labels: r.labels ? Int32Array.from(rows, (i) => r.labels![i]) : null,
      above: req.threshold === undefined ? 0 : rowsAbove(m.scores, req.threshold).length,
    };
  }

  async exportAnomalies(req: AnomalyExportRequest): Promise<JobId> {
    const r = this.anomalyResult(req.anomalyId);
    const labelNames = this.datasets.get(r.datasetId)?.summary.labelNames ?? null;
    return this.jobs.start('export', `Export ${basename(req.path)}`, async (ctx) => {
      ctx.progress(0.1, `Writing ${r.rows.toLocaleString('en-US')} rows`);
      const result = await writeAnomalyCsv(req.path, r, labelNames);
      ctx.progress(1, `Saved ${basename(req.path)}`);
      return result;
    });
  }

  async uploadFile(name: string, bytes: Uint8Array, group?: string): Promise<string> {
    return saveUpload(name, bytes, group);
  }

  async cancel(jobId: JobId): Promise<void> {
    this.jobs.cancel(jobId);
  }

  /** For in-process callers (CLI, tests): a run's model. */
  runModel(id: RunId): Model {
    return this.runs.model(id);
  }

  /** For tests: live tensors on the backend. */
  tensorCount(): number {
    return tf.memory().numTensors;
  }
}

/** Copies weights between two models of the same spec (a warm start). */
function copyWeights(from: Model, to: Model): void {
  for (const [name, v] of to.params) {
    const src = from.params.get(name);
    if (!src || src.shape.join() !== v.shape.join()) throw new LabFailure('bad-model', `The model to start from has no weight "${name}" of shape [${v.shape.join(', ')}].`);
    v.assign(src);
  }
}

function concatSplits(parts: Split[], d: number): Split {
  const n = parts.reduce((s, p) => s + p.n, 0);
  const x = new Float32Array(n * d);
  const rowIds = new Int32Array(n);
  const withLabels = parts.every((p) => p.labels);
  const labels = withLabels ? new Int32Array(n) : null;
  let at = 0;
  for (const p of parts) {
    x.set(p.x.subarray(0, p.n * d), at * d);
    rowIds.set(p.rowIds, at);
    labels?.set(p.labels!, at);
    at += p.n;
  }
  return { x: x as Split['x'], n, labels, rowIds };
}

/** The dataset's own labels (for colouring) over several splits. */
function concatLabels(splits: Split[]): Int32Array | null {
  if (splits.length === 1) return splits[0].labels;
  if (!splits.every((s) => s.labels)) return null;
  const out = new Int32Array(splits.reduce((s, p) => s + p.n, 0));
  let at = 0;
  for (const s of splits) {
    out.set(s.labels!, at);
    at += s.n;
  }
  return out;
}
