// Runs one reducer on a dataset and packs the result as an embedding record: defaults and clamping
// of the parameters, the input the method needs, the split of the coordinates into training and
// test rows, and plain-words notes about every choice made for the user.
import { LabFailure } from '../../../shared/api';
import type {
  EmbeddingDiagnostics,
  EmbeddingId,
  EmbeddingMethod,
  LatentMatrix,
  ModelName,
  PcaParams,
  ReduceRequestParams,
  RunId,
  TsneParams,
  UmapParams,
} from '../../../shared/types';
import type { Dataset } from '../data/dataset';
import type { EmbeddingRecord } from '../compare/embeddings';
import { stageHooks, type ReduceHooks } from './hooks';
import { latentEmbedding, type LatentModel, type LatentProjection } from './latent';
import { pcaTransform, type PcaModel } from './pca';
import { tsne, tsneDefaults } from './tsne';
import { umap, umapDefaults } from './umap';

export interface FittedPca {
  model: PcaModel;
  /** Seconds the fit took. */
  seconds: number;
}

/** A trained model as the comparison sees it. */
export interface ModelHandle extends LatentModel {
  runId: RunId;
  name: ModelName;
  title: string;
  /** Training time in seconds. */
  seconds: number;
  /** Rows the model was trained on. */
  trainRows: number;
  /** Mean test −ELBO; null for models without one (AE, WAE). */
  testNegElbo: number | null;
}

export interface ReduceContext {
  ds: Dataset;
  /** PCA of the training rows, all components (fitted once per dataset). */
  pca(): Promise<FittedPca>;
  model(runId: RunId): ModelHandle;
  hooks: ReduceHooks;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const elapsed = (t0: number) => (performance.now() - t0) / 1000;

interface Coords {
  method: EmbeddingMethod;
  title: string;
  dims: number;
  train: LatentMatrix;
  test: LatentMatrix;
  seconds: number;
  fitRows: number;
  params: Record<string, number | string | boolean>;
  diagnostics: EmbeddingDiagnostics;
  explainedVariance: number[] | null;
  runId: RunId | null;
  recon: EmbeddingRecord['recon'];
  /** A model's latent shown through its 2-D PCA: the projection (for decoding points of the view). */
  projection?: LatentProjection | null;
}

function diagnostics(notes: string[], stages: EmbeddingDiagnostics['stages'] = []): EmbeddingDiagnostics {
  return { notes, explainedVarianceRatio: null, trace: [], stages };
}

async function runPca(params: Partial<PcaParams> | undefined, ctx: ReduceContext): Promise<Coords> {
  const { ds } = ctx;
  await ctx.hooks.step(0.05, `Fitting PCA on ${fmt(ds.train.n)} × ${ds.summary.features}`);
  const fitted = await ctx.pca();
  const available = fitted.model.variances.length;
  const k = Math.min(params?.components ?? 2, available);
  if (k < 1) throw new LabFailure('too-few-rows', 'PCA needs at least 2 training rows.');
  await ctx.hooks.step(0.8, 'Projecting the rows');
  const t0 = performance.now();
  const train = pcaTransform(fitted.model, ds.train.x, ds.train.n, k);
  const test = pcaTransform(fitted.model, ds.test.x, ds.test.n, k);
  const transform = elapsed(t0);
  // a streamed dataset's PCA went through every training row; the rows projected here are its sample
  const fitRows = ds.stream ? ds.stream.counts.train : ds.train.n;
  const notes = [ds.stream
    ? `Fitted on all ${fmt(fitRows)} training rows in passes over the chunks (${fitted.model.method} method); the sample's test rows projected.`
    : `Fitted on the ${fmt(fitRows)} training rows (exact, ${fitted.model.method} method); test rows projected.`];
  if (params?.components !== undefined && k < params.components) notes.push(`Asked for ${params.components} components; the data has ${available}.`);
  const ratios = Array.from(fitted.model.explainedVarianceRatio);
  return {
    method: 'pca',
    title: `PCA (${k} component${k === 1 ? '' : 's'})`,
    dims: k,
    train,
    test,
    seconds: fitted.seconds + transform,
    fitRows,
    params: { components: k },
    diagnostics: {
      ...diagnostics(notes, [{ name: 'fit', seconds: fitted.seconds }, { name: 'transform', seconds: transform }]),
      explainedVarianceRatio: ratios,
    },
    explainedVariance: ratios.slice(0, k),
    runId: null,
    recon: { kind: 'pca', components: k },
  };
}

/** Both splits projected on the first principal components, training rows first. */
function projectSplits(ctx: ReduceContext, model: PcaModel, k: number): Float32Array {
  const { train, test } = ctx.ds;
  const out = new Float32Array((train.n + test.n) * k);
  out.set(pcaTransform(model, train.x, train.n, k));
  out.set(pcaTransform(model, test.x, test.n, k), train.n * k);
  return out;
}

/**
 * The rows UMAP and t-SNE work on (training then test rows), on the first `pcaDims` principal
 * components unless that is 0 or no fewer than the features, and the start layout: the first two
 * principal components (umap-learn's and sklearn's init="pca").
 */
async function layoutInput(ctx: ReduceContext, pcaDims: number, notes: string[]) {
  const { ds } = ctx;
  const d = ds.summary.features;
  const n = ds.train.n + ds.test.n;
  const { model } = await ctx.pca();
  const rank = model.variances.length;
  const usePca = pcaDims > 0 && Math.min(pcaDims, rank) < d;
  const dims = usePca ? Math.min(pcaDims, rank) : d;
  let x: Float32Array;
  if (usePca) {
    x = projectSplits(ctx, model, dims);
    notes.push(`Neighbours searched on the first ${dims} principal components (${(100 * sum(model.explainedVarianceRatio, dims)).toFixed(1)}% of the variance).`);
  } else {
    x = new Float32Array(n * d);
    x.set(ds.train.x);
    x.set(ds.test.x, ds.train.n * d);
  }
  const init = new Float32Array(n * 2);
  const pcs = usePca && dims >= 2 ? x : projectSplits(ctx, model, Math.min(2, rank));
  const stride = usePca && dims >= 2 ? dims : Math.min(2, rank);
  for (let i = 0; i < n; i++) {
    init[2 * i] = pcs[i * stride];
    init[2 * i + 1] = stride > 1 ? pcs[i * stride + 1] : 0;
  }
  notes.push('Started from the first two principal components.');
  return { x, n, dims, init };
}

function sum(a: ArrayLike<number>, k: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) s += a[i];
  return s;
}

