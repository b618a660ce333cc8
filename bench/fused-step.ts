// A/B of one training step of the reference VAE (784-400-20, batch 128, Bernoulli, Adam) on MNIST,
// or with ARCH=conv of the default image model (conv VAE, the app's defaults: channels 16, 32,
// hidden 400, latent 2): the fused native step against the general path (tfjs autograd +
// NativeAdam), alternating in rounds in one process so that both see the same machine load. Prints
// wall and CPU time per step (best and median over each round's steps) and samples per CPU-second.
//   npx tsx bench/fused-step.ts   ROUNDS=6 STEPS=100 LAB_NATIVE_THREADS=1|2 HIDDEN=400 LATENT=20 PATHS=general,fused ARCH=mlp|conv
import { initBackend } from '../electron/engine/core/backend';
import { quietContext } from '../electron/engine/data/files';
import { openDataset } from '../electron/engine/data/open';
import { createModel } from '../electron/engine/models/model';
import { modelSpecFor } from '../electron/engine/models/model-spec';
import { makeStepper } from '../electron/engine/training/steps';
import { withDefaults } from '../shared/train-config';
import type { DatasetId } from '../shared/types';
import * as tf from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';

const ROUNDS = Number(process.env.ROUNDS ?? 6);
const STEPS = Number(process.env.STEPS ?? 100);
const BATCH = 128;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const backend = await initBackend();
const ds = await openDataset('ds-ab' as DatasetId, { source: { kind: 'builtin', name: 'mnist' } }, quietContext);
const conv = process.env.ARCH === 'conv';
const config = conv
  ? withDefaults({ model: 'vae', architecture: 'conv', likelihood: 'bernoulli', batchSize: BATCH, validationFraction: 0 })
  : withDefaults({
    model: 'vae', architecture: 'mlp', likelihood: 'bernoulli', hidden: [Number(process.env.HIDDEN ?? 400)],
    latent: Number(process.env.LATENT ?? 20), batchSize: BATCH, validationFraction: 0,
  });
const data = ds.train;
const xAll = tf.tensor2d(data.x, [data.n, 784]);
const paths = (process.env.PATHS ?? 'general,fused').split(',') as ('general' | 'fused')[];
const results = new Map<string, { wall: number[]; cpu: number[] }>(paths.map((p) => [p, { wall: [], cpu: [] }]));
const setups = paths.map((p) => {
  process.env.LAB_FUSED = p === 'fused' ? '1' : '0';
  const model = createModel(modelSpecFor(config, ds.summary), 1);
  const stepper = makeStepper(model, data, xAll, null, config);
  if (stepper.kind !== p) throw new Error(`expected the ${p} path, got ${stepper.kind}`);
  return { p, stepper };
});
console.log(`${conv ? 'conv VAE' : 'MLP VAE'} (hidden ${config.hidden.join(', ')}, latent ${config.latent}); ${backend.detail}; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
let s = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (const { p, stepper } of round % 2 ? [...setups].reverse() : setups) {
    const r = results.get(p)!;
    for (let i = 0; i < STEPS; i++, s++) {
      const idx = Int32Array.from({ length: BATCH }, (_, j) => (s * 7919 + j * 13) % data.n);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      stepper.step(idx, s, 1, 1e-3);
      r.wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      r.cpu.push((c.user + c.system) / 1000);
    }
    await stepper.sums();
  }
}
for (const [p, r] of results) {
  const w = r.wall.slice(STEPS); // the first round warms up
  const c = r.cpu.slice(STEPS);
  console.log(`${p.padEnd(8)} wall ${Math.min(...w).toFixed(2)} best / ${median(w).toFixed(2)} median ms; CPU ${median(c).toFixed(2)} ms median → ${Math.round((BATCH * 1000) / median(w))} samples/s, ${Math.round((BATCH * 1000) / median(c))} samples/CPU-s`);
}
console.log(`load at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
