// Who a dataset is: the same file (path, size, modification time) opened with the same settings
// gets the same id in every session, so runs, embeddings and views recorded against it find it
// again; a changed file or other settings give another id. Workspaces also keep a content hash,
// so a moved or edited file is asked for again instead of being silently swapped.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DatasetSource } from '../../../shared/api';
import type { DatasetId, OpenOptions } from '../../../shared/types';

/** JSON with sorted keys and no undefined fields: equal settings give equal text. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/** What identifies the bytes behind a source without reading them: path, size, modification time. */
async function fileStamp(source: DatasetSource): Promise<unknown> {
  if (source.kind === 'builtin') return { builtin: source.name.toLowerCase() };
  const path = resolve(source.path);
  const info = await stat(path);
  return { path, size: info.size, mtime: Math.round(info.mtimeMs), dir: info.isDirectory() };
}

export async function stableDatasetId(source: DatasetSource, options: OpenOptions): Promise<DatasetId> {
  const stamp = await fileStamp(source);
  const digest = createHash('sha256').update(canonical({ stamp, options })).digest('hex');
  return `ds-${digest.slice(0, 16)}` as DatasetId;
}

/** A dataset file's fingerprint as a workspace records it. */
export interface Fingerprint {
  path: string;
  size: number;
  /** sha256 of the bytes (a folder: of its files' relative paths, sizes and their own hashes). */
  sha256: string;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await new Promise<void>((done, fail) => {
    createReadStream(path).on('data', (c) => hash.update(c)).on('end', () => done()).on('error', fail);
  });
  return hash.digest('hex');
}

/** Every file under a folder, relative paths sorted (a folder of class sub-folders of images). */
async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(join(root, rel), { withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

const cache = new Map<string, Promise<Fingerprint>>();

/** The fingerprint of a file or folder (cached while its size and modification time stay the same). */
export async function fingerprint(path: string): Promise<Fingerprint> {
  const abs = resolve(path);
  const info = await stat(abs);
  const key = `${abs}|${info.size}|${info.mtimeMs}`;
  let fp = cache.get(key);
  if (!fp) {
    fp = (async () => {
      if (!info.isDirectory()) return { path: abs, size: info.size, sha256: await hashFile(abs) };
      const hash = createHash('sha256');
      let size = 0;
      for (const f of await listFiles(abs)) {
        const s = await stat(join(abs, f));
        size += s.size;
        hash.update(`${f}\0${s.size}\0${await hashFile(join(abs, f))}\n`);
      }
      return { path: abs, size, sha256: hash.digest('hex') };
    })();
    fp.catch(() => cache.delete(key));
    cache.set(key, fp);
  }
  return fp;
}
