// The Generate panel's four modes on one trained model: samples from the prior, traversals of one
// latent dimension, the decoded grid over a 2-D latent plane, and interpolation between two rows.
import { LabFailure } from '../../../shared/api';
import type {
  GeneratedSamples,
  GenerationInfo,
  Interpolation,
  LatentGrid,
  LatentGridRequest,
  LatentSource,
  LatentTraversal,
  SampleRequest,
  TraversalRequest,
} from '../../../shared/generation';
import { MODEL_INFO } from '../../../shared/models';
import type { EmbeddingId, LatentMatrix, RunId } from '../../../shared/types';
import {
  asDecodedRows,
  checkLabel,
  classRows,
  decodeRows,
  linspace,
  normalQuantile,
  priorPoints,
  type CodeStats,
  type Decoding,
} from './code-stats';
import type { FeatureMap } from '../data/dataset';
import type { DataSchema } from '../models/model-input';

/** A trained model as generation sees it. */
export interface GenerationSource extends Decoding {
  runId: RunId;
  /** Its class names (a CVAE's classes), for the result's label name. */
  labelNames: string[] | null;
  /** The test split's latent means, when computed (the manifold's scatter). */
  embeddingId: EmbeddingId | null;
  /** Mean, covariance and range of its codes on its training rows (computed once). */
  codes(): Promise<CodeStats>;
}

export const MAX_TRAVERSAL_DIMS = 32;

/** Which latent distribution to draw from, and what to tell the user about it. */
export function resolveSource(g: GenerationSource, requested: LatentSource | undefined): { source: LatentSource; notes: string[] } {
  const name = g.model.spec.name;
  const hasPrior = name !== 'ae';
  const source = requested ?? (hasPrior ? 'standard-normal' : 'fitted-gaussian');
  const notes: string[] = [];
  if (!hasPrior && source === 'standard-normal') {
    notes.push('A plain autoencoder has no prior: its codes were never pulled towards N(0, I), so points drawn from N(0, I) need not decode to anything like the data. Choose "Gaussian fitted to the codes" for meaningful samples.');
  } else if (!hasPrior) {
    notes.push('A plain autoencoder has no prior, so latent points come from a Gaussian (full covariance) fitted to its codes of the training rows.');
  } else if (source === 'fitted-gaussian') {
    notes.push(`Latent points come from a Gaussian fitted to the model's codes of the training rows, not from its prior N(0, I).`);
  } else if (name === 'wae-mmd') {
    notes.push('Latent points come from N(0, I): the WAE matched its codes to this prior with MMD during training.');
  } else {
    notes.push(`Latent points come from the prior N(0, I) of the ${MODEL_INFO[name].title}.`);
  }
  return { source, notes };
}

/** What a generation result says about its model (shared/generation.ts GenerationInfo). */
export function info(g: GenerationSource, source: LatentSource, label: number | null, notes: string[]): GenerationInfo {
  return {
    runId: g.runId,
    features: g.model.spec.inputDim,
    featureNames: g.schema.featureNames,
    imageShape: g.model.spec.imageShape,
    latent: g.model.spec.latent,
    source,
    label,
    labelName: label !== null && g.labelNames ? g.labelNames[label] ?? null : null,
    notes,
  };
}

/** N points from the prior (or the fitted Gaussian), decoded. */
export async function sampleFromPrior(g: GenerationSource, req: SampleRequest): Promise<GeneratedSamples> {
  const label = checkLabel(g.model, g.labelNames, req.label);
  const { source, notes } = resolveSource(g, req.source);
  const k = g.model.spec.latent;
  const seed = req.seed ?? 1;
  const stats = source === 'fitted-gaussian' ? await g.codes() : null;
  const points = priorPoints(req.count, k, seed, source, stats);
  const samples = await decodeRows(g, points, req.count, classRows(g.model, label, req.count));
  return { ...info(g, source, label, notes), seed, points, samples };
}

/**
 * One row per latent dimension: the base point with that dimension moved by each offset (in prior
 * standard deviations; for the fitted Gaussian, in that dimension's standard deviation).
 * `baseCode`: a row's latent mean, or null for the centre of the prior.
 */
export async function traverse(g: GenerationSource, req: TraversalRequest, baseCode: Float32Array | null): Promise<LatentTraversal> {
  const label = checkLabel(g.model, g.labelNames, req.label);
  const { source, notes } = resolveSource(g, req.source);
  const k = g.model.spec.latent;
  const dims = req.dims ?? Array.from({ length: Math.min(k, MAX_TRAVERSAL_DIMS) }, (_, i) => i);
  const bad = dims.find((d) => d >= k);
  if (bad !== undefined) throw new LabFailure('no-such-dimension', `The latent space has ${k} dimensions; dimension ${bad + 1} is not one of them.`, `Pick dimensions 1 to ${k}.`);
  if (k > MAX_TRAVERSAL_DIMS && !req.dims) notes.push(`Showing the first ${MAX_TRAVERSAL_DIMS} of ${k} latent dimensions.`);
  const stats = source === 'fitted-gaussian' ? await g.codes() : null;
  const base = new Float32Array(k);
  if (baseCode) base.set(baseCode);
  else if (stats) base.set(stats.mean);
  const offsets = linspace(-(req.range ?? 3), req.range ?? 3, req.steps ?? 9);
  const n = dims.length * offsets.length;
  const z = new Float32Array(n * k);
  dims.forEach((dim, r) => {
    const scale = stats ? stats.std[dim] : 1;
    offsets.forEach((o, c) => {
      const at = (r * offsets.length + c) * k;
      z.set(base, at);
      z[at + dim] += o * scale;
    });
  });
  const grid = await decodeRows(g, z, n, classRows(g.model, label, n));
  return { ...info(g, source, label, notes), dims, offsets, base: base as LatentMatrix, grid };
}

