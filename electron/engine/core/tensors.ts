// Small tensor helpers shared across the engine.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Reads a float tensor's values and disposes it. Never return typed arrays from tf.tidy: tidy walks
 * its result looking for tensors and visits every element of a typed array (seconds for MNIST).
 */
export function readAndDispose(t: tf.Tensor): Float32Array {
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}
