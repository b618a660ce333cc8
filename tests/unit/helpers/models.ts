// Small real models and their save contents for the model-file tests (no training: the weights
// are the seeded initial ones, so each model is recognisable by its spec and seed).
import { createModel, type ModelSpec } from '../../../electron/engine/models/model';
import type { SaveContents } from '../../../electron/engine/models/serialize';
import { withDefaults } from '../../../shared/train-config';

export function tinySpec(inputDim: number, hidden: number[] = [], over: Partial<ModelSpec> = {}): ModelSpec {
  return {
    name: 'vae', inputDim, imageShape: null, architecture: 'mlp', hidden, latent: 2, likelihood: 'bernoulli',
    classes: 0, stochastic: true, convChannels: [], objective: { beta: 1, alpha: 0, lambda: 10, iwaeK: 5 }, ...over,
  };
}

/** A model of `inputDim` features (so models of different sizes cannot be mixed up unnoticed). */
export function tinyContents(inputDim: number, seed: number, hidden: number[] = [4]): SaveContents {
  const model = createModel(tinySpec(inputDim, hidden), seed);
  return {
    model,
    config: withDefaults({ latent: 2, hidden }),
    data: { datasetName: `d${inputDim}.csv`, featureNames: Array.from({ length: inputDim }, (_, i) => `f${i}`), imageShape: null, labelNames: null, scaling: null },
    training: { status: 'finished', backend: 'cpu', epochs: [], bestEpoch: null, test: null },
    savedBy: `model-files test, seed ${seed}`,
  };
}
