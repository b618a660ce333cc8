// The VAE's whole training step as one addon call (native/src/vae.cc for the MLP architecture,
// native/src/conv_vae.cc for the conv one): gather the batch, forward, loss, backward, gradient
// clipping and Adam, with no tfjs tape, no kernel records and no tensors made per step. The general
// path (tfjs ops with registered gradients + NativeAdam) spends ~0.7 ms of a ~4 ms MLP step, and
// ~180 kernel records of a conv step, on bookkeeping; this one spends it on arithmetic. Used only
// where it computes exactly what the general path does: the 'vae' and 'beta-vae' objectives on the
// MLP or conv architecture without labels, on the native backend.
// LAB_FUSED=0 turns it off (to compare the two paths).
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../../shared/types';
import type { Model } from '../models/model';
import type { NativeAddon } from './addon';
import { nativeActive, type NativeBackend } from './backend';

/** Likelihood codes of native/src/vae.h. */
const LIKELIHOOD = { bernoulli: 0, gaussian: 1, 'gaussian-learned': 2 } as const;

/** Adam's constants, as the general path's optimizer is built with them (training/train.ts). */
export interface AdamConstants {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Why the fused step does not apply to this model and config (null: it does). */
export function fusedStepUnavailable(model: Model, config: Pick<TrainConfig, 'model'>): string | null {
  const s = model.spec;
  if (process.env.LAB_FUSED === '0') return 'turned off by LAB_FUSED=0';
  if (!nativeActive()) return 'the native backend is not active';
  if (s.name !== 'vae' && s.name !== 'beta-vae') return `the ${s.name} objective has no fused step`;
  if (config.model !== s.name) return 'the config names another model';
  if (s.architecture !== 'mlp' && s.architecture !== 'conv') return `the ${s.architecture} architecture has no fused step`;
  if (s.classes > 0 || !s.stochastic || !model.enc.logvar) return 'the model is conditional or deterministic';
  if (s.hidden.length !== model.enc.mlp.length || model.dec.mlp.length !== s.hidden.length) return 'unexpected layer layout';
  if (s.architecture === 'mlp') return model.dec.out ? null : 'unexpected layer layout';
  const stages = s.convChannels.length;
  if (!s.imageShape || stages === 0) return 'a conv model without convolution stages';
  if (model.enc.conv.length !== stages || model.dec.conv.length !== stages || !model.dec.grid || model.dec.out) return 'unexpected layer layout';
  return null;
}

/** One fused step per batch; the caller keeps the epoch's sums. */
export class FusedVaeStep {
  private readonly addon: NativeAddon;
  private readonly vars: tf.Variable[];
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private readonly dims: Int32Array;
  private readonly conv: boolean;
  private readonly scalars = new Float64Array(9);
  private readonly batchSums = new Float64Array(4);
  private xBatch = new Float32Array(0);
  private step = 0;

  constructor(private readonly model: Model, private x: Float32Array, private rows: number, adam: AdamConstants) {
    const s = model.spec;
    this.addon = (tf.backend() as NativeBackend).addon;
    this.conv = s.architecture === 'conv';
    // the order of vae.h / conv_vae.h (for conv, the model's own order of creation)
    const layers = this.conv
      ? [...model.enc.conv, ...model.enc.mlp, model.enc.mu, model.enc.logvar!, ...model.dec.mlp, model.dec.grid!, ...model.dec.conv]
      : [...model.enc.mlp, model.enc.mu, model.enc.logvar!, ...model.dec.mlp, model.dec.out!];
    this.vars = [...layers.flatMap((l) => [l.w, l.b]), ...(model.logvarX ? [model.logvarX] : [])];
    this.m = this.vars.map((v) => new Float32Array(v.size));
    this.v = this.vars.map((v) => new Float32Array(v.size));
    if (this.conv) {
      const [H, W, C] = s.imageShape!;
      this.dims = Int32Array.from([0, H, W, C, s.latent, s.hidden.length, LIKELIHOOD[s.likelihood], s.convChannels.length, ...s.hidden, ...s.convChannels]);
    } else {
      this.dims = Int32Array.from([0, s.inputDim, s.latent, s.hidden.length, LIKELIHOOD[s.likelihood], ...s.hidden]);
    }
    this.scalars.set([s.name === 'beta-vae' ? s.objective.beta : 1, 1, 0, adam.beta1, adam.beta2, adam.epsilon, 1, 1, 0]);
  }

  /**
   * One step on rows `idx` of x with the noise seed the general path would use; adds the batch's
   * sums of (loss, recon, KL, −ELBO) to `into` at TERM_ORDER's places (loss 0, recon 1, kl 2, negElbo 4).
   */
  /** Steps on other rows from now on (a streamed dataset's next chunk); Adam's moments are kept. */
  useRows(x: Float32Array, rows: number): void {
    this.x = x;
    this.rows = rows;
  }

  run(idx: Int32Array, noiseSeed: number, klWeight: number, lr: number, clipNorm: number, into: Float64Array): void {
    const backend = tf.backend() as NativeBackend;
    const s = this.model.spec;
    const M = idx.length;
    const d = s.inputDim;
    if (this.xBatch.length !== M * d) this.xBatch = new Float32Array(M * d);
    this.addon.gatherRows(this.x, this.rows, d, idx, this.xBatch);
    // the same draw as seededNormal(stepSeed)'s first: one tf.randomNormal, read in place
    const noise = tf.randomNormal([M, s.latent], 0, 1, 'float32', noiseSeed);
    try {
      const eps = backend.data.get(noise.dataId).values as Float32Array;
      this.step++;
      const beta = this.scalars[0];
      this.dims[0] = M;
      this.scalars.set([beta, beta * klWeight, lr], 0);
      this.scalars[6] = 1 - this.scalars[3] ** this.step;
      this.scalars[7] = 1 - this.scalars[4] ** this.step;
      this.scalars[8] = clipNorm;
      const p = this.vars.map((v) => backend.data.get(v.dataId).values as Float32Array);
      // updated values go to fresh buffers that then become the variables' data (as NativeAdam does):
      // whoever still reads the old arrays keeps a consistent snapshot
      const out = p.map((a) => backend.alloc(a.length));
      const step = this.conv ? this.addon.convVaeTrainStep : this.addon.vaeTrainStep;
      step.call(this.addon, this.dims, this.scalars, this.xBatch, eps, p, out, this.m, this.v, this.batchSums);
      this.vars.forEach((v, i) => {
        if (backend.replaceValues(v.dataId, out[i])) return;
        const next = tf.tensor(out[i], v.shape, 'float32');
        v.assign(next);
        next.dispose();
      });
    } finally {
      noise.dispose();
    }
    into[0] += this.batchSums[0];
    into[1] += this.batchSums[1];
    into[2] += this.batchSums[2];
    into[4] += this.batchSums[3];
  }
}
