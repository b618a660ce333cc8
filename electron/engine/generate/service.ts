// The generation service: new rows from a trained model (prior samples, latent traversals, the
// decoded plane of a 2-D model, interpolations between two test rows) and their export.
import { basename } from 'node:path';
import { z } from 'zod';
import { LabFailure } from '../../../shared/api';
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
} from '../../../shared/generation';
import { datasetId, labelIndex, path, runId, seed } from '../../../shared/schemas';
import type { DatasetId, JobId, RunId } from '../../../shared/types';
import { initBackend } from '../core/backend';
import { checkRows, gatherRows, headRows } from '../data/dataset';
import { rowsOfClasses } from '../data/class-subset';
import { writeSamplesCsv } from '../export/csv';
import { checkTarget } from '../export/target';
import { embedCodes } from '../models/evaluate';
import { inputFor, modelInput, scalingOf } from '../models/model-input';
import { oneHot, splitRows } from '../models/rows';
import { pcaReconstruct } from '../reduce/pca';
import { method } from '../session/define';
import type { Session } from '../session/session';
import type { Run } from '../training/runs';
import { codeStats, type CodeStats } from './code-stats';
import { interpolate, manifold, sampleFromPrior, traverse, type GenerationSource } from './generator';

/** A run's model as generation sees it (its dataset, when open, supplies the pixel range). */
async function generationSource(s: Session, id: RunId): Promise<GenerationSource> {
  const run = s.runs.get(id);
  const model = await s.runs.ensureModel(id);
  const ds = s.maybeDataset(run.summary.datasetId);
  return {
    runId: id,
    model,
    schema: run.schema,
    pixels: ds?.featureMap.pixels ?? null,
    labelNames: run.schema.labelNames,
    embeddingId: run.summary.embeddingId,
    codes: () => codeStatsOf(s, run),
  };
}

/** Statistics of a run's codes on its training rows (at most 20,000), kept with its dataset while the model lasts. */
function codeStatsOf(s: Session, run: Run): Promise<CodeStats> {
  const model = s.runs.model(run.summary.id);
  if (!run.summary.datasetId || !s.hasDataset(run.summary.datasetId)) {
    return Promise.reject(new LabFailure('no-dataset', `A Gaussian fitted to the codes needs the data the model was trained on (${run.schema.datasetName}).`,
      'Open that dataset in the Data panel, or sample from N(0, I).'));
  }
  const entry = s.entry(run.summary.datasetId);
  const cached = entry.codeStats.get(run.summary.id);
  if (cached && cached.model === model) return cached.stats;
  const ds = entry.ds;
  const stats = (async () => {
    const classes = run.summary.classes;
    const rows = classes ? rowsOfClasses(ds.train, ds.summary.features, classes, ds.summary) : ds.train;
    const input = headRows(modelInput(run.schema, ds, rows), model.spec.inputDim, 20_000);
    const codes = await embedCodes(model, splitRows(input, model.spec.inputDim, model.spec.classes));
    return codeStats(codes, input.n, model.spec.latent);
  })();
  // a run still training changes its weights: compute afresh next time
  if (run.summary.status !== 'running') entry.codeStats.set(run.summary.id, { model, stats });
  stats.catch(() => entry.codeStats.delete(run.summary.id));
  return stats;
}

/** Test rows of a dataset as a model sees them: their latent means and (CVAE) one-hot labels, plus the rows in the dataset's units. */
async function testRowsUnder(s: Session, id: RunId, dsId: DatasetId, rows: number[]) {
  const run = s.runs.get(id);
  const model = await s.runs.ensureModel(id);
  const ds = s.dataset(dsId);
  checkRows(rows, ds.test.n, 'test');
  const input = inputFor(model, run.schema, ds, ds.test);
  const { inputDim, classes } = model.spec;
  const labels = input.labels ? Int32Array.from(rows, (r) => input.labels![r]) : null;
  const picked = { x: gatherRows(input, inputDim, rows) as typeof input.x, n: rows.length, labels, rowIds: Int32Array.from(rows, (r) => ds.test.rowIds[r]) };
  const codes = await embedCodes(model, splitRows(picked, inputDim, classes));
  return { ds, codes, y: classes ? oneHot(labels!, classes) : null, x: gatherRows(ds.test, ds.summary.features, rows), rowIds: picked.rowIds };
}

