// Maximum mean discrepancy between latent codes and prior samples, with the inverse multiquadratic
// kernel k(a, b) = C / (C + ‖a − b‖²) that Tolstikhin et al. use for WAE-MMD (heavier tails than an
// RBF, so far-off codes still get a gradient). As in their code, the statistic is summed over the
// scales C = s · 2·k·σ²_prior for s in IMQ_SCALES.
import * as tf from '@tensorflow/tfjs-core';

export const IMQ_SCALES = [0.1, 0.2, 0.5, 1, 2, 5, 10];

/** ‖aᵢ − bⱼ‖² for every pair, [n, m]. */
function squaredDistances(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const na = tf.sum(tf.square(a), 1, true);
  const nb = tf.reshape(tf.sum(tf.square(b), 1), [1, -1]);
  return tf.relu(tf.sub(tf.add(na, nb), tf.mul(tf.matMul(a, tf.transpose(b)), 2)));
}

/**
 * Unbiased MMD² estimate between codes `z` and prior samples `p` (both [n, k], n ≥ 2):
 * Σ_C [ Σ_{i≠j} k(zᵢ,zⱼ)/(n(n−1)) + Σ_{i≠j} k(pᵢ,pⱼ)/(n(n−1)) − 2 Σ_{i,j} k(zᵢ,pⱼ)/n² ].
 * Returns 0 for a batch of one row, where it is undefined.
 */
export function imqMmd(z: tf.Tensor2D, p: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const [n, k] = z.shape;
    if (n < 2) return tf.mul(tf.sum(z), 0) as tf.Scalar;
    const offDiagonal = tf.sub(1, tf.eye(n));
    const dzz = squaredDistances(z, z);
    const dpp = squaredDistances(p, p);
    const dzp = squaredDistances(z, p);
    const base = 2 * k;
    let total: tf.Scalar = tf.scalar(0);
    for (const s of IMQ_SCALES) {
      const c = base * s;
      const kernel = (d: tf.Tensor2D) => tf.div(c, tf.add(d, c));
      const within = tf.div(tf.add(tf.sum(tf.mul(kernel(dzz), offDiagonal)), tf.sum(tf.mul(kernel(dpp), offDiagonal))), n * (n - 1));
      const across = tf.div(tf.mul(tf.sum(kernel(dzp)), 2), n * n);
      total = tf.add(total, tf.sub(within, across));
    }
    return total;
  });
}
