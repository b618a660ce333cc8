// An anomaly detector from a request: train the chosen model (and an autoencoder, when asked) on the
// normal training rows only, fit PCA on the same rows, score the whole test split with every method,
// and — when normal classes are given — ROC curves and AUC with every other class anomalous.
import { LabFailure } from '../../../shared/api';
import {
  ANOMALY_METHOD_INFO,
  ANOMALY_MODEL_DEFAULTS,
  DEFAULT_PCA_COMPONENTS,
  DEFAULT_SAMPLES,
  type AnomalyId,
  type AnomalyMethod,
  type AnomalyRequest,
  type AnomalyResult,
  type AnomalyScores,
} from '../../../shared/anomalies';
import { MODEL_INFO } from '../../../shared/models';
import { withDefaults } from '../../../shared/train-config';
import type { RunSummary, TrainConfig } from '../../../shared/types';
import { modelScores, pcaErrorScores, type ModelScores } from './scores';
import { checkClasses, classList } from '../data/class-subset';
import type { Dataset } from '../data/dataset';
import { modelShortName } from '../compare/embeddings';
import { reduceHooks, stageContext, type JobContext } from '../session/jobs';
import { modelInput } from '../models/model-input';
import type { Model } from '../models/model';
import { stageHooks } from '../reduce/hooks';
import type { PcaModel } from '../reduce/pca';
import { rocAuc, rocCurve } from './roc';
import { splitRows } from '../models/rows';
import type { Run, RunPlan } from '../training/runs';

/** What the anomaly job needs from the engine. */
export interface AnomalyDeps {
  ds: Dataset;
  /** Checks and builds a training run on the given classes' training rows (null = all rows). */
  plan(config: Partial<TrainConfig>, classes: number[] | null): RunPlan;
  addRun(run: Run): void;
  model(run: Run): Model;
  /** PCA (all components) of the given classes' training rows. */
  pca(classes: number[] | null): Promise<PcaModel>;
  /** Training rows of those classes (the PCA's fit rows), for the component limit. */
  fitRows(classes: number[] | null): number;
}

export interface AnomalyPlan {
  title: string;
  work(ctx: JobContext, id: AnomalyId): Promise<AnomalyResult>;
}

const needsModel = (m: AnomalyMethod) => ANOMALY_METHOD_INFO[m].needs === 'model';

/** Per test row: 1 anomalous (a class not marked normal), 0 normal, −1 unknown (no label). */
export function truthOf(labels: Int32Array, normal: number[]): Int8Array {
  const set = new Set(normal);
  return Int8Array.from(labels, (l) => (l < 0 ? -1 : set.has(l) ? 0 : 1));
}

