// Scoring a trained model on rows: each term of its objective averaged per row, and the latent
// codes (μ of q(z|x), or the code of a deterministic encoder), in batches to bound memory.
import * as tf from '@tensorflow/tfjs-core';
import { MODEL_INFO } from '../../../shared/models';
import type { LatentMatrix, LossValues, ModelName } from '../../../shared/types';
import { decode, encode, type Batch, type Model } from './model';
import { seededNormal, termSums, TERM_ORDER } from './variant';
import { variants } from './variants';
import type { RowSource } from './rows';

/** Rows per evaluation batch: conv feature maps are ~50× bigger than MLP activations. */
export function evalBatchSize(m: Model): number {
  return m.spec.architecture === 'conv' ? 250 : 1000;
}

/** Per-row means in TERM_ORDER → LossValues, with null for terms the model does not have. */
export function lossValues(name: ModelName, means: ArrayLike<number>): LossValues {
  const info = MODEL_INFO[name];
  const at = (t: (typeof TERM_ORDER)[number]) => means[TERM_ORDER.indexOf(t)];
  return {
    loss: at('loss'),
    recon: at('recon'),
    kl: info.terms.includes('kl') ? at('kl') : null,
    mmd: info.terms.includes('mmd') ? at('mmd') : null,
    negElbo: info.probabilistic ? at('negElbo') : null,
  };
}

/**
 * Mean per-row terms with the model's own objective (full KL weight). Stochastic models draw one
 * sample per row (IWAE: K), seeded, as the PyTorch reference evaluates.
 */
export async function evaluateModel(model: Model, rows: RowSource, seed: number): Promise<LossValues> {
  const variant = variants[model.spec.name];
  const step = evalBatchSize(model);
  const total = new Float64Array(TERM_ORDER.length);
  for (let i = 0; i < rows.n; i += step) {
    const end = Math.min(rows.n, i + step);
    const sums = tf.tidy(() => {
      const batch = rows.batch(i, end);
      return termSums(variant.loss(model, batch, { normal: seededNormal(seed + i), klWeight: 1 }), end - i);
    });
    const values = await sums.data();
    sums.dispose();
    values.forEach((v, j) => (total[j] += v));
  }
  const n = Math.max(1, rows.n);
  return lossValues(model.spec.name, total.map((v) => v / n));
}

/** Runs `f` on every batch of the source and gathers its rows (width values each) in order. */
export async function mapRows(model: Model, rows: RowSource, width: number, f: (batch: Batch) => tf.Tensor2D): Promise<Float32Array> {
  const out = new Float32Array(rows.n * width);
  const step = evalBatchSize(model);
  for (let i = 0; i < rows.n; i += step) {
    const end = Math.min(rows.n, i + step);
    const result = tf.tidy(() => f(rows.batch(i, end)));
    out.set(await result.data(), i * width);
    result.dispose();
  }
  return out;
}

/** Latent codes for every row, row-major n × latent. */
export async function embedCodes(model: Model, rows: RowSource): Promise<LatentMatrix> {
  return (await mapRows(model, rows, model.spec.latent, (b) => encode(model, b.x, b.y).mu)) as LatentMatrix;
}

/**
 * KL(q(z|x) ‖ N(0, I)) of each latent dimension, averaged over the rows: ½(μ² + σ² − 1 − log σ²)
 * per dimension (their sum is the model's KL term). Null for deterministic encoders (no q(z|x)).
 */
export async function klPerDimension(model: Model, rows: RowSource): Promise<number[] | null> {
  if (!model.spec.stochastic) return null;
  const k = model.spec.latent;
  const total = new Float64Array(k);
  const step = evalBatchSize(model);
  for (let i = 0; i < rows.n; i += step) {
    const end = Math.min(rows.n, i + step);
    const sums = tf.tidy(() => {
      const b = rows.batch(i, end);
      const { mu, logvar } = encode(model, b.x, b.y);
      const kl = tf.mul(tf.sub(tf.add(tf.square(mu), tf.exp(logvar!)), tf.add(logvar!, 1)), 0.5);
      return tf.sum(kl, 0);
    });
    const values = await sums.data();
    sums.dispose();
    values.forEach((v, j) => (total[j] += v));
  }
  const n = Math.max(1, rows.n);
  return Array.from(total, (v) => v / n);
}

/** decode(μ(x)) for every row of the source: the model's reconstruction in data units (n × d). */
export function reconstructMeans(model: Model, rows: RowSource): Promise<Float32Array> {
  return mapRows(model, rows, model.spec.inputDim, (b) => decode(model, encode(model, b.x, b.y).mu, b.y));
}
