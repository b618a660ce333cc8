// Convolution kernels of the 'native' backend: Conv2D, its two gradients (Conv2DBackpropInput is
// also conv2dTranspose's forward pass) and FusedConv2D, for NHWC data without dilation; AvgPool and
// AvgPoolGrad; ResizeNearestNeighbor (the source rows and columns computed here by tfjs's rule, the
// copy in the addon). Other layouts and dilations run tfjs's cpu kernels.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import type { NativeBackend } from './backend';

type Args = { inputs: NamedTensorInfoMap; backend: NativeBackend; attrs?: NamedAttrMap };
type Shape4 = [number, number, number, number];
type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/** The addon's shape record, or null when the convolution needs the generic kernel. */
function shapeOf(info: Conv2DInfo): Int32Array | null {
  if (info.dataFormat !== 'channelsLast' || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
  ]);
}

function convInfo(xShape: number[], filterShape: number[], attrs: NamedAttrMap): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as Shape4, filterShape as Shape4, attrs.strides as [number, number], (attrs.dilations as [number, number]) ?? 1,
    attrs.pad as 'same' | 'valid' | number, attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined, false,
    tf.backend_util.convertConv2DDataFormat((attrs.dataFormat as 'NHWC' | 'NCHW') ?? 'NHWC'));
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const values = (b: NativeBackend, t: TensorInfo) => b.data.get(t.dataId).values as Float32Array;

