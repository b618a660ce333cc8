// The training service: start a run, the run list, saving and loading models, and using a run's
// model on a dataset (its codes as an embedding, its objective on the test split).
import { basename } from 'node:path';
import { z } from 'zod';
import { LabFailure, type TrainRequest } from '../../../shared/api';
import { MODEL_INFO } from '../../../shared/models';
import { classList, datasetId, none, path, runId, trainConfigSchema } from '../../../shared/schemas';
import type {
  EmbeddingSummary,
  EmbedRequest,
  EvaluateRequest,
  EvaluationResult,
  JobId,
  LoadModelRequest,
  RunId,
  RunSummary,
  SavedModelInfo,
  SaveModelRequest,
} from '../../../shared/types';
import { summaryOf } from '../compare/embeddings';
import { initBackend } from '../core/backend';
import { concatLabels, concatSplits } from '../data/dataset';
import { evaluateModel } from '../models/evaluate';
import { inputFor } from '../models/model-input';
import { splitRows } from '../models/rows';
import { loadModelDir } from '../models/serialize';
import { method } from '../session/define';
import { newId } from '../session/session';
import { addModelEmbedding, planRun } from './plan';
import type { Run } from './runs';

export const trainingHandlers = {
  /** Starts training; rejects at once (before any job) when the config does not fit the data. */
  train: method(z.tuple([z.strictObject({ datasetId, config: trainConfigSchema, initFrom: runId.optional(), classes: classList.optional() })]),
    async (s, req: TrainRequest): Promise<JobId> => {
      if (req.initFrom) await s.runs.ensureModel(req.initFrom);
      const plan = planRun(s, req);
      s.runs.add(plan.run);
      return s.jobs.start('train', plan.title, (ctx) => plan.work(ctx), { pausable: true });
    }),

  /** Gives a run a name of the user's (made unique with " #2"… when another run has it). */
  renameRun: method(z.tuple([z.strictObject({ runId, title: z.string().trim().min(1).max(200) })]),
    async (s, req: { runId: RunId; title: string }): Promise<RunSummary> => {
      await s.runs.rename(req.runId, req.title);
      return structuredClone(s.runs.get(req.runId).summary);
    }),

  /** Removes a run from the list and its folder from disk (checkpoint, record), and its embeddings. */
  deleteRun: method(z.tuple([runId]), async (s, id: RunId): Promise<void> => {
    await s.runs.remove(id);
    for (const entry of s.openDatasets()) {
      for (const [embId, rec] of entry.embeddings) {
        if (rec.data.runId === id) {
          entry.embeddings.delete(embId);
          entry.scores.delete(embId);
          entry.dropEveryRow(embId);
        }
      }
      entry.codeStats.delete(id);
    }
  }),

  /**
   * Trains an interrupted (or cancelled) run's remaining epochs, starting from its last
   * checkpoint, as a new run; its dataset must be open (the same file with the same settings).
   */
  resumeRun: method(z.tuple([runId]), async (s, id: RunId): Promise<JobId> => {
    const from = s.runs.get(id).summary;
    if (from.status !== 'interrupted' && from.status !== 'cancelled') {
      throw new LabFailure('not-resumable', `“${from.title}” ${from.status === 'running' ? 'is still training' : 'is not interrupted'}.`, 'Only an interrupted or cancelled run can be resumed.');
    }
    if (!from.checkpointDir) throw new LabFailure('no-checkpoint', `“${from.title}” has no checkpoint to resume from.`, 'Train it again.');
    if (!from.datasetId || !s.hasDataset(from.datasetId)) {
      throw new LabFailure('no-dataset', `Resuming “${from.title}” needs its data: ${from.datasetName}.`, 'Open that file again with the same settings, then resume.');
    }
    await s.runs.ensureModel(id);
    const remaining = Math.max(1, from.config.epochs - from.epochs.length);
    const plan = planRun(s, { datasetId: from.datasetId, config: { ...from.config, epochs: remaining }, initFrom: id, ...(from.classes ? { classes: from.classes } : {}) });
    plan.run.summary.title = s.runs.uniqueTitle(`${from.title} (resumed)`);
    plan.run.summary.message = null;
    s.runs.add(plan.run);
    return s.jobs.start('train', `Resume ${from.title}`, (ctx) => plan.work(ctx), { pausable: true });
  }),

  /** Every run (running, finished, failed, loaded), oldest first. */
  listRuns: method(none, async (s): Promise<RunSummary[]> => {
    await s.runs.refresh();
    return structuredClone(s.runs.list());
  }),

  getRun: method(z.tuple([runId]), async (s, id: RunId): Promise<RunSummary> => structuredClone(s.runs.get(id).summary)),

  /** Writes a run's model (model.json + weights.bin) into a folder. */
  saveModel: method(z.tuple([z.strictObject({ runId, path })]),
    async (s, req: SaveModelRequest): Promise<SavedModelInfo> => {
      await s.runs.ensureModel(req.runId);
      return s.runs.save(req.runId, req.path);
    }),

  /** Reads a saved model (or a run's checkpoint folder) and adds it to the run list as 'loaded'. */
  loadModel: method(z.tuple([z.strictObject({ path })]), async (s, req: LoadModelRequest): Promise<RunSummary> => {
    await initBackend();
    const { model, file, dir } = await loadModelDir(req.path);
    const spec = model.spec;
    const run: Run = {
      model,
      schema: file.data,
      summary: {
        id: newId<RunId>('run'),
        datasetId: null,
        datasetName: file.data.datasetName,
        title: `${MODEL_INFO[spec.name].title} from ${basename(dir)}`,
        config: file.config,
        architecture: spec.architecture,
        likelihood: spec.likelihood,
        backend: null,
        status: 'loaded',
        warnings: [],
        message: `Loaded from ${dir} (trained on ${file.data.datasetName}, ${file.training.epochs.length} epoch(s), ${file.training.status}).`,
        epochs: file.training.epochs,
        bestEpoch: file.training.bestEpoch,
        test: file.training.test,
        klPerDim: null,
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
    s.runs.add(run);
    return structuredClone(run.summary);
  }),

  /** Latent codes of a dataset's rows under a run's model, with the model's own preprocessing; an 'embed' job. */
  embed: method(z.tuple([z.strictObject({ runId, datasetId, rows: z.enum(['test', 'all']).optional() })]), async (s, req: EmbedRequest): Promise<JobId> => {
    const run = s.runs.get(req.runId);
    const model = await s.runs.ensureModel(req.runId);
    const entry = s.entry(req.datasetId);
    const ds = entry.ds;
    const splits = req.rows === 'all' ? [ds.train, ds.test] : [ds.test];
    const inputs = splits.map((split) => inputFor(model, run.schema, ds, split));
    return s.jobs.start('embed', `Embed ${ds.summary.name} with ${run.summary.title}`, async (ctx) => {
      const t0 = performance.now();
      ctx.progress(0.1, `Encoding ${inputs.reduce((n, i) => n + i.n, 0).toLocaleString('en-US')} rows`);
      const id = await addModelEmbedding(entry, run, model, concatSplits(inputs, model.spec.inputDim), concatLabels(splits), 0);
      const e = s.embedding(id).rec.data;
      e.seconds = (performance.now() - t0) / 1000;
      return summaryOf(e) satisfies EmbeddingSummary;
    });
  }),

  /** A run's objective terms on a dataset's test split, with the model's own preprocessing; an 'evaluate' job. */
  evaluate: method(z.tuple([z.strictObject({ runId, datasetId })]), async (s, req: EvaluateRequest): Promise<JobId> => {
    const run = s.runs.get(req.runId);
    const model = await s.runs.ensureModel(req.runId);
    const ds = s.dataset(req.datasetId);
    const input = inputFor(model, run.schema, ds, ds.test);
    return s.jobs.start('evaluate', `Score ${ds.summary.name} with ${run.summary.title}`, async (ctx) => {
      ctx.progress(0.1, `Scoring ${input.n.toLocaleString('en-US')} test rows`);
      const values = await evaluateModel(model, splitRows(input, model.spec.inputDim, model.spec.classes), run.summary.config.seed + 7919);
      return { runId: run.summary.id, datasetId: ds.summary.id, rows: input.n, values } satisfies EvaluationResult;
    });
  }),
};
