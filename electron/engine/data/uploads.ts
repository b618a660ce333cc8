// Where files a page copies to the engine (browser window mode: picked, dropped) are kept until
// they are opened. Uploaded data is the user's own: it goes into a folder only this user can open
// (0700, created fresh per process, never a shared, predictable name), each file 0600, and no
// symlink on the way is ever followed. The folder is removed at shutdown; folders left behind by
// processes that died are removed the next time Latent Lab starts an upload or shuts down.
import { randomBytes } from 'node:crypto';
import { constants, rmSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rm, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LabFailure } from '../../../shared/api';
import { MAX_UPLOAD_BYTES } from '../../../shared/limits';
import { makePrivateDir, privateDirProblem, privateRoot } from '../../private-dir';
import { processAlive as alive } from '../core/process';

const PREFIX = 'latent-lab-uploads-';
const uid = () => process.getuid?.() ?? 0;
/**
 * The process the uploads belong to: the shell (server or Electron main) that started this engine
 * process, so uploaded files outlive an engine that crashed and restarted; else this process.
 */
const ownerPid = () => Number(process.env.LAB_SHELL_PID) || process.pid;
/** Folder names of this user: latent-lab-uploads-<uid>-<pid>-<random>. */
const namePattern = () => new RegExp(`^${PREFIX}${uid()}-(\\d+)-[A-Za-z0-9]+$`);

let folder: string | null = null;
let exitHookSet = false;

function refuse(message: string, detail?: string): never {
  throw new LabFailure('upload-refused', message, detail);
}

/** Cleans a relative upload name into path segments that cannot climb out of the folder. */
export function uploadSegments(name: string): string[] {
  const segments = name
    .split(/[\\/]+/)
    .map((s) => s.replace(/[^\w.\- ]+/g, '_').replace(/^\.+/, '_').slice(0, 120))
    .filter(Boolean);
  if (segments.length === 0) segments.push('upload.csv');
  return segments;
}


/**
 * Removes upload folders of this user whose process is gone (`andOwn`: also this process's, at
 * shutdown). Only real folders owned by this user are touched; a symlink with a matching name is
 * left alone (rm never follows links inside a folder either).
 */
async function sweep(andOwn: boolean): Promise<string[]> {
  const root = privateRoot();
  const pattern = namePattern();
  const removed: string[] = [];
  const entries = await readdir(root).catch(() => [] as string[]);
  for (const entry of entries) {
    const m = pattern.exec(entry);
    if (!m) continue;
    const pid = Number(m[1]);
    const own = pid === ownerPid();
    if (own ? !andOwn : alive(pid)) continue;
    const path = join(root, entry);
    const st = await lstat(path).catch(() => null);
    if (!st || st.isSymbolicLink() || !st.isDirectory() || (process.getuid && st.uid !== uid())) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

/** Removes upload folders left behind by Latent Lab processes that died (e.g. killed). */
export function sweepStaleUploads(): Promise<string[]> {
  return sweep(false);
}

/** Removes this process's uploads (every thread's) and stale ones; call at shutdown. */
export async function removeUploads(): Promise<void> {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = null;
  await sweep(true);
}

/** This process's upload folder, created on first use and checked every time it is used. */
async function uploadFolder(): Promise<string> {
  if (folder) {
    const problem = privateDirProblem(folder);
    if (!problem) return folder;
    if (await lstat(folder).catch(() => null)) {
      refuse(`The upload folder ${folder} was tampered with: ${problem}.`, 'Restart Latent Lab; uploads go to a fresh private folder.');
    }
    folder = null; // deleted under us: make a new one
  }
  await sweepStaleUploads();
  try {
    folder = makePrivateDir(`${PREFIX}${uid()}-${ownerPid()}-`);
  } catch (err) {
    refuse(`Could not make a private folder for uploads: ${(err as Error).message}`, 'Check that the temporary folder is writable, or open the file by its path instead.');
  }
  if (!exitHookSet && ownerPid() === process.pid) {
    exitHookSet = true;
    // runs when this thread or process ends (a worker thread's too, when its host terminates it)
    process.once('exit', () => {
      if (folder) rmSync(folder, { recursive: true, force: true });
    });
  }
  return folder;
}

/** Makes `dir` (one level, 0700) unless it is already a real folder; refuses a symlink. */
async function ensureRealDir(dir: string, shown: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = await lstat(dir);
  if (st.isSymbolicLink()) refuse(`Refusing to upload into ${shown}: it is a symbolic link in the upload folder.`, 'Uploads never follow links; upload again.');
  if (!st.isDirectory()) refuse(`Refusing to upload into ${shown}: a file of that name is in the way.`, 'Upload the folder again.');
}

/** This process's upload folder, or null while nothing was uploaded (engines serving remote clients let calls use it). */
export function uploadsFolder(): string | null {
  return folder;
}

/** A fresh private folder inside the upload folder, for files a remote client will download. */
export async function uploadsSubfolder(prefix: string): Promise<string> {
  const dir = join(await uploadFolder(), `${prefix}${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

/**
 * Stores uploaded bytes and returns the path openDataset accepts. `name` may be a relative path
 * (a file inside a dropped folder); files sent with the same `group` land in the same sub-folder,
 * keeping their sub-folders.
 */
export async function saveUpload(name: string, bytes: Uint8Array, group?: string): Promise<string> {
  if (bytes.byteLength > MAX_UPLOAD_BYTES) {
    refuse(`${name} is ${Math.ceil(bytes.byteLength / 2 ** 20)} MiB; uploads are limited to ${MAX_UPLOAD_BYTES / 2 ** 20} MiB.`, 'Type the file\'s path instead: the engine reads it in place.');
  }
  const { handle, path } = await createUploadFile(name, group);
  try {
    await handle.writeFile(bytes);
  } finally {
    await handle.close();
  }
  return path;
}

/**
 * Creates the (empty) file an upload of `name` goes to, 0600, with every folder on the way checked
 * and never a link followed; an earlier copy of the same name is replaced. Returns it open for writing.
 */
export async function createUploadFile(name: string, group?: string): Promise<{ handle: FileHandle; path: string }> {
  if (group !== undefined && !/^[\w-]{1,64}$/.test(group)) refuse(`Bad upload group name "${group.slice(0, 80)}".`);
  const segments = [group ?? randomBytes(6).toString('hex'), ...uploadSegments(name)];
  let dir = await uploadFolder();
  for (const [i, part] of segments.slice(0, -1).entries()) {
    dir = join(dir, part);
    await ensureRealDir(dir, segments.slice(0, i + 1).join('/'));
  }
  const path = join(dir, segments.at(-1)!);
  const shown = segments.join('/');
  const st = await lstat(path).catch(() => null);
  if (st?.isSymbolicLink()) refuse(`Refusing to upload ${shown}: a symbolic link of that name is in the upload folder.`, 'Uploads never follow links; upload again.');
  if (st?.isDirectory()) refuse(`Refusing to upload ${shown}: a folder of that name is in the way.`, 'Rename the file and upload it again.');
  if (st) await unlink(path); // our own earlier copy: replace it
  // O_EXCL + O_NOFOLLOW: a link planted between the check and here is refused, not followed
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  let handle;
  try {
    handle = await open(path, flags, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ELOOP') refuse(`Refusing to upload ${shown}: something appeared at that name while writing.`, 'Upload it again.');
    throw err;
  }
  return { handle, path };
}
