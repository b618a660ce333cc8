// The VAE of Kingma & Welling: q(z|x) = N(μ, σ²), one reparameterised sample,
// loss = −ELBO = −log p(x|z) + KL(q(z|x) ‖ N(0, I)) per row. β-VAE and CVAE reuse weightedElbo.
import * as tf from '@tensorflow/tfjs-core';
import { decodeRaw, encode, reconNll, reparameterize, type Batch, type Model } from './model';
import { gaussianKl } from './losses';
import type { LossContext, LossTerms, Variant } from './variant';

/** One pass through q(z|x) and p(x|z) with a single sample: the pieces ELBO objectives share. */
export function elboPieces(m: Model, batch: Batch, ctx: LossContext) {
  const { mu, logvar } = encode(m, batch.x, batch.y);
  if (!logvar) throw new Error(`${m.spec.name} has a deterministic encoder`);
  const z = reparameterize(mu, logvar, ctx.normal(mu.shape) as tf.Tensor2D);
  return { z, recon: reconNll(m, batch.x, decodeRaw(m, z, batch.y)), kl: gaussianKl(mu, logvar) };
}

/** recon + β·KL per row; the optimiser sees β·w·KL during warm-up (w < 1). */
export function weightedElbo(m: Model, batch: Batch, ctx: LossContext, beta: number): LossTerms {
  const { recon, kl } = elboPieces(m, batch, ctx);
  return {
    train: tf.mean(tf.add(recon, tf.mul(kl, beta * ctx.klWeight))) as tf.Scalar,
    loss: tf.add(recon, tf.mul(kl, beta)),
    recon,
    kl,
    mmd: null,
    negElbo: tf.add(recon, kl),
  };
}

export const vae: Variant = {
  name: 'vae',
  stochastic: true,
  loss: (m, batch, ctx) => weightedElbo(m, batch, ctx, 1),
};
