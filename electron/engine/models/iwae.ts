// Importance-weighted autoencoder (Burda et al.): K samples zₖ ~ q(z|x) per row and the tighter
// bound log (1/K) Σₖ p(x|zₖ) p(zₖ) / q(zₖ|x); K = 1 is the VAE with a sampled KL. Reports the
// mean reconstruction over the K samples and the analytic KL beside it.
import * as tf from '@tensorflow/tfjs-core';
import { decodeRaw, encode, reconNll } from './model';
import { gaussianKl, logDiagNormalAt, logStdNormal } from './losses';
import type { Variant } from './variant';

export const iwae: Variant = {
  name: 'iwae',
  stochastic: true,
  loss: (m, batch, ctx) => {
    const k = m.spec.objective.iwaeK;
    const { mu, logvar } = encode(m, batch.x, batch.y);
    if (!logvar) throw new Error('iwae has a stochastic encoder');
    const [rows, dims] = mu.shape;
    const eps = ctx.normal([k, rows, dims]);
    const z = tf.reshape(tf.add(mu, tf.mul(eps, tf.exp(tf.mul(logvar, 0.5)))), [k * rows, dims]) as tf.Tensor2D;
    const tile = (t: tf.Tensor2D) => tf.tile(t, [k, 1]) as tf.Tensor2D;
    const nll = tf.reshape(reconNll(m, tile(batch.x), decodeRaw(m, z, batch.y ? tile(batch.y) : null)), [k, rows]);
    // log p(z) − log q(z|x) per sample: the part KL warm-up scales
    const logPrior = tf.sub(tf.reshape(logStdNormal(z), [k, rows]), logDiagNormalAt(eps, logvar));
    const bound = (w: number) => tf.sub(tf.logSumExp(tf.sub(tf.mul(logPrior, w), nll), 0), Math.log(k)) as tf.Tensor1D;
    const negBound = tf.neg(bound(1)) as tf.Tensor1D;
    return {
      train: ctx.klWeight === 1 ? tf.mean(negBound) as tf.Scalar : tf.neg(tf.mean(bound(ctx.klWeight))) as tf.Scalar,
      loss: negBound,
      recon: tf.mean(nll, 0) as tf.Tensor1D,
      kl: gaussianKl(mu, logvar),
      mmd: null,
      negElbo: negBound,
    };
  },
};
