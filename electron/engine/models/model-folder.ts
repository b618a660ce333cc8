// Model folders on disk: saves into one folder take turns (an in-process queue plus a lock file
// naming the process, taken over when that process is gone), and what killed writes leave behind
// (temp files, dead locks, weights no model.json names) is cleared at start-up.
import { hostname } from 'node:os';
import { lstat, open, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LabFailure } from '../../../shared/api';
import { processAlive } from '../core/process';

export const MODEL_JSON = 'model.json';
/** Held in a model folder while a save writes into it (see withFolderLock). */
export const LOCK = '.saving.lock';
/** Temp files writeFileAtomic leaves behind when the process dies mid-write: `<name>.<8 hex>.tmp`. */
const TEMP_FILE = /\.[0-9a-f]{8}\.tmp$/;
export const WEIGHTS_FILE = /^weights[\w-]*\.bin$/;

// ---------- saves into one folder take turns ----------

/** Saves of this process waiting for a folder, by absolute path. */
const queues = new Map<string, Promise<void>>();
const LOCK_WAIT_MS = 120_000;
/** A lock this old is left over (a save writes for seconds, not minutes), even if its pid lives on. */
const LOCK_STALE_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** Whether the lock at `path` was left by a process that is gone (or is very old). */
async function lockIsStale(path: string): Promise<boolean> {
  const [text, info] = await Promise.all([readFile(path, 'utf8').catch(() => null), stat(path).catch(() => null)]);
  if (text === null || info === null) return false; // released meanwhile: try again
  const [pid, host] = text.split('\n');
  if (Date.now() - info.mtimeMs > LOCK_STALE_MS) return true;
  if (host !== hostname()) return false; // another machine's process: cannot tell, wait
  const n = Number(pid);
  // a lock still being written is empty for an instant: only a whole, dead pid is stale
  return Number.isInteger(n) && n > 0 && !processAlive(n);
}

/** Takes `dir`'s lock file, waiting while another process holds it; returns its release. */
async function lockFolder(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let wait = 10; ; wait = Math.min(250, wait * 2)) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(`${process.pid}\n${hostname()}\n`);
      } finally {
        await fh.close();
      }
      return () => unlink(path).catch(() => {});
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new LabFailure('not-writable', `Cannot write to ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`, 'Pick a folder you can write to.');
      }
    }
    if (await lockIsStale(path)) {
      await unlink(path).catch(() => {});
      continue;
    }
    if (Date.now() > deadline) {
      throw new LabFailure('folder-busy', `Cannot save into ${dir}: another save into that folder has not finished for ${LOCK_WAIT_MS / 1000} s.`,
        `Wait for it to finish, or save to another folder. If no other Latent Lab is running, delete ${path}.`);
    }
    await sleep(wait + Math.random() * wait);
  }
}

/**
 * Runs `work` while holding `dir`: saves of this process queue in memory, and a lock file in the
 * folder (pid and host inside; left-over locks of dead processes are taken over) keeps other
 * processes (the CLI, a second window) out meanwhile.
 */
export async function withFolderLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const key = resolve(dir);
  const before = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const tail = before.then(() => mine);
  queues.set(key, tail);
  await before;
  try {
    const release = await lockFolder(dir);
    try {
      return await work();
    } finally {
      await release();
    }
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

// ---------- left-overs of killed writes ----------

export interface OrphanOptions {
  /** Temp files younger than this may still be written by a live process: keep them (default 60 s). */
  minAgeMs?: number;
  /** How many folder levels below `root` to look in (default 3: runs/<id>/checkpoint). */
  depth?: number;
}

/**
 * Removes what killed writes leave under `root` (a runs folder or a saved model): temp files of
 * atomic writes (`*.<8 hex>.tmp`) older than `minAgeMs`, lock files of dead processes, and, in a
 * model folder, weights files its model.json does not refer to (a checkpoint killed before it
 * switched model.json). Does not follow links. Returns the paths removed.
 */
export async function removeOrphans(root: string, opts: OrphanOptions = {}): Promise<string[]> {
  const minAge = opts.minAgeMs ?? 60_000;
  const removed: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const names = new Set(entries.map((e) => e.name));
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (depth > 0) await walk(path, depth - 1);
      } else if (e.isFile() && TEMP_FILE.test(e.name)) {
        const info = await lstat(path).catch(() => null);
        if (info && Date.now() - info.mtimeMs >= minAge && (await rm(path, { force: true }).then(() => true, () => false))) removed.push(path);
      } else if (e.isFile() && e.name === LOCK && (await lockIsStale(path))) {
        if (await unlink(path).then(() => true, () => false)) removed.push(path);
      }
    }
    if (names.has(MODEL_JSON) && [...names].some((n) => WEIGHTS_FILE.test(n))) {
      removed.push(...(await withFolderLock(dir, () => removeUnreferencedWeights(dir))));
    }
  };
  await walk(root, opts.depth ?? 3);
  return removed;
}

/** Weights files of `dir` its model.json does not list (only when model.json is readable and ours). */
async function removeUnreferencedWeights(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, MODEL_JSON), 'utf8').catch(() => null);
  let used: unknown;
  try {
    used = text === null ? null : (JSON.parse(text) as { weightsManifest?: { paths?: string[] }[] }).weightsManifest?.[0]?.paths?.[0];
  } catch {
    return [];
  }
  if (typeof used !== 'string' || !(await stat(join(dir, used)).then((i) => i.isFile(), () => false))) return [];
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (name !== used && WEIGHTS_FILE.test(name) && (await rm(join(dir, name), { force: true }).then(() => true, () => false))) removed.push(join(dir, name));
  }
  return removed;
}

