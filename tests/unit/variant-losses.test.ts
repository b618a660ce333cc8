// Every variant's objective against values computed here by hand in float64, on a model small
// enough to write out (2 features, no hidden layer, 1-d latent) with fixed weights and noise.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Likelihood, ModelName } from '../../shared/types';
import { createModel, disposeModel, type Model } from '../../electron/engine/models/model';
import { imqMmd } from '../../electron/engine/models/mmd';
import type { LossContext } from '../../electron/engine/models/variant';
import { variants } from '../../electron/engine/models/variants';

const X = [[1, 0], [0.25, 0.75]];
const EPS = [0.5, -1.2];
const PRIOR = [0.3, -0.8];
const W = { mu: [0.4, -0.3], muB: 0.1, lv: [-0.2, 0.5], lvB: -0.4, out: [0.7, -0.6], outB: [0.05, -0.1] };

const softplus = (v: number) => Math.log1p(Math.exp(v));
const bernoulli = (x: number[], l: number[]) => x.reduce((s, xi, j) => s + softplus(l[j]) - xi * l[j], 0);
const klTerm = (mu: number, lv: number) => -0.5 * (1 + lv - mu * mu - Math.exp(lv));
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const decodeLogits = (z: number, extra = 0) => W.out.map((w, j) => z * w + W.outB[j] + extra);

/** The IMQ MMD² estimate of mmd.ts, written out for 1-d points. */
function mmdByHand(a: number[], b: number[]): number {
  const n = a.length;
  let total = 0;
  for (const s of [0.1, 0.2, 0.5, 1, 2, 5, 10]) {
    const c = 2 * 1 * s;
    const k = (u: number, v: number) => c / (c + (u - v) ** 2);
    let aa = 0, bb = 0, ab = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      if (i !== j) { aa += k(a[i], a[j]); bb += k(b[i], b[j]); }
      ab += k(a[i], b[j]);
    }
    total += (aa + bb) / (n * (n - 1)) - (2 * ab) / (n * n);
  }
  return total;
}

let model: Model | null = null;
afterEach(() => {
  if (model) disposeModel(model);
  model = null;
});

function tinyModel(name: ModelName, opts: { classes?: number; likelihood?: Likelihood; beta?: number; alpha?: number; lambda?: number; k?: number } = {}): Model {
  const stochastic = name !== 'ae' && name !== 'wae-mmd';
  const classes = opts.classes ?? 0;
  model = createModel({
    name, inputDim: 2, imageShape: null, architecture: 'mlp', hidden: [], latent: 1,
    likelihood: opts.likelihood ?? 'bernoulli', classes, stochastic, convChannels: [],
    objective: { beta: opts.beta ?? 1, alpha: opts.alpha ?? 0, lambda: opts.lambda ?? 1, iwaeK: opts.k ?? 1 },
  }, 3);
  const set = (name: string, values: number[]) => {
    const v = model!.params.get(name)!;
    const t = tf.tensor(values, v.shape);
    v.assign(t);
    t.dispose();
  };
  // label weights: class c adds 0.2·(c+1) to μ and 0.1·(c+1) to every logit
  set('enc/mu/w', [...W.mu, ...Array.from({ length: classes }, (_, c) => 0.2 * (c + 1))]);
  set('enc/mu/b', [W.muB]);
  if (stochastic) {
    set('enc/logvar/w', [...W.lv, ...Array.from({ length: classes }, () => 0)]);
    set('enc/logvar/b', [W.lvB]);
  }
  set('dec/out/w', [...W.out, ...Array.from({ length: classes }, (_, c) => [0.1 * (c + 1), 0.1 * (c + 1)]).flat()]);
  set('dec/out/b', W.outB);
  return model;
}

/** Noise from fixed lists: each normal() call takes the next list. */
function fixedNoise(...draws: number[][]): LossContext['normal'] {
  let i = 0;
  return (shape) => tf.tensor(draws[i++], shape);
}

interface Read { train: number; loss: number[]; recon: number[]; kl: number[] | null; mmd: number[] | null; negElbo: number[] | null }

function run(m: Model, ctx: LossContext, y: number[][] | null = null): Read {
  let out!: Read;
  tf.tidy(() => {
    const t = variants[m.spec.name].loss(m, { x: tf.tensor2d(X), y: y ? tf.tensor2d(y) : null }, ctx);
    const read = (v: tf.Tensor | null) => (v ? Array.from(v.dataSync()) : null);
    out = { train: t.train.dataSync()[0], loss: read(t.loss)!, recon: read(t.recon)!, kl: read(t.kl), mmd: read(t.mmd), negElbo: read(t.negElbo) };
  });
  return out;
}

