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

/** −log p(x|z) for a Gaussian decoder with a learned per-feature log σ²: Σ ½(log 2π + lv + (x−μ)² e^−lv). */
export function gaussianLearnedNll(x: tf.Tensor2D, mean: tf.Tensor2D, logvar: tf.Tensor1D | tf.Variable): tf.Tensor1D {
  return tf.tidy(() => {
    const sq = tf.mul(tf.square(tf.sub(x, mean)), tf.exp(tf.neg(logvar)));
    return tf.mul(tf.sum(tf.add(tf.add(sq, logvar), 2 * HALF_LOG_2PI), 1), 0.5) as tf.Tensor1D;
  });
}

/** log N(z; 0, I) summed over the last axis. */
export function logStdNormal(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const k = z.shape[z.shape.length - 1];
    return tf.sub(tf.mul(tf.sum(tf.square(z), -1), -0.5), k * HALF_LOG_2PI);
  });
}

/**
 * log N(z; μ, σ²) summed over the last axis, for z = μ + σ·ε: −½ Σ (log 2π + log σ² + ε²).
 * Written in ε so it stays exact when σ is tiny.
 */
export function logDiagNormalAt(eps: tf.Tensor, logvar: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const k = eps.shape[eps.shape.length - 1];
    return tf.sub(tf.mul(tf.add(tf.sum(tf.square(eps), -1), tf.sum(logvar, -1)), -0.5), k * HALF_LOG_2PI);
  });
}
