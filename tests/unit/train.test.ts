// The training loop on tiny synthetic data: every variant learns, runs are reproducible, nothing
// leaks, and the controls (cancel, early stopping, NaN guard, schedules) do what they say.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { LabFailure } from '../../shared/api';
import { MODEL_NAMES } from '../../shared/models';
import { withDefaults } from '../../shared/train-config';
import type { DatasetSummary, EpochMetrics, TrainConfig } from '../../shared/types';
import { evaluateModel } from '../../electron/engine/models/evaluate';
import { modelSpecFor } from '../../electron/engine/models/model-spec';
import { createModel, disposeModel, type Model } from '../../electron/engine/models/model';
import { tensorRows } from '../../electron/engine/models/rows';
import { clipByGlobalNorm, klWeightAt, learningRateAt } from '../../electron/engine/training/train-controls';
import { holdOut, trainModel, type TrainHooks } from '../../electron/engine/training/train';
import { binaryClusters, toSplit } from './helpers/train';

const D = 16;
const data = binaryClusters(300, D);
const split = toSplit(data.x, data.labels, D);

function summary(over: Partial<DatasetSummary> = {}): DatasetSummary {
  return { name: 'tiny', features: D, imageShape: null, likelihood: 'bernoulli', labelNames: ['a', 'b', 'c'], ...over } as DatasetSummary;
}

const models: Model[] = [];
afterEach(() => models.splice(0).forEach(disposeModel));

function build(config: TrainConfig, s = summary()): Model {
  const m = createModel(modelSpecFor(config, s), config.seed);
  models.push(m);
  return m;
}

function quiet(over: Partial<TrainHooks> = {}): TrainHooks & { seen: EpochMetrics[]; tensors: number[] } {
  const seen: EpochMetrics[] = [];
  const tensors: number[] = [];
  return {
    seen,
    tensors,
    shouldStop: () => false,
    whenRunning: async () => 0,
    onBatch: () => {},
    onEpoch: async (m) => {
      seen.push(m);
      tensors.push(tf.memory().numTensors);
    },
    yieldToHost: async () => {},
    ...over,
  };
}

const small = (over: Partial<TrainConfig> = {}) =>
  withDefaults({ latent: 2, hidden: [32], epochs: 5, batchSize: 32, learningRate: 3e-3, validationFraction: 0, architecture: 'mlp', ...over });

