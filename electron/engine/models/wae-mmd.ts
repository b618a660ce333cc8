// Wasserstein autoencoder with an MMD penalty (Tolstikhin et al., WAE-MMD): a deterministic
// encoder whose aggregate code distribution is pulled towards N(0, I) by λ·MMD over the batch,
// instead of pulling every q(z|x) towards the prior as the KL does.
import * as tf from '@tensorflow/tfjs-core';
import { decodeRaw, encode, reconNll } from './model';
import { imqMmd } from './mmd';
import type { Variant } from './variant';

export const waeMmd: Variant = {
  name: 'wae-mmd',
  stochastic: false,
  loss: (m, batch, ctx) => {
    const { mu: code } = encode(m, batch.x, batch.y);
    const recon = reconNll(m, batch.x, decodeRaw(m, code, batch.y));
    const mmd = imqMmd(code, ctx.normal(code.shape) as tf.Tensor2D);
    const penalty = tf.mul(mmd, m.spec.objective.lambda);
    return {
      train: tf.add(tf.mean(recon), penalty) as tf.Scalar,
      loss: tf.add(recon, penalty),
      recon,
      kl: null,
      mmd,
      negElbo: null,
    };
  },
};
