// Times each convolution of the default image model (conv VAE on 28×28×1, channels 16/32, batch
// 128) and its two gradients, plus pooling and upsampling, on the active backend: the per-layer view
// behind the conv training profile. Best CPU time of REPS calls per kernel.
//   npx tsx bench/conv-shapes.ts            LAB_BACKEND=native|wasm|cpu, REPS=20
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../electron/engine/core/backend';

const REPS = Number(process.env.REPS ?? 20);
const B = 128;
// [side, inC, outC]: encoder conv0, conv1; decoder conv0 (after ×2 up), conv1
const LAYERS: [string, number, number, number][] = [['enc0', 28, 1, 16], ['enc1', 14, 16, 32], ['dec0', 14, 32, 16], ['dec1', 28, 16, 1]];

// Best CPU time (all threads) of REPS calls, in ms: on a shared, busy machine wall time mostly
// measures the other processes; with LAB_NATIVE_THREADS=1 CPU time is the kernel's own work. No
// read-back: reading an output keeps the backend from recycling its buffer (as training does).
function time(f: () => tf.Tensor): number {
  let best = Infinity;
  for (let r = 0; r < REPS; r++) {
    const c0 = process.cpuUsage();
    const t = f(); // the native and cpu kernels are synchronous; a read-back would mark the buffer
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
    t.dispose();
  }
  return best;
}

async function main() {
  const backend = await initBackend();
  console.log(backend.detail);
  let total = 0;
  for (const [name, side, inC, outC] of LAYERS) {
    const x = tf.randomNormal([B, side, side, inC]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, inC, outC]) as tf.Tensor4D;
    const dy = tf.randomNormal([B, side, side, outC]) as tf.Tensor4D;
    const f = time(() => tf.conv2d(x, w, 1, 'same'));
    const di = time(() => tf.conv2dTranspose(dy, w, x.shape, 1, 'same'));
    const df = time(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: w.shape }) as tf.Tensor);
    const gflop = (2 * B * side * side * 9 * inC * outC) / 1e9;
    console.log(`${name} ${side}x${side} ${inC}->${outC}: fwd ${f.toFixed(2)} ms (${(gflop / f * 1000).toFixed(0)} GFLOP/s), dX ${di.toFixed(2)} ms, dW ${df.toFixed(2)} ms`);
    total += f + df + (name === 'enc0' ? 0 : di);
    tf.dispose([x, w, dy]);
  }
  for (const [side, c] of [[28, 16], [14, 32]]) {
    const x = tf.randomNormal([B, side, side, c]) as tf.Tensor4D;
    const p = time(() => tf.avgPool(x, 2, 2, 'same'));
    const small = tf.randomNormal([B, side / 2, side / 2, c]) as tf.Tensor4D;
    const up = time(() => tf.image.resizeNearestNeighbor(small, [side, side]));
    console.log(`pool ${side}x${side}x${c}: avgPool ${p.toFixed(2)} ms, resizeNN ${up.toFixed(2)} ms`);
    tf.dispose([x, small]);
  }
  console.log(`conv total (fwd + needed grads): ${total.toFixed(1)} ms per step`);
}
main();
