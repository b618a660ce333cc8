// Where a training step's time goes: the reference VAE (784-400-20, batch 128, Bernoulli, Adam) on
// MNIST on the active backend. Prints medians over many steps (robust on a shared, noisy machine):
// wall and CPU time per step, time per kernel (tf.profile), and the rest (tfjs bookkeeping, JS).
//   npx tsx bench/profile-step.ts        LAB_BACKEND=native|wasm|cpu picks the backend; ARCH=conv
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../electron/engine/core/backend';
import { quietContext } from '../electron/engine/data/files';
import { openDataset } from '../electron/engine/data/open';
import { modelSpecFor } from '../electron/engine/models/model-spec';
import { createModel, modelVariables } from '../electron/engine/models/model';
import { seededNormal } from '../electron/engine/models/variant';
import { variants } from '../electron/engine/models/variants';
import { withDefaults } from '../shared/train-config';
import { adam } from '../electron/engine/training/optimizer';
import type { DatasetId } from '../shared/types';

const BATCH = 128;
const STEPS = Number(process.env.STEPS ?? 40);
// Minimum over repeats: other processes only ever add time, so the fastest repeat is the closest
// to the uncontended cost (medians are printed for the step as a whole too).
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const best = (xs: number[]) => Math.min(...xs);

async function main() {
  const backend = await initBackend();
  const ds = await openDataset('ds-prof' as DatasetId, { source: { kind: 'builtin', name: 'mnist' } }, quietContext);
  const d = 784;
  // ARCH=conv: the default image model (conv VAE, latent 2) instead of the reference MLP VAE
  const config = process.env.ARCH === 'conv'
    ? withDefaults({ model: 'vae', architecture: 'conv', likelihood: 'bernoulli' })
    : withDefaults({ model: 'vae', architecture: 'mlp', likelihood: 'bernoulli', hidden: [400], latent: 20 });
  const model = createModel(modelSpecFor(config, ds.summary), 1);
  const vars = modelVariables(model);
  // the training objective exactly as the engine's loop builds it
  const vaeLoss = (x: tf.Tensor2D, s: number) =>
    variants.vae.loss(model, { x, y: null }, { normal: seededNormal(s), klWeight: 1 }).train;
  const opt = adam(1e-3, 0.9, 0.999, 1e-8);
  const xAll = tf.tensor2d(ds.train.x, [ds.train.n, d]);
  const batchAt = (s: number) => tf.gather(xAll, tf.tensor1d(Int32Array.from({ length: BATCH }, (_, i) => (s * 7919 + i * 13) % ds.train.n), 'int32')) as tf.Tensor2D;
  const step = (s: number) => tf.tidy(() => {
    const x = batchAt(s);
    const { grads } = tf.variableGrads(() => vaeLoss(x, s), vars);
    opt.applyGradients(grads);
  });
  for (let s = 0; s < 20; s++) step(s);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    step(s);
    await vars[0].data();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const stepMs = median(wall);
  console.log(`${backend.detail}: step ${stepMs.toFixed(2)} ms wall median, ${best(wall).toFixed(2)} ms best (${Math.round((BATCH * 1000) / best(wall))} samples/s); ${median(cpu).toFixed(2)} ms CPU (all threads)`);

  // Per-kernel times, median over steps. 'forward' entries are customGrad wrappers around other
  // kernels (their time is counted inside), so they are left out of the sum.
  const perKernel = new Map<string, number[]>();
  const calls = new Map<string, number>();
  const kernelSums: number[] = [];
  const stepWalls: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const t0 = performance.now();
    const prof = await tf.profile(() => step(s));
    stepWalls.push(performance.now() - t0);
    const sums = new Map<string, number>();
    let total = 0;
    for (const k of prof.kernels) {
      if (k.name === 'forward') continue;
      const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      sums.set(k.name, (sums.get(k.name) ?? 0) + t);
      if (s === 0) calls.set(k.name, (calls.get(k.name) ?? 0) + 1);
      total += t;
    }
    for (const [name, t] of sums) perKernel.set(name, [...(perKernel.get(name) ?? []), t]);
    kernelSums.push(total);
  }
  const kernelMs = best(kernelSums);
  const nKernels = [...calls.values()].reduce((a, b) => a + b, 0);
  console.log(`${nKernels} kernel calls per step; kernels ${kernelMs.toFixed(2)} ms of a profiled step ${best(stepWalls).toFixed(2)} ms (best of ${STEPS})`);
  const rows = [...perKernel].map(([name, ts]) => [name, best(ts)] as const).sort((a, b) => b[1] - a[1]);
  for (const [name, ms] of rows) {
    console.log(`  ${name.padEnd(20)} ${String(calls.get(name) ?? 0).padStart(3)} calls ${ms.toFixed(3).padStart(8)} ms`);
  }

  // Phases: gradients (gather + forward + backward) vs optimizer update.
  const gradMs: number[] = [];
  const optMs: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const ta = performance.now();
    const grads = tf.tidy(() => tf.variableGrads(() => vaeLoss(batchAt(s), s), vars).grads);
    await grads[vars[0].name].data();
    const tb = performance.now();
    tf.tidy(() => opt.applyGradients(grads));
    await vars[0].data();
    optMs.push(performance.now() - tb);
    gradMs.push(tb - ta);
    tf.dispose(Object.values(grads));
  }
  console.log(`phases (best): gather+forward+backward ${best(gradMs).toFixed(2)} ms, optimizer ${best(optMs).toFixed(2)} ms`);
  xAll.dispose();
}

main();