function splitLayout(coords: Float32Array, ds: Dataset): { train: LatentMatrix; test: LatentMatrix } {
  const cut = ds.train.n * 2;
  return { train: coords.slice(0, cut) as LatentMatrix, test: coords.slice(cut) as LatentMatrix };
}

const jointFitNote = (n: number) =>
  `Fitted on all ${fmt(n)} rows (training and test together): the method has no transform for new rows.`;

async function runUmap(params: Partial<UmapParams> | undefined, ctx: ReduceContext): Promise<Coords> {
  const p = { ...umapDefaults, ...params };
  const t0 = performance.now();
  const notes: string[] = [];
  const input = await layoutInput(ctx, p.pcaDims, notes);
  notes.unshift(jointFitNote(input.n));
  if (p.nNeighbors > input.n - 1) notes.push(`nNeighbors lowered from ${p.nNeighbors} to ${input.n - 1} (the number of other rows).`);
  const r = await umap(input.x, input.n, input.dims, p, stageHooks(ctx.hooks, 0.05, 1), input.init);
  notes.push(`${r.graph.exact ? 'Exact' : 'Approximate (random-projection forest + NN-descent)'} ${r.graph.k - 1}-nearest-neighbour graph; ${fmt(r.graph.edges)} edges; a = ${r.a.toFixed(3)}, b = ${r.b.toFixed(3)}.`);
  return {
    method: 'umap',
    title: `UMAP (${r.graph.k} neighbours, min dist ${p.minDist})`,
    dims: 2,
    ...splitLayout(r.coords, ctx.ds),
    seconds: elapsed(t0),
    fitRows: input.n,
    params: { ...p, nNeighbors: r.graph.k, nEpochs: r.epochs },
    diagnostics: diagnostics(notes, r.stages),
    explainedVariance: null,
    runId: null,
    recon: null,
  };
}

