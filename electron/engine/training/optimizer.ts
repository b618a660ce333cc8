// The optimizer for training loops: Adam, fused into the addon on the native backend.
import * as tf from '@tensorflow/tfjs-core';
import { activeAddon, nativeActive } from '../native/backend';
import { NativeAdam } from '../native/adam';

export function adam(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8): tf.Optimizer {
  if (nativeActive()) return new NativeAdam(activeAddon(), learningRate, beta1, beta2, epsilon);
  return tf.train.adam(learningRate, beta1, beta2, epsilon);
}
