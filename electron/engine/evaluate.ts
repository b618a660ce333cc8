// Scoring a trained VAE on a split: −ELBO terms and latent means, in batches to bound memory.
import * as tf from '@tensorflow/tfjs-core';
import type { LatentMatrix } from '../../shared/types';
import type { Split } from './data/dataset';
import { decode, encode, negElbo, type Vae } from './models/vae';

const EVAL_BATCH = 1000;

export interface ElboTerms {
  negElbo: number;
  recon: number;
  kl: number;
}

/** Mean per-sample −ELBO (one z sample per row, as the PyTorch reference evaluates). */
export async function evaluateVae(model: Vae, split: Split, seed: number): Promise<ElboTerms> {
  const d = model.shape.inputDim;
  let recon = 0;
  let kl = 0;
  for (let i = 0; i < split.n; i += EVAL_BATCH) {
    const rows = Math.min(EVAL_BATCH, split.n - i);
    const sums = tf.tidy(() => {
      const x = tf.tensor2d(split.x.subarray(i * d, (i + rows) * d), [rows, d]);
      const t = negElbo(model, x, seed + i);
      return tf.stack([t.reconSum, t.klSum]);
    });
    const [r, k] = await sums.data();
    sums.dispose();
    recon += r;
    kl += k;
  }
  const n = Math.max(1, split.n);
  return { negElbo: (recon + kl) / n, recon: recon / n, kl: kl / n };
}

/** Latent means μ(x) for every row of the split, row-major n×k. */
export async function embedMeans(model: Vae, split: Split): Promise<LatentMatrix> {
  const d = model.shape.inputDim;
  const k = model.shape.latent;
  const out = new Float32Array(split.n * k);
  for (let i = 0; i < split.n; i += EVAL_BATCH) {
    const rows = Math.min(EVAL_BATCH, split.n - i);
    const mu = tf.tidy(() => encode(model, tf.tensor2d(split.x.subarray(i * d, (i + rows) * d), [rows, d])).mu);
    out.set(await mu.data(), i * k);
    mu.dispose();
  }
  return out as LatentMatrix;
}

/** decode(μ(x)) for n rows (row-major n×d): the model's reconstruction in data units. */
export async function reconstructMeans(model: Vae, x: Float32Array, n: number): Promise<Float32Array> {
  const d = model.shape.inputDim;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i += EVAL_BATCH) {
    const rows = Math.min(EVAL_BATCH, n - i);
    const xHat = tf.tidy(() => decode(model, encode(model, tf.tensor2d(x.subarray(i * d, (i + rows) * d), [rows, d])).mu));
    out.set(await xHat.data(), i * d);
    xHat.dispose();
  }
  return out;
}
