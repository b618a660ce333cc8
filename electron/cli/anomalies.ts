// `lab anomalies`: flags → an AnomalyRequest (classes by label name, methods by short name), and the
// result → JSON ({methods: [{name, auc}]} and more) or a table.
import { LabFailure } from '../../shared/api';
import type { AnomalyMethod, AnomalyRanking, AnomalyRequest, AnomalyResult } from '../../shared/anomalies';
import type { DatasetSummary, TrainConfig } from '../../shared/types';

/** CLI method names (what --methods takes) → the engine's score. */
export const CLI_METHODS: Record<string, AnomalyMethod> = {
  pca: 'pca-error',
  vae: 'recon-prob',
  'vae-error': 'vae-error',
  elbo: 'neg-elbo',
  ae: 'ae-error',
};

export const ANOMALY_USAGE = `  lab anomalies --data <file-or-builtin> --normal CLASSES [--methods pca,vae] [--k 20] [--json]
            [--epochs 5] [--model vae] [--latent 20] [--hidden 400] [--arch mlp|conv] [--samples 10]
            [--csv <file>] [--top N]
                                                train the model on the training rows of the normal
                                                classes (label names, comma-separated), fit PCA-k on
                                                them, score every test row (other classes count as
                                                anomalous) and print the ROC AUC of each score.
                                                Methods: pca (PCA-k reconstruction error), vae
                                                (reconstruction probability, L = --samples), vae-error,
                                                elbo (−ELBO), ae (a plain autoencoder's error).
                                                Model flags as for lab train (here --k is PCA's size).
                                                Without --normal every training row is normal and the
                                                --top most anomalous rows are listed (no AUC).`;

export interface AnomalyFlags {
  normal: string | undefined;
  methods: string | undefined;
  k: number;
  samples: number;
  config: TrainConfig;
}

/** Label names → indices; throws one line naming the unknown class and the known ones. */
function classesByName(ds: DatasetSummary, list: string): number[] {
  const names = ds.labelNames;
  if (!names) {
    throw new LabFailure('no-labels', `--normal needs a label column, and ${ds.name} has none.`, 'Pick it with --label COLUMN, or leave --normal out to score without labels.');
  }
  const wanted = list.split(',').map((c) => c.trim()).filter(Boolean);
  if (wanted.length === 0) throw new LabFailure('bad-option', '--normal needs one or more class names, comma-separated (e.g. --normal 0 or --normal 3,5).');
  return wanted.map((w) => {
    const at = names.indexOf(w);
    if (at < 0) {
      const known = names.length > 20 ? `${names.slice(0, 20).join(', ')}, …` : names.join(', ');
      throw new LabFailure('bad-option', `--normal: ${ds.name} has no class "${w}" (its classes: ${known}).`);
    }
    return at;
  });
}

export function anomalyRequestFrom(ds: DatasetSummary, f: AnomalyFlags): { request: AnomalyRequest; names: Map<AnomalyMethod, string> } {
  const list = (f.methods ?? 'pca,vae').split(',').map((m) => m.trim().toLowerCase()).filter(Boolean);
  const unknown = list.find((m) => !Object.hasOwn(CLI_METHODS, m));
  if (unknown !== undefined || list.length === 0) {
    throw new LabFailure('bad-option', `--methods takes a comma-separated list of ${Object.keys(CLI_METHODS).join(', ')} (got "${unknown ?? ''}").`);
  }
  const names = new Map(list.map((m) => [CLI_METHODS[m], m] as const));
  const request: AnomalyRequest = {
    datasetId: ds.id,
    methods: [...names.keys()],
    model: f.config,
    pcaComponents: f.k,
    samples: f.samples,
    ...(f.normal !== undefined ? { normalClasses: classesByName(ds, f.normal) } : {}),
  };
  return { request, names };
}

export function anomalyReport(
  ds: DatasetSummary, r: AnomalyResult, names: Map<AnomalyMethod, string>, config: TrainConfig, ranked: AnomalyRanking[], csv: string | null,
): { json: unknown; text: string } {
  const methods = r.methods.map((m) => ({ name: names.get(m.method)!, key: m.key, title: m.title, auc: m.auc }));
  const json = {
    dataset: ds.name,
    normal: r.normalNames,
    fitRows: r.fitRows,
    testRows: r.rows,
    anomalies: r.truth ? r.anomalies : null,
    model: { ...config },
    runs: r.runs.map((run) => ({ id: run.id, title: run.title, architecture: run.architecture, likelihood: run.likelihood, trainRows: run.trainRows, epochs: run.epochs.length, samplesPerSec: run.samplesPerSec })),
    methods,
    ...(ranked.length ? { top: ranked.map((t) => ({ key: t.key, rowIds: Array.from(t.rowIds), scores: Array.from(t.scores) })) } : {}),
    notes: r.notes,
    ...(csv ? { csv } : {}),
  };
  const text = [
    `${ds.name}: ${r.normalNames ? `normal class ${r.normalNames.join(', ')}` : 'every row normal'}, fitted on ${r.fitRows} training rows, ${r.rows} test rows${r.truth ? ` (${r.anomalies} anomalous)` : ''}`,
    `${'method'.padEnd(12)}${'AUC'.padStart(8)}  score`,
    ...methods.map((m) => `${m.name.padEnd(12)}${(m.auc === null ? '—' : m.auc.toFixed(4)).padStart(8)}  ${m.title}`),
    ...ranked.map((t) => `most anomalous by ${t.key}: rows ${Array.from(t.rowIds).join(', ')}`),
    ...(csv ? [`Wrote ${csv}`] : []),
  ].join('\n');
  return { json, text };
}
