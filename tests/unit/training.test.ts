import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../shared/types';
import { headRows } from '../../electron/engine/data/dataset';
import { quietContext } from '../../electron/engine/data/files';
import { openDataset } from '../../electron/engine/data/open';
import { evaluateVae } from '../../electron/engine/evaluate';
import { disposeVae } from '../../electron/engine/models/vae';
import { trainVae, type TrainHooks } from '../../electron/engine/train';
import type { DatasetId, EpochMetrics } from '../../shared/types';

const hooks = (over: Partial<TrainHooks> = {}): TrainHooks => ({
  shouldStop: () => false,
  onProgress: () => {},
  onEpoch: () => {},
  yieldToHost: async () => {},
  ...over,
});

describe('VAE training on MNIST', async () => {
  const mnist = await openDataset('ds-test' as DatasetId, { source: { kind: 'builtin', name: 'mnist' } }, quietContext);
  const train = headRows(mnist.train, 784, 2000);
  const test = headRows(mnist.test, 784, 1000);
  const config: TrainConfig = { latent: 2, hidden: 64, epochs: 3, batchSize: 100, learningRate: 0.001, seed: 3, limit: 0 };

  it('lowers the −ELBO on 2,000 rows and leaks no tensors across epochs', async () => {
    const counts: number[] = [];
    const epochs: EpochMetrics[] = [];
    const outcome = await trainVae(train, 784, 'bernoulli', config, hooks({
      onEpoch: (m) => {
        epochs.push(m);
        counts.push(tf.memory().numTensors);
      },
    }));
    expect(epochs).toHaveLength(3);
    expect(epochs[2].loss).toBeLessThan(epochs[0].loss);
    for (const e of epochs) expect(Number.isFinite(e.recon) && Number.isFinite(e.kl)).toBe(true);
    // the same live tensors at the end of every epoch: nothing accumulates
    expect(new Set(counts).size).toBe(1);
    const before = await evaluateVae(outcome.model, test, 1);
    expect(before.negElbo).toBeGreaterThan(100);
    expect(before.negElbo).toBeLessThan(400);
    disposeVae(outcome.model);
  });

  it('stops within one batch when asked', async () => {
    let batches = 0;
    const outcome = await trainVae(train, 784, 'bernoulli', { ...config, epochs: 50 }, hooks({
      yieldToHost: async () => {
        batches++;
      },
      shouldStop: () => batches >= 2,
    }));
    expect(outcome.cancelled).toBe(true);
    expect(batches).toBe(2);
    expect(outcome.epochs).toHaveLength(0);
    disposeVae(outcome.model);
  });

  it('gives the same loss trajectory for the same seed', async () => {
    const run = async () => {
      const losses: number[] = [];
      const o = await trainVae(train, 784, 'bernoulli', { ...config, epochs: 2 }, hooks({ onEpoch: (m) => losses.push(m.loss) }));
      disposeVae(o.model);
      return losses;
    };
    expect(await run()).toEqual(await run());
  });
});
