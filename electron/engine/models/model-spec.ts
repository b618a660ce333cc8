// From a TrainConfig and a dataset to the model to build, checking that they fit together; every
// refusal says what to change.
import { LabFailure } from '../../../shared/api';
import { MODEL_INFO } from '../../../shared/models';
import { canUseConv, MIN_CONV_SIDE, resolveChoices } from '../../../shared/train-config';
import type { DatasetSummary, TrainConfig } from '../../../shared/types';
import type { ModelSpec } from './model';
import { variants } from './variants';

/**
 * Channels of the image encoder's convolution + pooling stages (28×28 → 14×14×16 → 7×7×32). Kept
 * small: at 3×3 and full resolution each stage costs ~k²·C_in·C_out multiply-adds per pixel.
 */
export const CONV_CHANNELS = [16, 32];

export function modelSpecFor(config: TrainConfig, summary: DatasetSummary): ModelSpec {
  const info = MODEL_INFO[config.model];
  const { architecture, likelihood } = resolveChoices(config, summary);
  if (architecture === 'conv' && !canUseConv(summary)) {
    throw new LabFailure('bad-config', summary.imageShape
      ? `${summary.name} has ${summary.imageShape[0]}×${summary.imageShape[1]} images; the convolutional architecture needs at least ${MIN_CONV_SIDE}×${MIN_CONV_SIDE}.`
      : `${summary.name} is not an image dataset, so the convolutional architecture does not apply.`, 'Choose the MLP architecture.');
  }
  if (likelihood === 'bernoulli' && summary.likelihood !== 'bernoulli') {
    throw new LabFailure('bad-config', `The Bernoulli likelihood needs every value in [0, 1]; ${summary.name} has values outside it (it was standardized).`,
      'Choose a Gaussian likelihood.');
  }
  if (info.needsLabels && (!summary.labelNames || summary.labelNames.length < 2)) {
    throw new LabFailure('bad-config', `A conditional VAE learns from the label column, and ${summary.name} has ${summary.labelNames ? 'only one class' : 'no label column'}.`,
      'Pick a label column with at least two classes in the Data panel, or choose another model.');
  }
  if (config.model === 'info-vae' && config.alpha + config.lambda < 1) {
    throw new LabFailure('bad-config', `InfoVAE weights the MMD by α + λ − 1, which is negative for α = ${config.alpha}, λ = ${config.lambda}.`,
      'Choose α and λ with α + λ ≥ 1 (e.g. α = 0, λ = 10).');
  }
  return {
    name: config.model,
    inputDim: summary.features,
    imageShape: summary.imageShape,
    architecture,
    hidden: [...config.hidden],
    latent: config.latent,
    likelihood,
    classes: info.needsLabels ? summary.labelNames!.length : 0,
    stochastic: variants[config.model].stochastic,
    convChannels: architecture === 'conv' ? [...CONV_CHANNELS] : [],
    objective: { beta: config.beta, alpha: config.alpha, lambda: config.lambda, iwaeK: config.iwaeK },
  };
}
