// Per-sample loss terms, each summed over features/latent dims and returned as a [batch] vector.
import * as tf from '@tensorflow/tfjs-core';
import { nativeActive } from '../native/backend';
import { nativeBernoulliNll, nativeGaussianKl } from '../native/fused';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** −log p(x|z) for a Bernoulli decoder given logits: Σ softplus(l) − x·l (stable form). */
export function bernoulliNll(x: tf.Tensor2D, logits: tf.Tensor2D): tf.Tensor1D {
  if (nativeActive()) return nativeBernoulliNll(x, logits); // one fused kernel each way
  return tf.tidy(() => {
    // max(l,0) − x·l + log(1 + exp(−|l|))
    const term = tf.add(tf.sub(tf.relu(logits), tf.mul(x, logits)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    return tf.sum(term, 1) as tf.Tensor1D;
  });
}

/** −log p(x|z) for a Gaussian decoder with unit variance: Σ ½(x−μ)² + ½log 2π. */
export function gaussianNll(x: tf.Tensor2D, mean: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const d = x.shape[1];
    return tf.add(tf.mul(tf.sum(tf.square(tf.sub(x, mean)), 1), 0.5), d * HALF_LOG_2PI) as tf.Tensor1D;
  });
}

/** KL(q(z|x) ‖ N(0, I)) for a diagonal Gaussian q: −½ Σ (1 + logσ² − μ² − σ²). */
export function gaussianKl(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  if (nativeActive()) return nativeGaussianKl(mu, logvar); // one kernel each way
  return tf.tidy(() =>
    tf.mul(tf.sum(tf.sub(tf.sub(tf.add(logvar, 1), tf.square(mu)), tf.exp(logvar)), 1), -0.5) as tf.Tensor1D);
}
