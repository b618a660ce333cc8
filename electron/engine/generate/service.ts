// The generation service: new rows from a trained model (prior samples, latent traversals, the
// decoded plane of a 2-D model, interpolations between two test rows) and their export.
import { basename } from 'node:path';
import { z } from 'zod';
import { LabFailure } from '../../../shared/api';
import type {
  DecodeAlongRequest,
  DecodeAtRequest,
  DecodedAlong,
  DecodedAt,
  GeneratedSamples,
  Interpolation,
  InterpolationRequest,
  LatentGrid,
  LatentGridRequest,
  LatentTraversal,
  MeanCodes,
  MeanCodesRequest,
  SampleExportRequest,
  SampleRequest,
  TraversalRequest,
} from '../../../shared/generation';
import { datasetId, embeddingId, labelIndex, path, runId, seed } from '../../../shared/schemas';
import type { DatasetId, EmbeddingId, JobId, LatentMatrix, RunId } from '../../../shared/types';
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
import { layoutOf } from './table-layout';
import { info, interpolate, manifold, sampleFromPrior, traverse, type GenerationSource } from './generator';
import { checkLabel, classRows, decodeRows } from './code-stats';
import { unproject } from '../reduce/latent';

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
    layout: layoutOf(run.schema, ds ?? null),
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

/**
 * Latent points for points of a model's view: the view's own coordinates when it shows the whole
 * latent, else the PCA inverse of its 2-D projection (points on the plane through the training
 * codes' mean spanned by the two axes).
 */
function viewToLatent(s: Session, id: EmbeddingId, points: [number, number][]) {
  const { rec } = s.embedding(id);
  const data = rec.data;
  if (!data.runId) {
    throw new LabFailure('not-a-model-view', `“${data.title}” is not a model's latent space: only a model's view has a decoder to look through.`,
      'Hover a view of a trained model (VAE, AE, …) instead.');
  }
  const run = s.runs.get(data.runId);
  const k = run.summary.config.latent;
  const flat = Float32Array.from(points.flat());
  if (rec.projection) return { runId: data.runId, rec, projected: true, z: unproject(rec.projection, flat, points.length) as LatentMatrix };
  if (data.dims === k && k <= 2) {
    const z = k === 2 ? flat : Float32Array.from(points, (p) => p[0]);
    return { runId: data.runId, rec, projected: false, z: z as LatentMatrix };
  }
  throw new LabFailure('needs-projection', `“${data.title}” shows the first 2 of ${k} latent dimensions; a point of it does not fix the other ${k - 2}.`,
    'Add the model\'s 2-D view (PCA of the latent means) in Compare, and decode there.');
}

/** The class of the test row nearest to a view point (a conditional VAE decodes as that class). */
function nearestLabel(coords: Float32Array, dims: number, labels: Int32Array | null, x: number, y: number): number | undefined {
  if (!labels) return undefined;
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < labels.length; i++) {
    const d = (coords[i * dims] - x) ** 2 + (dims > 1 ? (coords[i * dims + 1] - y) ** 2 : 0);
    if (d < bestD && labels[i] >= 0) [best, bestD] = [i, d];
  }
  return best >= 0 ? labels[best] : undefined;
}

const finite = z.number().finite();
const latentVector = z.array(finite.min(-1e6).max(1e6)).min(1).max(512);

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

  /**
   * The decoder as a lens: decodes points of a model's view in Compare (its 2-D latent directly; a
   * wider latent through the PCA inverse of its 2-D projection), e.g. the point under the mouse.
   */
  decodeAt: method(z.tuple([z.strictObject({
    embeddingId,
    points: z.array(z.tuple([finite, finite])).min(1).max(400),
    label: labelIndex.optional(),
  })]), async (s, req: DecodeAtRequest): Promise<DecodedAt> => {
    await initBackend();
    const { runId: id, rec, projected, z: points } = viewToLatent(s, req.embeddingId, req.points);
    const g = await generationSource(s, id);
    const notes: string[] = [];
    let wanted = req.label;
    if (g.model.spec.classes && wanted === undefined) {
      const [x, y] = req.points[0];
      wanted = nearestLabel(rec.data.coords, rec.data.dims, rec.data.labels, x, y);
      if (wanted !== undefined) notes.push(`Decoded as class ${g.labelNames?.[wanted] ?? wanted}, the class of the nearest test row.`);
    }
    const label = checkLabel(g.model, g.labelNames, wanted);
    if (projected) notes.push('The view is a 2-D PCA of the latent means: each point was mapped back onto the plane of the two axes through the training codes\' mean.');
    const n = req.points.length;
    const decoded = await decodeRows(g, points, n, classRows(g.model, label, n));
    return { ...info(g, 'standard-normal', label, notes), embeddingId: req.embeddingId, projected, latentPoints: points, decoded };
  }),

  /** Mean latent means μ(x) of groups of test rows (two selections or two classes make an attribute vector). */
  meanCodes: method(z.tuple([z.strictObject({
    runId,
    datasetId,
    groups: z.array(z.array(z.number().int().min(0)).min(1).max(100_000)).min(1).max(16),
  })]), async (s, req: MeanCodesRequest): Promise<MeanCodes> => {
    await initBackend();
    const model = await s.runs.ensureModel(req.runId);
    const k = model.spec.latent;
    const means = new Float32Array(req.groups.length * k);
    for (const [g, rows] of req.groups.entries()) {
      const { codes } = await testRowsUnder(s, req.runId, req.datasetId, rows);
      const sum = new Float64Array(k);
      for (let i = 0; i < rows.length; i++) for (let j = 0; j < k; j++) sum[j] += codes[i * k + j];
      for (let j = 0; j < k; j++) means[g * k + j] = sum[j] / rows.length;
    }
    return { runId: req.runId, latent: k, means: means as LatentMatrix, counts: req.groups.map((r) => r.length) };
  }),

  /** Decodes base + t·direction for each t: a walk along an attribute vector in latent space. */
  decodeAlong: method(z.tuple([z.strictObject({
    runId,
    base: latentVector,
    direction: latentVector,
    t: z.array(finite.min(-100).max(100)).min(1).max(64),
    label: labelIndex.optional(),
  })]), async (s, req: DecodeAlongRequest): Promise<DecodedAlong> => {
    await initBackend();
    const g = await generationSource(s, req.runId);
    const k = g.model.spec.latent;
    if (req.base.length !== k || req.direction.length !== k) {
      throw new LabFailure('bad-request', `This model has ${k} latent dimensions; the base point has ${req.base.length} and the direction ${req.direction.length}.`,
        'Give both with one value per latent dimension (e.g. from meanCodes).');
    }
    const label = checkLabel(g.model, g.labelNames, req.label);
    const n = req.t.length;
    const points = new Float32Array(n * k);
    req.t.forEach((t, i) => {
      for (let j = 0; j < k; j++) points[i * k + j] = req.base[j] + t * req.direction[j];
    });
    const decoded = await decodeRows(g, points, n, classRows(g.model, label, n));
    return { ...info(g, 'standard-normal', label, []), t: [...req.t], latentPoints: points as LatentMatrix, decoded };
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
