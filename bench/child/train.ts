// Child process of the training and conv cases: trains the reference VAE (784-400-20, Bernoulli,
// Adam 1e-3, batch 128) — or with --arch conv the default image model (conv VAE, channels 16/32,
// hidden 400, latent 2, Bernoulli) — on the first --rows MNIST rows for --epochs epochs with the
// engine's own loop, on the backend LAB_BACKEND picks, and prints one JSON line.
import { parseArgs } from 'node:util';
import { initBackend } from '../../electron/engine/core/backend';
import { quietContext } from '../../electron/engine/data/files';
import { openDataset } from '../../electron/engine/data/open';
import { evaluateModel } from '../../electron/engine/models/evaluate';
import { disposeModel } from '../../electron/engine/models/model';
import { splitRows } from '../../electron/engine/models/rows';
import { trainOnSplit } from '../../electron/engine/training/train-split';
import type { DatasetId } from '../../shared/types';

const { values } = parseArgs({ options: { rows: { type: 'string' }, epochs: { type: 'string' }, test: { type: 'boolean' }, arch: { type: 'string' } } });
const backend = await initBackend();
const ds = await openDataset('ds-bench' as DatasetId, { source: { kind: 'builtin', name: 'mnist' } }, quietContext);
const rows = Math.min(ds.train.n, Number(values.rows ?? ds.train.n));
const config = {
  model: 'vae' as const, architecture: values.arch === 'conv' ? 'conv' as const : 'mlp' as const, likelihood: 'bernoulli' as const,
  latent: values.arch === 'conv' ? 2 : 20, hidden: [400], epochs: Number(values.epochs ?? 1), batchSize: 128, learningRate: 1e-3, seed: 1, limit: rows,
};
// CPU time per epoch (all threads of this process): a figure other processes on the machine
// barely disturb, unlike wall time.
const cpuSeconds: number[] = [];
let cpuMark = process.cpuUsage();
const { model, outcome } = await trainOnSplit(ds.train, ds.summary, config, () => {
  const used = process.cpuUsage(cpuMark);
  cpuSeconds.push((used.user + used.system) / 1e6);
  cpuMark = process.cpuUsage();
});
const test = values.test ? await evaluateModel(model, splitRows(ds.test, 784, 0), config.seed + 7919) : null;
disposeModel(model);
console.log(JSON.stringify({
  backend: backend.name,
  // which step the loop ran (fused: one addon call per batch; general: tfjs autograd)
  detail: `${backend.detail}, ${outcome.step} step`,
  rows,
  samplesPerSec: outcome.epochs.map((e) => e.samplesPerSec),
  samplesPerCpuSec: cpuSeconds.map((c) => rows / c),
  trainLoss: outcome.epochs.map((e) => e.loss),
  testNegElbo: test?.negElbo ?? null,
}));