/** Checks the request and plans the training runs; every refusal happens here, before any job. */
export function planAnomalies(req: AnomalyRequest, deps: AnomalyDeps): AnomalyPlan {
  const { ds } = deps;
  const s = ds.summary;
  const methods = [...new Set(req.methods)];
  if (methods.length === 0) throw new LabFailure('no-methods', 'Pick at least one anomaly score.', 'For example PCA reconstruction error and VAE reconstruction probability.');
  const normal = req.normalClasses ? checkClasses(s, req.normalClasses, 'Marking normal classes') : null;
  if (normal && normal.length === s.labelNames!.length) {
    throw new LabFailure('no-anomalies', `Every class of ${s.name} is marked normal, so no test row would count as anomalous.`, 'Leave at least one class unmarked.');
  }
  const config = withDefaults({ ...ANOMALY_MODEL_DEFAULTS, ...req.model });
  const info = MODEL_INFO[config.model];
  if (info.needsLabels) {
    throw new LabFailure('bad-config', 'A conditional VAE is told each row\'s class, so it cannot judge rows of classes it never saw.', 'Choose the VAE (or another unconditional model).');
  }
  const probabilistic = methods.filter((m) => ANOMALY_METHOD_INFO[m].probabilistic);
  if (probabilistic.length && !info.probabilistic) {
    throw new LabFailure('bad-config', `The ${ANOMALY_METHOD_INFO[probabilistic[0]].title} needs a probabilistic encoder q(z|x), which the ${info.title} does not have.`,
      'Choose the VAE (or β-VAE, InfoVAE, IWAE), or score with the reconstruction error only.');
  }
  const samples = req.samples ?? DEFAULT_SAMPLES;
  const k = req.pcaComponents ?? DEFAULT_PCA_COMPONENTS;
  if (methods.includes('pca-error')) {
    const limit = Math.min(deps.fitRows(normal) - 1, s.features);
    if (k > limit) {
      throw new LabFailure('too-many-components', `PCA of ${deps.fitRows(normal)} training rows with ${s.features} features has at most ${limit} components; ${k} were asked for.`, `Pick between 1 and ${limit} components.`);
    }
  }
  const modelPlan = methods.some(needsModel) ? deps.plan(config, normal) : null;
  const aePlan = methods.includes('ae-error')
    ? (config.model === 'ae' && modelPlan ? modelPlan : deps.plan({ ...config, model: 'ae' }, normal))
    : null;
  const plans = [...new Set([modelPlan, aePlan].filter((p): p is RunPlan => p !== null))];
  const on = normal ? `normal ${classList(s, normal)}` : 'every row normal';

  const work = async (ctx: JobContext, id: AnomalyId): Promise<AnomalyResult> => {
    // progress: training takes most of the time, then scoring, then PCA
    const weights = [...plans.map(() => 6), plans.length ? 2 : 0, methods.includes('pca-error') ? 1 : 0];
    const total = weights.reduce((a, b) => a + b, 0);
    let at = 0;
    const stage = (w: number) => {
      const range: [number, number] = [at / total, (at + w) / total];
      at += w;
      return range;
    };
    const runs: RunSummary[] = [];
    for (const plan of plans) {
      deps.addRun(plan.run);
      const [a, b] = stage(6);
      runs.push(await plan.work(stageContext(ctx, a, b)));
      ctx.checkCancelled();
    }
    const hooks = reduceHooks(ctx);
    const scored = new Map<RunPlan, ModelScores>();
    if (plans.length) {
      const [a, b] = stage(2);
      for (const [i, plan] of plans.entries()) {
        const model = deps.model(plan.run);
        const input = modelInput(plan.run.schema, ds, ds.test);
        const part = stageHooks(hooks, a + ((b - a) * i) / plans.length, a + ((b - a) * (i + 1)) / plans.length);
        const rows = splitRows(input, model.spec.inputDim, 0);
        scored.set(plan, await modelScores(model, rows, samples, plan.run.summary.config.seed * 7919 + 17, part));
      }
    }
    let pcaScores: Float32Array | null = null;
    if (methods.includes('pca-error')) {
      const [a, b] = stage(1);
      await hooks.step(a, `Fitting PCA on ${deps.fitRows(normal).toLocaleString('en-US')} training rows`);
      const pca = await deps.pca(normal);
      pcaScores = await pcaErrorScores(pca, ds.test.x, ds.test.n, k, stageHooks(hooks, a, b));
    }
    const truth = normal && ds.test.labels ? truthOf(ds.test.labels, normal) : null;
    const results: AnomalyScores[] = methods.map((method) => {
      const plan = method === 'ae-error' ? aePlan! : method === 'pca-error' ? null : modelPlan!;
      const model = plan ? plan.run.summary : null;
      const short = model ? modelShortName(model.config.model, model.config.latent) : `PCA-${k}`;
      const keyBase = model ? `${model.config.model.replace(/-/g, '')}${model.config.latent}` : `pca${k}`;
      const own = plan ? scored.get(plan)! : null;
      const scores = method === 'pca-error' ? pcaScores!
        : method === 'recon-prob' ? own!.reconProb!
          : method === 'neg-elbo' ? own!.negElbo! : own!.reconError;
      const suffix = { 'recon-prob': 'recon_prob', 'neg-elbo': 'neg_elbo', 'vae-error': 'error', 'ae-error': 'error', 'pca-error': 'error' }[method];
      const title = method === 'recon-prob'
        ? `${short} reconstruction probability (L = ${samples})`
        : method === 'neg-elbo' ? `${short} −ELBO (L = ${samples})` : `${short} reconstruction error`;
      return {
        method,
        key: `${keyBase}_${suffix}`,
        title,
        runId: model?.id ?? null,
        scores,
        auc: truth ? rocAuc(scores, truth) : null,
        roc: truth ? rocCurve(scores, truth) : null,
      };
    });
    let anomalies = 0;
    if (truth) for (const t of truth) if (t === 1) anomalies++;
    const fitRows = deps.fitRows(normal);
    const notes = [
      `Fitted on the ${fitRows.toLocaleString('en-US')} training rows ${normal ? `of class ${classList(s, normal)}` : '(all of them)'}; scored the ${ds.test.n.toLocaleString('en-US')} test rows.`,
      ...(truth ? [`${anomalies.toLocaleString('en-US')} test rows belong to other classes and count as anomalous. AUC counts tied scores as half (as scikit-learn's roc_auc_score).`] : []),
      ...(methods.some((m) => ANOMALY_METHOD_INFO[m].probabilistic) ? [`Reconstruction probability: −(1/L) Σ log p(x|zₗ) over L = ${samples} samples zₗ ~ q(z|x) (An & Cho 2015); higher = more anomalous.`] : []),
    ];
    ctx.progress(1, 'Scores ready');
    return {
      id,
      datasetId: s.id,
      normalClasses: normal,
      normalNames: normal ? normal.map((c) => s.labelNames![c]) : null,
      fitRows,
      rows: ds.test.n,
      rowIds: ds.test.rowIds,
      labels: ds.test.labels,
      truth,
      anomalies,
      methods: results,
      runs,
      notes,
    };
  };
  return { title: `Anomalies in ${s.name} (${on})`, work };
}
