// `lab workspace show FILE` and `--workspace FILE` on train, compare and anomalies: the command's
// dataset, runs and embeddings are added to a workspace the app opens (created when missing; what
// it holds for other datasets is kept).
import { LabFailure } from '../../shared/api';
import type { DatasetId, EmbeddingId } from '../../shared/types';
import type { DatasetView } from '../../shared/workspace';
import { files } from './files';
import type { CliEngine } from './progress';

export const WORKSPACE_USAGE = `  lab workspace show <file.latentlab> [--json]  the datasets, runs and embeddings a workspace holds
  --workspace <file.latentlab> on train, compare and anomalies adds the dataset, its runs and
                                                embeddings to that workspace (created if missing)`;

/** Adds the command's dataset and its work to the workspace at `file`; the views show `shown`. */
export async function recordInWorkspace(engine: CliEngine, file: string, datasetId: DatasetId, shown: EmbeddingId[] = []): Promise<string> {
  const view: DatasetView = { shown };
  const saved = await engine.saveWorkspace({ path: await files().inout(file), merge: true, datasets: [datasetId], views: { [datasetId]: view }, active: datasetId });
  return saved.path;
}

export async function workspaceCommand(engine: CliEngine, rest: string[]) {
  const [verb, file] = rest;
  if (verb !== 'show' || !file) throw new LabFailure('bad-option', 'Use: lab workspace show <file.latentlab> [--json].');
  const ws = await engine.inspectWorkspace(await files().input(file));
  const text = [
    `${ws.path} (saved ${ws.savedAt} by ${ws.savedBy})`,
    `Datasets: ${ws.datasets.length}`,
    ...ws.datasets.map((d) => `  ${d.name}  ${d.rows.toLocaleString('en-US')} rows × ${d.features}  ${d.embeddings} embedding(s)  ${d.source}`),
    `Runs: ${ws.runs.length}`,
    ...ws.runs.map((r) => `  ${r.name}  ${r.model}  ${r.status}${r.testLoss === null ? '' : `  test loss ${r.testLoss.toFixed(2)}`}`),
    `Embeddings: ${ws.embeddings.length}`,
    ...ws.embeddings.map((e) => `  ${e.title}  ${e.rows.toLocaleString('en-US')} × ${e.dims}`),
    ...ws.notes,
  ].join('\n');
  return { json: ws, text };
}
