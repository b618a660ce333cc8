// Fused kernels for the models' hot paths on the 'native' backend, with registered gradients:
// a dense layer act(x·w + b), the Bernoulli loss on logits and the Gaussian KL, each one kernel
// call forward. Their gradients are per input, so tfjs's tape computes only those it needs (no dX
// for a first layer fed with data, no gradient for the loss's targets).
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import type { NativeBackend } from './backend';

const LAB_DENSE = 'LabDense';
const LAB_DENSE_GRAD = 'LabDenseGrad';
const LAB_SIGMOID_BCE = 'LabSigmoidBce';
const LAB_SIGMOID_BCE_GRAD = 'LabSigmoidBceGrad';
const LAB_GAUSSIAN_KL = 'LabGaussianKl';
const LAB_GAUSSIAN_KL_GRAD = 'LabGaussianKlGrad';

/** Activation codes shared with the addon. */
export const ACTIVATIONS = { linear: 0, relu: 1 } as const;
export type DenseActivation = keyof typeof ACTIVATIONS;

/** Which gradient a *Grad kernel computes. */
const PART = { x: 0, w: 1, b: 2, mu: 0, logvar: 1 } as const;

type Args = { inputs: NamedTensorInfoMap; backend: NativeBackend; attrs?: NamedAttrMap };
const f32 = (b: NativeBackend, t: TensorInfo | undefined) => (t ? (b.data.get(t.dataId).values as Float32Array) : null);

export function fusedKernels(addon: NativeAddon): [string, KernelFunc][] {
  // y = act(x·w + b); x [M,K], w [K,N], b [N]
  const dense: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const { x, w, b } = inputs;
    const [M, K] = x!.shape;
    const N = w!.shape[1];
    const y = backend.alloc(M * N);
    addon.denseForward(M, K, N, f32(backend, x)!, f32(backend, w)!, f32(backend, b), attrs!.activation as number, y);
    return backend.makeTensorInfo([M, N], 'float32', y);
  };

  // One of dx = g·wᵀ, dw = xᵀ·g, db = Σ g, with g = dy ⊙ act'(y)
  const denseGrad: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const { dy, x, w, y } = inputs;
    const [M, N] = dy!.shape;
    const part = attrs!.part as number;
    const act = attrs!.activation as number;
    const K = part === PART.x ? w!.shape[0] : part === PART.w ? x!.shape[1] : 0;
    const shape = part === PART.x ? [M, K] : part === PART.w ? [K, N] : [N];
    const grad = backend.alloc(shape.reduce((p, q) => p * q, 1));
    const scratch = act === ACTIVATIONS.relu ? backend.alloc(M * N) : null;
    addon.denseBackward(M, K, N, f32(backend, dy)!, f32(backend, x), f32(backend, w), f32(backend, y), act, scratch,
      part === PART.x ? grad : null, part === PART.w ? grad : null, part === PART.b ? grad : null);
    if (scratch) backend.release(scratch);
    return backend.makeTensorInfo(shape, 'float32', grad);
  };

  // Σ_j softplus(l) − x·l per row: −log Bernoulli(x | sigmoid(l))
  const sigmoidBce: KernelFunc = (args) => {
    const { inputs, backend } = args as Args;
    const { logits, x } = inputs;
    const [M, N] = logits!.shape;
    const loss = backend.alloc(M);
    addon.sigmoidBce(M, N, f32(backend, logits)!, f32(backend, x)!, loss);
    return backend.makeTensorInfo([M], 'float32', loss);
  };

  // d/dlogits = (sigmoid(l) − x)·dy per row
  const sigmoidBceGrad: KernelFunc = (args) => {
    const { inputs, backend } = args as Args;
    const { logits, x, dy } = inputs;
    const [M, N] = logits!.shape;
    const dl = backend.alloc(M * N);
    addon.sigmoidBceGrad(M, N, f32(backend, logits)!, f32(backend, x)!, f32(backend, dy)!, dl);
    return backend.makeTensorInfo([M, N], 'float32', dl);
  };

  // KL(N(μ, σ²) ‖ N(0, 1)) per row: −½ Σ (1 + log σ² − μ² − σ²). [batch, latent] is small: plain
  // loops; the point is one kernel instead of seven.
  const gaussianKl: KernelFunc = (args) => {
    const { inputs, backend } = args as Args;
    const [M, K] = inputs.mu!.shape;
    const m = f32(backend, inputs.mu)!;
    const lv = f32(backend, inputs.logvar)!;
    const kl = backend.alloc(M);
    for (let i = 0; i < M; i++) {
      let s = 0;
      for (let j = i * K; j < (i + 1) * K; j++) s += 1 + lv[j] - m[j] * m[j] - Math.exp(lv[j]);
      kl[i] = -0.5 * s;
    }
    return backend.makeTensorInfo([M], 'float32', kl);
  };

  // dμ = dy·μ, dlog σ² = dy·½(σ² − 1), per row
  const gaussianKlGrad: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const [M, K] = inputs.mu!.shape;
    const ofMu = attrs!.part === PART.mu;
    const src = f32(backend, ofMu ? inputs.mu : inputs.logvar)!;
    const g = f32(backend, inputs.dy)!;
    const grad = backend.alloc(M * K);
    for (let i = 0; i < M; i++) {
      for (let j = i * K; j < (i + 1) * K; j++) grad[j] = ofMu ? g[i] * src[j] : 0.5 * g[i] * (Math.exp(src[j]) - 1);
    }
    return backend.makeTensorInfo([M, K], 'float32', grad);
  };

  return [
    [LAB_DENSE, dense], [LAB_DENSE_GRAD, denseGrad], [LAB_SIGMOID_BCE, sigmoidBce], [LAB_SIGMOID_BCE_GRAD, sigmoidBceGrad],
    [LAB_GAUSSIAN_KL, gaussianKl], [LAB_GAUSSIAN_KL_GRAD, gaussianKlGrad],
  ];
}

