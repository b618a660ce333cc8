// Posterior collapse is reported (issue 14): the KL of each latent dimension on the test split, the
// active units, a warning while training and after it that says why and what to try — for the
// issue's two cases — and defaults that keep the built-in tables' VAEs away from it.
import { describe, expect, it } from 'vitest';
import { datasetDefaults, withDefaults } from '../../shared/train-config';
import { DEFAULT_TRAIN_CONFIG, type DatasetSummary, type EpochMetrics, type RunSummary, type TrainConfig } from '../../shared/types';
import { Engine } from '../../electron/engine/engine';
import { activeUnits, collapseAfterTraining, collapseWhileTraining, COLLAPSE_KL, withCollapseVerdict } from '../../electron/engine/training/collapse';
import { openWith } from './helpers/open';
import { runJob } from './helpers/train';

/** The config the app trained with before this change, whatever the dataset. */
const OLD_DEFAULTS: Partial<TrainConfig> = { ...DEFAULT_TRAIN_CONFIG, hidden: [...DEFAULT_TRAIN_CONFIG.hidden] };

const verdict = (config: TrainConfig, kl: number, klPerDim: number[] | null, trainRows: number) =>
  collapseAfterTraining({ config, test: { loss: 0, recon: 0, kl, mmd: null, negElbo: 0 }, klPerDim, trainRows });

const epoch = (n: number, kl: number, klWeight = 1): EpochMetrics =>
  ({ epoch: n, loss: 1, recon: 1, kl, mmd: null, negElbo: 1, val: null, learningRate: 1e-3, klWeight, samplesPerSec: 1, seconds: 1 });

describe('collapse verdicts', () => {
  it('counts a dimension as active from a KL of 0.01', () => {
    expect(activeUnits([0.5, 0.01, 0.0099, 0])).toBe(2);
  });

  it('warns for the conv VAE on 6,000 MNIST rows after 3 epochs (test KL 0.30), saying why and what to try', () => {
    const config = withDefaults({ epochs: 3, limit: 6000 });
    const w = verdict(config, 0.3, [0.18, 0.12], 5400);
    expect(w).toMatch(/^Posterior collapse: the test KL is 0\.30 nats per row and 2 of 2 latent dimensions are active/);
    expect(w).toContain('at most 0.30 nats (0.43 bits)');
    expect(w).toContain('nearly the same average row');
    // 3 epochs × ⌈5,400 / 128⌉ batches
    expect(w).toContain('more gradient steps (3 epochs of 5,400 rows in batches of 128 is only 129 steps; try 47 epochs)');
    expect(w).toContain('a KL warm-up');
    expect(w).toContain('a smaller decoder (hidden layers now 400');
  });

  it('warns for a 150-row tabular VAE (test KL 0.13): ten epochs of one batch are ten steps', () => {
    const w = verdict(withDefaults(OLD_DEFAULTS), 0.13, [0.13, 0.0004], 108);
    expect(w).toContain('the test KL is 0.13 nats per row and 1 of 2 latent dimensions are active');
    expect(w).toContain('more gradient steps (10 epochs of 108 rows in one batch is only 10 steps; try batches of 16 and 286 epochs)');
  });

  it('asks for a lower β of a β-VAE and a longer warm-up when one was on', () => {
    const w = verdict(withDefaults({ model: 'beta-vae', beta: 8, klWarmupEpochs: 3, epochs: 300, batchSize: 16 }), 0.2, null, 200);
    expect(w).toContain('a lower β (now 8');
    expect(w).toContain('a longer KL warm-up (now 3 epochs)');
    expect(w).not.toContain('more gradient steps');
  });

  it('warns when no dimension is active even if the total is small but spread over many', () => {
    expect(verdict(withDefaults({ latent: 20 }), 0.08, new Array(20).fill(0.004), 50_000)).toContain('0 of 20 latent dimensions are active');
  });

  it('stays quiet for an informative code and for models without a KL term', () => {
    expect(verdict(withDefaults(), 4.6, [2.2, 2.4], 5400)).toBeNull();
    expect(verdict(withDefaults({ model: 'ae' }), 0.01, null, 100)).toBeNull();
    expect(verdict(withDefaults({ model: 'wae-mmd' }), 0.01, null, 100)).toBeNull();
  });

  it('warns while training once the KL stays low for two epochs after the warm-up', () => {
    const config = withDefaults({ epochs: 10, klWarmupEpochs: 2 });
    // low during the warm-up: not yet a verdict
    expect(collapseWhileTraining(config, [epoch(1, 0.1, 0.5), epoch(2, 0.1, 1)], 1000)).toBeNull();
    expect(collapseWhileTraining(config, [epoch(1, 0.1, 0.5), epoch(2, 0.1, 1), epoch(3, 0.2)], 1000)).toBeNull();
    const w = collapseWhileTraining(config, [epoch(1, 3, 0.5), epoch(2, 2, 1), epoch(3, 0.2), epoch(4, 0.15)], 1000);
    expect(w).toMatch(/^Posterior collapse while training: since epoch 3 \(after the KL warm-up\) the KL has stayed below 1 nat per row \(epoch 4: 0\.15 nats\)/);
    // it recovered: nothing to say
    expect(collapseWhileTraining(config, [epoch(3, 0.2), epoch(4, 0.15), epoch(5, 1.5)], 1000)).toBeNull();
    // the last epoch alone is enough
    expect(collapseWhileTraining(withDefaults({ epochs: 1 }), [epoch(1, 0.3)], 1000)).toContain('since epoch 1');
  });

  it('replaces an earlier collapse warning with the final verdict, keeping the others', () => {
    const others = ['Checkpoints are off: …'];
    const during = withCollapseVerdict(others, 'Posterior collapse while training: …');
    expect(withCollapseVerdict(during, null)).toEqual(others);
    expect(withCollapseVerdict(during, 'Posterior collapse: final')).toEqual([...others, 'Posterior collapse: final']);
  });
});

