// The fused VAE steps (native/src/vae.cc and conv_vae.cc via native/vae-step.ts) against the general
// path (tfjs autograd + NativeAdam) on the same backend: from the same initial weights, the same rows
// and the same noise, a few steps must give the same losses and weights, for each likelihood, deeper
// networks, β, KL warm-up and gradient clipping, and for the conv VAE small and odd image sides
// (pooling and cropping edges); and it is used only where it applies.
import { beforeAll, describe, expect, it } from 'vitest';
import { withDefaults } from '../../shared/train-config';
import type { DatasetId, EpochMetrics, TrainConfig } from '../../shared/types';
import { useBackend } from '../../electron/engine/core/backend';
import { headRows } from '../../electron/engine/data/dataset';
import { quietContext } from '../../electron/engine/data/files';
import { openDataset } from '../../electron/engine/data/open';
import { modelSpecFor } from '../../electron/engine/models/model-spec';
import type { ModelSpec } from '../../electron/engine/models/model';
import { asData, type Split } from '../../electron/engine/data/dataset';
import { createModel, disposeModel, modelVariables } from '../../electron/engine/models/model';
import { trainModel, type TrainHooks, type TrainOutcome } from '../../electron/engine/training/train';
import { assertNative, skipNative } from './helpers/native';

const hooks: TrainHooks = {
  shouldStop: () => false,
  whenRunning: async () => 0,
  onBatch: () => {},
  onEpoch: async () => {},
  yieldToHost: async () => {},
};

const mnist = await openDataset('ds-fused' as DatasetId, { source: { kind: 'builtin', name: 'mnist' } }, quietContext);
const rows = headRows(mnist.train, 784, 600);

async function train(config: TrainConfig, fused: boolean, image?: { spec: (s: ModelSpec) => ModelSpec; rows: Split }) {
  const before = process.env.LAB_FUSED;
  process.env.LAB_FUSED = fused ? '1' : '0';
  try {
    const spec = modelSpecFor(config, mnist.summary);
    const model = createModel(image ? image.spec(spec) : spec, config.seed);
    const epochs: EpochMetrics[] = [];
    const outcome: TrainOutcome = await trainModel(model, image?.rows ?? rows, config, { ...hooks, onEpoch: async (m) => void epochs.push(m) });
    const weights = await Promise.all(modelVariables(model).map((v) => v.data() as Promise<Float32Array>));
    disposeModel(model);
    return { outcome, epochs, weights };
  } finally {
    if (before === undefined) delete process.env.LAB_FUSED;
    else process.env.LAB_FUSED = before;
  }
}

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-12, Math.abs(b));

/** The same losses per epoch, and the same weights to float rounding, on both paths. */
function expectSame(general: Awaited<ReturnType<typeof train>>, fused: Awaited<ReturnType<typeof train>>, epochs: number, lossTol = 1e-5) {
  expect(general.outcome.step).toBe('general');
  expect(fused.outcome.step).toBe('fused');
  expect(fused.epochs).toHaveLength(epochs);
  for (let e = 0; e < epochs; e++) {
    const [g, f] = [general.epochs[e], fused.epochs[e]];
    for (const key of ['loss', 'recon', 'kl', 'negElbo'] as const) {
      expect(relErr(f[key]!, g[key]!), `epoch ${e + 1} ${key}: fused ${f[key]} vs general ${g[key]}`).toBeLessThan(lossTol);
    }
  }
  // after the Adam steps the weights agree to float rounding (Adam normalises each step, so
  // compare against the size of the change, not the value)
  expect(fused.weights).toHaveLength(general.weights.length);
  general.weights.forEach((g, i) => {
    let maxDiff = 0;
    let maxAbs = 0;
    for (let j = 0; j < g.length; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(g[j] - fused.weights[i][j]));
      maxAbs = Math.max(maxAbs, Math.abs(g[j]));
    }
    expect(maxDiff, `variable ${i}`).toBeLessThan(1e-4 * Math.max(1, maxAbs));
  });
}

/** MNIST's first rows cropped to h×w from (8, 8), as an image dataset of c channels (HWC; channel k shifted k pixels right). */
function croppedRows(h: number, w: number, n: number, c = 1): Split {
  const x = new Float32Array(n * h * w * c);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let k = 0; k < c; k++) x[((r * h + i) * w + j) * c + k] = rows.x[r * 784 + (i + 8) * 28 + (j + 8 + k)];
  return { x: asData(x), n, labels: null, rowIds: Int32Array.from({ length: n }, (_, i) => i) };
}

