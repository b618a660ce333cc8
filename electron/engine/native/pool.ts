// 2×2, stride-2 average pooling (and its gradient) and ×2 nearest-neighbour upsampling for the
// 'native' backend — what the image encoder and decoder use. tfjs's cpu kernels are generic (any
// window, stride, size) and dominated a conv VAE's training step; these are one pass each. Other
// shapes run the cpu kernels.
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import type { NativeBackend } from './backend';

type Args = { inputs: NamedTensorInfoMap; backend: NativeBackend; attrs?: NamedAttrMap };

/** Output side and whether the attrs are the 2×2 stride-2 case we handle. */
function plan(attrs: NamedAttrMap, inH: number, inW: number): { outH: number; outW: number } | null {
  const size = (v: unknown) => (Array.isArray(v) ? v : [v, v]) as number[];
  const [fh, fw] = size(attrs.filterSize);
  const [sh, sw] = size(attrs.strides);
  const pad = attrs.pad;
  if (fh !== 2 || fw !== 2 || sh !== 2 || sw !== 2 || (pad !== 'same' && pad !== 'valid') || attrs.dimRoundingMode != null) return null;
  const side = (n: number) => (pad === 'same' ? Math.ceil(n / 2) : Math.floor(n / 2));
  return { outH: side(inH), outW: side(inW) };
}

/** Window (i, j) covers rows [2i, min(2i+2, H)) and columns [2j, min(2j+2, W)). */
export function poolKernels(cpu: (name: string) => KernelFunc): [string, KernelFunc][] {
  const cpuPool = cpu(tf.AvgPool);
  const cpuGrad = cpu(tf.AvgPoolGrad);

  const avgPool: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const { x } = inputs as { x: TensorInfo };
    const xs = backend.data.get(x.dataId).values;
    if (x.dtype !== 'float32' || !(xs instanceof Float32Array) || x.shape.length !== 4) return cpuPool(args);
    const [b, h, w, c] = x.shape;
    const p = plan(attrs!, h, w);
    if (!p) return cpuPool(args);
    const y = backend.alloc(b * p.outH * p.outW * c);
    for (let n = 0; n < b; n++) {
      for (let i = 0; i < p.outH; i++) {
        const r1 = Math.min(2 * i + 2, h);
        for (let j = 0; j < p.outW; j++) {
          const c1 = Math.min(2 * j + 2, w);
          const inv = 1 / ((r1 - 2 * i) * (c1 - 2 * j));
          const out = ((n * p.outH + i) * p.outW + j) * c;
          for (let ch = 0; ch < c; ch++) {
            let s = 0;
            for (let r = 2 * i; r < r1; r++) for (let q = 2 * j; q < c1; q++) s += xs[((n * h + r) * w + q) * c + ch];
            y[out + ch] = s * inv;
          }
        }
      }
    }
    return backend.makeTensorInfo([b, p.outH, p.outW, c], 'float32', y);
  };

  const avgPoolGrad: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const g = backend.data.get(dy.dataId).values;
    if (dy.dtype !== 'float32' || !(g instanceof Float32Array) || input.shape.length !== 4) return cpuGrad(args);
    const [b, h, w, c] = input.shape;
    const p = plan(attrs!, h, w);
    if (!p || dy.shape[1] !== p.outH || dy.shape[2] !== p.outW) return cpuGrad(args);
    const dx = backend.alloc(b * h * w * c);
    dx.fill(0); // rows/columns no window covers ('valid' on odd sides) get no gradient
    for (let n = 0; n < b; n++) {
      for (let i = 0; i < p.outH; i++) {
        const r1 = Math.min(2 * i + 2, h);
        for (let j = 0; j < p.outW; j++) {
          const c1 = Math.min(2 * j + 2, w);
          const inv = 1 / ((r1 - 2 * i) * (c1 - 2 * j));
          const src = ((n * p.outH + i) * p.outW + j) * c;
          for (let r = 2 * i; r < r1; r++) {
            for (let q = 2 * j; q < c1; q++) {
              const dst = ((n * h + r) * w + q) * c;
              for (let ch = 0; ch < c; ch++) dx[dst + ch] = g[src + ch] * inv;
            }
          }
        }
      }
    }
    return backend.makeTensorInfo(input.shape, 'float32', dx);
  };

  const cpuResize = cpu(tf.ResizeNearestNeighbor);
  const resizeNearest: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as Args;
    const { images } = inputs as { images: TensorInfo };
    const xs = backend.data.get(images.dataId).values;
    const [outH, outW] = attrs!.size as [number, number];
    if (images.dtype !== 'float32' || !(xs instanceof Float32Array) || images.shape.length !== 4 || attrs!.alignCorners || attrs!.halfPixelCenters) {
      return cpuResize(args);
    }
    const [b, h, w, c] = images.shape;
    if (outH !== 2 * h || outW !== 2 * w) return cpuResize(args);
    const y = backend.alloc(b * outH * outW * c);
    for (let n = 0; n < b; n++) {
      for (let r = 0; r < outH; r++) {
        for (let q = 0; q < outW; q++) {
          const src = ((n * h + (r >> 1)) * w + (q >> 1)) * c;
          y.set(xs.subarray(src, src + c), ((n * outH + r) * outW + q) * c);
        }
      }
    }
    return backend.makeTensorInfo([b, outH, outW, c], 'float32', y);
  };

  return [[tf.AvgPool, avgPool], [tf.AvgPoolGrad, avgPoolGrad], [tf.ResizeNearestNeighbor, resizeNearest]];
}
