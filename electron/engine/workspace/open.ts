// Opening a workspace: each dataset is opened again from its file with its saved settings — unless
// the file is missing or its content changed, in which case the window is told and asks the user
// to locate it (a located file must have the same content) — then its embeddings, table rows and
// anomaly results come back as they were, and the runs with their models join the run list. A
// dataset this engine still holds (a page reload) is kept as it is and only filled in.
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { DatasetSource } from '../../../shared/api';
import type { AnomalyId } from '../../../shared/anomalies';
import type { DatasetId, EmbeddingId, MetricsRow, RunId, RunSummary } from '../../../shared/types';
import { fingerprint } from '../data/identity';
import { openInto } from '../data/service';
import { servedPathProblem } from '../files/roots';
import type { JobContext } from '../session/jobs';
import type { DatasetEntry, Session } from '../session/session';
import { readWorkspace, type SavedDataset } from './format';

export type DatasetRestore = {
  /** The id the dataset had in the workspace, and the id it has now (null when not opened). */
  savedId: DatasetId;
  id: DatasetId | null;
  name: string;
  source: DatasetSource;
  /** opened: from its file; kept: this engine still held it; missing / changed: the user must locate it; failed: it did not open. */
  status: 'opened' | 'kept' | 'missing' | 'changed' | 'failed';
  message: string | null;
  embeddings: number;
  anomalies: number;
};

export interface WorkspaceOpened {
  path: string;
  savedAt: string;
  datasets: DatasetRestore[];
  /** The window's saved views, under each dataset's id now. */
  views: Record<string, unknown>;
  active: DatasetId | null;
  panel: string | null;
  runs: RunSummary[];
  notes: string[];
}

export interface OpenWorkspaceOptions {
  /** Saved dataset id → a path where the user located its file (its content must match). */
  relocate?: Record<string, string>;
  /** Restore only these saved datasets (after locating one). */
  only?: string[];
}

function stage(ctx: JobContext, from: number, to: number) {
  return { progress: (f: number, m: string) => ctx.progress(from + (to - from) * f, m), checkCancelled: () => ctx.checkCancelled() };
}

/** Puts the saved embeddings, table rows and anomaly results of a dataset into its entry. */
function fill(entry: DatasetEntry, saved: SavedDataset, notes: string[]): { embeddings: number; anomalies: number } {
  const test = entry.ds.test.n;
  let embeddings = 0;
  for (const e of saved.embeddings) {
    if (entry.embeddings.has(e.data.id)) continue;
    if (e.data.rows !== test) {
      notes.push(`“${e.data.title}” of ${saved.name} has ${e.data.rows} rows where the data now has ${test} test rows; it was left out.`);
      continue;
    }
    e.data.datasetId = entry.id;
    entry.addEmbedding({ data: e.data, train: e.train && e.train.length === entry.ds.train.n * e.data.dims ? e.train : null, recon: e.recon });
    if (e.score) entry.scores.set(e.data.id as EmbeddingId, { ...(e.score as MetricsRow), embeddingId: e.data.id as EmbeddingId });
    embeddings++;
  }
  let anomalies = 0;
  for (const a of saved.anomalies) {
    if (entry.anomalies.has(a.id) || a.rows !== test) continue;
    entry.anomalies.set(a.id as AnomalyId, { ...a, datasetId: entry.id });
    anomalies++;
  }
  return { embeddings, anomalies };
}

