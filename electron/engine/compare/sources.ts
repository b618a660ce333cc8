// How the comparison code sees one open dataset: its shared PCA fit, the trained models that may
// be compared on it (as ModelHandles), and the cached test-split reconstruction errors per method.
import { LabFailure } from '../../../shared/api';
import type { ReconMethod, RunId } from '../../../shared/types';
import type { Split } from '../data/dataset';
import { embedCodes, reconstructMeans } from '../models/evaluate';
import { modelInput } from '../models/model-input';
import { splitRows } from '../models/rows';
import type { ReduceHooks } from '../reduce/hooks';
import type { ModelHandle, ReduceContext } from '../reduce/run';
import type { DatasetEntry, Session } from '../session/session';
import { modelShortName } from './embeddings';
import type { ReconstructionErrors } from './metrics';
import { reconKey, splitErrors } from './reconstruct';
import type { CompareSource } from './score';

/** A trained model as the comparison code sees it; refused when it was trained on other data. */
export function modelHandle(s: Session, runId: RunId, entry: DatasetEntry): ModelHandle {
  const run = s.runs.get(runId);
  const model = s.runs.model(runId);
  const { summary } = run;
  if (summary.datasetId !== entry.id) {
    throw new LabFailure('wrong-dataset', 'That model was trained on another dataset.', 'Pick a model trained on this dataset.');
  }
  const ds = entry.ds;
  const { inputDim, classes } = model.spec;
  // the comparison hands us the dataset's own rows; the model reads them through its schema
  const rowsOf = (split: Split) => splitRows(modelInput(run.schema, ds, split), inputDim, classes);
  return {
    runId,
    name: model.spec.name,
    title: modelShortName(model.spec.name, summary.config.latent),
    latent: summary.config.latent,
    seconds: summary.epochs.reduce((t, e) => t + e.seconds, 0),
    trainRows: summary.trainRows,
    testNegElbo: summary.test?.negElbo ?? null,
    encodeMeans: (split: Split) => embedCodes(model, rowsOf(split)),
    reconstruct: (x: Float32Array, n: number, labels: Int32Array | null) =>
      reconstructMeans(model, splitRows({ x: x as Split['x'], n, labels, rowIds: new Int32Array(n) }, inputDim, classes)),
  };
}

export function compareSource(s: Session, entry: DatasetEntry): CompareSource {
  return {
    ds: entry.ds,
    pca: () => entry.pca(),
    model: (runId) => modelHandle(s, runId, entry),
    testErrors: (m) => testErrorsOf(s, entry, m),
  };
}

/** Test-split reconstruction errors of one method, computed once per dataset. */
export function testErrorsOf(s: Session, entry: DatasetEntry, m: ReconMethod): Promise<ReconstructionErrors> {
  const key = reconKey(m);
  let e = entry.testErrors.get(key);
  if (!e) {
    const p = splitErrors(m, entry.ds.test, entry.ds.summary.features, compareSource(s, entry));
    p.catch(() => {
      if (entry.testErrors.get(key) === p) entry.testErrors.delete(key);
    });
    entry.testErrors.set(key, p);
    e = p;
  }
  return e;
}

export function reduceContext(s: Session, entry: DatasetEntry, hooks: ReduceHooks): ReduceContext {
  return { ds: entry.ds, pca: () => entry.pca(), model: (runId) => modelHandle(s, runId, entry), hooks };
}
