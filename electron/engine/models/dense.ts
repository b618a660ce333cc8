// A dense layer y = x·W + b with a hand-written gradient. On the wasm backend tfjs autograd's
// matMul gradient uses transposeA/transposeB, which takes a slow path (~13× slower than a plain
// matMul); an explicit transpose followed by a plain matMul is much faster.
import * as tf from '@tensorflow/tfjs-core';

export interface DenseParams {
  w: tf.Variable;
  b: tf.Variable;
}

/** PyTorch's nn.Linear default init: W, b ~ U(-1/√fanIn, 1/√fanIn). */
export function denseParams(fanIn: number, fanOut: number, seed: number, name: string): DenseParams {
  const bound = 1 / Math.sqrt(fanIn);
  return {
    w: tf.variable(tf.randomUniform([fanIn, fanOut], -bound, bound, 'float32', seed), true, `${name}/w`),
    b: tf.variable(tf.randomUniform([fanOut], -bound, bound, 'float32', seed + 1), true, `${name}/b`),
  };
}

const denseWithInputGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy, saved) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(ws)), tf.matMul(tf.transpose(xs), g), tf.sum(g, 0)];
    },
  };
});

// For the first layer: the data needs no gradient, so skip the dX product.
const denseNoInputGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy, saved) => {
      const [xs] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D;
      return [tf.zerosLike(xs), tf.matMul(tf.transpose(xs), g), tf.sum(g, 0)];
    },
  };
});

export function dense(x: tf.Tensor2D, p: DenseParams, opts: { inputGrad?: boolean } = {}): tf.Tensor2D {
  const f = opts.inputGrad === false ? denseNoInputGrad : denseWithInputGrad;
  return f(x, p.w, p.b) as tf.Tensor2D;
}
