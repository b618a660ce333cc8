// File checks and the failure messages every loader shares: which file, what is wrong, what to do.
import { open, readdir, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { LabFailure } from '../../../shared/api';

/** What a loader may do while it works: report progress, and stop when the user cancels. */
export interface LoadContext {
  progress(fraction: number, message: string): void;
  /** Throws when the user asked to stop; call between chunks of work. */
  checkCancelled(): void;
}

export const quietContext: LoadContext = { progress: () => {}, checkCancelled: () => {} };

/** A failure about one file: the message starts with the file's name. */
export function fileFailure(file: string, code: string, problem: string, todo: string): LabFailure {
  return new LabFailure(code, `${basename(file)}: ${problem}`, todo);
}

export function statFailure(file: string, err: unknown): LabFailure {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return fileFailure(file, 'not-found', `not found at ${file}.`, 'It may have been moved, renamed or deleted; open it again from where it is now.');
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return fileFailure(file, 'unreadable', 'cannot be read (permission denied).', 'Check the file permissions, or copy it somewhere you can read.');
  }
  return fileFailure(file, 'unreadable', `cannot be read (${code ?? (err as Error).message}).`, 'Check that the file is still there and readable.');
}

/** Checks the path is a readable, non-empty regular file; returns its size. */
export async function checkFile(file: string): Promise<number> {
  const info = await stat(file).catch((err: unknown) => {
    throw statFailure(file, err);
  });
  if (info.isDirectory()) throw fileFailure(file, 'is-directory', 'is a folder, not a file.', 'Pick a data file inside it, or a folder of images with one sub-folder per class.');
  if (!info.isFile()) throw fileFailure(file, 'unreadable', 'is not a regular file.', 'Pick a data file.');
  if (info.size === 0) throw fileFailure(file, 'empty', 'is empty (0 bytes).', 'Pick a file that holds data; the copy or download may have failed.');
  return info.size;
}

export async function isDirectory(path: string): Promise<boolean> {
  const info = await stat(path).catch((err: unknown) => {
    throw statFailure(path, err);
  });
  return info.isDirectory();
}

/** Reads the first `bytes` bytes (fewer when the file is shorter). */
export async function readHead(file: string, bytes: number): Promise<Buffer> {
  const fh = await open(file, 'r').catch((err: unknown) => {
    throw statFailure(file, err);
  });
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** A read that failed half-way (the disk, a network share, a file shrinking): name the file. */
function readFailure(file: string, err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  // our own failures and a cancel pass through; only system errors carry a code
  if (err instanceof LabFailure || typeof e?.code !== 'string') return err;
  if (e.code === 'ERR_FS_FILE_TOO_LARGE') {
    return fileFailure(file, 'too-big', 'is larger than 2 GB and cannot be read in one piece.', 'Split it into smaller files, or save it in a format read in parts (CSV, Parquet, .npy).');
  }
  return fileFailure(file, 'unreadable', `could not be read to the end (${e.code ?? e.message}).`, 'Check that the file is complete and still there, then open it again.');
}

/**
 * Reads a whole file, with the same messages as checkFile. Only for files whose size has been
 * checked against what they should hold (see budget.ts); large data is read with readInto.
 */
export async function readWhole(file: string): Promise<Buffer> {
  await checkFile(file);
  const fh = await open(file, 'r').catch((err: unknown) => {
    throw statFailure(file, err);
  });
  try {
    return await fh.readFile();
  } catch (err) {
    throw readFailure(file, err);
  } finally {
    await fh.close();
  }
}

/** Bytes read per call: large enough to be fast, small enough to report progress and cancel. */
const READ_CHUNK = 1 << 24;

/**
 * Fills `target` with the file's bytes from `position` on, in chunks (so files over 2 GB can be
 * read into one typed array). Fails, naming the file, when the file ends first.
 */
export async function readInto(file: string, target: Uint8Array, position: number, ctx?: LoadContext): Promise<void> {
  const fh = await open(file, 'r').catch((err: unknown) => {
    throw statFailure(file, err);
  });
  try {
    let done = 0;
    while (done < target.byteLength) {
      const want = Math.min(READ_CHUNK, target.byteLength - done);
      const { bytesRead } = await fh.read(target, done, want, position + done);
      if (bytesRead === 0) {
        throw fileFailure(file, 'truncated', `ended after ${(position + done).toLocaleString('en-US')} bytes, before the ${(position + target.byteLength).toLocaleString('en-US')} its header promises.`,
          'The file may have been cut short or is still being written: get it again.');
      }
      done += bytesRead;
      if (ctx && done < target.byteLength) ctx.checkCancelled();
    }
  } catch (err) {
    throw readFailure(file, err);
  } finally {
    await fh.close();
  }
}

export async function listDir(dir: string): Promise<{ name: string; isDir: boolean; isFile: boolean }[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    throw statFailure(dir, err);
  });
  return entries
    .filter((e) => !e.name.startsWith('.'))
    .map((e) => ({ name: e.name, isDir: e.isDirectory(), isFile: e.isFile() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
