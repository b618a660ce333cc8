// How one optimisation step runs, for the training loop (train.ts): the general path — tfjs
// autograd over the variant's objective, then Adam — for every model, or the fused native step
// (native/vae-step.ts) for the MLP and conv VAEs, where it computes the same thing. Each keeps the running
// sums of the epoch's loss terms (TERM_ORDER) without reading anything back per batch.
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../../shared/types';
import type { Split } from '../data/dataset';
import { modelVariables, type Model } from '../models/model';
import { gatherRows } from '../models/rows';
import { seededNormal, termSums, TERM_ORDER } from '../models/variant';
import { variants } from '../models/variants';
import { FusedVaeStep, fusedStepUnavailable } from '../native/vae-step';
import { adam } from './optimizer';
import { clipByGlobalNorm } from './train-controls';

/** Adam's constants for every training run (the learning rate comes from the schedule). */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

export interface Stepper {
  /** 'fused' (one native call per batch) or 'general' (tfjs autograd). */
  readonly kind: 'fused' | 'general';
  /** One step on training rows idx (indices into the split) and adds their term sums to the epoch's. */
  step(idx: Int32Array, stepSeed: number, klWeight: number, lr: number): void;
  /** The epoch's sums so far (TERM_ORDER), a snapshot. */
  sums(): Promise<ArrayLike<number>>;
  /** Starts the next epoch's sums at zero. */
  resetSums(): void;
  /** Steps on other rows from now on (a streamed dataset's chunk), keeping the optimizer's state. */
  useRows(data: Split, xAll: tf.Tensor2D, yAll: tf.Tensor2D | null): void;
  dispose(): void;
}

/** The general path: the variant's objective under tf.variableGrads, then the optimizer. */
function generalStepper(model: Model, xRows: tf.Tensor2D, yRows: tf.Tensor2D | null, config: TrainConfig): Stepper {
  let xAll = xRows;
  let yAll = yRows;
  const variant = variants[model.spec.name];
  const vars = modelVariables(model);
  // fused into the addon on the native backend, tfjs's own elsewhere
  const optimizer: tf.Optimizer = adam(config.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  let acc = tf.zeros([TERM_ORDER.length]) as tf.Tensor1D;
  return {
    kind: 'general',
    step(idx, stepSeed, klWeight, lr) {
      // tfjs Adam reads its rate on every step
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const sums = tf.tidy(() => {
        const rows = gatherRows(xAll, yAll, idx);
        let s!: tf.Tensor1D;
        const { grads } = tf.variableGrads(() => {
          const t = variant.loss(model, rows, { normal: seededNormal(stepSeed), klWeight });
          s = tf.keep(termSums(t, idx.length));
          return t.train;
        }, vars);
        optimizer.applyGradients(config.clipNorm > 0 ? clipByGlobalNorm(grads, config.clipNorm) : grads);
        return s;
      });
      const next = tf.add(acc, sums) as tf.Tensor1D;
      tf.dispose([acc, sums]);
      acc = next;
    },
    sums: () => acc.data(),
    resetSums() {
      acc.dispose();
      acc = tf.zeros([TERM_ORDER.length]);
    },
    useRows(_data, x, y) {
      xAll = x;
      yAll = y;
    },
    dispose() {
      acc.dispose();
      optimizer.dispose();
    },
  };
}

function fusedStepper(model: Model, data: Split, config: TrainConfig): Stepper {
  const fused = new FusedVaeStep(model, data.x, data.n, ADAM);
  const acc = new Float64Array(TERM_ORDER.length);
  return {
    kind: 'fused',
    // seededNormal(stepSeed)'s first draw is seed·16: the same noise as the general path
    step: (idx, stepSeed, klWeight, lr) => fused.run(idx, stepSeed * 16, klWeight, lr, config.clipNorm, acc),
    sums: async () => acc.slice(),
    resetSums: () => acc.fill(0),
    useRows: (rows) => fused.useRows(rows.x, rows.n),
    dispose() {},
  };
}

/**
 * The stepper for this model: fused where it applies (LAB_FUSED=0 turns it off), else general.
 * xAll/yAll hold the split's rows (and one-hot labels) on the backend.
 */
export function makeStepper(model: Model, data: Split, xAll: tf.Tensor2D, yAll: tf.Tensor2D | null, config: TrainConfig): Stepper {
  return fusedStepUnavailable(model, config) === null ? fusedStepper(model, data, config) : generalStepper(model, xAll, yAll, config);
}
