// What a model variant is: an objective built from the shared network (model.ts). The trainer,
// evaluation, embedding and anomaly scoring only ever see this interface.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelName } from '../../../shared/types';
import type { Batch, Model } from './model';

export interface LossContext {
  /** Standard-normal noise of the given shape; seeded, so a step's noise is reproducible. */
  normal(shape: number[]): tf.Tensor;
  /** KL warm-up factor in [0, 1] (1 outside warm-up and at evaluation). */
  klWeight: number;
}

export interface LossTerms {
  /** The scalar the optimiser minimises: batch mean, KL scaled by the warm-up factor. */
  train: tf.Scalar;
  /** The model's own objective per row (its share of batch-level terms included). */
  loss: tf.Tensor1D;
  /** −log p(x|z) per row. */
  recon: tf.Tensor1D;
  /** KL(q(z|x) ‖ N(0, I)) per row; null for deterministic encoders. */
  kl: tf.Tensor1D | null;
  /** Batch-level MMD² estimate between codes and prior samples. */
  mmd: tf.Scalar | null;
  /** −ELBO per row (IWAE: −log of its K-sample bound); null for the non-probabilistic models. */
  negElbo: tf.Tensor1D | null;
}

export interface Variant {
  name: ModelName;
  /** Its encoder outputs a distribution (μ, log σ²) rather than a code. */
  stochastic: boolean;
  loss(m: Model, batch: Batch, ctx: LossContext): LossTerms;
}

/** Order of the entries in termSums' vector. */
export const TERM_ORDER = ['loss', 'recon', 'kl', 'mmd', 'negElbo'] as const;

/** Batch sums in TERM_ORDER (mmd weighted by rows, so sums over batches average per row). */
export function termSums(t: LossTerms, rows: number): tf.Tensor1D {
  return tf.tidy(() => {
    const zero = tf.scalar(0);
    return tf.stack([
      tf.sum(t.loss),
      tf.sum(t.recon),
      t.kl ? tf.sum(t.kl) : zero,
      t.mmd ? tf.mul(t.mmd, rows) : zero,
      t.negElbo ? tf.sum(t.negElbo) : zero,
    ]) as tf.Tensor1D;
  });
}

/** Seeded noise for one training step or evaluation batch: each draw gets its own sub-seed. */
export function seededNormal(seed: number): LossContext['normal'] {
  let draw = 0;
  return (shape) => tf.randomNormal(shape, 0, 1, 'float32', seed * 16 + draw++);
}
