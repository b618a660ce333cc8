// The knobs of an optimisation run that change with time: learning-rate schedule, KL warm-up,
// and gradient clipping by global norm. Pure functions of the config and the progress.
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../../shared/types';

/**
 * Learning rate at `progress` epochs done (fractional; 0 at the start). step: ×stepFactor every
 * stepEpochs whole epochs. cosine: from the base rate down to 0 at the last step.
 */
export function learningRateAt(c: Pick<TrainConfig, 'learningRate' | 'schedule' | 'stepEpochs' | 'stepFactor' | 'epochs'>, progress: number): number {
  switch (c.schedule) {
    case 'constant':
      return c.learningRate;
    case 'step':
      return c.learningRate * c.stepFactor ** Math.floor(progress / Math.max(1, c.stepEpochs));
    case 'cosine':
      return c.learningRate * 0.5 * (1 + Math.cos((Math.PI * Math.min(progress, c.epochs)) / c.epochs));
  }
}

/** KL weight after `progress` epochs: a linear ramp 0 → 1 over klWarmupEpochs (1 when off). */
export function klWeightAt(c: Pick<TrainConfig, 'klWarmupEpochs'>, progress: number): number {
  return c.klWarmupEpochs > 0 ? Math.min(1, progress / c.klWarmupEpochs) : 1;
}

/** Scales all gradients together so their global L2 norm is at most maxNorm. */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
    const scale = tf.minimum(1, tf.div(maxNorm, tf.maximum(norm, 1e-12)));
    return Object.fromEntries(names.map((n) => [n, tf.mul(grads[n], scale)]));
  });
}
