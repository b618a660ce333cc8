// The VAE of Kingma & Welling: MLP encoder x → h → (μ, log σ²), decoder z → h → x̂,
// loss = −ELBO = reconstruction NLL + KL(q(z|x) ‖ N(0, I)), per sample.
import * as tf from '@tensorflow/tfjs-core';
import type { Likelihood } from '../../../shared/types';
import { dense, denseParams, type DenseParams } from './dense';
import { bernoulliNll, gaussianKl, gaussianNll } from './losses';

export interface VaeShape {
  inputDim: number;
  hidden: number;
  latent: number;
  likelihood: Likelihood;
}

export interface Vae {
  shape: VaeShape;
  enc: DenseParams;
  mu: DenseParams;
  logvar: DenseParams;
  dec: DenseParams;
  out: DenseParams;
}

export interface LossTerms {
  /** Mean over the batch of the per-sample −ELBO. */
  loss: tf.Scalar;
  /** Sums over the batch (for epoch totals). */
  reconSum: tf.Scalar;
  klSum: tf.Scalar;
}

export function createVae(shape: VaeShape, seed: number): Vae {
  const { inputDim: d, hidden: h, latent: k } = shape;
  return {
    shape,
    enc: denseParams(d, h, seed * 16 + 1, 'enc'),
    mu: denseParams(h, k, seed * 16 + 3, 'mu'),
    logvar: denseParams(h, k, seed * 16 + 5, 'logvar'),
    dec: denseParams(k, h, seed * 16 + 7, 'dec'),
    out: denseParams(h, d, seed * 16 + 9, 'out'),
  };
}

export function vaeVariables(m: Vae): tf.Variable[] {
  return [m.enc, m.mu, m.logvar, m.dec, m.out].flatMap((p) => [p.w, p.b]);
}

export function disposeVae(m: Vae): void {
  for (const v of vaeVariables(m)) v.dispose();
}

export function encode(m: Vae, x: tf.Tensor2D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
  const h = dense(x, m.enc, { inputGrad: false, activation: 'relu' });
  return { mu: dense(h, m.mu), logvar: dense(h, m.logvar) };
}

/** Decoder output before the likelihood's link: logits (Bernoulli) or means (Gaussian). */
export function decodeRaw(m: Vae, z: tf.Tensor2D): tf.Tensor2D {
  return dense(dense(z, m.dec, { activation: 'relu' }), m.out);
}

/** Decoded values in data space: probabilities (Bernoulli) or means (Gaussian). */
export function decode(m: Vae, z: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const raw = decodeRaw(m, z);
    return m.shape.likelihood === 'bernoulli' ? tf.sigmoid(raw) : raw;
  });
}

export function reconNll(m: Vae, x: tf.Tensor2D, raw: tf.Tensor2D): tf.Tensor1D {
  return m.shape.likelihood === 'bernoulli' ? bernoulliNll(x, raw) : gaussianNll(x, raw);
}

/** −ELBO with one reparameterised sample z = μ + σ·ε, ε ~ N(0, I) drawn with `seed`. */
export function negElbo(m: Vae, x: tf.Tensor2D, seed: number): LossTerms {
  const { mu, logvar } = encode(m, x);
  const eps = tf.randomNormal(mu.shape, 0, 1, 'float32', seed);
  const z = tf.add(mu, tf.mul(eps, tf.exp(tf.mul(logvar, 0.5)))) as tf.Tensor2D;
  const recon = reconNll(m, x, decodeRaw(m, z));
  const kl = gaussianKl(mu, logvar);
  const reconSum = tf.sum(recon) as tf.Scalar;
  const klSum = tf.sum(kl) as tf.Scalar;
  return { loss: tf.div(tf.add(reconSum, klSum), x.shape[0]), reconSum, klSum };
}
