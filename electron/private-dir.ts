// Folders and files that only the user running Latent Lab may read: the browser launch page (it
// carries a one-time code) and uploaded data. Shared temp folders are world-writable, so every
// folder here is created fresh (mkdtemp, never reused by name) and then checked: a real directory,
// not a symlink, owned by us, mode 0700. Files are created with O_EXCL|O_NOFOLLOW and mode 0600.
import { closeSync, constants, lstatSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const POSIX = process.platform !== 'win32';

/** Why `path` is not a private folder of this user (null when it is one). */
export function privateDirProblem(path: string): string | null {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    return `${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (st.isSymbolicLink()) return `${path} is a symbolic link`;
  if (!st.isDirectory()) return `${path} is not a folder`;
  if (!POSIX) return null;
  if (st.uid !== process.getuid!()) return `${path} belongs to another user (uid ${st.uid})`;
  if ((st.mode & 0o077) !== 0) return `${path} can be opened by other users (mode ${(st.mode & 0o777).toString(8)})`;
  return null;
}

/** Throws a clear error when `path` is not a private folder of this user. */
export function assertPrivateDir(path: string): void {
  const problem = privateDirProblem(path);
  if (problem) throw new Error(`Refusing to keep private files in ${path}: ${problem}.`);
}

/**
 * Where private folders go: $XDG_RUNTIME_DIR when it is set and really private (a per-user
 * folder the system made for this), else the temp folder (each folder made there is private).
 */
export function privateRoot(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  if (POSIX && runtime && privateDirProblem(runtime) === null) return runtime;
  return tmpdir();
}

/** A fresh folder `<root>/<prefix>XXXXXX`, mode 0700, verified after creation. */
export function makePrivateDir(prefix: string, root = privateRoot()): string {
  const dir = mkdtempSync(join(root, prefix));
  assertPrivateDir(dir);
  return dir;
}

/**
 * Creates `path` (which must not exist, and is never followed if it is a symlink) with mode 0600
 * and writes `data` into it.
 */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  const fd = openSync(path, flags, 0o600);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
  } finally {
    closeSync(fd);
  }
}
