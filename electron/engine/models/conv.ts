// The convolutional pieces of the image encoder/decoder: 3×3 "same" convolutions, 2×2 average
// pooling down and nearest-neighbour ×2 up. The wasm backend has no Conv2DBackpropFilter (and a
// slow Conv2DBackpropInput and ResizeNearestNeighborGrad), so the gradients are written out in
// forward convolutions and pooling, which every backend runs natively:
//   dX = conv(dY, W flipped in space with in/out channels swapped)
//   dW = conv(X padded, with batch and channels swapped, by dY as the filter)
//   d(upsample) = 4 · avgPool(dY)
import * as tf from '@tensorflow/tfjs-core';
import { nativeActive } from '../native/backend';

export interface ConvParams {
  /** [k, k, inChannels, outChannels] */
  w: tf.Variable;
  b: tf.Variable;
}

/** PyTorch's nn.Conv2d default init: U(−1/√fanIn, 1/√fanIn), fanIn = k·k·inChannels. */
export function convParams(k: number, inC: number, outC: number, seed: number, name: string): ConvParams {
  const bound = 1 / Math.sqrt(k * k * inC);
  return {
    w: tf.variable(tf.randomUniform([k, k, inC, outC], -bound, bound, 'float32', seed), true, `${name}/w`),
    b: tf.variable(tf.randomUniform([outC], -bound, bound, 'float32', seed + 1), true, `${name}/b`),
  };
}

type T4 = tf.Tensor4D;
type GradientFunc = Parameters<typeof tf.customGrad>[0];

/** ∂L/∂W of a stride-1 'same' convolution with an odd k×k kernel. */
function filterGrad(x: T4, dy: T4, k: number): T4 {
  const p = (k - 1) / 2;
  const xp = tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]);
  const byChannel = tf.transpose(xp, [3, 1, 2, 0]) as T4; // [C, H+2p, W+2p, B]
  const filter = tf.transpose(dy, [1, 2, 0, 3]) as T4; // [H, W, B, O]
  return tf.transpose(tf.conv2d(byChannel, filter, 1, 'valid'), [1, 2, 0, 3]) as T4; // [k, k, C, O]
}

/** ∂L/∂X of a stride-1 'same' convolution: the convolution with the flipped, transposed kernel. */
function inputGrad(dy: T4, w: T4): T4 {
  return tf.conv2d(dy, tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as T4, 1, 'same');
}

function sameConv(withInputGrad: boolean) {
  return tf.customGrad(((x: T4, w: T4, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.add(tf.conv2d(x, w, 1, 'same'), b),
      gradFunc: (dy: T4, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as T4[];
        return [withInputGrad ? inputGrad(dy, ws) : tf.zerosLike(xs), filterGrad(xs, dy, ws.shape[0]), tf.sum(dy, [0, 1, 2])];
      },
    };
  }) as unknown as GradientFunc);
}

const convWithInputGrad = sameConv(true);
const convNoInputGrad = sameConv(false); // first layer: the data needs no gradient

/** y = conv2d(x, W, stride 1, 'same') + b. */
export function conv2dSame(x: T4, p: ConvParams, opts: { inputGrad?: boolean } = {}): T4 {
  // the native backend has both convolution gradients (and tfjs skips dX for the data itself)
  if (nativeActive()) return tf.add(tf.conv2d(x, p.w as unknown as T4, 1, 'same'), p.b) as T4;
  return (opts.inputGrad === false ? convNoInputGrad : convWithInputGrad)(x, p.w, p.b) as T4;
}

/** 2×2 average pooling; odd sides round up (the last window averages what it covers). */
export function poolDown(x: T4): T4 {
  return tf.avgPool(x, 2, 2, 'same');
}

const upsample2 = tf.customGrad(((x: T4) => ({
  value: tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]),
  gradFunc: (dy: T4) => tf.mul(tf.avgPool(dy, 2, 2, 'valid'), 4),
})) as unknown as GradientFunc);

/** Nearest-neighbour ×2 upsampling, cropped to [h, w] (≤ twice the input: undoes poolDown). */
export function upsampleTo(x: T4, h: number, w: number): T4 {
  const up = upsample2(x) as T4;
  return up.shape[1] === h && up.shape[2] === w ? up : tf.slice(up, [0, 0, 0, 0], [-1, h, w, -1]);
}

/** Side after poolDown. */
export const pooledSize = (side: number) => Math.ceil(side / 2);
