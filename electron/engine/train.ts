// The training loop: seeded shuffles and noise, batches gathered on the backend, Adam, per-epoch
// metrics, cancel between batches, and no tensors left behind.
import * as tf from '@tensorflow/tfjs-core';
import { LabFailure } from '../../shared/api';
import type { EpochMetrics, Likelihood, TrainConfig } from '../../shared/types';
import type { Split } from './data/dataset';
import { createVae, negElbo, vaeVariables, type Vae } from './models/vae';
import { adam } from './optimizer';
import { mulberry32, shuffledIndices } from './random';

export interface TrainHooks {
  /** Called between batches; returning true stops training after the current batch. */
  shouldStop(): boolean;
  onProgress(fraction: number, message: string, samplesPerSec: number): void;
  onEpoch(metrics: EpochMetrics): void;
  /** Lets the host's event loop run (messages, cancel) between batches. */
  yieldToHost(): Promise<void>;
}

export interface TrainOutcome {
  model: Vae;
  epochs: EpochMetrics[];
  cancelled: boolean;
}

const PROGRESS_INTERVAL_MS = 150;

export async function trainVae(
  train: Split,
  d: number,
  likelihood: Likelihood,
  config: TrainConfig,
  hooks: TrainHooks,
): Promise<TrainOutcome> {
  const n = train.n;
  if (n < 1) throw new LabFailure('too-few-rows', 'There are no training rows to learn from.');
  const model = createVae({ inputDim: d, hidden: config.hidden, latent: config.latent, likelihood }, config.seed);
  const optimizer = adam(config.learningRate, 0.9, 0.999, 1e-8);
  const vars = vaeVariables(model);
  const xAll = tf.tensor2d(train.x, [n, d]);
  const rand = mulberry32(config.seed ^ 0x5eed);
  const batch = Math.min(config.batchSize, n);
  const batchesPerEpoch = Math.ceil(n / batch);
  const epochs: EpochMetrics[] = [];
  let step = 0;
  let cancelled = false;
  let lastProgress = 0;
  try {
    for (let epoch = 1; epoch <= config.epochs && !cancelled; epoch++) {
      const order = shuffledIndices(n, rand);
      const t0 = performance.now();
      let reconTotal = tf.scalar(0);
      let klTotal = tf.scalar(0);
      let seen = 0;
      for (let b = 0; b < batchesPerEpoch; b++) {
        const idx = order.subarray(b * batch, Math.min(n, (b + 1) * batch));
        const terms = tf.tidy(() => {
          const x = tf.gather(xAll, tf.tensor1d(idx, 'int32')) as tf.Tensor2D;
          let recon!: tf.Scalar;
          let kl!: tf.Scalar;
          const { grads } = tf.variableGrads(() => {
            const t = negElbo(model, x, config.seed * 1_000_003 + step);
            recon = tf.keep(t.reconSum);
            kl = tf.keep(t.klSum);
            return t.loss;
          }, vars);
          optimizer.applyGradients(grads);
          return { recon, kl };
        });
        const r = tf.add(reconTotal, terms.recon) as tf.Scalar;
        const k = tf.add(klTotal, terms.kl) as tf.Scalar;
        tf.dispose([reconTotal, klTotal, terms.recon, terms.kl]);
        reconTotal = r;
        klTotal = k;
        seen += idx.length;
        step++;
        const now = performance.now();
        if (now - lastProgress > PROGRESS_INTERVAL_MS) {
          lastProgress = now;
          const sps = (seen / (now - t0)) * 1000;
          hooks.onProgress(((epoch - 1) * batchesPerEpoch + b + 1) / (config.epochs * batchesPerEpoch),
            `Epoch ${epoch}/${config.epochs}, batch ${b + 1}/${batchesPerEpoch}`, sps);
        }
        await hooks.yieldToHost();
        if (hooks.shouldStop()) {
          cancelled = true;
          break;
        }
      }
      const recon = (await reconTotal.data())[0] / seen;
      const kl = (await klTotal.data())[0] / seen;
      tf.dispose([reconTotal, klTotal]);
      const seconds = (performance.now() - t0) / 1000;
      if (!Number.isFinite(recon) || !Number.isFinite(kl)) {
        throw new LabFailure('diverged', `Training diverged in epoch ${epoch} (the loss became ${Number.isNaN(recon + kl) ? 'NaN' : 'infinite'}).`,
          `Lower the learning rate (now ${config.learningRate}) and train again.`);
      }
      if (!cancelled || seen === n) {
        const metrics: EpochMetrics = { epoch, loss: recon + kl, recon, kl, samplesPerSec: seen / seconds, seconds };
        epochs.push(metrics);
        hooks.onEpoch(metrics);
      }
    }
  } catch (err) {
    tf.dispose(vars);
    throw err;
  } finally {
    xAll.dispose();
    optimizer.dispose();
  }
  return { model, epochs, cancelled };
}
