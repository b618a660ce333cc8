// The window's side of workspaces: several datasets open at once, each with its own view (the
// Compare views, colouring, selection, the run and anomaly result shown) that comes back when the
// user returns to it; saving and opening .latentlab files; the autosave a reload, a crash or a
// restart restores; and the datasets a workspace could not find, for the user to locate.
import type { DatasetSource, EngineNotice } from '../../../shared/api';
import type { DatasetId, DatasetSummary, EmbeddingId, OpenOptions } from '../../../shared/types';
import type { DatasetView } from '../../../shared/workspace';
import { anomalies } from './anomalies.svelte';
import { compare } from './compare.svelte';
import { explore } from './explore.svelte';
import { gen } from './generate.svelte';
import { isCancelled, lab, sourceOf } from './lab.svelte';

type Restore = Awaited<ReturnType<NonNullable<typeof lab.api>['listWorkspaces']>>;
type Opened = Awaited<ReturnType<typeof lab.runJob<'workspace'>>>;
export type Unresolved = Opened['datasets'][number] & { workspace: string };

const AUTOSAVE_MS = 1500;

class WorkspaceState {
  /** Datasets open in the engine, in the order they were opened. */
  open = $state<DatasetSummary[]>([]);
  /** The .latentlab file this session was last saved to or opened from. */
  file = $state<string | null>(null);
  /** Datasets a workspace could not open as saved (moved or changed files), for the user to locate. */
  unresolved = $state<Unresolved[]>([]);
  recent = $state<Restore['recent']>([]);
  /** When the autosave last succeeded (ms), for the status bar. */
  autosavedAt = $state<number | null>(null);
  restoring = $state(false);
  /** Views of the datasets not on screen. */
  private views = new Map<string, DatasetView>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private saving = false;

  /** What the window shows of the dataset on screen. */
  capture(): DatasetView | null {
    const ds = lab.dataset;
    if (!ds) return null;
    return {
      shown: compare.datasetId === ds.id ? compare.shown.slice() : (this.views.get(ds.id)?.shown ?? []),
      colorBy: compare.colorBy,
      pcaK: compare.pcaK,
      selection: lab.selection,
      runId: lab.run && lab.run.datasetId === ds.id ? lab.run.id : null,
      anomalyId: anomalies.result && anomalies.datasetId === ds.id ? anomalies.result.id : null,
      selections: explore.datasetId === ds.id ? explore.selections.map((s) => ({ name: s.name, rows: s.rows })) : (this.views.get(ds.id)?.selections ?? []),
    };
  }

  /** Puts a dataset on screen with the view it had (or a fresh one); stale ids are dropped quietly. */
  async show(summary: DatasetSummary, view: DatasetView | null = this.views.get(summary.id) ?? null): Promise<void> {
    const current = this.capture();
    if (current && lab.dataset && lab.dataset.id !== summary.id) this.views.set(lab.dataset.id, current);
    lab.setDataset(summary);
    compare.sync(summary);
    explore.sync(summary);
    anomalies.sync(summary);
    gen.sync(summary);
    if (!this.open.some((d) => d.id === summary.id)) this.open = [...this.open, summary];
    else this.open = this.open.map((d) => (d.id === summary.id ? summary : d));
    if (view && lab.api) await this.apply(summary, view);
    this.touch();
  }

  private async apply(summary: DatasetSummary, view: DatasetView): Promise<void> {
    const api = lab.api!;
    const [embeddings, results] = await Promise.all([
      api.listEmbeddings(summary.id).catch(() => []),
      api.listAnomalies(summary.id).catch(() => []),
    ]);
    if (lab.dataset?.id !== summary.id) return;
    const known = new Set(embeddings.map((e) => e.id as string));
    compare.summaries = embeddings;
    for (const id of view.shown ?? []) if (known.has(id)) compare.show(id as EmbeddingId);
    if (view.pcaK) compare.pcaK = view.pcaK;
    if (view.colorBy && (view.colorBy === 'label' || summary.columns.some((c) => c.name === view.colorBy))) void compare.setColorBy(view.colorBy);
    lab.selection = view.selection && view.selection.every((r) => r >= 0 && r < summary.testRows) ? view.selection : null;
    const inSplit = (rows: unknown): rows is Int32Array => rows instanceof Int32Array && rows.every((r) => r >= 0 && r < summary.testRows);
    explore.selections = (view.selections ?? []).filter((s) => typeof s?.name === 'string' && inSplit(s.rows)).map((s) => ({ name: s.name, rows: s.rows }));
    lab.run = lab.runs.find((r) => r.id === view.runId && r.datasetId === summary.id) ?? null;
    const result = results.find((r) => r.id === view.anomalyId) ?? null;
    if (result) anomalies.setResult(result);
  }

