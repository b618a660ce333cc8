// Posterior collapse, said out loud. A VAE whose KL term falls to almost nothing has learned to
// ignore its codes: q(z|x) ≈ N(0, I) for every row, so the decoder gets no information about the
// row and draws the same average picture for all of them. The mutual information between a row and
// its code is at most the mean KL, so a KL below COLLAPSE_KL nats leaves the decoder less than one
// nat (1.44 bits) to tell rows apart. We check the epoch KL while training (after the warm-up) and
// the test KL per latent dimension (the "active units") at the end, and say why and what to try.
import { MODEL_INFO } from '../../../shared/models';
import type { EpochMetrics, RunSummary, TrainConfig } from '../../../shared/types';

/** A latent dimension whose mean KL on the test split is below this carries nothing: inactive (Burda et al. use 0.01 for the activity of μ). */
export const ACTIVE_UNIT_KL = 0.01;
/** Total KL (nats per row) below which the codes can barely tell rows apart. */
export const COLLAPSE_KL = 1;
/** Gradient steps below which more of them (smaller batches, more epochs) is the first thing to try. */
const FEW_STEPS = 2000;
/** Every collapse warning starts with this, so a later verdict can replace an earlier one. */
export const COLLAPSE_PREFIX = 'Posterior collapse';

/** Latent dimensions whose KL is at least ACTIVE_UNIT_KL. */
export function activeUnits(klPerDim: readonly number[]): number {
  return klPerDim.filter((v) => v >= ACTIVE_UNIT_KL).length;
}

/** Whether a model has a KL term to collapse (the VAE family; not the AE or the WAE). */
export function hasKl(config: Pick<TrainConfig, 'model'>): boolean {
  return MODEL_INFO[config.model].terms.includes('kl');
}

const nats = (v: number) => `${v < 0.1 ? v.toFixed(3) : v.toFixed(2)} nats`;

/** Gradient steps a config takes on `trainRows` rows. */
export function gradientSteps(config: Pick<TrainConfig, 'epochs' | 'batchSize'>, trainRows: number, epochs = config.epochs): number {
  return epochs * Math.ceil(Math.max(1, trainRows) / Math.max(1, Math.min(config.batchSize, trainRows || 1)));
}

/** What to try, in the order most likely to help, for this config. */
export function collapseAdvice(config: TrainConfig, trainRows: number): string {
  const tips: string[] = [];
  const steps = gradientSteps(config, trainRows);
  if (steps < FEW_STEPS) {
    // a small table in big batches takes one step an epoch: smaller batches first, then epochs
    const batch = Math.min(config.batchSize, Math.min(128, Math.max(16, 2 ** Math.floor(Math.log2(Math.max(1, trainRows / 8))))));
    const epochs = Math.ceil(FEW_STEPS / gradientSteps({ ...config, batchSize: batch }, trainRows, 1));
    const rows = trainRows.toLocaleString('en-US');
    tips.push(`more gradient steps (${config.epochs} epoch${config.epochs === 1 ? '' : 's'} of ${rows} rows${config.batchSize < trainRows ? ` in batches of ${config.batchSize}` : ' in one batch'} is only ${steps.toLocaleString('en-US')} steps; try ${batch < config.batchSize ? `batches of ${batch} and ` : ''}${epochs.toLocaleString('en-US')} epochs)`);
  }
  tips.push(config.klWarmupEpochs > 0
    ? `a longer KL warm-up (now ${config.klWarmupEpochs} epoch${config.klWarmupEpochs === 1 ? '' : 's'})`
    : `a KL warm-up (e.g. ${Math.max(1, Math.round(config.epochs / 10))} epoch${Math.max(1, Math.round(config.epochs / 10)) === 1 ? '' : 's'}: the KL weight then ramps from 0 to 1)`);
  if (config.model === 'beta-vae' && config.beta > 1) tips.push(`a lower β (now ${config.beta}; β = 1 is the plain VAE)`);
  if (config.model === 'info-vae' && config.alpha > 0) tips.push(`a lower α (now ${config.alpha}; the KL weight is 1 − α)`);
  const widest = Math.max(0, ...config.hidden);
  if (widest > 64) tips.push(`a smaller decoder (hidden layers now ${config.hidden.join(', ')}; e.g. ${Math.max(16, Math.min(64, widest >> 2))})`);
  else tips.push('a smaller decoder');
  return `Try ${tips.join(', ')}.`;
}

/**
 * The verdict on a finished run from its test KL and KL per latent dimension, or null when the
 * codes carry information (or the model has no KL term).
 */
export function collapseAfterTraining(run: Pick<RunSummary, 'config' | 'test' | 'klPerDim' | 'trainRows'>): string | null {
  const kl = run.test?.kl;
  if (!hasKl(run.config) || kl === null || kl === undefined || !Number.isFinite(kl)) return null;
  const dims = run.klPerDim ?? null;
  const active = dims ? activeUnits(dims) : null;
  if (kl >= COLLAPSE_KL && active !== 0) return null;
  const units = dims ? ` and ${active} of ${dims.length} latent dimension${dims.length === 1 ? ' is' : 's are'} active (KL ≥ ${ACTIVE_UNIT_KL})` : '';
  return `${COLLAPSE_PREFIX}: the test KL is ${nats(kl)} per row${units}, so the codes carry at most ${nats(kl)} (${(kl / Math.LN2).toFixed(2)} bits) about each row. `
    + 'The decoder has learned to ignore them and rebuilds every row as nearly the same average row; the latent space and the samples show little structure. '
    + collapseAdvice(run.config, run.trainRows);
}

/**
 * While training: once the warm-up is over, a KL below COLLAPSE_KL for two epochs in a row
 * (or at the last epoch) is reported; null otherwise.
 */
export function collapseWhileTraining(config: TrainConfig, epochs: readonly EpochMetrics[], trainRows: number): string | null {
  if (!hasKl(config) || epochs.length === 0) return null;
  const last = epochs[epochs.length - 1];
  const warm = (m: EpochMetrics) => m.epoch > config.klWarmupEpochs && m.klWeight >= 1;
  const low = (m: EpochMetrics | undefined) => !!m && warm(m) && m.kl !== null && m.kl < COLLAPSE_KL;
  const atEnd = last.epoch >= config.epochs;
  if (!low(last) || !(atEnd || low(epochs[epochs.length - 2]))) return null;
  const since = [...epochs].reverse().find((m, i, all) => low(m) && !low(all[i + 1]))?.epoch ?? last.epoch;
  return `${COLLAPSE_PREFIX} while training: since epoch ${since}${config.klWarmupEpochs ? ' (after the KL warm-up)' : ''} the KL has stayed below ${COLLAPSE_KL} nat per row (epoch ${last.epoch}: ${nats(last.kl!)}). `
    + 'The encoder is being ignored: the decoder is learning one average row. '
    + collapseAdvice(config, trainRows);
}

/** The run's warnings with any earlier collapse warning replaced by `verdict` (or removed when null). */
export function withCollapseVerdict(warnings: readonly string[], verdict: string | null): string[] {
  return [...warnings.filter((w) => !w.startsWith(COLLAPSE_PREFIX)), ...(verdict ? [verdict] : [])];
}
