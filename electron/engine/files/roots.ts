// The folders a client may see and use on the engine's machine. The file picker (listFolder)
// browses only these, everywhere. An engine serving remote clients (`lab serve`, LAB_SERVED=1)
// goes further: every path any call names (a dataset, an export, a model, a workspace) must lie
// inside them or inside this process's private upload folder — checked on the real path, so a
// symlink never leads out. Configured by the server: LAB_ALLOWED_ROOTS (a JSON list of folders,
// from `lab serve --allow DIR`), default the home folder of the user running the engine.
import { realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { LabFailure } from '../../../shared/api';
import { pathPolicy } from '../../../shared/schemas';
import { uploadsFolder } from '../data/uploads';

/** Whether this engine serves remote clients (set by `lab serve` for its engine process). */
export const isServed = (): boolean => process.env.LAB_SERVED === '1';

let cached: { key: string; roots: string[] } | null = null;

/** The allowed folders, as real paths (folders that do not exist are left out). */
export function allowedRoots(): string[] {
  const key = process.env.LAB_ALLOWED_ROOTS ?? '';
  if (cached?.key === key) return cached.roots;
  let listed: unknown = null;
  try {
    listed = key ? JSON.parse(key) : null;
  } catch {
    listed = null;
  }
  const given = Array.isArray(listed) ? listed.filter((r): r is string => typeof r === 'string' && isAbsolute(r)) : [homedir()];
  const roots: string[] = [];
  for (const r of given) {
    try {
      const real = realpathSync(r);
      if (statSync(real).isDirectory() && !roots.includes(real)) roots.push(real);
    } catch {
      // a folder that is gone is simply not offered
    }
  }
  cached = { key, roots };
  return roots;
}

/** `child` is `parent` or lies inside it (both real, absolute paths). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The real path of `path`: of the file itself when it exists, else of its nearest existing
 * ancestor with the missing names appended (a file about to be written).
 */
export function realPathOf(path: string): string {
  const missing: string[] = [];
  let at = resolve(path);
  for (;;) {
    try {
      return join(realpathSync(at), ...missing.reverse());
    } catch {
      const up = dirname(at);
      if (up === at) return resolve(path);
      missing.push(basename(at));
      at = up;
    }
  }
}

/** Where clients may go: the allowed folders, plus this process's upload folder once it exists. */
function reachable(): string[] {
  const up = uploadsFolder();
  if (!up) return allowedRoots();
  let real = up;
  try {
    real = realpathSync(up);
  } catch {
    // not made yet
  }
  return [...allowedRoots(), real];
}

/** The allowed folder (or the upload folder) `path` lies in, judged on its real path; null when none. */
export function rootOf(path: string): string | null {
  const real = realPathOf(path);
  return reachable().find((r) => isInside(r, real)) ?? null;
}

/** Throws a LabFailure naming the path and the allowed folders when `path` is outside them. */
export function assertInsideRoots(path: string): string {
  if (!isAbsolute(path)) {
    throw new LabFailure('relative-path', `"${path.slice(0, 300)}" is not a full path: on the engine's machine every path starts at /.`, 'Pick the file in the file picker, or type its full path.');
  }
  const real = realPathOf(path);
  if (!reachable().some((r) => isInside(r, real))) {
    const roots = allowedRoots();
    throw new LabFailure('outside-roots',
      `${path.slice(0, 500)} is outside the folders this engine serves (${roots.length ? roots.join(', ') : 'none'})${real !== resolve(path) ? `: it leads to ${real}` : ''}.`,
      'Pick a file inside them (the file picker shows them), upload the file, or restart lab serve with --allow for that folder.');
  }
  return real;
}

/**
 * For paths that do not come in as call arguments (a workspace names its datasets' files): why a
 * served engine must not use `path`, or null (always null for this machine's own engine).
 */
export function servedPathProblem(path: string): string | null {
  if (!isServed()) return null;
  try {
    assertInsideRoots(path);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** In an engine serving remote clients, every path argument of every call is checked (see shared/schemas.ts `path`). */
export function installPathPolicy(): void {
  if (!isServed()) return;
  pathPolicy.check = (p) => {
    try {
      assertInsideRoots(p);
      return null;
    } catch (err) {
      return err instanceof LabFailure ? err.toValue() : { code: 'outside-roots', message: String(err) };
    }
  };
}