/** The decoded latent plane of a 2-D model: a size × size grid, top row = largest z2. */
export async function manifold(g: GenerationSource, req: LatentGridRequest): Promise<LatentGrid> {
  const k = g.model.spec.latent;
  if (k !== 2) {
    throw new LabFailure('not-2d', `The manifold grid shows a 2-D latent plane; this model has ${k} latent dimensions.`, 'Train a model with latent size 2, or use the latent traversal.');
  }
  const label = checkLabel(g.model, g.labelNames, req.label);
  const { source, notes } = resolveSource(g, req.source);
  const size = req.size ?? 15;
  const extent = req.extent ?? 'prior';
  const needStats = source === 'fitted-gaussian' || extent === 'data';
  const stats = needStats ? await g.codes() : null;
  let axes: number[][];
  if (extent === 'prior') {
    // evenly spaced probabilities mapped through the inverse CDF, as in Kingma & Welling's figure
    const q = linspace(0.05, 0.95, size).map(normalQuantile);
    axes = [0, 1].map((a) => (stats ? q.map((v) => stats.mean[a] + v * stats.std[a]) : q));
    notes.push(source === 'standard-normal'
      ? 'Grid over the 5th to 95th percentile of the prior N(0, 1) on each axis (evenly spaced in probability).'
      : 'Grid over the 5th to 95th percentile of the fitted Gaussian on each axis (evenly spaced in probability).');
  } else {
    axes = [0, 1].map((a) => linspace(stats!.lo[a], stats!.hi[a], size));
    notes.push(`Grid over the 1st to 99th percentile of the codes of ${stats!.rows.toLocaleString('en-US')} training rows on each axis.`);
  }
  const [xs, ys] = [axes[0], [...axes[1]].reverse()];
  const n = size * size;
  const z = new Float32Array(n * 2);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      z[(r * size + c) * 2] = xs[c];
      z[(r * size + c) * 2 + 1] = ys[r];
    }
  }
  const cells = await decodeRows(g, z, n, classRows(g.model, label, n));
  return { ...info(g, source, label, notes), size, extent, xs, ys, cells, embeddingId: g.embeddingId };
}

/** Two rows of a dataset as interpolation needs them. */
export interface RowPair {
  rows: [number, number];
  rowIds: [number, number];
  /** The two rows in the dataset's scaled units (2 × d). */
  x: Float32Array;
  /** Their latent means under the model (2 × latent). */
  codes: Float32Array;
  /** One-hot labels for a CVAE (2 × classes), else null. */
  y: Float32Array | null;
  /** The dataset's scaling and pixel block (the feature and PCA paths are in its units). */
  scaling: DataSchema['scaling'];
  pixels: FeatureMap['pixels'] | null;
  /** Reconstruction through PCA-k of rows in the dataset's units. */
  pcaReconstruct(x: Float32Array, n: number): Promise<Float32Array>;
  components: number;
}

/** Linear paths between two rows: in latent space (decoded), in feature space, and through PCA-k. */
export async function interpolate(g: GenerationSource, pair: RowPair, steps: number): Promise<Interpolation> {
  const k = g.model.spec.latent;
  const d = pair.x.length / 2;
  const classes = g.model.spec.classes;
  const t = linspace(0, 1, steps);
  const mix = (src: Float32Array, width: number) => {
    const out = new Float32Array(steps * width);
    t.forEach((s, i) => {
      for (let j = 0; j < width; j++) out[i * width + j] = (1 - s) * src[j] + s * src[width + j];
    });
    return out;
  };
  const notes = ['Three straight lines between the same two rows: through the latent means (then decoded), through the features themselves, and through the PCA coordinates.'];
  if (classes) notes.push('The conditional VAE is given a label that blends linearly from the first row\'s class to the second\'s.');
  const latentPath = await decodeRows(g, mix(pair.codes, k), steps, pair.y ? mix(pair.y, classes) : null);
  const features = mix(pair.x, d);
  const imageShape = g.model.spec.imageShape;
  const layout = g.layout ?? null;
  const featurePath = asDecodedRows(features, steps, pair.scaling, imageShape, pair.pixels, layout);
  const pcaPath = asDecodedRows(await pair.pcaReconstruct(features, steps), steps, pair.scaling, imageShape, pair.pixels, layout);
  return {
    ...info(g, 'standard-normal', null, notes),
    rows: pair.rows,
    rowIds: pair.rowIds,
    t,
    components: pair.components,
    latentPath,
    featurePath,
    pcaPath,
  };
}
