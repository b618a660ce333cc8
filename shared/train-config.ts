// Filling in and resolving a TrainConfig. Shared so the Train panel can show what 'auto' picks for
// a dataset (conv or MLP, Bernoulli or Gaussian) before anything is trained.
import { DEFAULT_TRAIN_CONFIG, type Architecture, type DatasetSummary, type Likelihood, type TrainConfig } from './types';

/** A full config: every field the caller left out takes DEFAULT_TRAIN_CONFIG's value. */
export function withDefaults(partial: Partial<TrainConfig> = {}): TrainConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_TRAIN_CONFIG, hidden: [...DEFAULT_TRAIN_CONFIG.hidden], ...defined } as TrainConfig;
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
