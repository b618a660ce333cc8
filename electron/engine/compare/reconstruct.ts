// Rebuilding data rows from a reduced representation: PCA with k components, or a trained model's
// decode(encode mean). Serves the reconstruction grid (chosen rows), the per-column error table and
// the MSE column of the comparison table (whole test split).
import { LabFailure } from '../../../shared/api';
import type { DataMatrix, ReconMethod, RunId } from '../../../shared/types';
import type { Split } from '../data/dataset';
import { reconstructionErrors, type ReconstructionErrors } from './metrics';
import { pcaReconstruct } from '../reduce/pca';
import type { FittedPca, ModelHandle } from '../reduce/run';

export interface Reconstructor {
  pca(): Promise<FittedPca>;
  model(runId: RunId): ModelHandle;
}

/** A stable key per method, for caches. */
export const reconKey = (m: ReconMethod) => (m.kind === 'pca' ? `pca:${m.components}` : `model:${m.runId}`);

export function reconTitle(m: ReconMethod, source: Reconstructor): string {
  return m.kind === 'pca' ? `PCA-${m.components}` : source.model(m.runId).title;
}

/** Reconstructions of n rows (row-major n×d) by one method; `labels` feed conditional models. */
export async function reconstructRows(m: ReconMethod, x: Float32Array, n: number, source: Reconstructor, labels: Int32Array | null = null): Promise<DataMatrix> {
  if (m.kind === 'model') return (await source.model(m.runId).reconstruct(x, n, labels)) as DataMatrix;
  const { model } = await source.pca();
  const available = model.variances.length;
  if (m.components > available) {
    throw new LabFailure('too-many-components', `PCA of this dataset has ${available} components; ${m.components} were asked for.`,
      `Pick between 1 and ${available}.`);
  }
  return pcaReconstruct(model, x, n, m.components) as DataMatrix;
}

/** Errors of a method over a whole split, in blocks to bound memory. */
export async function splitErrors(m: ReconMethod, split: Split, d: number, source: Reconstructor): Promise<ReconstructionErrors> {
  const block = 5000;
  const col = new Float64Array(d);
  const rowMse = new Float32Array(split.n);
  for (let i = 0; i < split.n; i += block) {
    const rows = Math.min(block, split.n - i);
    const x = split.x.subarray(i * d, (i + rows) * d);
    const labels = split.labels ? split.labels.subarray(i, i + rows) : null;
    const e = reconstructionErrors(x, await reconstructRows(m, x, rows, source, labels), rows, d);
    for (let j = 0; j < d; j++) col[j] += e.columnMse[j] * rows;
    rowMse.set(e.rowMse, i);
  }
  const n = Math.max(1, split.n);
  let total = 0;
  for (let j = 0; j < d; j++) total += col[j];
  return { mse: total / (n * d), columnMse: Float32Array.from(col, (s) => s / n), rowMse };
}
