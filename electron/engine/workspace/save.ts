// Saving a workspace: what the session holds for the datasets asked for (all open ones by default),
// their embeddings, table rows and anomaly results, the runs trained on them with their models,
// and the views the window sends along, written atomically into one .latentlab file.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DatasetSource } from '../../../shared/api';
import type { DatasetId, DatasetSummary, RunId } from '../../../shared/types';
import type { DatasetView } from '../../../shared/workspace';
import { appVersion } from '../../version';
import { userDataDir } from '../core/paths';
import { fingerprint } from '../data/identity';
import { writeFileAtomic } from '../export/csv';
import type { Session } from '../session/session';
import { encodeWorkspace, readWorkspace, WORKSPACE_FORMAT, WORKSPACE_VERSION, type SavedDataset, type SavedRun, type WorkspaceFile } from './format';

export const autosavePath = () => join(userDataDir(), 'autosave.latentlab');
const recentPath = () => join(userDataDir(), 'recent-workspaces.json');
const RECENT = 10;

export interface RecentWorkspace {
  path: string;
  name: string;
  savedAt: string;
}

export async function recentWorkspaces(): Promise<RecentWorkspace[]> {
  try {
    const list = JSON.parse(await readFile(recentPath(), 'utf8')) as RecentWorkspace[];
    return Array.isArray(list) ? list.filter((r) => typeof r?.path === 'string').slice(0, RECENT) : [];
  } catch {
    return [];
  }
}

/** Puts a workspace at the top of the recent list (kept in the user's data folder). */
export async function rememberWorkspace(path: string, savedAt: string): Promise<void> {
  if (path === autosavePath()) return;
  const list = (await recentWorkspaces()).filter((r) => r.path !== path);
  list.unshift({ path, name: basename(path).replace(/\.latentlab$/, ''), savedAt });
  await writeFile(recentPath(), JSON.stringify(list.slice(0, RECENT), null, 1), { mode: 0o600 }).catch(() => {});
}

export function sourceOf(summary: DatasetSummary): DatasetSource {
  return summary.builtin ? { kind: 'builtin', name: summary.builtin } : { kind: 'file', path: summary.source };
}

export interface SaveWorkspaceOptions {
  views: Record<string, unknown>;
  active: DatasetId | null;
  panel: string | null;
  /** Open datasets to save (default: every open one). */
  datasets?: DatasetId[];
  /** Keep what the file at the target already holds for datasets not saved now (the CLI adds to a workspace). */
  mergeWith?: string;
  /** Datasets of the file at `keepFrom` to carry over as they are (ones the user has not located yet). */
  keep?: string[];
  keepFrom?: string;
}

/** Builds the workspace for the session; the file is written by writeWorkspace. */
export async function buildWorkspace(s: Session, opts: SaveWorkspaceOptions, progress: (f: number, m: string) => void = () => {}): Promise<WorkspaceFile> {
  const wanted = opts.datasets ? new Set<string>(opts.datasets) : null;
  const entries = s.openDatasets().filter((e) => !wanted || wanted.has(e.id));
  const datasets: SavedDataset[] = [];
  const runIds = new Set<RunId>();
  for (const [i, entry] of entries.entries()) {
    const summary = entry.ds.summary;
    const source = sourceOf(summary);
    progress(i / Math.max(1, entries.length) * 0.7, `Recording ${summary.name}`);
    datasets.push({
      id: summary.id,
      name: summary.name,
      source,
      options: summary.options,
      fingerprint: source.kind === 'file' ? await fingerprint(source.path) : null,
      rows: summary.rows,
      features: summary.features,
      embeddings: [...entry.embeddings.values()].map((rec) => ({ data: rec.data, train: rec.train, recon: rec.recon, score: entry.scores.get(rec.data.id) ?? null })),
      anomalies: [...entry.anomalies.values()],
      view: opts.views[summary.id] ?? null,
    });
    for (const rec of entry.embeddings.values()) if (rec.data.runId) runIds.add(rec.data.runId);
    for (const a of entry.anomalies.values()) for (const r of a.runs) runIds.add(r.id);
  }
  const saved = new Set(datasets.map((d) => d.id as string));
  for (const r of s.runs.list()) if (r.datasetId && saved.has(r.datasetId) && r.status !== 'running') runIds.add(r.id);
  const runs: SavedRun[] = [];
  for (const id of runIds) {
    const run = (() => {
      try {
        return s.runs.get(id);
      } catch {
        return null; // deleted since
      }
    })();
    if (!run || run.summary.status === 'running') continue;
    runs.push({ summary: run.summary, schema: run.schema, model: await s.runs.modelFiles(id).catch(() => null) });
  }
  progress(0.9, 'Writing the workspace');
  const ws: WorkspaceFile = {
    format: WORKSPACE_FORMAT,
    version: WORKSPACE_VERSION,
    savedAt: new Date().toISOString(),
    savedBy: `Latent Lab ${appVersion}`,
    active: opts.active,
    panel: opts.panel,
    datasets,
    runs,
  };
  if (opts.keep?.length && opts.keepFrom) {
    const before = await readWorkspace(opts.keepFrom).catch(() => null);
    const keep = new Set(opts.keep);
    for (const d of before?.file.datasets ?? []) {
      if (!keep.has(d.id) || saved.has(d.id)) continue;
      ws.datasets.push(d);
      const have = new Set(ws.runs.map((r) => r.summary.id as string));
      ws.runs.push(...before!.file.runs.filter((r) => r.summary.datasetId === d.id && !have.has(r.summary.id)));
    }
  }
  if (opts.mergeWith) {
    const before = await readWorkspace(opts.mergeWith).catch(() => null);
    if (before) {
      for (const d of ws.datasets) {
        const old = before.file.datasets.find((o) => o.id === d.id);
        if (old) mergeDataset(d, old);
      }
      ws.datasets.unshift(...before.file.datasets.filter((d) => !saved.has(d.id)));
      const have = new Set(ws.runs.map((r) => r.summary.id as string));
      ws.runs.unshift(...before.file.runs.filter((r) => !have.has(r.summary.id)));
      ws.active ??= before.file.active;
    }
  }
  return ws;
}

/** The same dataset saved before and now: keep its earlier work next to the new. */
function mergeDataset(now: SavedDataset, before: SavedDataset): void {
  const have = new Set(now.embeddings.map((e) => e.data.id as string));
  now.embeddings.unshift(...before.embeddings.filter((e) => !have.has(e.data.id)));
  const results = new Set(now.anomalies.map((a) => a.id as string));
  now.anomalies.unshift(...before.anomalies.filter((a) => !results.has(a.id)));
  const a = before.view as DatasetView | null;
  const b = now.view as DatasetView | null;
  if (a && typeof a === 'object' && b && typeof b === 'object') {
    now.view = { ...a, ...b, shown: [...new Set([...(a.shown ?? []), ...(b.shown ?? [])])] };
  } else {
    now.view ??= before.view;
  }
}

export async function writeWorkspace(path: string, ws: WorkspaceFile): Promise<number> {
  const parts = encodeWorkspace(ws);
  await writeFileAtomic(path, parts);
  return parts.reduce((n, p) => n + p.byteLength, 0);
}