/** μ, log σ², z, recon and KL of each row, by hand (labels shift μ and the logits). */
function byHand(eps: number[], labelShift: number[] = [0, 0], logitShift: number[] = [0, 0]) {
  return X.map((x, i) => {
    const mu = dot(x, W.mu) + W.muB + labelShift[i];
    const lv = dot(x, W.lv) + W.lvB;
    const z = mu + Math.exp(lv / 2) * eps[i];
    return { mu, lv, z, recon: bernoulli(x, decodeLogits(z, logitShift[i])), kl: klTerm(mu, lv) };
  });
}

describe('variant objectives match hand-computed values', () => {
  it('ae: reconstruction of the deterministic code', () => {
    const out = run(tinyModel('ae'), { normal: fixedNoise(), klWeight: 1 });
    const expected = X.map((x) => bernoulli(x, decodeLogits(dot(x, W.mu) + W.muB)));
    expected.forEach((e, i) => expect(out.loss[i]).toBeCloseTo(e, 5));
    expect(out.train).toBeCloseTo((expected[0] + expected[1]) / 2, 5);
    expect(out.kl).toBeNull();
    expect(out.negElbo).toBeNull();
  });

  it('vae: −ELBO = recon + KL with one reparameterised sample; warm-up scales the trained KL', () => {
    const rows = byHand(EPS);
    const out = run(tinyModel('vae'), { normal: fixedNoise(EPS), klWeight: 0.25 });
    rows.forEach((r, i) => {
      expect(out.recon[i]).toBeCloseTo(r.recon, 5);
      expect(out.kl![i]).toBeCloseTo(r.kl, 5);
      expect(out.loss[i]).toBeCloseTo(r.recon + r.kl, 5);
      expect(out.negElbo![i]).toBeCloseTo(r.recon + r.kl, 5);
    });
    expect(out.train).toBeCloseTo(rows.reduce((s, r) => s + r.recon + 0.25 * r.kl, 0) / 2, 5);
    // a worked number, to catch a formula shared by test and code: row 0
    // μ = 0.5, log σ² = −0.6, z = 0.5 + e^−0.3·0.5, logits = 0.7z + 0.05, −0.6z − 0.1
    expect(rows[0].mu).toBeCloseTo(0.5, 12);
    expect(rows[0].kl).toBeCloseTo(-0.5 * (1 - 0.6 - 0.25 - Math.exp(-0.6)), 12);
  });

  it('beta-vae: recon + β·KL, −ELBO still at β = 1', () => {
    const rows = byHand(EPS);
    const out = run(tinyModel('beta-vae', { beta: 4 }), { normal: fixedNoise(EPS), klWeight: 1 });
    rows.forEach((r, i) => {
      expect(out.loss[i]).toBeCloseTo(r.recon + 4 * r.kl, 5);
      expect(out.negElbo![i]).toBeCloseTo(r.recon + r.kl, 5);
    });
  });

  it('cvae: the one-hot label enters encoder and decoder', () => {
    const y = [[0, 1], [1, 0]]; // row 0 class 1, row 1 class 0
    const rows = byHand(EPS, [0.4, 0.2], [0.2, 0.1]);
    const out = run(tinyModel('cvae', { classes: 2 }), { normal: fixedNoise(EPS), klWeight: 1 }, y);
    rows.forEach((r, i) => {
      expect(out.recon[i]).toBeCloseTo(r.recon, 5);
      expect(out.kl![i]).toBeCloseTo(r.kl, 5);
      expect(out.loss[i]).toBeCloseTo(r.recon + r.kl, 5);
    });
  });

  it('wae-mmd: recon + λ·MMD between codes and prior samples', () => {
    const codes = X.map((x) => dot(x, W.mu) + W.muB);
    const recon = X.map((x, i) => bernoulli(x, decodeLogits(codes[i])));
    const mmd = mmdByHand(codes, PRIOR);
    const out = run(tinyModel('wae-mmd', { lambda: 10 }), { normal: fixedNoise(PRIOR), klWeight: 1 });
    expect(out.mmd![0]).toBeCloseTo(mmd, 5);
    recon.forEach((r, i) => expect(out.loss[i]).toBeCloseTo(r + 10 * mmd, 4));
    expect(out.train).toBeCloseTo((recon[0] + recon[1]) / 2 + 10 * mmd, 4);
    expect(out.negElbo).toBeNull();
  });

  it('info-vae: recon + (1−α)·KL + (α+λ−1)·MMD of the sampled codes', () => {
    const rows = byHand(EPS);
    const mmd = mmdByHand(rows.map((r) => r.z), PRIOR);
    const out = run(tinyModel('info-vae', { alpha: 0.5, lambda: 3 }), { normal: fixedNoise(EPS, PRIOR), klWeight: 1 });
    expect(out.mmd![0]).toBeCloseTo(mmd, 5);
    rows.forEach((r, i) => {
      expect(out.loss[i]).toBeCloseTo(r.recon + 0.5 * r.kl + 2.5 * mmd, 4);
      expect(out.negElbo![i]).toBeCloseTo(r.recon + r.kl, 5);
    });
  });

  it('iwae: −log of the mean importance weight over K samples', () => {
    const eps = [[0.5, -1.2], [-0.3, 0.9], [1.1, 0.2]]; // [K][row]
    const k = eps.length;
    const expected = X.map((x, i) => {
      const mu = dot(x, W.mu) + W.muB;
      const lv = dot(x, W.lv) + W.lvB;
      const logW = eps.map((e) => {
        const z = mu + Math.exp(lv / 2) * e[i];
        const logPz = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
        const logQ = -0.5 * (Math.log(2 * Math.PI) + lv + e[i] * e[i]);
        return -bernoulli(x, decodeLogits(z)) + logPz - logQ;
      });
      const m = Math.max(...logW);
      return -(m + Math.log(logW.reduce((s, v) => s + Math.exp(v - m), 0)) - Math.log(k));
    });
    const out = run(tinyModel('iwae', { k }), { normal: fixedNoise(eps.flat()), klWeight: 1 });
    expected.forEach((e, i) => {
      expect(out.loss[i]).toBeCloseTo(e, 4);
      expect(out.negElbo![i]).toBeCloseTo(e, 4);
    });
  });

  it('iwae with K = 1 is the VAE with a sampled KL', () => {
    const rows = byHand(EPS);
    const out = run(tinyModel('iwae', { k: 1 }), { normal: fixedNoise(EPS), klWeight: 1 });
    rows.forEach((r, i) => {
      const logPz = -0.5 * r.z * r.z - 0.5 * Math.log(2 * Math.PI);
      const logQ = -0.5 * (Math.log(2 * Math.PI) + r.lv + EPS[i] ** 2);
      expect(out.loss[i]).toBeCloseTo(r.recon + logQ - logPz, 4);
    });
  });

  it('gaussian likelihoods: unit variance and learned per-feature variance', () => {
    const code = X.map((x) => dot(x, W.mu) + W.muB);
    const half = 0.5 * Math.log(2 * Math.PI);
    const unit = run(tinyModel('ae', { likelihood: 'gaussian' }), { normal: fixedNoise(), klWeight: 1 });
    X.forEach((x, i) => {
      const mean = decodeLogits(code[i]);
      expect(unit.recon[i]).toBeCloseTo(x.reduce((s, v, j) => s + 0.5 * (v - mean[j]) ** 2 + half, 0), 5);
    });
    disposeModel(model!);
    const m = tinyModel('ae', { likelihood: 'gaussian-learned' });
    const lv = [0.3, -0.7];
    const t = tf.tensor1d(lv);
    m.logvarX!.assign(t);
    t.dispose();
    const learned = run(m, { normal: fixedNoise(), klWeight: 1 });
    X.forEach((x, i) => {
      const mean = decodeLogits(code[i]);
      const e = x.reduce((s, v, j) => s + 0.5 * (Math.log(2 * Math.PI) + lv[j] + (v - mean[j]) ** 2 / Math.exp(lv[j])), 0);
      expect(learned.recon[i]).toBeCloseTo(e, 5);
    });
  });
});

describe('imqMmd', () => {
  it('is near 0 for identical sets, grows with the shift and matches the formula in 2-d', () => {
    const a = [[0, 0], [1, 0.5], [-0.5, 1]];
    const same = tf.tidy(() => imqMmd(tf.tensor2d(a), tf.tensor2d(a)).dataSync()[0]);
    const shifted = tf.tidy(() => imqMmd(tf.tensor2d(a), tf.tensor2d(a.map(([u, v]) => [u + 2, v]))).dataSync()[0]);
    // unbiased estimate of identical sets: within terms equal, across includes the diagonal k = 1
    let expectedSame = 0;
    for (const s of [0.1, 0.2, 0.5, 1, 2, 5, 10]) {
      const c = 2 * 2 * s;
      const k = (p: number[], q: number[]) => c / (c + (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2);
      let off = 0, all = 0;
      for (const p of a) for (const q of a) { all += k(p, q); if (p !== q) off += k(p, q); }
      expectedSame += (2 * off) / 6 - (2 * all) / 9;
    }
    expect(same).toBeCloseTo(expectedSame, 5);
    expect(shifted).toBeGreaterThan(same + 0.5);
  });
});