  /** Opens a dataset and shows it; `replace`: the dataset it replaces (the same file with other settings) is freed. */
  async openDataset(source: DatasetSource, options: OpenOptions = {}, replace: DatasetId | null = null, quiet = false): Promise<DatasetSummary | null> {
    if (!lab.api) return null;
    try {
      const summary = await lab.runJob('open', lab.api.openDataset({ source, ...options }));
      await this.show(summary);
      if (!quiet) lab.notify('info', `Opened ${summary.name}: ${summary.rows.toLocaleString('en-US')} rows × ${summary.features} features.`);
      if (replace && replace !== summary.id) await this.close(replace);
      return summary;
    } catch (err) {
      if (!isCancelled(err)) lab.fail(err);
      return null;
    }
  }

  /** Frees a dataset in the engine with everything computed from it; another open one takes the screen. */
  async close(id: DatasetId): Promise<void> {
    await lab.api?.closeDataset(id).catch(() => {});
    this.views.delete(id);
    this.open = this.open.filter((d) => d.id !== id);
    if (lab.dataset?.id === id) {
      const next = this.open.at(-1);
      if (next) await this.show(next);
      else {
        lab.dataset = null;
        lab.run = null;
        lab.selection = null;
      }
    }
    this.touch();
  }

  /** Every dataset's view, the one on screen included. */
  private allViews(): Record<string, DatasetView> {
    const out: Record<string, DatasetView> = Object.fromEntries(this.views);
    const current = this.capture();
    if (current && lab.dataset) out[lab.dataset.id] = current;
    return out;
  }

  /** Saves to a file (the user's) or, with no path, to the autosave. Resolves with the path, or null. */
  async save(path?: string, overwrite = false): Promise<string | null> {
    if (!lab.api) return null;
    // datasets of this file the user has not located yet are carried over, not dropped
    const keep = this.unresolved.filter((u) => (path ? u.workspace === path : /autosave\.latentlab$/.test(u.workspace))).map((u) => u.savedId as string);
    const saved = await lab.api.saveWorkspace({
      ...(path ? { path, overwrite } : {}),
      ...(keep.length ? { keep } : {}),
      views: this.allViews(),
      active: lab.dataset?.id ?? null,
      panel: lab.panel,
    });
    if (path) {
      this.file = saved.path;
      lab.notify('info', `Saved the workspace to ${saved.path}: ${saved.datasets} dataset(s), ${saved.embeddings} embedding(s), ${saved.runs} run(s).`);
      void this.refreshRecent();
      void this.autosave();
    } else {
      this.autosavedAt = Date.now();
    }
    return saved.path;
  }

