// Differentiable ops on the native backend's fused kernels: one kernel call for a dense layer's
// forward pass and one for its backward pass, and the same for the Bernoulli loss on logits.
import * as tf from '@tensorflow/tfjs-core';
import {
  ACTIVATIONS,
  LAB_DENSE,
  LAB_GAUSSIAN_KL,
  LAB_GAUSSIAN_KL_GRAD,
  LAB_DENSE_GRAD,
  LAB_SIGMOID_BCE,
  LAB_SIGMOID_BCE_GRAD,
  type DenseActivation,
} from './kernels';

const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, number | boolean> = {}) =>
  tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs);

/**
 * act(x·w + b). With inputGrad false, x is a constant of the op (no dX product is computed:
 * the first layer's input is data).
 */
export function nativeDense(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor, activation: DenseActivation, inputGrad: boolean): tf.Tensor2D {
  const act = ACTIVATIONS[activation];
  const forward = (xi: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = run(LAB_DENSE, { x: xi, w, b }, { activation: act }) as tf.Tensor2D;
    save([xi, y]);
    return y;
  };
  const grads = (dy: tf.Tensor, saved: tf.Tensor[]) =>
    run(LAB_DENSE_GRAD, { dy, x: saved[0], w, y: saved[1] }, { activation: act, inputGrad }) as tf.Tensor[];
  if (inputGrad) {
    return tf.customGrad((xi, wi, bi, save) => {
      void wi;
      void bi;
      return {
        value: forward(xi as tf.Tensor, save as tf.GradSaveFunc),
        gradFunc: (dy, saved) => {
          const [dw, db, dx] = grads(dy as tf.Tensor, saved);
          return [dx, dw, db];
        },
      };
    })(x, w, b) as tf.Tensor2D;
  }
  return tf.customGrad((wi, bi, save) => {
    void wi;
    void bi;
    return {
      value: forward(x, save as tf.GradSaveFunc),
      gradFunc: (dy, saved) => grads(dy as tf.Tensor, saved),
    };
  })(w, b) as tf.Tensor2D;
}

/** Σ_j softplus(l) − x·l per row (−log Bernoulli(x | sigmoid(l))), with gradients to both. */
export function nativeBernoulliNll(x: tf.Tensor2D, logits: tf.Tensor2D): tf.Tensor1D {
  return tf.customGrad((xi, li, save) => {
    const [loss, sigmoid] = run(LAB_SIGMOID_BCE, { logits: li as tf.Tensor, x: xi as tf.Tensor }) as tf.Tensor[];
    (save as tf.GradSaveFunc)([xi as tf.Tensor, li as tf.Tensor, sigmoid]);
    return {
      value: loss,
      gradFunc: (dy, saved) => {
        const [xs, ls, sig] = saved;
        const [dl, dx] = run(LAB_SIGMOID_BCE_GRAD, { sigmoid: sig, x: xs, logits: ls, dy: dy as tf.Tensor }) as tf.Tensor[];
        return [dx, dl];
      },
    };
  })(x, logits) as tf.Tensor1D;
}

/** KL(N(μ, σ²) ‖ N(0, I)) per row, from μ and log σ², with gradients to both. */
export function nativeGaussianKl(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  return tf.customGrad((m, lv, save) => {
    (save as tf.GradSaveFunc)([m as tf.Tensor, lv as tf.Tensor]);
    return {
      value: run(LAB_GAUSSIAN_KL, { mu: m as tf.Tensor, logvar: lv as tf.Tensor }) as tf.Tensor,
      gradFunc: (dy, saved) => run(LAB_GAUSSIAN_KL_GRAD, { mu: saved[0], logvar: saved[1], dy: dy as tf.Tensor }) as tf.Tensor[],
    };
  })(mu, logvar) as tf.Tensor1D;
}
