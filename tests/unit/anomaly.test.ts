// Anomaly scores against hand-computed values on tiny models, PCA errors on a known subspace, and the
// whole detector through the engine on three blobs (one normal, two anomalous): training on the
// normal class only, ROC/AUC, ranking, threshold counts, CSV export, cancel and refusals.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LabFailure } from '../../shared/api';
import type { AnomalyResult } from '../../shared/anomalies';
import type { DatasetSummary, Likelihood } from '../../shared/types';
import { modelScores, pcaErrorScores } from '../../electron/engine/anomalies/scores';
import { truthOf } from '../../electron/engine/anomalies/job';
import { Engine } from '../../electron/engine/engine';
import { createModel, disposeModel, type Model } from '../../electron/engine/models/model';
import { silentHooks } from '../../electron/engine/reduce/hooks';
import { pcaFit } from '../../electron/engine/reduce/pca';
import { splitRows } from '../../electron/engine/models/rows';
import { runJob, tempDir, toSplit } from './helpers/train';

const blobs = join(__dirname, '../fixtures/blobs.csv');
const softplus = (v: number) => Math.log1p(Math.exp(v));

let model: Model | null = null;
afterEach(() => {
  if (model) disposeModel(model);
  model = null;
});

/** 2 features → 1 latent → 2 features, no hidden layer, weights set by hand. */
function linearModel(likelihood: Likelihood, w: { mu: [number, number]; muB: number; lv: [number, number]; lvB: number; out: [number, number]; outB: [number, number] }, stochastic = true): Model {
  model = createModel({
    name: stochastic ? 'vae' : 'ae', inputDim: 2, imageShape: null, architecture: 'mlp', hidden: [], latent: 1,
    likelihood, classes: 0, stochastic, convChannels: [], objective: { beta: 1, alpha: 0, lambda: 1, iwaeK: 1 },
  }, 1);
  const set = (name: string, values: number[]) => {
    const v = model!.params.get(name)!;
    const t = tf.tensor(values, v.shape);
    v.assign(t);
    t.dispose();
  };
  set('enc/mu/w', w.mu);
  set('enc/mu/b', [w.muB]);
  if (stochastic) {
    set('enc/logvar/w', w.lv);
    set('enc/logvar/b', [w.lvB]);
  }
  set('dec/out/w', w.out);
  set('dec/out/b', w.outB);
  return model;
}

const rowsOf = (x: number[][]) => splitRows(toSplit(Float32Array.from(x.flat()), null, 2), 2, 0);