/** Fields every generation request shares (shared/generation.ts). */
const generation = {
  runId,
  label: labelIndex.optional(),
  source: z.enum(['standard-normal', 'fitted-gaussian']).optional(),
};
const sampleRequest = { ...generation, count: z.number().int().min(1).max(2000), seed: seed.optional() };
const pathSteps = z.number().int().min(2).max(25);

export const generateHandlers = {
  /** Decodes N points drawn from the model's prior (or a Gaussian fitted to its codes). */
  generateSamples: method(z.tuple([z.strictObject(sampleRequest)]), async (s, req: SampleRequest): Promise<GeneratedSamples> => {
    await initBackend();
    return sampleFromPrior((await generationSource(s, req.runId)), req);
  }),

  /** Decodes the base point with one latent dimension varied at a time, one row per dimension. */
  traverseLatent: method(z.tuple([z.strictObject({
    ...generation,
    dims: z.array(z.number().int().min(0).max(511)).min(1).max(32).optional(),
    steps: pathSteps.optional(),
    range: z.number().gt(0).max(10).optional(),
    base: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('centre') }),
      z.strictObject({ kind: z.literal('row'), datasetId, row: z.number().int().min(0) }),
    ]).optional(),
  })]), async (s, req: TraversalRequest): Promise<LatentTraversal> => {
    await initBackend();
    const g = (await generationSource(s, req.runId));
    const base = req.base?.kind === 'row' ? (await testRowsUnder(s, req.runId, req.base.datasetId, [req.base.row])).codes : null;
    return traverse(g, req, base);
  }),

  /** A 2-D model's decoded latent plane (the manifold grid), with its test embedding for the scatter. */
  latentGrid: method(z.tuple([z.strictObject({
    ...generation,
    size: z.number().int().min(2).max(30).optional(),
    extent: z.enum(['prior', 'data']).optional(),
  })]), async (s, req: LatentGridRequest): Promise<LatentGrid> => {
    await initBackend();
    return manifold((await generationSource(s, req.runId)), req);
  }),

  /** Straight paths between two test rows: in latent space (decoded), in feature space and in PCA space. */
  interpolate: method(z.tuple([z.strictObject({
    runId,
    datasetId,
    rows: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
    steps: pathSteps.optional(),
    components: z.number().int().min(1).max(10000).optional(),
  })]), async (s, req: InterpolationRequest): Promise<Interpolation> => {
    await initBackend();
    const g = (await generationSource(s, req.runId));
    const { ds, codes, y, x, rowIds } = await testRowsUnder(s, req.runId, req.datasetId, req.rows);
    const { model: pca } = await s.entry(req.datasetId).pca();
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
  }),

  /** Writes generated samples (the same seed gives the same rows) as CSV `z1…zk, features…`; an 'export' job. */
  exportSamples: method(z.tuple([z.strictObject({ ...sampleRequest, path, overwrite: z.boolean().optional() })]), async (s, req: SampleExportRequest): Promise<JobId> => {
    const g = (await generationSource(s, req.runId));
    await checkTarget(req.path, req.overwrite);
    return s.jobs.start('export', `Export ${basename(req.path)}`, async (ctx) => {
      ctx.progress(0.1, `Generating ${req.count.toLocaleString('en-US')} samples`);
      const { path: file, overwrite: _overwrite, ...sample } = req;
      const result = await writeSamplesCsv(file, await sampleFromPrior(g, sample));
      ctx.progress(1, `Saved ${basename(file)}`);
      return result;
    });
  }),
};