  /** Something worth keeping changed: autosave soon (at most every few seconds, never during a restore). */
  touch(): void {
    if (this.restoring || !lab.api) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.autosave(), AUTOSAVE_MS);
  }

  /** The page is going away (reload, close): send the last autosave now (the engine finishes it). */
  flush(): void {
    if (!this.timer || this.restoring) return;
    clearTimeout(this.timer);
    this.timer = null;
    void this.save().catch(() => {});
  }

  private async autosave(): Promise<void> {
    this.timer = null;
    if (this.saving || this.restoring) return this.touch();
    this.saving = true;
    try {
      await this.save();
    } catch {
      // the autosave is a convenience: a failure (disk full) must not interrupt the user's work
    } finally {
      this.saving = false;
    }
  }

  async refreshRecent(): Promise<void> {
    const list = await lab.api?.listWorkspaces().catch(() => null);
    if (list) this.recent = list.recent;
  }

  /**
   * Opens a workspace (no path: the autosave) and puts its datasets, runs and views on screen.
   * `quietIfMissing`: at start-up, no autosave yet is not an error.
   */
  async restore(path?: string, opts: { relocate?: Record<string, string>; only?: string[]; quietIfMissing?: boolean } = {}): Promise<Opened | null> {
    if (!lab.api) return null;
    this.restoring = true;
    try {
      const opened = await lab.runJob('workspace', lab.api.openWorkspace({
        ...(path ? { path } : {}),
        ...(opts.relocate ? { relocate: opts.relocate } : {}),
        ...(opts.only ? { only: opts.only } : {}),
      }));
      lab.runs = await lab.api.listRuns();
      const byId = new Map<string, DatasetSummary>();
      for (const d of opened.datasets) {
        if (!d.id) continue;
        const summary = await lab.api.getDataset(d.id).catch(() => null);
        if (!summary) continue;
        byId.set(d.id, summary);
        if (!this.open.some((o) => o.id === d.id)) this.open = [...this.open, summary];
        const view = opened.views[d.id] as DatasetView | undefined;
        if (view) this.views.set(d.id, view);
      }
      const fixed = new Set(opened.datasets.filter((d) => d.id).map((d) => d.savedId as string));
      this.unresolved = [
        ...this.unresolved.filter((u) => !fixed.has(u.savedId)),
        ...opened.datasets.filter((d) => d.status === 'missing' || d.status === 'changed' || d.status === 'failed').map((d) => ({ ...d, workspace: opened.path })),
      ].filter((u, i, all) => all.findIndex((x) => x.savedId === u.savedId) === i);
      const active = (opened.active && byId.get(opened.active)) ?? byId.values().next().value ?? null;
      if (active) await this.show(active, this.views.get(active.id) ?? null);
      if (opened.panel && !opts.only) lab.panel = opened.panel as typeof lab.panel;
      if (path) {
        this.file = opened.path;
        void this.refreshRecent();
      }
      for (const note of opened.notes) lab.notify('info', note);
      return opened;
    } catch (err) {
      const e = err as { code?: string };
      if (!(opts.quietIfMissing && e.code === 'not-found') && !isCancelled(err)) lab.fail(err);
      return null;
    } finally {
      this.restoring = false;
    }
  }

  /** The user located a dataset a workspace could not find: restore it (and its work) from there. */
  async locate(u: Unresolved, path: string): Promise<void> {
    const opened = await this.restore(u.workspace, { relocate: { [u.savedId]: path }, only: [u.savedId] });
    const again = opened?.datasets.find((d) => d.savedId === u.savedId);
    if (again && (again.status === 'changed' || again.status === 'missing') && again.message) lab.notify('error', again.message);
  }

  dismiss(u: Unresolved): void {
    this.unresolved = this.unresolved.filter((x) => x.savedId !== u.savedId);
  }

  /** After an engine crash: the fresh engine has the runs (from disk); the autosave brings the rest back. */
  recover(e: EngineNotice): void {
    // a crash while a workspace was being restored must not loop: leave it to the user then
    if (this.restoring || /“Open autosave\.latentlab”/.test(e.message)) return;
    const shown = lab.dataset;
    const views = this.allViews();
    this.open = [];
    lab.dataset = null;
    void this.restore(undefined, { quietIfMissing: true }).then(async (opened) => {
      if (opened?.datasets.some((d) => d.id === shown?.id) || !shown) return;
      // not in the autosave yet (opened moments ago): open it again as it was
      const again = await this.openDataset(sourceOf(shown), shown.options, null, true);
      if (again && views[again.id]) await this.apply(again, views[again.id]);
    });
  }
}

export const workspace = new WorkspaceState();
lab.onEngineRestarted = (e) => workspace.recover(e);
lab.onWorkDone = () => workspace.touch();
explore.onChange = () => workspace.touch();
