// The file picker of a remote engine: the folders of the engine's machine, inside the allowed
// folders only (roots.ts). A folder is judged on its real path; an entry whose link leads out of
// the allowed folders is left out (counted in `omitted`), so browsing never crosses a link out.
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LabFailure } from '../../../shared/api';
import type { FolderEntry, FolderListing } from '../../../shared/remote';
import { allowedRoots, assertInsideRoots, isInside } from './roots';

/** Entries listed per folder at most (folders first, then files, by name). */
const MAX_ENTRIES = 5000;

export async function listFolder(path: string | undefined, showHidden = false): Promise<FolderListing> {
  const roots = allowedRoots();
  if (path === undefined) {
    const entries: FolderEntry[] = [];
    for (const r of roots) {
      const st = await stat(r).catch(() => null);
      if (st) entries.push({ name: r, path: r, kind: 'folder', size: 0, modified: st.mtimeMs });
    }
    return { path: null, parent: null, roots, entries, omitted: 0 };
  }
  const real = assertInsideRoots(path);
  const st = await stat(real).catch(() => null);
  if (!st) throw new LabFailure('not-found', `${path} does not exist on the engine's machine.`, 'Pick another folder.');
  if (!st.isDirectory()) throw new LabFailure('not-a-folder', `${path} is a file, not a folder.`, 'Open it instead of listing it.');
  const names = await readdir(real).catch((err: NodeJS.ErrnoException) => {
    throw new LabFailure('not-readable', `Cannot list ${path} (${err.code ?? err.message}).`, 'Pick a folder the engine\'s user can read.');
  });
  const entries: FolderEntry[] = [];
  let omitted = 0;
  for (const name of names) {
    if (!showHidden && name.startsWith('.')) {
      omitted++;
      continue;
    }
    const at = join(real, name);
    const l = await lstat(at).catch(() => null);
    if (!l) continue;
    let target = l;
    if (l.isSymbolicLink()) {
      // a link is shown only when where it leads is inside the allowed folders too
      const to = await realpath(at).catch(() => null);
      const info = to ? await stat(to).catch(() => null) : null;
      if (!to || !info || !roots.some((r) => isInside(r, to))) {
        omitted++;
        continue;
      }
      target = info;
    }
    if (!target.isDirectory() && !target.isFile()) {
      omitted++;
      continue;
    }
    entries.push({ name, path: at, kind: target.isDirectory() ? 'folder' : 'file', size: target.isFile() ? target.size : 0, modified: target.mtimeMs });
  }
  entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'folder' ? -1 : 1));
  if (entries.length > MAX_ENTRIES) omitted += entries.splice(MAX_ENTRIES).length;
  const up = dirname(real);
  const parent = up !== real && roots.some((r) => isInside(r, up)) ? up : null;
  return { path: real, parent, roots, entries, omitted };
}
