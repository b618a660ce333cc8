// A dense layer y = act(x·W + b) with hand-written gradients.
// - native backend: one fused addon kernel forward (product + bias + activation), and one per
//   input gradient the tape needs (so no dX for a layer fed with data, whatever inputGrad says).
// - elsewhere (wasm, cpu, tensorflow): tfjs autograd's matMul gradient uses transposeA/transposeB,
//   which takes a slow path on wasm (~13× slower than a plain matMul), so the gradient here uses
//   an explicit transpose followed by a plain matMul.
import * as tf from '@tensorflow/tfjs-core';
import { nativeActive } from '../native/backend';
import { nativeDense } from '../native/fused';

export interface DenseParams {
  w: tf.Variable;
  b: tf.Variable;
}

export interface DenseOptions {
  /** false when x needs no gradient (the first layer's input is data): skips the dX product. */
  inputGrad?: boolean;
  /** Applied after the bias; fused into the layer's kernels on the native backend. */
  activation?: 'linear' | 'relu';
}

/** PyTorch's nn.Linear default init: W, b ~ U(-1/√fanIn, 1/√fanIn). */
export function denseParams(fanIn: number, fanOut: number, seed: number, name: string): DenseParams {
  const bound = 1 / Math.sqrt(fanIn);
  const init = (shape: number[], s: number, part: string) => {
    const t = tf.randomUniform(shape, -bound, bound, 'float32', s);
    const v = tf.variable(t, true, `${name}/${part}`);
    t.dispose(); // the variable holds its own reference to the data
    return v;
  };
  return { w: init([fanIn, fanOut], seed, 'w'), b: init([fanOut], seed + 1, 'b') };
}

const denseWithInputGrad = tf.customGrad((x, w, b, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor2D, w as tf.Tensor2D]);
  return {
    value: tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b as tf.Tensor),
    gradFunc: (dy, saved) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(ws)), tf.matMul(tf.transpose(xs), g), tf.sum(g, 0)];
    },
  };
});

// For the first layer: the data needs no gradient, so skip the dX product.
const denseNoInputGrad = tf.customGrad((x, w, b, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor2D]);
  return {
    value: tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b as tf.Tensor),
    gradFunc: (dy, saved) => {
      const [xs] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D;
      return [tf.zerosLike(xs), tf.matMul(tf.transpose(xs), g), tf.sum(g, 0)];
    },
  };
});

export function dense(x: tf.Tensor2D, p: DenseParams, opts: DenseOptions = {}): tf.Tensor2D {
  const activation = opts.activation ?? 'linear';
  const inputGrad = opts.inputGrad !== false;
  if (nativeActive() && x.dtype === 'float32') return nativeDense(x, p.w, p.b, activation);
  const f = inputGrad ? denseWithInputGrad : denseNoInputGrad;
  const y = f(x, p.w, p.b) as tf.Tensor2D;
  return activation === 'relu' ? tf.relu(y) : y;
}
