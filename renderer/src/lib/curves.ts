// Turns run metrics into chart series: per epoch (train solid, validation dashed), live per batch,
// and a second run overlaid.
import { MODEL_INFO } from '../../../shared/models';
import type { BatchMetrics, EpochMetrics, LossValues, RunSummary } from '../../../shared/types';

export interface Series {
  label: string;
  color: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
  /** Draw markers (per-epoch data) or a plain line (dense live data). */
  markers?: boolean;
}

type Term = 'loss' | 'recon' | 'kl' | 'mmd';

const COLORS: Record<Term, string> = { loss: '#4269d0', recon: '#3ca951', kl: '#ff725c', mmd: '#a463f2' };
const OVERLAY: Record<Term, string> = { loss: '#1b2f6b', recon: '#16532a', kl: '#8a2a1a', mmd: '#4d2a80' };

/** Which terms a run's model reports (total, reconstruction, then KL and/or MMD). */
export function termsOf(run: Pick<RunSummary, 'config'>): Term[] {
  return ['loss', ...MODEL_INFO[run.config.model].terms];
}

export function termLabel(run: Pick<RunSummary, 'config'>, t: Term): string {
  if (t === 'loss') return MODEL_INFO[run.config.model].probabilistic && run.config.model !== 'info-vae' ? 'loss (−ELBO)' : 'loss';
  return t === 'recon' ? 'reconstruction' : t === 'kl' ? 'KL' : 'MMD';
}

const valueOf = (v: LossValues, t: Term): number | null => v[t];

/** Per-epoch series of one run: training terms, and validation loss when there is one. */
export function epochSeries(run: RunSummary, opts: { overlay?: boolean; prefix?: string } = {}): Series[] {
  const palette = opts.overlay ? OVERLAY : COLORS;
  const prefix = opts.prefix ? `${opts.prefix} ` : '';
  const out: Series[] = [];
  for (const t of termsOf(run)) {
    const points = run.epochs.flatMap((e: EpochMetrics) => {
      const y = valueOf(e, t);
      return y === null ? [] : [{ x: e.epoch, y }];
    });
    out.push({ label: `${prefix}${termLabel(run, t)}`, color: palette[t], points, dashed: opts.overlay });
  }
  if (run.epochs.some((e) => e.val)) {
    out.push({
      label: `${prefix}validation loss`,
      color: palette.loss,
      points: run.epochs.flatMap((e) => (e.val ? [{ x: e.epoch, y: e.val.loss }] : [])),
      dashed: !opts.overlay,
    });
  }
  return out;
}

/** Live smoothed numbers of the running epoch(s), x in fractional epochs. */
export function batchSeries(run: Pick<RunSummary, 'config'>, batches: BatchMetrics[]): Series[] {
  const x = (b: BatchMetrics) => b.epoch - 1 + b.batch / b.batchesPerEpoch;
  return termsOf(run).map((t) => ({
    label: `${termLabel(run, t)} (smoothed)`,
    color: COLORS[t],
    markers: false,
    points: batches.flatMap((b) => (b[t] === null ? [] : [{ x: x(b), y: b[t]! }])),
  }));
}
