// Rows fed to a model, batch by batch: from a split in memory (test, new data) or gathered on the
// backend from a tensor already uploaded (training and validation rows).
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../data/dataset';
import type { Batch } from './model';

export interface RowSource {
  n: number;
  /** Rows [start, end) as tensors; call inside tf.tidy (or dispose them). */
  batch(start: number, end: number): Batch;
}

/** One-hot rows, n × classes; a missing label (−1) gives a zero row. */
export function oneHot(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((l, i) => {
    if (l >= 0 && l < classes) out[i * classes + l] = 1;
  });
  return out;
}

export function splitRows(split: Split, d: number, classes: number): RowSource {
  return {
    n: split.n,
    batch(start, end) {
      const x = tf.tensor2d(split.x.subarray(start * d, end * d), [end - start, d]);
      if (!classes) return { x, y: null };
      if (!split.labels) throw new Error('a conditional model needs labels');
      return { x, y: tf.tensor2d(oneHot(split.labels.subarray(start, end), classes), [end - start, classes]) };
    },
  };
}

/** Rows `indices` of tensors already on the backend. */
export function tensorRows(x: tf.Tensor2D, y: tf.Tensor2D | null, indices: Int32Array): RowSource {
  return {
    n: indices.length,
    batch: (start, end) => gatherRows(x, y, indices.subarray(start, end)),
  };
}

/** Call inside tf.tidy (the index tensor is left to the caller's scope). */
export function gatherRows(x: tf.Tensor2D, y: tf.Tensor2D | null, idx: Int32Array): Batch {
  const at = tf.tensor1d(idx, 'int32');
  return { x: tf.gather(x, at) as tf.Tensor2D, y: y ? (tf.gather(y, at) as tf.Tensor2D) : null };
}
