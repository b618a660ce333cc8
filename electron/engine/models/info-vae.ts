// InfoVAE (Zhao et al.): the ELBO with the per-row KL down-weighted by (1 − α) and a
// divergence between the aggregate q(z) and the prior, weighted by (α + λ − 1), added; here the
// divergence is the MMD with the IMQ kernel (α = 1 gives the "MMD-VAE"). Its −ELBO is reported
// unweighted.
import * as tf from '@tensorflow/tfjs-core';
import { imqMmd } from './mmd';
import type { Variant } from './variant';
import { elboPieces } from './vae';

export const infoVae: Variant = {
  name: 'info-vae',
  stochastic: true,
  loss: (m, batch, ctx) => {
    const { alpha, lambda } = m.spec.objective;
    const { z, recon, kl } = elboPieces(m, batch, ctx);
    const mmd = imqMmd(z, ctx.normal(z.shape) as tf.Tensor2D);
    const penalty = tf.mul(mmd, alpha + lambda - 1);
    return {
      train: tf.add(tf.mean(tf.add(recon, tf.mul(kl, (1 - alpha) * ctx.klWeight))), penalty) as tf.Scalar,
      loss: tf.add(tf.add(recon, tf.mul(kl, 1 - alpha)), penalty),
      recon,
      kl,
      mmd,
      negElbo: tf.add(recon, kl),
    };
  },
};
