// Plain autoencoder: a deterministic code, trained on reconstruction alone.
import * as tf from '@tensorflow/tfjs-core';
import { decodeRaw, encode, reconNll } from './model';
import type { Variant } from './variant';

export const ae: Variant = {
  name: 'ae',
  stochastic: false,
  loss: (m, batch) => {
    const { mu: code } = encode(m, batch.x, batch.y);
    const recon = reconNll(m, batch.x, decodeRaw(m, code, batch.y));
    return { train: tf.mean(recon) as tf.Scalar, loss: recon, recon, kl: null, mmd: null, negElbo: null };
  },
};