export function convKernels(addon: NativeAddon, cpu: (name: string) => KernelFunc): [string, KernelFunc][] {
  const cpuConv = cpu(tf.Conv2D);
  const cpuInput = cpu(tf.Conv2DBackpropInput);
  const cpuFilter = cpu(tf.Conv2DBackpropFilter);
  const cpuFused = cpu(tf.FusedConv2D);

  const forward = (backend: NativeBackend, x: TensorInfo, filter: TensorInfo, attrs: NamedAttrMap): TensorInfo | null => {
    if (x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
    const info = convInfo(x.shape, filter.shape, attrs);
    const shape = shapeOf(info);
    if (!shape) return null;
    const y = backend.alloc(size(info.outShape));
    addon.conv2d(shape, values(backend, x), values(backend, filter), y);
    return backend.makeTensorInfo(info.outShape, 'float32', y);
  };

  const conv2d: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    return forward(backend, inputs.x!, inputs.filter!, attrs!) ?? cpuConv(args);
  };

  const backpropInput: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const { dy, filter } = inputs;
    if (dy!.dtype !== 'float32' || filter!.dtype !== 'float32') return cpuInput(args);
    const info = convInfo(attrs!.inputShape as number[], filter!.shape, { ...attrs!, dilations: 1 });
    const shape = shapeOf(info);
    if (!shape) return cpuInput(args);
    const dx = backend.alloc(size(info.inShape));
    addon.conv2dBackpropInput(shape, values(backend, dy!), values(backend, filter!), dx);
    return backend.makeTensorInfo(info.inShape, 'float32', dx);
  };

  const backpropFilter: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const { x, dy } = inputs;
    if (x!.dtype !== 'float32' || dy!.dtype !== 'float32') return cpuFilter(args);
    const info = convInfo(x!.shape, attrs!.filterShape as number[], { ...attrs!, dilations: 1 });
    const shape = shapeOf(info);
    if (!shape) return cpuFilter(args);
    const dw = backend.alloc(size(info.filterShape));
    addon.conv2dBackpropFilter(shape, values(backend, x!), values(backend, dy!), dw);
    return backend.makeTensorInfo(info.filterShape, 'float32', dw);
  };

  // conv + per-channel bias + relu/sigmoid/linear; other activations and bias shapes: cpu kernel.
  const UNARY = { relu: 7, sigmoid: 8 } as const;
  const fused: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const { x, filter, bias } = inputs;
    const activation = (attrs!.activation as string | undefined) ?? 'linear';
    const outC = filter!.shape[3];
    const biasOk = !bias || (bias.dtype === 'float32' && size(bias.shape) === outC && (attrs!.dataFormat ?? 'NHWC') === 'NHWC');
    if (!biasOk || (activation !== 'linear' && !(activation in UNARY))) return cpuFused(args);
    const y = forward(backend, x!, filter!, attrs!);
    if (!y) return cpuFused(args);
    const v = values(backend, y);
    if (bias) addon.binary(0, v, 1, v.length, values(backend, bias), 1, outC, v); // y += bias per channel
    if (activation !== 'linear') addon.unary(UNARY[activation as keyof typeof UNARY], v, v);
    return y;
  };

  const cpuAvgPool = cpu(tf.AvgPool);
  const cpuAvgPoolGrad = cpu(tf.AvgPoolGrad);
  const cpuResize = cpu(tf.ResizeNearestNeighbor);
  /** A pooling window as a convolution shape (inC = outC), or null for what the addon does not run. */
  const poolShape = (xShape: number[], attrs: NamedAttrMap): { shape: Int32Array; info: Conv2DInfo } | null => {
    if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return null;
    const info = tf.backend_util.computePool2DInfo(xShape as Shape4, attrs.filterSize as [number, number] | number,
      attrs.strides as [number, number] | number, 1, attrs.pad as 'same' | 'valid' | number, attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined);
    const shape = shapeOf(info);
    return shape ? { shape, info } : null;
  };

  const avgPool: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const x = inputs.x!;
    const p = x.dtype === 'float32' ? poolShape(x.shape, attrs!) : null;
    if (!p) return cpuAvgPool(args);
    const y = backend.alloc(size(p.info.outShape));
    addon.avgPool(p.shape, values(backend, x), y);
    return backend.makeTensorInfo(p.info.outShape, 'float32', y);
  };

  const avgPoolGrad: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const { dy, input } = inputs;
    const p = dy!.dtype === 'float32' ? poolShape(input!.shape, attrs!) : null;
    if (!p) return cpuAvgPoolGrad(args);
    const dx = backend.alloc(size(input!.shape));
    addon.avgPoolGrad(p.shape, values(backend, dy!), dx);
    return backend.makeTensorInfo(input!.shape, 'float32', dx);
  };

  // tfjs's cpu rule for the source of each output row/column, computed once per call.
  const sources = (oldSize: number, newSize: number, alignCorners: boolean, halfPixel: boolean): Int32Array => {
    const ratio = (alignCorners && newSize > 1 ? oldSize - 1 : oldSize) / (alignCorners && newSize > 1 ? newSize - 1 : newSize);
    return Int32Array.from({ length: newSize }, (_, r) => {
      const frac = halfPixel ? ratio * (r + 0.5) : ratio * r;
      const near = Math.min(oldSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
      return halfPixel ? Math.max(0, near) : near;
    });
  };
  const resize: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const images = inputs.images!;
    if (images.dtype !== 'float32' || images.shape.length !== 4 || size(images.shape) === 0) return cpuResize(args);
    const [batch, oldH, oldW, channels] = images.shape;
    const [newH, newW] = attrs!.size as [number, number];
    if (newH < 1 || newW < 1) return cpuResize(args);
    const alignCorners = Boolean(attrs!.alignCorners);
    const halfPixel = Boolean(attrs!.halfPixelCenters);
    const shape = Int32Array.from([batch, oldH, oldW, channels, newH, newW, channels, 1, 1, 1, 1, 0, 0]);
    const y = backend.alloc(batch * newH * newW * channels);
    addon.gatherPixels(shape, sources(oldH, newH, alignCorners, halfPixel), sources(oldW, newW, alignCorners, halfPixel), values(backend, images), y);
    return backend.makeTensorInfo([batch, newH, newW, channels], 'float32', y);
  };

  return [[tf.Conv2D, conv2d], [tf.Conv2DBackpropInput, backpropInput], [tf.Conv2DBackpropFilter, backpropFilter], [tf.FusedConv2D, fused],
    [tf.AvgPool, avgPool], [tf.AvgPoolGrad, avgPoolGrad], [tf.ResizeNearestNeighbor, resize]];
}
