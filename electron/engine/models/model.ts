// The network every variant shares: an encoder x (+ label) → latent (μ and log σ², or a code) and a
// decoder latent (+ label) → the likelihood's parameters. MLP, or for images a convolutional stack
// in front of the MLP (3×3 convolution + 2×2 average pooling per stage, 28×28 → 14×14 → 7×7),
// mirrored in the decoder by ×2 upsampling + 3×3 convolution. The variants (ae.ts, vae.ts, …)
// differ only in the objective they build from these pieces.
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture, Likelihood, ModelName } from '../../../shared/types';
import { conv2dSame, convParams, pooledSize, poolDown, upsampleTo, type ConvParams } from './conv';
import { dense, denseParams, type DenseParams } from './dense';
import { bernoulliNll, gaussianLearnedNll, gaussianNll } from './losses';

/** Hyperparameters of the objectives (each variant reads its own). */
export interface ObjectiveParams {
  beta: number;
  alpha: number;
  lambda: number;
  iwaeK: number;
}

/** Everything needed to rebuild a model's shape: saved in model.json. */
export interface ModelSpec {
  name: ModelName;
  inputDim: number;
  /** [height, width, channels]; rows are row-major HWC. */
  imageShape: [number, number, number] | null;
  architecture: Architecture;
  hidden: number[];
  latent: number;
  likelihood: Likelihood;
  /** cvae: number of label classes (one-hot input to encoder and decoder); 0 otherwise. */
  classes: number;
  /** The encoder outputs q(z|x) = N(μ, σ²) (true) or a deterministic code (false). */
  stochastic: boolean;
  /** conv: channels of each convolution + pooling stage of the encoder. */
  convChannels: number[];
  objective: ObjectiveParams;
}

export interface Batch {
  x: tf.Tensor2D;
  /** One-hot labels (cvae), zero rows for a missing label; null for unconditional models. */
  y: tf.Tensor2D | null;
}

interface Encoder {
  conv: ConvParams[];
  mlp: DenseParams[];
  mu: DenseParams;
  logvar: DenseParams | null;
}

interface Decoder {
  mlp: DenseParams[];
  /** conv: latent features → the smallest feature map (flattened). */
  grid: DenseParams | null;
  /** conv: 3×3 convolutions after each ×2 upsampling. */
  conv: ConvParams[];
  /** mlp: last hidden layer → data. */
  out: DenseParams | null;
}

export interface Model {
  spec: ModelSpec;
  /** Trainable variables by stable name (save/load match on these names). */
  params: Map<string, tf.Variable>;
  enc: Encoder;
  dec: Decoder;
  /** gaussian-learned: per-feature log σ² of p(x|z). */
  logvarX: tf.Variable | null;
  /** conv: feature-map sizes [h, w] from the input down to the smallest map. */
  sizes: [number, number][];
}

// tfjs variable names are global: a per-model prefix lets many models live side by side.
let modelCount = 0;

/**
 * Runs `make` and frees the temporary tensors it created. tf.variable shares its initial value's
 * data, so the random initial tensors would otherwise stay counted forever; scopes never free
 * variables.
 */
function freeTemporaries<T>(make: () => T): T {
  let out!: T;
  tf.tidy(() => {
    out = make();
  });
  return out;
}

function paramFactory(seed: number) {
  const prefix = `model${++modelCount}`;
  const params = new Map<string, tf.Variable>();
  let layer = 0;
  const register = (name: string, v: tf.Variable) => {
    params.set(name, v);
    return v;
  };
  return {
    params,
    dense(name: string, fanIn: number, fanOut: number): DenseParams {
      const p = freeTemporaries(() => denseParams(fanIn, fanOut, seed * 1009 + 2 * layer++, `${prefix}/${name}`));
      register(`${name}/w`, p.w);
      register(`${name}/b`, p.b);
      return p;
    },
    conv(name: string, inC: number, outC: number): ConvParams {
      const p = freeTemporaries(() => convParams(3, inC, outC, seed * 1009 + 2 * layer++, `${prefix}/${name}`));
      register(`${name}/w`, p.w);
      register(`${name}/b`, p.b);
      return p;
    },
    zeros(name: string, size: number): tf.Variable {
      return register(name, freeTemporaries(() => tf.variable(tf.zeros([size]), true, `${prefix}/${name}`)));
    },
  };
}

function featureMapSizes(spec: ModelSpec): [number, number][] {
  const [h, w] = spec.imageShape!;
  const sizes: [number, number][] = [[h, w]];
  for (let i = 0; i < spec.convChannels.length; i++) {
    const [ph, pw] = sizes[sizes.length - 1];
    sizes.push([pooledSize(ph), pooledSize(pw)]);
  }
  return sizes;
}

