// Number formatting for the UI.
export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
export const fmtNum = (n: number, digits = 2) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';
export const fmtPct = (f: number, digits = 1) => `${(f * 100).toFixed(digits)}%`;

export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Bytes as people read them: 812 KB, 3.2 GB, as the engine writes them. */
export { formatBytes as fmtBytes } from '../../../shared/bytes';

/**
 * A run's title said of a dataset: "VAE on MNIST" scored on MNIST stays as it is (not "VAE on
 * MNIST on MNIST"); on other data, "VAE on MNIST, applied to fashion.csv".
 */
export function runOnDataset(run: { title: string; datasetName: string }, datasetName: string): string {
  return run.datasetName === datasetName || run.title.endsWith(` on ${datasetName}`) ? run.title : `${run.title}, applied to ${datasetName}`;
}