describe('dataset defaults', () => {
  const table = (features: number, trainRows: number) => ({ imageShape: null, features, trainRows }) as Pick<DatasetSummary, 'imageShape' | 'features' | 'trainRows'>;

  it('size a table’s network and training to its columns and rows, never the 784-pixel network', () => {
    expect(datasetDefaults(table(4, 120))).toEqual({ latent: 2, hidden: [32], batchSize: 16, epochs: 200, learningRate: 0.003, klWarmupEpochs: 20 });
    expect(datasetDefaults(table(30, 455))).toMatchObject({ hidden: [128], batchSize: 32, epochs: 200 });
    expect(datasetDefaults(table(7, 100_000))).toMatchObject({ hidden: [32], batchSize: 128, epochs: 10 });
    expect(datasetDefaults(table(1, 50))).toMatchObject({ latent: 1 });
    // a row limit counts as the rows trained on
    expect(datasetDefaults(table(7, 100_000), 200)).toMatchObject({ batchSize: 16, epochs: 200 });
  });

  it('keep the image defaults (conv, 400 hidden units) with a one-epoch KL warm-up', () => {
    expect(withDefaults({}, { imageShape: [28, 28, 1], features: 784, trainRows: 60_000 })).toEqual({ ...DEFAULT_TRAIN_CONFIG, klWarmupEpochs: 1 });
  });

  it('give way to every field the request sets; the warm-up follows the epochs asked for', () => {
    expect(withDefaults({ hidden: [400], epochs: 3 }, table(4, 120))).toMatchObject({ hidden: [400], epochs: 3, batchSize: 16, klWarmupEpochs: 0 });
    expect(withDefaults({ epochs: 30 }, table(4, 120))).toMatchObject({ epochs: 30, klWarmupEpochs: 3 });
    expect(withDefaults({ epochs: 30, klWarmupEpochs: 7 }, table(4, 120))).toMatchObject({ klWarmupEpochs: 7 });
  });
});

/** Mean distance between the first rows' reconstructions, over the same for the rows themselves. */
async function reconSpread(engine: Engine, ds: DatasetSummary, run: RunSummary): Promise<number> {
  const n = 20;
  const r = await engine.reconstruct({ datasetId: ds.id, rows: Array.from({ length: n }, (_, i) => i), methods: [{ kind: 'model', runId: run.id }] });
  const d = r.features;
  const spread = (v: Float32Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
      let q = 0;
      for (let k = 0; k < d; k++) q += (v[i * d + k] - v[j * d + k]) ** 2;
      s += Math.sqrt(q);
    }
    return s;
  };
  return spread(r.methods[0].values) / spread(r.original);
}

describe('training the built-in tables', () => {
  const engine = new Engine();

  it('the old defaults collapse a 150-row VAE and say so while training and after; KL per dimension sums to the test KL', async () => {
    const ds = await openWith(engine, { source: { kind: 'builtin', name: 'iris' } });
    const logs: string[] = [];
    const during: string[][] = [];
    const run = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: OLD_DEFAULTS }), (e) => {
      if (e.type === 'log') logs.push(e.message);
      if (e.type === 'run') during.push(e.run.warnings);
    });
    expect(run.test!.kl).toBeLessThan(COLLAPSE_KL);
    expect(run.klPerDim).toHaveLength(2);
    expect(run.klPerDim!.reduce((a, b) => a + b, 0)).toBeCloseTo(run.test!.kl!, 3);
    expect(during.flat().some((w) => w.startsWith('Posterior collapse while training'))).toBe(true);
    expect(logs.some((l) => l.startsWith('Posterior collapse while training'))).toBe(true);
    // the final verdict replaced the one said while training
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]).toMatch(/^Posterior collapse: the test KL is 0\.\d+ nats per row/);
    expect(run.warnings[0]).toContain('is only 10 steps; try batches of 16');
    expect(await reconSpread(engine, ds, run)).toBeLessThan(0.4);
  });

  it.each(['iris', 'penguins', 'wine', 'breast-cancer'])('%s with the new defaults: KL above 1 nat, no warning, reconstructions that differ (spread over half the data’s)', async (name) => {
    const ds = await openWith(engine, { source: { kind: 'builtin', name } });
    const run = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: {} }));
    expect(run.config).toMatchObject(datasetDefaults(ds));
    expect(run.test!.kl).toBeGreaterThan(COLLAPSE_KL);
    expect(activeUnits(run.klPerDim!)).toBe(2);
    expect(run.warnings).toEqual([]);
    expect(await reconSpread(engine, ds, run)).toBeGreaterThan(0.5);
  });

  it('a plain autoencoder has no KL per dimension', async () => {
    const ds = await openWith(engine, { source: { kind: 'builtin', name: 'iris' } });
    const run = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: { model: 'ae', epochs: 2 } }));
    expect(run.klPerDim).toBeNull();
    expect(run.warnings).toEqual([]);
  });
});
