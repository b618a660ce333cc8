// The workspace service: save the session's work into one .latentlab file (or the autosave the
// app restores after a reload, a crash or a restart), open one again, list the recent ones, and
// describe one without opening it (lab workspace show).
import { chmod } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { z } from 'zod';
import { datasetId, id, none, path } from '../../../shared/schemas';
import type { DatasetId, JobId } from '../../../shared/types';
import { checkTarget } from '../export/target';
import { method } from '../session/define';
import { describeWorkspace, restoreWorkspace } from './open';
import { autosavePath, buildWorkspace, recentWorkspaces, rememberWorkspace, writeWorkspace, type RecentWorkspace } from './save';

export interface WorkspaceSaved {
  path: string;
  savedAt: string;
  bytes: number;
  datasets: number;
  embeddings: number;
  runs: number;
}

export const workspaceHandlers = {
  /**
   * Saves every open dataset (or those listed) with its embeddings, table rows, anomaly results,
   * runs and models, plus the window's views. No path: the autosave. An existing file is replaced
   * only with `overwrite` (or `merge`: keep its other datasets, as the CLI's --workspace does).
   */
  saveWorkspace: method(z.tuple([z.strictObject({
    path: path.optional(),
    overwrite: z.boolean().optional(),
    merge: z.boolean().optional(),
    views: z.record(id, z.unknown()).optional(),
    active: datasetId.nullable().optional(),
    panel: z.string().max(40).nullable().optional(),
    datasets: z.array(datasetId).max(100).optional(),
    keep: z.array(id).max(100).optional(),
  })]), async (s, req: { path?: string; overwrite?: boolean; merge?: boolean; views?: Record<string, unknown>; active?: DatasetId | null; panel?: string | null; datasets?: DatasetId[]; keep?: string[] }): Promise<WorkspaceSaved> => {
    const auto = !req.path;
    const target = auto ? autosavePath() : resolve(req.path!);
    if (!auto) await checkTarget(target, req.overwrite || req.merge);
    const ws = await buildWorkspace(s, {
      views: req.views ?? {},
      active: req.active ?? null,
      panel: req.panel ?? null,
      ...(req.datasets ? { datasets: req.datasets } : {}),
      ...(req.merge ? { mergeWith: target } : {}),
      // datasets the user has not located yet stay in the file as they were
      ...(req.keep?.length ? { keep: req.keep, keepFrom: target } : {}),
    });
    const bytes = await writeWorkspace(target, ws);
    if (auto) await chmod(target, 0o600).catch(() => {});
    else await rememberWorkspace(target, ws.savedAt);
    return {
      path: target,
      savedAt: ws.savedAt,
      bytes,
      datasets: ws.datasets.length,
      embeddings: ws.datasets.reduce((n, d) => n + d.embeddings.length, 0),
      runs: ws.runs.length,
    };
  }),

  /**
   * Opens a workspace (no path: the autosave) as a 'workspace' job: datasets reopened from their
   * files (a missing or changed file is reported for the user to locate), embeddings, table rows,
   * anomaly results and runs restored, and the saved views handed back.
   */
  openWorkspace: method(z.tuple([z.strictObject({
    path: path.optional(),
    relocate: z.record(id, path).optional(),
    only: z.array(id).max(100).optional(),
  })]), async (s, req: { path?: string; relocate?: Record<string, string>; only?: string[] }): Promise<JobId> => {
    const target = req.path ? resolve(req.path) : autosavePath();
    return s.jobs.start('workspace', `Open ${basename(target)}`, async (ctx) => {
      const opened = await restoreWorkspace(s, target, { ...(req.relocate ? { relocate: req.relocate } : {}), ...(req.only ? { only: req.only } : {}) }, ctx);
      if (req.path) await rememberWorkspace(target, opened.savedAt);
      ctx.progress(1, `Opened ${basename(target)}`);
      return opened;
    });
  }),

  /** The datasets, runs and embeddings a workspace holds, without opening it. */
  inspectWorkspace: method(z.tuple([path]), async (_s, file: string) => describeWorkspace(resolve(file))),

  /** The autosave (if any) and the workspaces saved or opened lately, newest first. */
  listWorkspaces: method(none, async (): Promise<{ autosave: string; recent: RecentWorkspace[] }> => ({ autosave: autosavePath(), recent: await recentWorkspaces() })),
};
