// The model family the Train panel offers, and what each one reports. Plain data, so the renderer
// can show the right fields (β only for β-VAE, K only for IWAE, …) without asking the engine.

export const MODEL_NAMES = ['ae', 'vae', 'beta-vae', 'cvae', 'wae-mmd', 'info-vae', 'iwae'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Which TrainConfig hyperparameters a model reads. */
export type ModelParam = 'beta' | 'alpha' | 'lambda' | 'iwaeK';

/** A loss term a model reports (per sample; `mmd` is a batch-level estimate). */
export type LossTerm = 'recon' | 'kl' | 'mmd';

export interface ModelInfo {
  name: ModelName;
  title: string;
  /** A few letters for table columns and legends (with the latent size: VAE-10). */
  short: string;
  /** One line for the user: what the objective is. */
  objective: string;
  /** Has a probabilistic encoder q(z|x), so an ELBO (and testNegElbo) exists. */
  probabilistic: boolean;
  /** The terms besides reconstruction that its curves show. */
  terms: LossTerm[];
  params: ModelParam[];
  /** Trains on the label column too (the generator can be asked for a class). */
  needsLabels: boolean;
}

export const MODEL_INFO: Record<ModelName, ModelInfo> = {
  ae: {
    name: 'ae',
    title: 'Autoencoder',
    short: 'AE',
    objective: 'reconstruction loss only; deterministic codes',
    probabilistic: false,
    terms: ['recon'],
    params: [],
    needsLabels: false,
  },
  vae: {
    name: 'vae',
    title: 'VAE',
    short: 'VAE',
    objective: '−ELBO = reconstruction + KL(q(z|x) ‖ N(0, I))',
    probabilistic: true,
    terms: ['recon', 'kl'],
    params: [],
    needsLabels: false,
  },
  'beta-vae': {
    name: 'beta-vae',
    title: 'β-VAE',
    short: 'β-VAE',
    objective: 'reconstruction + β·KL',
    probabilistic: true,
    terms: ['recon', 'kl'],
    params: ['beta'],
    needsLabels: false,
  },
  cvae: {
    name: 'cvae',
    title: 'Conditional VAE',
    short: 'CVAE',
    objective: '−ELBO of p(x|z, label) with q(z|x, label)',
    probabilistic: true,
    terms: ['recon', 'kl'],
    params: [],
    needsLabels: true,
  },
  'wae-mmd': {
    name: 'wae-mmd',
    title: 'Wasserstein AE (MMD)',
    short: 'WAE',
    objective: 'reconstruction + λ·MMD(q(z), N(0, I)) with an inverse multiquadratic kernel',
    probabilistic: false,
    terms: ['recon', 'mmd'],
    params: ['lambda'],
    needsLabels: false,
  },
  'info-vae': {
    name: 'info-vae',
    title: 'InfoVAE (MMD-VAE)',
    short: 'InfoVAE',
    objective: 'reconstruction + (1−α)·KL + (α+λ−1)·MMD(q(z), N(0, I))',
    probabilistic: true,
    terms: ['recon', 'kl', 'mmd'],
    params: ['alpha', 'lambda'],
    needsLabels: false,
  },
  iwae: {
    name: 'iwae',
    title: 'Importance-weighted AE',
    short: 'IWAE',
    objective: '−log (1/K) Σₖ p(x, zₖ)/q(zₖ|x), K samples per row',
    probabilistic: true,
    terms: ['recon', 'kl'],
    params: ['iwaeK'],
    needsLabels: false,
  },
};

export function isModelName(v: unknown): v is ModelName {
  return typeof v === 'string' && (MODEL_NAMES as readonly string[]).includes(v);
}
