// The training loop: seeded validation hold-out, shuffles and noise; one step per batch (steps.ts:
// fused native for the MLP VAE, tfjs autograd otherwise) with Adam, a learning-rate schedule, KL
// warm-up and optional gradient clipping; live metrics read from running sums kept on the backend
// a few times a second (never once per batch);
// pause/resume/cancel between batches; a NaN/Inf guard; early stopping with the best weights kept.
import * as tf from '@tensorflow/tfjs-core';
import { LabFailure } from '../../../shared/api';
import type { BatchMetrics, EpochMetrics, LossValues, TrainConfig } from '../../../shared/types';
import { asData, type Split } from '../data/dataset';
import { evaluateModel, lossValues } from '../models/evaluate';
import { modelVariables, type Model } from '../models/model';
import { TERM_ORDER } from '../models/variant';
import { mulberry32, shuffledIndices } from '../core/random';
import { oneHot, splitRows, tensorRows } from '../models/rows';
import type { StreamedTrainRows } from '../stream/train-rows';
import { makeStepper, type Stepper } from './steps';
import { klWeightAt, learningRateAt } from './train-controls';

export interface TrainHooks {
  /** Checked after every batch: true stops training there. */
  shouldStop(): boolean;
  /** Resolves when the job is not paused (at once if it is not); returns the milliseconds waited. */
  whenRunning(): Promise<number>;
  /** Smoothed live numbers, at most every REPORT_MS. */
  onBatch(metrics: BatchMetrics): void;
  /** After each full epoch (the host writes its checkpoint here before training goes on). */
  onEpoch(metrics: EpochMetrics): Promise<void>;
  /** Lets the host's event loop run (messages: cancel, pause) between batches. */
  yieldToHost(): Promise<void>;
}

export type StopReason = 'finished' | 'cancelled' | 'stopped-early';

export interface TrainOutcome {
  epochs: EpochMetrics[];
  stop: StopReason;
  /** The epoch whose weights the model holds after early stopping restored them; else null. */
  bestEpoch: number | null;
  /** How each step ran: the fused native step (MLP VAE) or tfjs autograd. */
  step: Stepper['kind'];
}

export const REPORT_MS = 150;
/** Weight of the newest window in the smoothed live curves. */
const SMOOTHING = 0.3;

/** Rows held out for validation from n: `fraction` of them, at least one (none when 0). */
export function validationSize(n: number, fraction: number): number {
  return fraction > 0 ? Math.max(1, Math.round(n * fraction)) : 0;
}

/** Seeded hold-out: `fraction` of the rows (at least one) for validation, the rest for training. */
export function holdOut(n: number, fraction: number, seed: number): { train: Int32Array; validation: Int32Array } {
  if (fraction <= 0) return { train: Int32Array.from({ length: n }, (_, i) => i), validation: new Int32Array(0) };
  const nVal = validationSize(n, fraction);
  if (n - nVal < 1) {
    throw new LabFailure('too-few-rows', `Holding out ${Math.round(fraction * 100)}% for validation leaves no training rows (${n} rows in all).`,
      'Lower the validation fraction or use more rows.');
  }
  const order = shuffledIndices(n, mulberry32(seed ^ 0x7a1d));
  return { train: order.slice(nVal).sort(), validation: order.slice(0, nVal).sort() };
}

function diverged(epoch: number, batch: number, values: ArrayLike<number>, lr: number, config: TrainConfig): LabFailure {
  const what = Array.from(values).some(Number.isNaN) ? 'NaN' : 'infinite';
  const clip = config.clipNorm > 0 ? '' : ' or turn on gradient clipping (e.g. a norm of 5)';
  return new LabFailure('diverged', `Training diverged in epoch ${epoch} (batch ${batch}): the loss became ${what}.`,
    `Lower the learning rate (now ${lr}; try ${+(config.learningRate / 10).toPrecision(3)})${clip}, then train again. The checkpoint of the last good epoch is kept.`);
}

/** One chunk of an epoch: its rows (in memory and on the backend) and the order to take them in. */
interface EpochChunk {
  rows: Split;
  x: tf.Tensor2D;
  y: tf.Tensor2D | null;
  order: Int32Array;
  /** Disposes the chunk's tensors (not the split held for the whole run). */
  done(): void;
}

