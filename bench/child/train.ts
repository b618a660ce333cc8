// Child process of the training case: trains the reference VAE (784-400-20, Bernoulli, Adam 1e-3,
// batch 128) on the first --rows MNIST rows for --epochs epochs with the engine's own loop, on the
// backend LAB_BACKEND picks, and prints one JSON line.
import { parseArgs } from 'node:util';
import { initBackend } from '../../electron/engine/backend';
import { headRows } from '../../electron/engine/data/dataset';
import { loadMnist } from '../../electron/engine/data/mnist';
import { evaluateVae } from '../../electron/engine/evaluate';
import { disposeVae } from '../../electron/engine/models/vae';
import { trainVae } from '../../electron/engine/train';
import type { DatasetId } from '../../shared/types';

const { values } = parseArgs({ options: { rows: { type: 'string' }, epochs: { type: 'string' }, test: { type: 'boolean' } } });
const backend = await initBackend();
const ds = await loadMnist('ds-bench' as DatasetId, () => {});
const rows = Math.min(ds.train.n, Number(values.rows ?? ds.train.n));
const config = { latent: 20, hidden: 400, epochs: Number(values.epochs ?? 1), batchSize: 128, learningRate: 1e-3, seed: 1, limit: rows };
// CPU time per epoch (all threads of this process): a figure other processes on the machine
// barely disturb, unlike wall time.
const cpuSeconds: number[] = [];
let cpuMark = process.cpuUsage();
const out = await trainVae(headRows(ds.train, 784, rows), 784, 'bernoulli', config, {
  shouldStop: () => false,
  onProgress: () => {},
  onEpoch: () => {
    const used = process.cpuUsage(cpuMark);
    cpuSeconds.push((used.user + used.system) / 1e6);
    cpuMark = process.cpuUsage();
  },
  yieldToHost: () => new Promise((r) => setImmediate(r)),
});
const test = values.test ? await evaluateVae(out.model, ds.test, config.seed + 7919) : null;
disposeVae(out.model);
console.log(JSON.stringify({
  backend: backend.name,
  detail: backend.detail,
  rows,
  samplesPerSec: out.epochs.map((e) => e.samplesPerSec),
  samplesPerCpuSec: cpuSeconds.map((c) => rows / c),
  trainLoss: out.epochs.map((e) => e.loss),
  testNegElbo: test?.negElbo ?? null,
}));
