// Anomaly scores per row, higher = more anomalous: a model's reconstruction probability (An & Cho
// 2015), its reconstruction error and −ELBO, and PCA's reconstruction error. Rows go in batches, the
// L samples of z one at a time, so memory stays bounded for convolutional models too.
import * as tf from '@tensorflow/tfjs-core';
import type { ReduceHooks } from '../reduce/hooks';
import { evalBatchSize } from '../models/evaluate';
import { gaussianKl } from '../models/losses';
import { decode, decodeRaw, encode, reconNll, reparameterize, type Model } from '../models/model';
import { pcaReconstruct, type PcaModel } from '../reduce/pca';
import type { RowSource } from '../models/rows';

export interface ModelScores {
  /** −(1/L) Σₗ log p(x|zₗ), zₗ ~ q(z|x); null for deterministic encoders. */
  reconProb: Float32Array | null;
  /** Σⱼ (xⱼ − decode(μ(x))ⱼ)². */
  reconError: Float32Array;
  /** reconProb + KL(q(z|x) ‖ N(0, I)); null for deterministic encoders. */
  negElbo: Float32Array | null;
}

/** Σⱼ (a − b)² per row (call inside tf.tidy). */
function rowSquaredError(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.square(tf.sub(a, b)), 1) as tf.Tensor1D;
}

/**
 * Scores every row with one model. `samples` = L draws of z per row for the reconstruction
 * probability, each drawn with its own seed so results repeat exactly.
 */
export async function modelScores(model: Model, rows: RowSource, samples: number, seed: number, hooks: ReduceHooks): Promise<ModelScores> {
  const stochastic = model.spec.stochastic;
  const n = rows.n;
  const reconError = new Float32Array(n);
  const reconProb = stochastic ? new Float32Array(n) : null;
  const negElbo = stochastic ? new Float32Array(n) : null;
  const step = evalBatchSize(model);
  for (let i = 0; i < n; i += step) {
    const end = Math.min(n, i + step);
    // tidy frees what building the batch left behind (e.g. a gather's index tensor)
    const [x, y = null] = tf.tidy(() => {
      const b = rows.batch(i, end);
      return b.y ? [b.x, b.y] : [b.x];
    });
    const batch = { x, y };
    const [mu, logvar = null] = tf.tidy(() => {
      const q = encode(model, batch.x, batch.y);
      return q.logvar ? [q.mu, q.logvar] : [q.mu];
    });
    const err = tf.tidy(() => rowSquaredError(batch.x, decode(model, mu, batch.y)));
    reconError.set(await err.data(), i);
    err.dispose();
    if (logvar) {
      let nll = tf.zeros([end - i]) as tf.Tensor1D;
      for (let l = 0; l < samples; l++) {
        const next = tf.tidy(() => {
          const eps = tf.randomNormal(mu.shape, 0, 1, 'float32', seed + (i / step) * samples + l) as tf.Tensor2D;
          const z = reparameterize(mu, logvar, eps);
          return tf.add(nll, reconNll(model, batch.x, decodeRaw(model, z, batch.y))) as tf.Tensor1D;
        });
        nll.dispose();
        nll = next;
        await hooks.step((i + ((end - i) * (l + 1)) / samples) / n, `Scoring rows ${i + 1}–${end} of ${n}`);
      }
      const [rp, elbo] = tf.tidy(() => {
        const mean = tf.div(nll, samples);
        return [mean, tf.add(mean, gaussianKl(mu, logvar))];
      });
      reconProb!.set(await rp.data(), i);
      negElbo!.set(await elbo.data(), i);
      tf.dispose([nll, rp, elbo, logvar]);
    } else {
      await hooks.step(end / n, `Scoring rows ${i + 1}–${end} of ${n}`);
    }
    tf.dispose([mu, x, ...(y ? [y] : [])]);
  }
  return { reconProb, reconError, negElbo };
}

/** Σⱼ (xⱼ − x̂ⱼ)² per row of PCA-k's reconstruction, in blocks to bound memory. */
export async function pcaErrorScores(pca: PcaModel, x: Float32Array, n: number, k: number, hooks: ReduceHooks): Promise<Float32Array> {
  const d = pca.d;
  const out = new Float32Array(n);
  const block = 2000;
  for (let i = 0; i < n; i += block) {
    const rows = Math.min(block, n - i);
    const part = x.subarray(i * d, (i + rows) * d);
    const xHat = pcaReconstruct(pca, part, rows, k);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const e = part[r * d + j] - xHat[r * d + j];
        s += e * e;
      }
      out[i + r] = s;
    }
    await hooks.step((i + rows) / n, `PCA-${k}: rows ${i + 1}–${i + rows} of ${n}`);
  }
  return out;
}