describe.skipIf(skipNative)('fused MLP VAE step (native)', () => {
  beforeAll(async () => {
    assertNative();
    await useBackend('native');
  });

  // 600 rows, batch 128 with a ragged last batch of 88: 5 steps an epoch, 2 epochs
  const base: Partial<TrainConfig> = { model: 'vae', architecture: 'mlp', latent: 3, hidden: [48], epochs: 2, batchSize: 128, seed: 5, validationFraction: 0 };
  const cases: [string, Partial<TrainConfig>][] = [
    ['Bernoulli', { likelihood: 'bernoulli' }],
    ['Gaussian', { likelihood: 'gaussian' }],
    ['Gaussian with learned variance', { likelihood: 'gaussian-learned' }],
    ['two hidden layers, β-VAE, KL warm-up, clipping', { model: 'beta-vae', beta: 3, hidden: [40, 24], klWarmupEpochs: 2, clipNorm: 5, likelihood: 'bernoulli' }],
    ['cosine schedule, a clip that binds', { likelihood: 'gaussian', schedule: 'cosine', learningRate: 3e-3, clipNorm: 0.5 }],
  ];

  it.each(cases)('%s: same losses and weights as the general path', async (_, over) => {
    const config = withDefaults({ ...base, ...over });
    // 600 rows in batches of 128: 10 Adam steps over the 2 epochs
    expectSame(await train(config, false), await train(config, true), 2);
  });

  it.each([
    ['an autoencoder', { model: 'ae' }],
    ['a conditional VAE', { model: 'cvae' }],
    ['IWAE', { model: 'iwae' }],
  ] as [string, Partial<TrainConfig>][])('is not used for %s', async (_, over) => {
    const config = withDefaults({ ...base, epochs: 1, ...over });
    const { outcome } = await train(config, true);
    expect(outcome.step).toBe('general');
  });

  it('is not used on another backend', async () => {
    await useBackend('cpu');
    try {
      const { outcome } = await train(withDefaults({ ...base, epochs: 1 }), true);
      expect(outcome.step).toBe('general');
    } finally {
      await useBackend('native');
    }
  });
});

describe.skipIf(skipNative)('fused conv VAE step (native)', () => {
  beforeAll(async () => {
    assertNative();
    await useBackend('native');
  });

  // 300 rows, batch 128 with a ragged last batch of 44: 3 steps an epoch, 2 epochs
  const base: Partial<TrainConfig> = { model: 'vae', architecture: 'conv', latent: 2, hidden: [16], epochs: 2, batchSize: 128, seed: 7, validationFraction: 0, likelihood: 'bernoulli' };
  const image = (h: number, w: number, channels: number[], c = 1) => ({
    spec: (s: ModelSpec): ModelSpec => ({ ...s, inputDim: h * w * c, imageShape: [h, w, c], convChannels: channels }),
    rows: croppedRows(h, w, 300, c),
  });
  const cases: [string, Partial<TrainConfig>, ReturnType<typeof image>][] = [
    ['12×12, channels [4, 8], Bernoulli', {}, image(12, 12, [4, 8])],
    ['13×11 (odd sides: pooling rounds up, upsampling crops), channels [4, 8]', {}, image(13, 11, [4, 8])],
    ['13×11, three stages, Gaussian', { likelihood: 'gaussian' }, image(13, 11, [3, 5, 6])],
    ['12×12, Gaussian with learned variance', { likelihood: 'gaussian-learned' }, image(12, 12, [4, 8])],
    ['12×12, two hidden layers, β-VAE, KL warm-up, a clip that binds', { model: 'beta-vae', beta: 3, hidden: [24, 16], klWarmupEpochs: 2, clipNorm: 0.5 }, image(12, 12, [4, 8])],
    ['12×12, no hidden layer', { hidden: [] }, image(12, 12, [4, 8])],
    ['9×10 images of 3 channels, Gaussian', { likelihood: 'gaussian' }, image(9, 10, [4, 6], 3)],
    ['MNIST 28×28 with the default channels [16, 32] (thin and GEMM convolutions)', { hidden: [32] }, { spec: (sp: ModelSpec) => sp, rows }],
  ];

  it.each(cases)('%s: same losses and weights as the general path', async (_, over, img) => {
    const config = withDefaults({ ...base, ...over });
    const general = await train(config, false, img);
    const fused = await train(config, true, img);
    expectSame(general, fused, 2);
  });

  it('is not used for a conv model without convolution stages', async () => {
    const config = withDefaults({ ...base, epochs: 1 });
    const { outcome } = await train(config, true, image(12, 12, []));
    expect(outcome.step).toBe('general');
  });

  it('is not used for a conditional conv VAE', async () => {
    const config = withDefaults({ ...base, model: 'cvae', epochs: 1 });
    const { outcome } = await train(config, true);
    expect(outcome.step).toBe('general');
  });
});