const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: NamedAttrMap = {}) =>
  tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs) as tf.Tensor;

let gradientsRegistered = false;

export function registerFusedGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  tf.registerGradient({
    kernelName: LAB_DENSE,
    inputsToSave: ['x', 'w'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, w, y] = saved;
      const g = dy as tf.Tensor;
      const activation = attrs.activation as number;
      return {
        x: () => run(LAB_DENSE_GRAD, { dy: g, w, y }, { activation, part: PART.x }),
        w: () => run(LAB_DENSE_GRAD, { dy: g, x, y }, { activation, part: PART.w }),
        b: () => run(LAB_DENSE_GRAD, { dy: g, y }, { activation, part: PART.b }),
      };
    },
  });
  tf.registerGradient({
    kernelName: LAB_SIGMOID_BCE,
    inputsToSave: ['logits', 'x'],
    gradFunc: (dy, saved) => {
      const [logits, x] = saved;
      const g = dy as tf.Tensor;
      return {
        logits: () => run(LAB_SIGMOID_BCE_GRAD, { logits, x, dy: g }),
        x: () => tf.mul(tf.neg(logits), tf.expandDims(g, 1)),
      };
    },
  });
  tf.registerGradient({
    kernelName: LAB_GAUSSIAN_KL,
    inputsToSave: ['mu', 'logvar'],
    gradFunc: (dy, saved) => {
      const [mu, logvar] = saved;
      const g = dy as tf.Tensor;
      return {
        mu: () => run(LAB_GAUSSIAN_KL_GRAD, { mu, logvar, dy: g }, { part: PART.mu }),
        logvar: () => run(LAB_GAUSSIAN_KL_GRAD, { mu, logvar, dy: g }, { part: PART.logvar }),
      };
    },
  });
}

/** act(x·w + b) in one kernel (gradients: one kernel per input that needs one). */
export function nativeDense(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor, activation: DenseActivation): tf.Tensor2D {
  return run(LAB_DENSE, { x, w, b }, { activation: ACTIVATIONS[activation] }) as tf.Tensor2D;
}

/** −log Bernoulli(x | sigmoid(logits)) per row. */
export function nativeBernoulliNll(x: tf.Tensor2D, logits: tf.Tensor2D): tf.Tensor1D {
  return run(LAB_SIGMOID_BCE, { logits, x }) as tf.Tensor1D;
}

/** KL(N(μ, σ²) ‖ N(0, I)) per row, from μ and log σ². */
export function nativeGaussianKl(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  return run(LAB_GAUSSIAN_KL, { mu, logvar }) as tf.Tensor1D;
}
