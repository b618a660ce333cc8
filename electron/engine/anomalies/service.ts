// The anomaly service: fit the chosen models and PCA on the normal classes, score every test row,
// rank the most anomalous and export the scores. Results belong to their dataset.
import { basename } from 'node:path';
import { z } from 'zod';
import { LabFailure } from '../../../shared/api';
import { ANOMALY_METHODS, rowsAbove, topRows, type AnomalyExportRequest, type AnomalyId, type AnomalyRankRequest, type AnomalyRanking, type AnomalyRequest, type AnomalyResult } from '../../../shared/anomalies';
import { anomalyId, classList, datasetId, path, trainConfigSchema } from '../../../shared/schemas';
import type { DatasetId, JobId } from '../../../shared/types';
import { initBackend } from '../core/backend';
import { rowsOfClasses } from '../data/class-subset';
import { writeAnomalyCsv } from '../export/csv';
import { checkTarget } from '../export/target';
import { pcaFit } from '../reduce/pca';
import { method } from '../session/define';
import { newId } from '../session/session';
import { planRun } from '../training/plan';
import { planAnomalies } from './job';

export const anomalyHandlers = {
  /**
   * Trains the chosen model on the normal classes' training rows, fits PCA on them, scores every
   * test row with each method and, with normal classes, ROC + AUC; an 'anomalies' job.
   */
  detectAnomalies: method(z.tuple([z.strictObject({
    datasetId,
    normalClasses: classList.optional(),
    methods: z.array(z.enum(ANOMALY_METHODS)).min(1).max(ANOMALY_METHODS.length),
    model: trainConfigSchema.optional(),
    pcaComponents: z.number().int().min(1).max(10000).optional(),
    samples: z.number().int().min(1).max(1000).optional(),
  })]), async (s, req: AnomalyRequest): Promise<JobId> => {
    const entry = s.entry(req.datasetId);
    const ds = entry.ds;
    const trainRowsOf = (classes: number[] | null) => (classes ? rowsOfClasses(ds.train, ds.summary.features, classes, ds.summary) : ds.train);
    const plan = planAnomalies(req, {
      ds,
      plan: (config, classes) => planRun(s, { datasetId: ds.summary.id, config, ...(classes ? { classes } : {}) }),
      addRun: (run) => s.runs.add(run),
      model: (run) => s.runs.model(run.summary.id),
      pca: async (classes) => {
        if (!classes) return (await entry.pca()).model;
        const rows = trainRowsOf(classes);
        return pcaFit(rows.x, rows.n, ds.summary.features);
      },
      fitRows: (classes) => (classes ? ds.train.labels!.reduce((n, l) => n + (classes.includes(l) ? 1 : 0), 0) : ds.train.n),
    });
    return s.jobs.start('anomalies', plan.title, async (ctx) => {
      await initBackend();
      const id = newId<AnomalyId>('anom');
      const result = await plan.work(ctx, id);
      if (entry.open) entry.anomalies.set(id, result);
      return result;
    });
  }),

  /** The anomaly results of a dataset (computed here or restored from a workspace), oldest first. */
  listAnomalies: method(z.tuple([datasetId]), async (s, id: DatasetId): Promise<AnomalyResult[]> => [...s.entry(id).anomalies.values()]),

  /** The most anomalous test rows by one score, and how many lie at or above a threshold. */
  rankAnomalies: method(z.tuple([z.strictObject({
    anomalyId,
    key: z.string().min(1).max(200),
    top: z.number().int().min(1).max(1000),
    threshold: z.number().optional(),
  })]), async (s, req: AnomalyRankRequest): Promise<AnomalyRanking> => {
    const r = s.anomaly(req.anomalyId).result;
    const m = r.methods.find((x) => x.key === req.key);
    if (!m) throw new LabFailure('no-such-score', `There is no score "${req.key}" in these results.`, `Pick one of ${r.methods.map((x) => x.key).join(', ')}.`);
    const rows = topRows(m.scores, req.top);
    return {
      key: m.key,
      rows,
      rowIds: Int32Array.from(rows, (i) => r.rowIds[i]),
      scores: Float32Array.from(rows, (i) => m.scores[i]),
      labels: r.labels ? Int32Array.from(rows, (i) => r.labels![i]) : null,
      above: req.threshold === undefined ? 0 : rowsAbove(m.scores, req.threshold).length,
    };
  }),

  /** Writes the scores as CSV `id,label,is_anomaly,<score keys…>`; an 'export' job. */
  exportAnomalies: method(z.tuple([z.strictObject({ anomalyId, path, overwrite: z.boolean().optional() })]), async (s, req: AnomalyExportRequest): Promise<JobId> => {
    const { entry, result: r } = s.anomaly(req.anomalyId);
    await checkTarget(req.path, req.overwrite);
    const labelNames = entry.ds.summary.labelNames;
    return s.jobs.start('export', `Export ${basename(req.path)}`, async (ctx) => {
      ctx.progress(0.1, `Writing ${r.rows.toLocaleString('en-US')} rows`);
      const result = await writeAnomalyCsv(req.path, r, labelNames);
      ctx.progress(1, `Saved ${basename(req.path)}`);
      return result;
    });
  }),
};
