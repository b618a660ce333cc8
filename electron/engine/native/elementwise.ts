// Element-wise kernels of the 'native' backend (float32): the binary ops with broadcasts that keep
// one contiguous block of the output's dimensions per operand (same shape, scalar, row, column),
// and unary math. Anything else runs tfjs's cpu kernel.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import type { NativeBackend } from './backend';

/** Op codes, in the addon's enum order. */
const BINARY: Record<string, number> = {
  [tf.Add]: 0, [tf.Sub]: 1, [tf.Multiply]: 2, [tf.RealDiv]: 3, [tf.Maximum]: 4, [tf.Minimum]: 5, [tf.SquaredDifference]: 6,
};
const UNARY: Record<string, number> = {
  [tf.Neg]: 0, [tf.Abs]: 1, [tf.Square]: 2, [tf.Sqrt]: 3, [tf.Exp]: 4, [tf.Log]: 5, [tf.Log1p]: 6, [tf.Relu]: 7,
  [tf.Sigmoid]: 8, [tf.Softplus]: 9, [tf.Reciprocal]: 10, [tf.Tanh]: 11, [tf.Rsqrt]: 12, [tf.Step]: 13, [tf.LeakyRelu]: 14,
};

type Args = { inputs: NamedTensorInfoMap; backend: NativeBackend; attrs?: NamedAttrMap };

/**
 * How an operand of `shape` spreads over `out`: element i reads operand[(i / inner) % len]; null
 * when its non-1 dimensions are not one contiguous block of out's (then the cpu kernel runs).
 */
export function broadcastPattern(shape: number[], out: number[]): { inner: number; len: number } | null {
  const padded = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  let first = -1;
  let last = -1;
  for (let i = 0; i < padded.length; i++) {
    if (padded[i] !== 1) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return { inner: 1, len: 1 };
  let len = 1;
  for (let i = first; i <= last; i++) {
    if (padded[i] !== out[i]) return null;
    len *= padded[i];
  }
  let inner = 1;
  for (let i = last + 1; i < out.length; i++) inner *= out[i];
  return { inner, len };
}

export function elementwiseKernels(addon: NativeAddon, cpu: (name: string) => KernelFunc): [string, KernelFunc][] {
  const kernels: [string, KernelFunc][] = [];
  for (const [name, op] of Object.entries(BINARY)) {
    const fallback = cpu(name);
    kernels.push([name, (args) => {
      const { inputs, backend } = args as Args;
      const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
      const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const pa = broadcastPattern(a.shape, outShape);
      const pb = broadcastPattern(b.shape, outShape);
      if (!pa || !pb) return fallback(args);
      const out = backend.alloc(outShape.reduce((x, y) => x * y, 1));
      if (out.length > 0) {
        addon.binary(op, backend.data.get(a.dataId).values as Float32Array, pa.inner, pa.len,
          backend.data.get(b.dataId).values as Float32Array, pb.inner, pb.len, out);
      }
      return backend.makeTensorInfo(outShape, 'float32', out);
    }]);
  }
  for (const [name, op] of Object.entries(UNARY)) {
    const fallback = cpu(name);
    kernels.push([name, (args) => {
      const { inputs, backend, attrs } = args as Args;
      const { x } = inputs as { x: TensorInfo };
      if (x.dtype !== 'float32') return fallback(args);
      const values = backend.data.get(x.dataId).values as Float32Array;
      const out = backend.alloc(values.length);
      addon.unary(op, values, out, (attrs?.alpha as number | undefined) ?? 0);
      return backend.makeTensorInfo(x.shape, 'float32', out);
    }]);
  }
  // Sum and Mean over the innermost axes (rows of x) or the outermost ones (columns); other axis
  // sets are transposed by the cpu kernel.
  for (const name of [tf.Sum, tf.Mean]) {
    const fallback = cpu(name);
    kernels.push([name, (args) => {
      const { inputs, backend, attrs } = args as Args;
      const { x } = inputs as { x: TensorInfo };
      if (x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) === 0) return fallback(args);
      const rank = x.shape.length;
      const axes = tf.util.parseAxisParam(attrs!.axis as number | number[], x.shape).sort((a, b) => a - b);
      const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
      const innermost = contiguous && (axes.length === 0 || axes[axes.length - 1] === rank - 1);
      const outermost = contiguous && axes.length > 0 && axes[0] === 0;
      if (axes.length === 0 || !(innermost || outermost)) return fallback(args);
      const reduced = axes.reduce((p, a) => p * x.shape[a], 1);
      const kept = x.shape.filter((_, i) => !axes.includes(i));
      const n = kept.reduce((p, d) => p * d, 1);
      const out = backend.alloc(n);
      const values = backend.data.get(x.dataId).values as Float32Array;
      if (innermost) addon.sum(values, n, reduced, false, out);
      else addon.sum(values, reduced, n, true, out);
      if (name === tf.Mean && reduced > 0) for (let i = 0; i < n; i++) out[i] /= reduced;
      const shape = attrs!.keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept;
      return backend.makeTensorInfo(shape, 'float32', out);
    }]);
  }
  // tfjs's cpu Cast only relabels bool → float32 (no encoding loss), leaving a Uint8Array under a
  // float32 tensor; every native kernel reads float32 data as a Float32Array, so convert here.
  const cpuCast = cpu(tf.Cast);
  kernels.push([tf.Cast, (args) => {
    const { inputs, backend, attrs } = args as Args;
    const { x } = inputs as { x: TensorInfo };
    const values = backend.data.get(x.dataId).values;
    if (attrs!.dtype !== 'float32' || values instanceof Float32Array || !ArrayBuffer.isView(values)) return cpuCast(args);
    const out = backend.alloc((values as Uint8Array).length);
    out.set(values as Uint8Array);
    return backend.makeTensorInfo(x.shape, 'float32', out);
  }]);
  return kernels;
}
