// The files this engine process wrote (exports, reports, saved models, workspaces), so a client on
// another machine can download them — and nothing else: downloadFile serves only a path recorded
// here, and only while the file there is still the one written (same device and inode).
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { WrittenFile } from '../../../shared/remote';
import { isInside, realPathOf } from './roots';

interface Entry {
  dev: number;
  ino: number;
  size: number;
}

/** Real path → what was written there; oldest first (bounded: checkpoints rewrite the same paths). */
const written = new Map<string, Entry>();
const MAX_ENTRIES = 10_000;

/** Records a file this process has just finished writing (after its rename into place). */
export async function noteWritten(path: string): Promise<void> {
  const real = realPathOf(path);
  const st = await stat(real).catch(() => null);
  if (!st?.isFile()) return;
  written.delete(real);
  written.set(real, { dev: st.dev, ino: st.ino, size: st.size });
  if (written.size > MAX_ENTRIES) written.delete(written.keys().next().value!);
}

/** The record for `path` (judged on its real path), or null when this process did not write it. */
export function writtenEntry(path: string): { real: string; dev: number; ino: number } | null {
  const real = realPathOf(resolve(path));
  const e = written.get(real);
  return e ? { real, dev: e.dev, ino: e.ino } : null;
}

/** Files written by this process inside `folder` (every one when null), newest last. */
export function writtenFiles(folder: string | null): WrittenFile[] {
  const under = folder === null ? null : realPathOf(resolve(folder));
  const out: WrittenFile[] = [];
  for (const [path, e] of written) if (under === null || isInside(under, path)) out.push({ path, size: e.size });
  return out;
}