describe('model scores', () => {
  it('reconstruction probability of a decoder that ignores z is −log p(x) exactly (Bernoulli)', async () => {
    const m = linearModel('bernoulli', { mu: [0.3, -0.2], muB: 0.1, lv: [0, 0], lvB: 0.5, out: [0, 0], outB: [0.5, -1] });
    const x = [[1, 0], [0, 1], [1, 1]];
    const s = await modelScores(m, rowsOf(x), 10, 7, silentHooks);
    // −log p(x) = Σ softplus(l) − x·l with logits l = (0.5, −1)
    const expected = x.map(([a, b]) => softplus(0.5) - a * 0.5 + softplus(-1) - b * -1);
    expected.forEach((e, i) => expect(s.reconProb![i]).toBeCloseTo(e, 5));
    // decode(μ) = sigmoid(l) whatever μ is
    const p = [1 / (1 + Math.exp(-0.5)), 1 / (1 + Math.exp(1))];
    x.forEach(([a, b], i) => expect(s.reconError[i]).toBeCloseTo((a - p[0]) ** 2 + (b - p[1]) ** 2, 5));
  });

  it('averages −log p(x|z) over L samples z ~ q(z|x): a linear Gaussian decoder against its expectation', async () => {
    // μ = 0.5·x1 − 0.25·x2 + 0.1, log σ² = −0.5·x1 − 1; decoder mean = (2z + 0.3, −z + 0.2), unit variance
    const m = linearModel('gaussian', { mu: [0.5, -0.25], muB: 0.1, lv: [-0.5, 0], lvB: -1, out: [2, -1], outB: [0.3, 0.2] });
    const x = [[1, 0.5], [-0.4, 2], [0.2, -1]];
    const L = 4000;
    const s = await modelScores(m, rowsOf(x), L, 11, silentHooks);
    x.forEach(([x1, x2], i) => {
      const mu = 0.5 * x1 - 0.25 * x2 + 0.1;
      const lv = -0.5 * x1 - 1;
      const v = Math.exp(lv);
      // E[½(x1 − 2z − 0.3)² + ½(x2 + z − 0.2)²] + log 2π with z ~ N(μ, v)
      const nll = 0.5 * ((x1 - 2 * mu - 0.3) ** 2 + 4 * v) + 0.5 * ((x2 + mu - 0.2) ** 2 + v) + Math.log(2 * Math.PI);
      const kl = 0.5 * (mu * mu + v - 1 - lv);
      // Monte-Carlo error of the mean of L draws: a few standard errors (the per-draw spread is < 1.5 nats here)
      expect(Math.abs(s.reconProb![i] - nll)).toBeLessThan(0.08);
      expect(s.negElbo![i] - s.reconProb![i]).toBeCloseTo(kl, 4);
      expect(s.reconError[i]).toBeCloseTo((x1 - 2 * mu - 0.3) ** 2 + (x2 + mu - 0.2) ** 2, 4);
    });
  });

  it('repeats exactly with the same seed and moves with another; one sample is noisier than many', async () => {
    const m = linearModel('gaussian', { mu: [0.5, -0.25], muB: 0.1, lv: [0, 0], lvB: 0, out: [2, -1], outB: [0.3, 0.2] });
    const x = [[1, 0.5], [-0.4, 2]];
    const a = await modelScores(m, rowsOf(x), 3, 5, silentHooks);
    const b = await modelScores(m, rowsOf(x), 3, 5, silentHooks);
    const c = await modelScores(m, rowsOf(x), 3, 6, silentHooks);
    expect(Array.from(a.reconProb!)).toEqual(Array.from(b.reconProb!));
    expect(Array.from(a.reconProb!)).not.toEqual(Array.from(c.reconProb!));
  });

  it('gives a deterministic autoencoder its reconstruction error only', async () => {
    const m = linearModel('bernoulli', { mu: [1, 1], muB: 0, lv: [0, 0], lvB: 0, out: [1, -1], outB: [0, 0] }, false);
    const s = await modelScores(m, rowsOf([[1, 0]]), 10, 1, silentHooks);
    expect(s.reconProb).toBeNull();
    expect(s.negElbo).toBeNull();
    // code 1 → logits (1, −1) → p = (0.731, 0.269)
    const p = 1 / (1 + Math.exp(-1));
    expect(s.reconError[0]).toBeCloseTo((1 - p) ** 2 + (1 - p) ** 2, 5);
  });

  it('leaves no tensors behind', async () => {
    const m = linearModel('bernoulli', { mu: [0.3, -0.2], muB: 0.1, lv: [0, 0], lvB: 0.5, out: [0.4, 0.1], outB: [0.5, -1] });
    const before = tf.memory().numTensors;
    await modelScores(m, rowsOf([[1, 0], [0, 1]]), 4, 1, silentHooks);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('PCA reconstruction error', () => {
  it('is zero on the fitted line and the squared distance off it', async () => {
    // points on y = 2x (centred at the mean): one component spans them
    const train = Float32Array.from([0, 0, 1, 2, 2, 4, 3, 6, -1, -2]);
    const pca = pcaFit(train, 5, 2);
    const test = Float32Array.from([4, 8, 1, 2 + 5, 0, 5]);
    const e = await pcaErrorScores(pca, test, 3, 1, silentHooks);
    expect(e[0]).toBeCloseTo(0, 5);
    // distance² from (1, 7) to the line y = 2x (through the mean (1, 2)): (2·1 − 7)² / 5 = 5
    expect(e[1]).toBeCloseTo(5, 4);
    expect(e[2]).toBeCloseTo(5, 4);
  });
});

describe('truth per test row', () => {
  it('marks other classes anomalous and unknown labels unknown', () => {
    expect(Array.from(truthOf(Int32Array.from([0, 1, 2, -1, 0]), [0, 2]))).toEqual([0, 1, 0, -1, 0]);
  });
});

describe('anomaly detection through the engine', () => {
  const engine = new Engine();
  let ds: DatasetSummary;
  let result: AnomalyResult;
  const alpha = () => ds.labelNames!.indexOf('alpha');
  const small = { latent: 2, hidden: [16], epochs: 30, batchSize: 16 };

  beforeAll(async () => {
    ds = await runJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path: blobs } }));
    result = await runJob(engine, 'anomalies', engine.detectAnomalies({
      datasetId: ds.id, normalClasses: [alpha()], methods: ['pca-error', 'recon-prob', 'vae-error', 'neg-elbo', 'ae-error'],
      model: small, pcaComponents: 2, samples: 5,
    }));
  });

  it('trains the model and the autoencoder on the normal class of the training split only', () => {
    const normalTrain = Array.from(engine.dataset(ds.id).train.labels!).filter((l) => l === alpha()).length;
    expect(result.fitRows).toBe(normalTrain);
    expect(result.runs).toHaveLength(2);
    expect(result.runs.map((r) => r.config.model)).toEqual(['vae', 'ae']);
    for (const run of result.runs) {
      expect(run.classes).toEqual([alpha()]);
      expect(run.trainRows).toBe(result.fitRows);
      expect(run.title).toContain('(class alpha)');
    }
    expect(result.fitRows).toBeGreaterThan(30);
  });

  it('scores the whole test split with every method; other classes count as anomalous; AUC is high on well-separated blobs', () => {
    expect(result.rows).toBe(ds.testRows);
    const known = Array.from(result.truth!).filter((t) => t === 1).length;
    expect(result.anomalies).toBe(known);
    expect(result.truth!.every((t, i) => t === (result.labels![i] === alpha() ? 0 : 1))).toBe(true);
    expect(result.methods.map((m) => m.key)).toEqual(['pca2_error', 'vae2_recon_prob', 'vae2_error', 'vae2_neg_elbo', 'ae2_error']);
    for (const m of result.methods) {
      expect(m.scores).toHaveLength(ds.testRows);
      expect(m.auc).toBeGreaterThan(0.95);
      const roc = m.roc!;
      expect([roc.fpr[0], roc.tpr[0], roc.fpr[roc.fpr.length - 1], roc.tpr[roc.tpr.length - 1]]).toEqual([0, 0, 1, 1]);
    }
    expect(result.methods[1].title).toBe('VAE-2 reconstruction probability (L = 5)');
  });

  it('ranks the most anomalous rows and counts rows above a threshold', async () => {
    const m = result.methods[0];
    const r = await engine.rankAnomalies({ anomalyId: result.id, key: m.key, top: 5, threshold: m.scores[3] });
    expect(r.rows).toHaveLength(5);
    for (let i = 1; i < 5; i++) expect(r.scores[i]).toBeLessThanOrEqual(r.scores[i - 1]);
    expect(r.scores[0]).toBe(Math.max(...m.scores));
    expect(Array.from(r.labels!).every((l) => l !== alpha())).toBe(true);
    expect(r.rowIds[0]).toBe(result.rowIds[r.rows[0]]);
    expect(r.above).toBe(Array.from(m.scores).filter((s) => s >= m.scores[3]).length);
    await expect(engine.rankAnomalies({ anomalyId: result.id, key: 'nope', top: 5 })).rejects.toThrow(/no score "nope"/);
  });

  it('exports id, label, is_anomaly and one column per score as CSV', async () => {
    const path = join(tempDir('anomaly-csv'), 'scores.csv');
    const out = await runJob(engine, 'export', engine.exportAnomalies({ anomalyId: result.id, path }));
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe('id,label,is_anomaly,pca2_error,vae2_recon_prob,vae2_error,vae2_neg_elbo,ae2_error');
    expect(out.columns).toEqual(lines[0].split(','));
    expect(lines).toHaveLength(ds.testRows + 1);
    const [id, label, flag, pca] = lines[1].split(',');
    expect(Number(id)).toBe(result.rowIds[0]);
    expect(label).toBe(ds.labelNames![result.labels![0]]);
    expect(flag).toBe(String(result.truth![0]));
    expect(Number(pca)).toBeCloseTo(result.methods[0].scores[0], 4);
  });

  it('repeats exactly with the same settings', async () => {
    const again = await runJob(engine, 'anomalies', engine.detectAnomalies({
      datasetId: ds.id, normalClasses: [alpha()], methods: ['recon-prob'], model: small, samples: 5,
    }));
    expect(Array.from(again.methods[0].scores)).toEqual(Array.from(result.methods[1].scores));
  });

  it('scores without labels when no class is marked normal (no ROC)', async () => {
    const r = await runJob(engine, 'anomalies', engine.detectAnomalies({ datasetId: ds.id, methods: ['pca-error'], pcaComponents: 1 }));
    expect(r.truth).toBeNull();
    expect(r.methods[0].auc).toBeNull();
    expect(r.fitRows).toBe(ds.trainRows);
  });

  it('can be cancelled while the model trains', async () => {
    let jobId = '';
    const pending = runJob(engine, 'anomalies', engine.detectAnomalies({
      datasetId: ds.id, normalClasses: [alpha()], methods: ['recon-prob'], model: { ...small, epochs: 5000 },
    }), (e, id) => {
      if (e.type === 'progress' && !jobId) {
        jobId = id;
        void engine.cancel(id);
      }
    });
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
  });

  it.each([
    [{ normalClasses: [0, 1, 2] }, /Every class of blobs.csv is marked normal/],
    [{ normalClasses: [7] }, /has 3 classes \(numbered 0 to 2\); 7 is not one of them/],
    [{ methods: [] }, /Malformed detectAnomalies request at 0\.methods/],
    [{ model: { model: 'cvae' } }, /conditional VAE is told each row's class/],
    [{ model: { model: 'ae' } }, /reconstruction probability needs a probabilistic encoder/],
    [{ methods: ['pca-error'], pcaComponents: 50 }, /at most 8 components; 50 were asked for/],
  ] as const)('refuses %j before any job starts', async (patch, message) => {
    const req = { datasetId: ds.id, normalClasses: [0], methods: ['recon-prob', 'pca-error'], ...patch } as Parameters<Engine['detectAnomalies']>[0];
    await expect(engine.detectAnomalies(req)).rejects.toThrow(message);
  });
});

describe('training on some classes', () => {
  const engine = new Engine();
  let ds: DatasetSummary;
  beforeAll(async () => {
    ds = await runJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path: blobs } }));
  });

  it('uses only the training rows of those classes', async () => {
    const classes = [ds.labelNames!.indexOf('beta'), ds.labelNames!.indexOf('gamma')];
    const run = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: { epochs: 1, hidden: [8] }, classes }));
    const all = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: { epochs: 1, hidden: [8] } }));
    expect(run.classes).toEqual([...classes].sort());
    expect(all.classes).toBeNull();
    const data = engine.dataset(ds.id);
    const expected = Array.from(data.train.labels!).filter((l) => classes.includes(l)).length;
    expect(run.trainRows + run.validationRows).toBe(expected);
    expect(all.trainRows + all.validationRows).toBe(ds.trainRows);
  });

  it('refuses classes the dataset does not have, and a dataset without labels', async () => {
    await expect(engine.train({ datasetId: ds.id, config: {}, classes: [3] })).rejects.toThrow(LabFailure);
    const unlabelled = await runJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path: blobs }, labelColumn: null }));
    await expect(engine.train({ datasetId: unlabelled.id, config: {}, classes: [0] })).rejects.toThrow(/needs a label column, and blobs.csv has none/);
  });
});