export async function restoreWorkspace(s: Session, path: string, opts: OpenWorkspaceOptions, ctx: JobContext): Promise<WorkspaceOpened> {
  const { file, notes } = await readWorkspace(path);
  const only = opts.only ? new Set(opts.only) : null;
  const chosen = file.datasets.filter((d) => !only || only.has(d.id));
  const idMap = new Map<string, DatasetId>();
  const datasets: DatasetRestore[] = [];
  for (const [i, saved] of chosen.entries()) {
    const from = i / Math.max(1, chosen.length) * 0.85;
    const to = (i + 1) / Math.max(1, chosen.length) * 0.85;
    ctx.checkCancelled();
    ctx.progress(from, `Restoring ${saved.name}`);
    const located = opts.relocate?.[saved.id];
    const source: DatasetSource = located ? { kind: 'file', path: resolve(located) } : saved.source;
    const result: DatasetRestore = { savedId: saved.id, id: null, name: saved.name, source, status: 'opened', message: null, embeddings: 0, anomalies: 0 };
    datasets.push(result);
    let entry: DatasetEntry | null = null;
    if (!located && s.hasDataset(saved.id)) {
      entry = s.entry(saved.id);
      result.status = 'kept';
    } else {
      if (source.kind === 'file') {
        // a served engine does not even look at a file outside its folders
        const refused = servedPathProblem(source.path);
        if (refused) {
          result.status = 'failed';
          result.message = `${saved.name} did not open: ${refused}`;
          continue;
        }
        const here = await stat(source.path).catch(() => null);
        if (!here) {
          result.status = 'missing';
          result.message = `${basename(source.path)} is no longer at ${source.path}. Locate it to restore ${saved.name} and its work.`;
          continue;
        }
        if (saved.fingerprint) {
          const now = await fingerprint(source.path);
          if (now.sha256 !== saved.fingerprint.sha256) {
            result.status = 'changed';
            result.message = located
              ? `${basename(source.path)} is not the file this workspace was saved with (its content differs). Pick the original file.`
              : `${basename(source.path)} has changed since the workspace was saved (its content differs). Locate the original file, or open the new one as a new dataset.`;
            continue;
          }
        }
      }
      try {
        entry = await openInto(s, { source, ...saved.options }, stage(ctx, from, to));
      } catch (err) {
        result.status = 'failed';
        result.message = `${saved.name} did not open: ${(err as Error).message}`;
        continue;
      }
    }
    result.id = entry.id;
    idMap.set(saved.id, entry.id);
    Object.assign(result, fill(entry, saved, notes));
  }
  ctx.progress(0.9, 'Restoring runs');
  const runs: RunSummary[] = [];
  for (const r of file.runs) {
    const summary = r.summary;
    const mapped = summary.datasetId ? idMap.get(summary.datasetId) : undefined;
    if (mapped && mapped !== summary.datasetId) summary.datasetId = mapped;
    const run = await s.runs.adopt(summary, r.schema, r.model).catch((err: Error) => {
      notes.push(`Run “${summary.title}” could not be restored: ${err.message}`);
      return null;
    });
    if (!run) continue;
    if (mapped && run.summary.datasetId !== mapped) {
      // the data was located elsewhere: the run now belongs to it
      run.summary.datasetId = mapped;
      await s.runs.writeRecord(run).catch(() => {});
    }
    runs.push(structuredClone(run.summary));
  }
  const views: Record<string, unknown> = {};
  for (const d of chosen) {
    const id = idMap.get(d.id);
    if (id && d.view !== null && d.view !== undefined) views[id] = d.view;
  }
  return {
    path,
    savedAt: file.savedAt,
    datasets,
    views,
    active: file.active ? idMap.get(file.active) ?? null : null,
    panel: file.panel,
    runs,
    notes,
  };
}

/** What `lab workspace show` prints: the datasets, runs and embeddings a workspace holds. */
export async function describeWorkspace(path: string) {
  const { file, notes } = await readWorkspace(path);
  return {
    path,
    savedAt: file.savedAt,
    savedBy: file.savedBy,
    datasets: file.datasets.map((d) => ({
      id: d.id,
      name: d.name,
      source: d.source.kind === 'builtin' ? d.source.name : d.source.path,
      rows: d.rows,
      features: d.features,
      embeddings: d.embeddings.length,
      anomalies: d.anomalies.length,
    })),
    runs: file.runs.map((r) => ({
      id: r.summary.id as RunId,
      name: r.summary.title,
      model: r.summary.config.model,
      status: r.summary.status,
      testLoss: r.summary.test?.loss ?? null,
      datasetId: r.summary.datasetId,
      hasModel: r.model !== null,
    })),
    embeddings: file.datasets.flatMap((d) => d.embeddings.map((e) => ({
      id: e.data.id,
      datasetId: d.id,
      title: e.data.title,
      method: e.data.method,
      dims: e.data.dims,
      rows: e.data.rows,
    }))),
    notes,
  };
}