async function runTsne(params: Partial<TsneParams> | undefined, ctx: ReduceContext): Promise<Coords> {
  const p = { ...tsneDefaults, ...params };
  const t0 = performance.now();
  const notes: string[] = [];
  const input = await layoutInput(ctx, p.pcaDims, notes);
  notes.unshift(jointFitNote(input.n));
  const r = await tsne(input.x, input.n, input.dims, p, stageHooks(ctx.hooks, 0.05, 1), input.init);
  if (r.perplexity < p.perplexity) notes.push(`Perplexity lowered from ${p.perplexity} to ${r.perplexity.toFixed(1)}: it needs 3× as many other rows.`);
  const repulsion = r.repulsion === 'fft'
    ? 'repulsion interpolated on a grid (3 nodes per interval) and convolved by FFT'
    : `Barnes–Hut angle ${p.theta}`;
  notes.push(`P from ${r.graph.exact ? 'the exact' : 'approximate (random-projection forest + NN-descent)'} ${r.graph.k} nearest neighbours; ${repulsion}; learning rate ${r.learningRate.toFixed(1)}.`);
  return {
    method: 'tsne',
    title: `t-SNE (perplexity ${+r.perplexity.toFixed(1)})`,
    dims: 2,
    ...splitLayout(r.coords, ctx.ds),
    seconds: elapsed(t0),
    fitRows: input.n,
    params: { ...p, perplexity: r.perplexity, learningRate: r.learningRate },
    diagnostics: { ...diagnostics(notes, r.stages), trace: r.trace },
    explainedVariance: null,
    runId: null,
    recon: null,
  };
}

async function runLatent(params: { runId: RunId; project2d?: boolean }, ctx: ReduceContext): Promise<Coords> {
  const model = ctx.model(params.runId);
  const t0 = performance.now();
  const project = params.project2d ?? true;
  const e = await latentEmbedding(model, ctx.ds.train, ctx.ds.test, project, ctx.hooks);
  const projected = e.projectionVariance !== null;
  const notes = [`Latent means μ(x) of ${model.title} for the training and test rows.`];
  if (projected) {
    notes.push(`Shown in 2-D: PCA of the ${model.latent}-D latent means, fitted on the training rows (${e.projectionVariance!.map((v) => `${(100 * v).toFixed(1)}%`).join(' + ')} of their variance). Scores are for this 2-D view.`);
  }
  return {
    method: model.name,
    title: latentTitle(model.title, projected),
    dims: e.dims,
    train: e.train,
    test: e.test,
    seconds: model.seconds + elapsed(t0),
    fitRows: model.trainRows,
    params: { runId: params.runId, latent: model.latent, projected },
    diagnostics: diagnostics(notes, [{ name: 'training', seconds: model.seconds }, { name: 'encode', seconds: elapsed(t0) }]),
    explainedVariance: null,
    runId: params.runId,
    recon: { kind: 'model', runId: params.runId },
    projection: e.projection,
  };
}

export const latentTitle = (modelTitle: string, projected: boolean) =>
  projected ? `${modelTitle}: PCA 2-D of the latent means` : `${modelTitle}: latent means`;

/** Runs the requested reducer and returns the finished record under `id`. */
export async function runReducer(id: EmbeddingId, req: ReduceRequestParams, ctx: ReduceContext): Promise<EmbeddingRecord> {
  const c = req.method === 'pca' ? await runPca(req.params, ctx)
    : req.method === 'umap' ? await runUmap(req.params, ctx)
    : req.method === 'tsne' ? await runTsne(req.params, ctx)
    : await runLatent(req.params, ctx);
  const { ds } = ctx;
  return {
    data: {
      id,
      datasetId: ds.summary.id,
      method: c.method,
      title: c.title,
      rows: ds.test.n,
      dims: c.dims,
      explainedVariance: c.explainedVariance,
      seconds: c.seconds,
      runId: c.runId,
      fitRows: c.fitRows,
      params: c.params,
      diagnostics: c.diagnostics,
      coords: c.test,
      labels: ds.test.labels,
      labelNames: ds.summary.labelNames,
      rowIds: ds.test.rowIds,
      split: 'test',
    },
    train: c.train,
    recon: c.recon,
    projection: c.projection ?? null,
  };
}
