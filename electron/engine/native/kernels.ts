// The 'native' backend's kernel table: tfjs-backend-cpu's kernels, with the addon's replacing the
// hot ones — matrix products (any transposition, batched) and row gathers here, element-wise ops,
// convolutions, pooling, upsampling and the models' fused kernels in their own files.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import type { NativeBackend } from './backend';
import { convKernels } from './conv';
import { elementwiseKernels } from './elementwise';
import { fusedKernels, registerFusedGradients } from './fused';

export const BACKEND = 'native';

type Args = { inputs: NamedTensorInfoMap; backend: NativeBackend; attrs?: NamedAttrMap };

const f32 = (b: NativeBackend, t: TensorInfo) => b.data.get(t.dataId).values as Float32Array;
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const out = (b: NativeBackend, shape: number[], values: Float32Array) => b.makeTensorInfo(shape, 'float32', values);

/** Runs the tfjs cpu kernel of the same name (for dtypes/shapes the addon does not cover). */
function cpuKernel(name: string): KernelFunc {
  const k = tf.getKernel(name, 'cpu');
  if (!k) throw new Error(`tfjs cpu kernel ${name} is not registered`);
  return k.kernelFunc;
}

function makeKernels(addon: NativeAddon): KernelConfig[] {
  const cpuBatchMatMul = cpuKernel(tf.BatchMatMul);
  const cpuFusedMatMul = cpuKernel(tf._FusedMatMul);
  const cpuGather = cpuKernel(tf.GatherV2);

  /** Batched op(A)·op(B) in the addon, or null when the inputs need the generic path. */
  function matMul(backend: NativeBackend, a: TensorInfo, b: TensorInfo, ta: boolean, tb: boolean): TensorInfo | null {
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const M = ta ? a.shape[ra - 1] : a.shape[ra - 2];
    const K = ta ? a.shape[ra - 2] : a.shape[ra - 1];
    const K2 = tb ? b.shape[rb - 1] : b.shape[rb - 2];
    const N = tb ? b.shape[rb - 2] : b.shape[rb - 1];
    if (K !== K2) return null; // the cpu kernel throws tfjs's own message
    const batchA = size(a.shape.slice(0, -2));
    const batchB = size(b.shape.slice(0, -2));
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batch = size(outer);
    // Equal batches, or one side shared by all; other broadcasts take the generic path.
    if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return null;
    const av = f32(backend, a);
    const bv = f32(backend, b);
    const y = backend.alloc(batch * M * N);
    const lda = a.shape[ra - 1];
    const ldb = b.shape[rb - 1];
    for (let i = 0; i < batch; i++) {
      const aOff = batchA === 1 ? 0 : i * M * K;
      const bOff = batchB === 1 ? 0 : i * K * N;
      addon.gemm(M, N, K, av.subarray(aOff, aOff + M * K), lda, ta, bv.subarray(bOff, bOff + K * N), ldb, tb,
        y.subarray(i * M * N, (i + 1) * M * N), N, false);
    }
    return out(backend, [...outer, M, N], y);
  }

  const batchMatMul: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const r = matMul(backend, inputs.a!, inputs.b!, attrs!.transposeA as boolean, attrs!.transposeB as boolean);
    return r ?? cpuBatchMatMul(args);
  };

  const fusedMatMul: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const { a, b, bias } = inputs;
    const activation = (attrs!.activation as string | undefined) ?? 'linear';
    if (activation !== 'linear' && activation !== 'relu') return cpuFusedMatMul(args);
    if (bias && (bias.dtype !== 'float32' || bias.shape.length > 1)) return cpuFusedMatMul(args);
    const y = matMul(backend, a!, b!, attrs!.transposeA as boolean, attrs!.transposeB as boolean);
    if (!y) return cpuFusedMatMul(args);
    const v = f32(backend, y);
    const n = y.shape[y.shape.length - 1];
    const bv = bias ? f32(backend, bias) : null;
    if (bv && bv.length !== 1 && bv.length !== n) {
      backend.disposeIntermediateTensorInfo(y);
      return cpuFusedMatMul(args);
    }
    const relu = activation === 'relu';
    for (let i = 0; i < v.length; i++) {
      let s = v[i];
      if (bv) s += bv.length === 1 ? bv[0] : bv[i % n];
      v[i] = relu && s < 0 ? 0 : s;
    }
    return y;
  };

  const gather: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const { x, indices } = inputs;
    const axis = attrs!.axis as number;
    const batchDims = (attrs!.batchDims as number | undefined) ?? 0;
    if (x!.dtype !== 'float32' || indices!.dtype !== 'int32' || batchDims !== 0 || !(axis === 0 || axis === -x!.shape.length)) {
      return cpuGather(args);
    }
    const rows = x!.shape[0];
    const cols = size(x!.shape.slice(1));
    const idx = backend.data.get(indices!.dataId).values as Int32Array;
    const y = backend.alloc(idx.length * cols);
    addon.gatherRows(f32(backend, x!), rows, cols, idx, y);
    return out(backend, [...indices!.shape, ...x!.shape.slice(1)], y);
  };

  const k = (kernelName: string, kernelFunc: KernelFunc): KernelConfig => ({ kernelName, backendName: BACKEND, kernelFunc });
  return [
    ...elementwiseKernels(addon, cpuKernel).map(([name, f]) => k(name, f)),
    ...convKernels(addon, cpuKernel).map(([name, f]) => k(name, f)),
    k(tf.BatchMatMul, batchMatMul),
    k(tf._FusedMatMul, fusedMatMul),
    k(tf.GatherV2, gather),
    ...fusedKernels(addon).map(([name, f]) => k(name, f)),
  ];
}

let registered = false;

/** Registers the 'native' backend's kernels: the cpu backend's, with ours replacing the hot ones. */
export function registerNativeKernels(addon: NativeAddon): void {
  if (registered) return;
  registered = true;
  const ours = makeKernels(addon);
  const replaced = new Set(ours.map((c) => c.kernelName));
  for (const c of tf.getKernelsForBackend('cpu')) {
    if (!replaced.has(c.kernelName)) tf.registerKernel({ ...c, backendName: BACKEND });
  }
  for (const c of ours) tf.registerKernel(c);
  registerFusedGradients();
}
