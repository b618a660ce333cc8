// Filling in and resolving a TrainConfig. Shared so the Train panel can show what 'auto' picks for
// a dataset (conv or MLP, Bernoulli or Gaussian) before anything is trained.
import { DEFAULT_TRAIN_CONFIG, type Architecture, type DatasetSummary, type Likelihood, type TrainConfig } from './types';

/**
 * A full config: every field the caller left out takes DEFAULT_TRAIN_CONFIG's value, or, given the
 * dataset, the value that suits it (datasetDefaults).
 */
export function withDefaults(partial: Partial<TrainConfig> = {}, dataset?: DefaultsInput): TrainConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<TrainConfig>;
  const fitted = dataset ? datasetDefaults(dataset, defined.limit ?? 0) : {};
  // the warm-up follows the epochs asked for: a tenth of them, none for fewer than 5
  if (dataset && defined.epochs !== undefined) fitted.klWarmupEpochs = warmupFor(defined.epochs);
  return { ...DEFAULT_TRAIN_CONFIG, hidden: [...DEFAULT_TRAIN_CONFIG.hidden], ...fitted, ...defined } as TrainConfig;
}

/** The default KL warm-up for a run of `epochs`: a tenth of them, none for runs under 5 epochs. */
export function warmupFor(epochs: number): number {
  return epochs >= 5 ? Math.max(1, Math.round(epochs / 10)) : 0;
}

export type DefaultsInput = Pick<DatasetSummary, 'imageShape' | 'features' | 'trainRows'>;

/** Gradient steps the tabular defaults aim for: fewer leave a small table's VAE barely trained (its KL near 0). */
export const TABULAR_TARGET_STEPS = 2000;
const NICE_EPOCHS = [10, 20, 30, 50, 100, 150, 200];

const pow2ceil = (v: number) => 2 ** Math.ceil(Math.log2(Math.max(1, v)));
const pow2floor = (v: number) => 2 ** Math.floor(Math.log2(Math.max(1, v)));
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Defaults that suit a dataset. Images (conv): the global defaults with a short KL warm-up. Tables:
 * a network sized to the columns (one hidden layer of 4× the features, 32 to 256 wide, never the
 * 400 units meant for 784 pixels), batches of about an eighth of the rows (16 to 128), enough epochs
 * for ~2,000 gradient steps (10 to 200), a higher learning rate and a KL warm-up over the first
 * tenth. With the global defaults (10 epochs of one batch) a 150-row VAE took 10 steps and ended
 * with its codes ignored (KL 0.1–0.2 nats). `limit` is the row limit the run will use (0 = all).
 */
export function datasetDefaults(ds: DefaultsInput, limit = 0): Partial<TrainConfig> {
  const latent = Math.max(1, Math.min(DEFAULT_TRAIN_CONFIG.latent, ds.features));
  if (canUseConv(ds)) return { latent, klWarmupEpochs: warmupFor(DEFAULT_TRAIN_CONFIG.epochs) };
  const rows = Math.max(1, limit > 0 ? Math.min(limit, ds.trainRows) : ds.trainRows);
  const trained = Math.max(1, rows - Math.round(rows * DEFAULT_TRAIN_CONFIG.validationFraction));
  const batchSize = clamp(pow2floor(rows / 8), 16, 128);
  const wanted = TABULAR_TARGET_STEPS / Math.ceil(trained / batchSize);
  const epochs = NICE_EPOCHS.find((e) => e >= wanted) ?? NICE_EPOCHS[NICE_EPOCHS.length - 1];
  return {
    latent,
    hidden: [clamp(pow2ceil(4 * ds.features), 32, 256)],
    batchSize,
    epochs,
    learningRate: 0.003,
    klWarmupEpochs: warmupFor(epochs),
  };
}

/** The convolutional stack halves each side twice, so images need at least this many pixels a side. */
export const MIN_CONV_SIDE = 4;

export function canUseConv(summary: Pick<DatasetSummary, 'imageShape'>): boolean {
  const s = summary.imageShape;
  return s !== null && s[0] >= MIN_CONV_SIDE && s[1] >= MIN_CONV_SIDE;
}

export interface ResolvedChoices {
  architecture: Architecture;
  likelihood: Likelihood;
}

/** What 'auto' means for this dataset: conv for images, the loader's likelihood proposal. */
export function resolveChoices(
  config: Pick<TrainConfig, 'architecture' | 'likelihood'>,
  summary: Pick<DatasetSummary, 'imageShape' | 'likelihood'>,
): ResolvedChoices {
  return {
    architecture: config.architecture === 'auto' ? (canUseConv(summary) ? 'conv' : 'mlp') : config.architecture,
    likelihood: config.likelihood === 'auto' ? summary.likelihood : config.likelihood,
  };
}