/** Builds a model with PyTorch-default initialisation drawn from `seed`. */
export function createModel(spec: ModelSpec, seed: number): Model {
  const f = paramFactory(seed);
  const conv = spec.architecture === 'conv';
  if (conv && !spec.imageShape) throw new Error('conv architecture needs an image shape');
  const sizes = conv ? featureMapSizes(spec) : [];
  const channels = conv ? [spec.imageShape![2], ...spec.convChannels] : [];
  const encConv = conv ? spec.convChannels.map((c, i) => f.conv(`enc/conv${i}`, channels[i], c)) : [];
  const [sh, sw] = conv ? sizes[sizes.length - 1] : [0, 0];
  const flat = conv ? sh * sw * channels[channels.length - 1] : spec.inputDim;
  const widths = [flat + spec.classes, ...spec.hidden];
  const encMlp = spec.hidden.map((h, i) => f.dense(`enc/dense${i}`, widths[i], h));
  const top = widths[widths.length - 1];
  const enc: Encoder = {
    conv: encConv,
    mlp: encMlp,
    mu: f.dense('enc/mu', top, spec.latent),
    logvar: spec.stochastic ? f.dense('enc/logvar', top, spec.latent) : null,
  };
  const decWidths = [spec.latent + spec.classes, ...[...spec.hidden].reverse()];
  const decMlp = decWidths.slice(1).map((h, i) => f.dense(`dec/dense${i}`, decWidths[i], h));
  const last = decWidths[decWidths.length - 1];
  const upChannels = [...channels].reverse(); // e.g. [64, 32, 1]
  const dec: Decoder = {
    mlp: decMlp,
    grid: conv ? f.dense('dec/grid', last, flat) : null,
    conv: conv ? upChannels.slice(1).map((c, i) => f.conv(`dec/conv${i}`, upChannels[i], c)) : [],
    out: conv ? null : f.dense('dec/out', last, spec.inputDim),
  };
  const logvarX = spec.likelihood === 'gaussian-learned' ? f.zeros('dec/logvarX', spec.inputDim) : null;
  return { spec, params: f.params, enc, dec, logvarX, sizes };
}

export function modelVariables(m: Model): tf.Variable[] {
  return [...m.params.values()];
}

export function disposeModel(m: Model): void {
  for (const v of m.params.values()) v.dispose();
}

export function parameterCount(m: Model): number {
  let n = 0;
  for (const v of m.params.values()) n += v.size;
  return n;
}

/**
 * q(z|x): μ and log σ² (log σ² null for deterministic encoders, whose code is μ). Call inside
 * tf.tidy: its intermediate tensors are left to the caller's scope.
 */
export function encode(m: Model, x: tf.Tensor2D, y: tf.Tensor2D | null): { mu: tf.Tensor2D; logvar: tf.Tensor2D | null } {
  {
    let h: tf.Tensor2D = x;
    let first = true;
    if (m.enc.conv.length) {
      const [ih, iw, ic] = m.spec.imageShape!;
      let map = tf.reshape(x, [x.shape[0], ih, iw, ic]) as tf.Tensor4D;
      for (const layer of m.enc.conv) {
        map = poolDown(tf.relu(conv2dSame(map, layer, { inputGrad: !first })));
        first = false;
      }
      h = tf.reshape(map, [x.shape[0], -1]);
    }
    if (y) h = tf.concat([h, y], 1);
    for (const layer of m.enc.mlp) {
      h = dense(h, layer, { inputGrad: !first, activation: 'relu' });
      first = false;
    }
    const mu = dense(h, m.enc.mu, { inputGrad: !first });
    const logvar = m.enc.logvar ? dense(h, m.enc.logvar, { inputGrad: !first }) : null;
    return { mu, logvar };
  }
}

/** The decoder before the likelihood's link: logits (Bernoulli) or means (Gaussian), [n, d]. */
export function decodeRaw(m: Model, z: tf.Tensor2D, y: tf.Tensor2D | null): tf.Tensor2D {
  return tf.tidy(() => {
    let h: tf.Tensor2D = y ? tf.concat([z, y], 1) : z;
    for (const layer of m.dec.mlp) h = dense(h, layer, { activation: 'relu' });
    if (m.dec.out) return dense(h, m.dec.out);
    const n = z.shape[0];
    const [gh, gw] = m.sizes[m.sizes.length - 1];
    let map = tf.reshape(dense(h, m.dec.grid!, { activation: 'relu' }), [n, gh, gw, -1]) as tf.Tensor4D;
    m.dec.conv.forEach((layer, i) => {
      const [th, tw] = m.sizes[m.sizes.length - 2 - i];
      map = conv2dSame(upsampleTo(map, th, tw), layer);
      if (i < m.dec.conv.length - 1) map = tf.relu(map);
    });
    return tf.reshape(map, [n, m.spec.inputDim]);
  });
}

/** Decoded rows in data space: probabilities (Bernoulli) or means (Gaussian). */
export function decode(m: Model, z: tf.Tensor2D, y: tf.Tensor2D | null): tf.Tensor2D {
  return tf.tidy(() => {
    const raw = decodeRaw(m, z, y);
    return m.spec.likelihood === 'bernoulli' ? tf.sigmoid(raw) : raw;
  });
}

/** −log p(x|z) per row, from the decoder's raw output. */
export function reconNll(m: Model, x: tf.Tensor2D, raw: tf.Tensor2D): tf.Tensor1D {
  switch (m.spec.likelihood) {
    case 'bernoulli':
      return bernoulliNll(x, raw);
    case 'gaussian':
      return gaussianNll(x, raw);
    case 'gaussian-learned':
      return gaussianLearnedNll(x, raw, m.logvarX!);
  }
}

/** z = μ + σ·ε with ε ~ N(0, I) from `normal`. */
export function reparameterize(mu: tf.Tensor2D, logvar: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.add(mu, tf.mul(eps, tf.exp(tf.mul(logvar, 0.5)))));
}