describe('trainModel', () => {
  it.each(MODEL_NAMES)('%s trains with finite, decreasing loss', async (name) => {
    const config = small({ model: name, iwaeK: 3 });
    const m = build(config);
    const out = await trainModel(m, split, config, quiet());
    expect(out.epochs).toHaveLength(5);
    for (const e of out.epochs) {
      expect(Number.isFinite(e.loss) && Number.isFinite(e.recon)).toBe(true);
      expect(e.kl === null || Number.isFinite(e.kl)).toBe(true);
    }
    expect(out.epochs[4].loss).toBeLessThan(out.epochs[0].loss);
    expect(out.epochs[4].recon).toBeLessThan(out.epochs[0].recon);
  });

  it('trains the convolutional architecture on small images', async () => {
    const imgs = binaryClusters(120, 64, 9);
    const config = small({ model: 'vae', architecture: 'auto', hidden: [16], epochs: 3 });
    const s = summary({ features: 64, imageShape: [8, 8, 1] });
    const m = build(config, s);
    expect(m.spec.architecture).toBe('conv');
    const out = await trainModel(m, toSplit(imgs.x, imgs.labels, 64), config, quiet());
    expect(out.epochs[2].loss).toBeLessThan(out.epochs[0].loss);
  });

  it('gives the same loss trajectory for the same seed, and another for another seed', async () => {
    const run = async (seed: number) => {
      const config = small({ seed, validationFraction: 0.2, epochs: 3 });
      const out = await trainModel(build(config), split, config, quiet());
      return out.epochs.map((e) => [e.loss, e.recon, e.kl, e.val!.loss]);
    };
    const a = await run(4);
    expect(await run(4)).toEqual(a);
    expect(await run(5)).not.toEqual(a);
  });

  it('leaves no tensors behind: the count is the same after every epoch and back to start after disposal', async () => {
    const before = tf.memory().numTensors;
    const config = small({ model: 'info-vae', epochs: 4, validationFraction: 0.2, patience: 10, clipNorm: 1, klWarmupEpochs: 2, schedule: 'cosine' });
    const m = createModel(modelSpecFor(config, summary()), 1);
    const hooks = quiet();
    await trainModel(m, split, config, hooks);
    expect(new Set(hooks.tensors.slice(1)).size).toBe(1);
    disposeModel(m);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops within one batch of a cancel request', async () => {
    let batches = 0;
    const config = small({ batchSize: 8 });
    const out = await trainModel(build(config), split, config, quiet({
      whenRunning: async () => {
        batches++;
        return 0;
      },
      shouldStop: () => batches >= 3,
    }));
    expect(batches).toBe(3);
    expect(out.stop).toBe('cancelled');
    expect(out.epochs).toHaveLength(0);
  });

  it('does not count paused time in samples/s', async () => {
    const config = small({ epochs: 1, batchSize: 100 });
    let calls = 0;
    const hooks = quiet({
      whenRunning: async () => {
        if (++calls !== 1) return 0;
        await new Promise((r) => setTimeout(r, 400));
        return 400;
      },
    });
    const out = await trainModel(build(config), split, config, hooks);
    expect(out.epochs[0].seconds).toBeLessThan(0.4);
  });

  it('stops early after `patience` epochs without a better validation loss', async () => {
    // a rate far below float32 resolution: the weights never change, so neither does the loss
    const config = small({ learningRate: 1e-12, validationFraction: 0.2, patience: 2, epochs: 10 });
    const out = await trainModel(build(config), split, config, quiet());
    expect(out.stop).toBe('stopped-early');
    expect(out.epochs).toHaveLength(3);
    expect(out.bestEpoch).toBe(1);
  });

  it('restores the best weights when it stops early', async () => {
    const config = small({ validationFraction: 0.2, patience: 1, epochs: 10 });
    const m = build(config);
    const hooks = quiet({
      // wipe the weights after epoch 2, so epoch 3 cannot beat it
      onEpoch: async (e) => {
        hooks.seen.push(e);
        if (e.epoch !== 2) return;
        for (const v of m.params.values()) {
          const zero = tf.zerosLike(v);
          v.assign(zero);
          zero.dispose();
        }
      },
    });
    const out = await trainModel(m, split, config, hooks);
    expect(out.stop).toBe('stopped-early');
    expect(out.bestEpoch).toBe(2);
    expect(out.epochs[2].val!.loss).toBeGreaterThan(out.epochs[1].val!.loss);
    const { validation } = holdOut(split.n, 0.2, config.seed);
    const xAll = tf.tensor2d(split.x, [split.n, D]);
    const again = await evaluateModel(m, tensorRows(xAll, null, validation), config.seed + 104729);
    xAll.dispose();
    expect(again.loss).toBeCloseTo(out.epochs[1].val!.loss, 4);
  });

  it('stops a diverging run with a message that suggests a lower learning rate', async () => {
    const config = small({ learningRate: 0.01 });
    const m = build(config);
    const w = m.params.get('enc/dense0/w')!;
    w.assign(tf.tidy(() => tf.mul(w, NaN)));
    const err = await trainModel(m, split, config, quiet()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabFailure);
    expect((err as LabFailure).code).toBe('diverged');
    expect((err as LabFailure).message).toMatch(/diverged in epoch 1 .*NaN/);
    expect((err as LabFailure).detail).toMatch(/Lower the learning rate \(now 0\.01; try 0\.001\)/);
  });

  it('reports the scheduled learning rate and the KL warm-up weight per epoch', async () => {
    const config = small({ epochs: 3, schedule: 'step', stepEpochs: 1, stepFactor: 0.5, klWarmupEpochs: 2 });
    const out = await trainModel(build(config), split, config, quiet());
    expect(out.epochs.map((e) => e.learningRate)).toEqual([3e-3, 1.5e-3, 7.5e-4]);
    expect(out.epochs.map((e) => e.klWeight)).toEqual([0.5, 1, 1]);
  });

  it('refuses early stopping without validation rows', async () => {
    const config = small({ patience: 2, validationFraction: 0 });
    await expect(trainModel(build(config), split, config, quiet())).rejects.toMatchObject({ code: 'bad-config' });
  });
});

describe('training controls', () => {
  const base = withDefaults({ learningRate: 0.1, epochs: 10 });
  it('schedules the learning rate', () => {
    expect(learningRateAt(base, 7.5)).toBe(0.1);
    expect(learningRateAt({ ...base, schedule: 'step', stepEpochs: 3, stepFactor: 0.1 }, 6.2)).toBeCloseTo(0.001, 12);
    expect(learningRateAt({ ...base, schedule: 'cosine' }, 0)).toBeCloseTo(0.1, 12);
    expect(learningRateAt({ ...base, schedule: 'cosine' }, 5)).toBeCloseTo(0.05, 12);
    expect(learningRateAt({ ...base, schedule: 'cosine' }, 10)).toBeCloseTo(0, 12);
  });

  it('ramps the KL weight', () => {
    expect(klWeightAt({ klWarmupEpochs: 0 }, 0)).toBe(1);
    expect(klWeightAt({ klWarmupEpochs: 4 }, 1)).toBe(0.25);
    expect(klWeightAt({ klWarmupEpochs: 4 }, 9)).toBe(1);
  });

  it('clips gradients to a global norm and leaves small ones alone', () => {
    const [big, small] = tf.tidy(() => {
      const g = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) }; // norm 5
      const c = clipByGlobalNorm(g, 1);
      const s = clipByGlobalNorm(g, 10);
      return [tf.concat([c.a, c.b]), tf.concat([s.a, s.b])];
    });
    expect(Array.from(big.dataSync())).toEqual([expect.closeTo(0.6, 6), 0, 0, expect.closeTo(0.8, 6)]);
    expect(Array.from(small.dataSync())).toEqual([3, 0, 0, 4]);
    tf.dispose([big, small]);
  });

  it('holds out a seeded validation fraction', () => {
    const a = holdOut(100, 0.1, 1);
    expect(a.validation).toHaveLength(10);
    expect(a.train).toHaveLength(90);
    expect(new Set([...a.train, ...a.validation]).size).toBe(100);
    expect(holdOut(100, 0.1, 1).validation).toEqual(a.validation);
    expect(holdOut(100, 0.1, 2).validation).not.toEqual(a.validation);
  });
});