describe.skipIf(skipNative)('vaeTrainStep arguments', () => {
  it('refuses shapes that do not match the arrays, naming what is wrong', async () => {
    const { nativeAddon } = await import('../../electron/engine/native/addon');
    const addon = nativeAddon().addon!;
    // M 2, d 3, latent 1, no hidden layer, Bernoulli: μ W [3,1] b [1], log σ² W b, out W [1,3] b [3]
    const sizes = [3, 1, 3, 1, 3, 3];
    const arrays = () => sizes.map((n) => new Float32Array(n));
    const call = (dims: number[], params = arrays()) => () => addon.vaeTrainStep(Int32Array.from(dims), new Float64Array([1, 1, 1e-3, 0.9, 0.999, 1e-8, 0.1, 0.001, 0]),
      new Float32Array(6), new Float32Array(2), params, arrays(), arrays(), arrays(), new Float64Array(4));
    expect(call([2, 3, 1, 0, 0])).not.toThrow();
    expect(call([2, 3, 1, 1, 0])).toThrow(/dims must be/);
    expect(call([2, 3, 1, 0, 7])).toThrow(/likelihood must be/);
    expect(call([2, 3, 1, 0, 0], arrays().slice(1))).toThrow(/params must be an array of 6 Float32Arrays/);
    expect(call([2, 3, 1, 0, 0], [new Float32Array(4), ...arrays().slice(1)])).toThrow(/params\[0\] must be a Float32Array of 3 elements/);
    expect(call([3, 3, 1, 0, 0])).toThrow(/x is too short/);
  });
});

describe.skipIf(skipNative)('convVaeTrainStep arguments', () => {
  it('refuses shapes that do not match the arrays, naming what is wrong', async () => {
    const { nativeAddon } = await import('../../electron/engine/native/addon');
    const addon = nativeAddon().addon!;
    // M 2, 3×3×1 images, latent 1, no hidden layer, Bernoulli, one stage of 2 channels (smallest map
    // 2×2×2 = 8): enc conv W [3,3,1,2] b [2]; μ W [8,1] b; log σ² W b; grid W [1,8] b [8]; dec conv W [3,3,2,1] b [1]
    const sizes = [18, 2, 8, 1, 8, 1, 8, 8, 18, 1];
    const arrays = () => sizes.map((n) => new Float32Array(n));
    const scalars = (corr = 0.1) => new Float64Array([1, 1, 1e-3, 0.9, 0.999, 1e-8, corr, 0.001, 0]);
    const call = (dims: number[], params = arrays(), x = new Float32Array(18), sc = scalars()) => () =>
      addon.convVaeTrainStep(Int32Array.from(dims), sc, x, new Float32Array(2), params, arrays(), arrays(), arrays(), new Float64Array(4));
    const ok = [2, 3, 3, 1, 1, 0, 0, 1, 2];
    expect(call(ok)).not.toThrow();
    expect(call([2, 3, 3, 1, 1, 0, 0, 1])).toThrow(/^convVaeTrainStep: dims must be \[M ≥ 1, H ≥ 1/);
    expect(call([2, 3, 3, 1, 1, 0, 0, 0])).toThrow(/dims must be/); // no conv stage
    expect(call([2, 3, 3, 1, 1, 1, 0, 1, 2])).toThrow(/dims must be/); // a hidden layer without its width
    expect(call([2, 3, 3, 1, 1, 0, 3, 1, 2])).toThrow(/likelihood must be/);
    expect(call([2, 3, 3, 1, 1, 0, 0, 1, 0])).toThrow(/channels must be ≥ 1/);
    expect(call([2, 3, 3, 1, 1, 1, 0, 1, 0, 2])).toThrow(/hidden widths must be ≥ 1/);
    expect(call(ok, arrays().slice(1))).toThrow(/params must be an array of 10 Float32Arrays/);
    expect(call(ok, [new Float32Array(9), ...arrays().slice(1)])).toThrow(/params\[0\] must be a Float32Array of 18 elements/);
    expect(call([2, 3, 3, 1, 1, 0, 0, 1, 3], arrays())).toThrow(/params\[0\] must be a Float32Array of 27 elements/);
    expect(call([3, 3, 3, 1, 1, 0, 0, 1, 2])).toThrow(/x is too short/);
    expect(call([2, 4, 3, 1, 1, 0, 0, 1, 2], arrays(), new Float32Array(18))).toThrow(/x is too short/);
    expect(call(ok, arrays(), new Float32Array(18), scalars(0))).toThrow(/bias corrections must be positive/);
  });
});
