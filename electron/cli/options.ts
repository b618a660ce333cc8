// Flag values for `lab`: whole numbers, numbers, choices, layer widths and the training config,
// each refused with one line naming the flag and what it takes (code 'bad-option': exit 2).
import { LabFailure } from '../../shared/api';
import { budgetProblem } from '../../shared/budget';
import { MODEL_NAMES } from '../../shared/models';
import { withDefaults } from '../../shared/train-config';
import type { TrainConfig } from '../../shared/types';

export function intOption(name: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new LabFailure('bad-option', `--${name} must be a whole number ≥ ${min} (got "${v}").`);
  return n;
}

/** --memory-budget MB: null when not given; a bad value is a usage error (exit 2). */
export function budgetOption(v: string | undefined): number | null {
  if (v === undefined) return null;
  const problem = budgetProblem(v);
  if (problem) throw new LabFailure('bad-option', `--memory-budget: ${problem}`);
  return Number(v);
}

export function numberOption(name: string, v: string | undefined, fallback: number, min = 0, strict = true): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || (strict ? n <= min : n < min)) {
    throw new LabFailure('bad-option', `--${name} must be a number ${strict ? '>' : '≥'} ${min} (got "${v}").`);
  }
  return n;
}

export function nonNegativeOption(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new LabFailure('bad-option', `--${name} must be a number ≥ 0 (got "${v}").`);
  return n;
}

export function choiceOption<T extends string>(name: string, v: string | undefined, choices: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) throw new LabFailure('bad-option', `--${name} must be one of ${choices.join(', ')} (got "${v}").`);
  return v as T;
}

/** --hidden 400 or 512,256 (0 or "none" for no hidden layer). */
export function hiddenOption(v: string | undefined, fallback: number[]): number[] {
  if (v === undefined) return fallback;
  if (v === '0' || v === 'none') return [];
  const widths = v.split(',').map((w) => Number(w.trim()));
  if (!widths.length || widths.some((w) => !Number.isInteger(w) || w < 1 || w > 8192)) {
    throw new LabFailure('bad-option', `--hidden must be layer widths like 400 or 512,256 (got "${v}").`);
  }
  return widths;
}

/**
 * The CLI keeps its historical defaults (1 epoch, MLP, every training row used for training) and
 * otherwise follows DEFAULT_TRAIN_CONFIG.
 */
export function trainConfigFrom(v: Record<string, unknown>, defaults: Partial<TrainConfig> = { epochs: 1, architecture: 'mlp', validationFraction: 0 }): TrainConfig {
  const s = (name: string) => v[name] as string | undefined;
  const d = withDefaults(defaults);
  const patience = intOption('patience', s('patience'), d.patience, 0);
  return {
    model: choiceOption('model', s('model'), MODEL_NAMES, d.model),
    latent: intOption('latent', s('latent'), d.latent, 1),
    hidden: hiddenOption(s('hidden'), d.hidden),
    architecture: choiceOption('arch', s('arch'), ['mlp', 'conv', 'auto'] as const, d.architecture),
    likelihood: choiceOption('likelihood', s('likelihood'), ['auto', 'bernoulli', 'gaussian', 'gaussian-learned'] as const, d.likelihood),
    beta: numberOption('beta', s('beta'), d.beta, 0, false),
    alpha: numberOption('alpha', s('alpha'), d.alpha, -1000, false),
    lambda: numberOption('lambda', s('lambda'), d.lambda, 0, false),
    iwaeK: intOption('k', s('k'), d.iwaeK, 1),
    epochs: intOption('epochs', s('epochs'), d.epochs, 1),
    batchSize: intOption('batch', s('batch'), d.batchSize, 1),
    learningRate: numberOption('lr', s('lr'), d.learningRate),
    schedule: choiceOption('schedule', s('schedule'), ['constant', 'step', 'cosine'] as const, d.schedule),
    stepEpochs: intOption('step-epochs', s('step-epochs'), d.stepEpochs, 1),
    stepFactor: numberOption('step-factor', s('step-factor'), d.stepFactor),
    clipNorm: numberOption('clip', s('clip'), d.clipNorm, 0, false),
    klWarmupEpochs: intOption('warmup', s('warmup'), d.klWarmupEpochs, 0),
    validationFraction: numberOption('val', s('val'), patience > 0 ? 0.1 : d.validationFraction, 0, false),
    patience,
    seed: intOption('seed', s('seed'), d.seed, 0),
    limit: intOption('limit', s('limit'), d.limit, 0),
  };
}


type Flags = Record<string, unknown>;
const flag = (v: Flags, name: string) => v[name] as string | undefined;
const pcaDims = (v: Flags) => (flag(v, 'pca-dims') === undefined ? {} : { pcaDims: intOption('pca-dims', flag(v, 'pca-dims'), 50, 0) });

/** UMAP's flags: --umap-neighbors, --umap-min-dist, --umap-epochs, --pca-dims, --seed. */
export function umapParams(v: Flags) {
  return {
    seed: intOption('seed', flag(v, 'seed'), 1, 0),
    ...pcaDims(v),
    ...(flag(v, 'umap-neighbors') !== undefined ? { nNeighbors: intOption('umap-neighbors', flag(v, 'umap-neighbors'), 15, 2) } : {}),
    ...(flag(v, 'umap-min-dist') !== undefined ? { minDist: nonNegativeOption('umap-min-dist', flag(v, 'umap-min-dist')!) } : {}),
    ...(flag(v, 'umap-epochs') !== undefined ? { nEpochs: intOption('umap-epochs', flag(v, 'umap-epochs'), 0, 0) } : {}),
  };
}

/** t-SNE's flags: --tsne-perplexity, --tsne-iterations, --pca-dims, --seed. */
export function tsneParams(v: Flags) {
  return {
    seed: intOption('seed', flag(v, 'seed'), 1, 0),
    ...pcaDims(v),
    ...(flag(v, 'tsne-perplexity') !== undefined ? { perplexity: numberOption('tsne-perplexity', flag(v, 'tsne-perplexity'), 30) } : {}),
    ...(flag(v, 'tsne-iterations') !== undefined ? { iterations: intOption('tsne-iterations', flag(v, 'tsne-iterations'), 1000, 1) } : {}),
  };
}