/**
 * Trains `model` in place on `data` (features d, labels one-hot when the model is conditional): a
 * split in memory, or a streamed dataset's training rows read in chunks every epoch.
 */
export async function trainModel(model: Model, input: Split | StreamedTrainRows, config: TrainConfig, hooks: TrainHooks): Promise<TrainOutcome> {
  const { inputDim: d, classes, name } = model.spec;
  const streamed = 'kind' in input ? input : null;
  // a streamed run starts its stepper on no rows; each chunk is handed to it in turn
  const data: Split = streamed ? { x: asData(new Float32Array(0)), n: 0, labels: null, rowIds: new Int32Array(0) } : (input as Split);
  const { train: trainIdx, validation: valIdx } = streamed ? { train: new Int32Array(0), validation: new Int32Array(0) } : holdOut(data.n, config.validationFraction, config.seed);
  const n = streamed ? streamed.n : trainIdx.length;
  if (n < 1) throw new LabFailure('too-few-rows', 'There are no training rows to learn from.');
  if (classes && !(streamed ? streamed.labelled : data.labels)) throw new LabFailure('no-labels', 'A conditional VAE needs a label column.');
  const valCount = streamed ? streamed.validation?.n ?? 0 : valIdx.length;
  if (config.patience > 0 && valCount === 0) {
    throw new LabFailure('bad-config', 'Early stopping watches the validation loss, but no rows are held out for validation.',
      'Set a validation fraction above 0 (e.g. 0.1), or turn early stopping off.');
  }
  const vars = modelVariables(model);
  const xAll = tf.tensor2d(data.x, [data.n, d]);
  const yAll = classes ? tf.tensor2d(oneHot(data.labels ?? new Int32Array(0), classes), [data.n, classes]) : null;
  const valRows = streamed
    ? (streamed.validation?.n ? splitRows(streamed.validation, d, classes) : null)
    : valIdx.length ? tensorRows(xAll, yAll, valIdx) : null;
  const stepper = makeStepper(model, data, xAll, yAll, config);
  const rand = mulberry32(config.seed ^ 0x5eed);
  const batch = Math.min(config.batchSize, n);
  const batchesPerEpoch = Math.ceil(n / batch);
  const totalSamples = n * config.epochs;
  /** The epoch's chunks: the split in memory as one, or the stream's chunks uploaded one by one. */
  async function* epochChunks(): AsyncGenerator<EpochChunk> {
    if (!streamed) {
      const perm = shuffledIndices(n, rand);
      yield { rows: data, x: xAll, y: yAll, order: Int32Array.from(perm, (i) => trainIdx[i]), done: () => {} };
      return;
    }
    for await (const c of streamed.chunks(rand)) {
      const x = tf.tensor2d(c.x, [c.n, d]);
      const y = classes ? tf.tensor2d(oneHot(c.labels!, classes), [c.n, classes]) : null;
      yield { rows: c, x, y, order: shuffledIndices(c.n, rand), done: () => tf.dispose([x, ...(y ? [y] : [])]) };
    }
  }
  const epochs: EpochMetrics[] = [];
  let best: { epoch: number; loss: number; weights: tf.Tensor[] } | null = null;
  let stop: StopReason = 'finished';
  let step = 0;
  let samplesDone = 0;
  let activeMs = 0;
  let smoothed: number[] | null = null;
  try {
    for (let epoch = 1; epoch <= config.epochs && stop === 'finished'; epoch++) {
      let epochMs = 0;
      let mark = performance.now();
      stepper.resetSums();
      let seen = 0;
      let lastReport = mark;
      let reported: { values: ArrayLike<number>; seen: number } = { values: new Float32Array(TERM_ORDER.length), seen: 0 };
      let lr = config.learningRate;
      let klWeight = 1;
      let b = 0;
      chunks: for await (const chunk of epochChunks()) {
        try {
          const { order } = chunk;
          if (streamed) stepper.useRows(chunk.rows, chunk.x, chunk.y);
          const chunkBatches = Math.ceil(order.length / batch);
          for (let cb = 0; cb < chunkBatches; cb++, b++) {
            const idx = order.subarray(cb * batch, Math.min(order.length, (cb + 1) * batch));
            // where in the epoch: by batches in memory (as always), by rows when streamed (chunks end in partial batches)
            lr = learningRateAt(config, epoch - 1 + (streamed ? Math.min(1, seen / n) : b / batchesPerEpoch));
            klWeight = klWeightAt(config, epoch - 1 + (streamed ? Math.min(1, (seen + idx.length) / n) : (b + 1) / batchesPerEpoch));
            stepper.step(idx, config.seed * 1_000_003 + step, klWeight, lr);
            seen += idx.length;
            samplesDone += idx.length;
            step++;
            const now = performance.now();
            // the first batch of an epoch is reported at once (a fast step can finish an epoch within REPORT_MS)
            if (b === 0 || now - lastReport >= REPORT_MS || cb === chunkBatches - 1) {
              lastReport = now;
              epochMs += now - mark;
              activeMs += now - mark;
              mark = now;
              const values = await stepper.sums();
              const window = Array.from(values, (v, j) => (v - reported.values[j]) / Math.max(1, seen - reported.seen));
              if (!window.every(Number.isFinite)) throw diverged(epoch, b + 1, window, lr, config);
              smoothed = smoothed ? smoothed.map((s, j) => SMOOTHING * window[j] + (1 - SMOOTHING) * s) : Array.from(window);
              reported = { values, seen };
              const live = lossValues(name, smoothed);
              const sps = (samplesDone / activeMs) * 1000;
              hooks.onBatch({
                epoch, batch: Math.min(b + 1, batchesPerEpoch), batchesPerEpoch, fraction: Math.min(1, samplesDone / totalSamples),
                loss: live.loss, recon: live.recon, kl: live.kl, mmd: live.mmd,
                learningRate: lr, klWeight, samplesPerSec: sps, etaSeconds: Math.max(0, totalSamples - samplesDone) / sps,
              });
            }
            await hooks.yieldToHost();
            const waited = await hooks.whenRunning();
            mark += waited;
            lastReport += waited;
            if (hooks.shouldStop()) {
              stop = 'cancelled';
              break chunks;
            }
          }
        } finally {
          chunk.done();
        }
      }
      if (seen === 0 && stop !== 'cancelled') throw new LabFailure('too-few-rows', 'There are no training rows to learn from.');
      const totals = await stepper.sums();
      if (stop === 'cancelled' && seen < n) break;
      const mean = Array.from(totals, (v) => v / seen);
      if (!mean.every(Number.isFinite)) throw diverged(epoch, b, mean, lr, config);
      let val: LossValues | null = null;
      if (valRows) {
        const v0 = performance.now();
        val = await evaluateModel(model, valRows, config.seed + 104729);
        epochMs += performance.now() - v0;
        if (!Number.isFinite(val.loss)) throw diverged(epoch, b, [val.loss], lr, config);
      }
      const metrics: EpochMetrics = {
        epoch,
        ...lossValues(name, mean),
        val,
        learningRate: lr,
        klWeight,
        samplesPerSec: (seen / epochMs) * 1000,
        seconds: epochMs / 1000,
      };
      epochs.push(metrics);
      if (config.patience > 0 && val) {
        if (!best || val.loss < best.loss) {
          tf.dispose(best?.weights ?? []);
          best = { epoch, loss: val.loss, weights: vars.map((v) => tf.keep(v.clone())) };
        } else if (epoch - best.epoch >= config.patience) {
          stop = 'stopped-early';
        }
      }
      await hooks.onEpoch(metrics);
    }
    let bestEpoch: number | null = null;
    if (best) {
      bestEpoch = best.epoch;
      if (best.epoch !== epochs[epochs.length - 1]?.epoch) vars.forEach((v, i) => v.assign(best!.weights[i]));
    }
    return { epochs, stop, bestEpoch, step: stepper.kind };
  } finally {
    tf.dispose(best?.weights ?? []);
    tf.dispose([xAll, ...(yAll ? [yAll] : [])]);
    stepper.dispose();
  }
}
