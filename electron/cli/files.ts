// Where the files a `lab` command names live. With this machine's engine, every path is used as
// given (resolved against the working folder). With a remote engine (--engine wss://…), --data and
// --labels name files on the engine's machine (big data stays there), files the command only reads
// (--load DIR, lab workspace show FILE) are uploaded, and files it writes (--out, --csv, --save,
// --workspace) are written on the engine's machine in a private folder and downloaded here once the
// command is done — so every command means the same with or without --engine.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { LabFailure, type DatasetSource, type EngineApi } from '../../shared/api';
import { UPLOAD_CHUNK_BYTES } from '../../shared/remote';
import { findBuiltin } from '../engine/data/catalog';

export interface CliFiles {
  readonly remote: boolean;
  /** --data: a built-in dataset, or a file (on the engine's machine). */
  source(arg: string): DatasetSource;
  /** A path the engine reads in place (--labels): on the engine's machine. */
  enginePath(arg: string): string;
  /** A file or folder this command reads (--load, a workspace to show): uploaded to a remote engine. */
  input(path: string): Promise<string>;
  /** Where the engine writes a file or folder the command makes; `force`: replace one that exists here. */
  output(path: string, opts?: { force?: boolean; folder?: boolean }): Promise<string>;
  /** A file the engine reads and rewrites (--workspace). */
  inout(path: string): Promise<string>;
  /** Downloads what the engine wrote; call once the command's work is done. */
  finish(): Promise<void>;
  /** Text and JSON with the engine's private paths replaced by the paths here. */
  localize<T>(value: T): T;
}

const localFiles: CliFiles = {
  remote: false,
  source: (arg) => (findBuiltin(arg) ? { kind: 'builtin', name: arg.toLowerCase() } : { kind: 'file', path: resolve(arg) }),
  enginePath: (arg) => resolve(arg),
  input: async (path) => resolve(path),
  output: async (path) => resolve(path),
  inout: async (path) => resolve(path),
  finish: async () => {},
  localize: (v) => v,
};

let current: CliFiles = localFiles;

/** The files of the command being run (set once the engine is chosen). */
export const files = (): CliFiles => current;
export function useFiles(f: CliFiles): void {
  current = f;
}

/** Same message as the engine's for an export target that exists (export/target.ts). */
function exists(path: string): LabFailure {
  return new LabFailure('exists', `${basename(path)} already exists in ${dirname(path)}.`,
    'Nothing was written. Choose another name, or replace it (in the app: confirm; lab: add --force).');
}

type RemoteApi = Pick<EngineApi, 'uploadChunk' | 'downloadFile' | 'writtenFiles' | 'outputFolder'>;

/** Uploads one local file in pieces; returns its path on the engine's machine. */
async function uploadFile(engine: RemoteApi, local: string, name: string, group?: string): Promise<string> {
  const uploadId = `cli-${randomBytes(9).toString('hex')}`;
  const fh = await open(local, 'r');
  try {
    const size = (await fh.stat()).size;
    for (let offset = 0; ;) {
      const bytes = new Uint8Array(Math.min(UPLOAD_CHUNK_BYTES, size - offset));
      let got = 0;
      while (got < bytes.byteLength) {
        const { bytesRead } = await fh.read(bytes, got, bytes.byteLength - got, offset + got);
        if (bytesRead === 0) throw new LabFailure('changed', `${local} got shorter while it was uploaded.`, 'Upload it again.');
        got += bytesRead;
      }
      const last = offset + got >= size;
      const r = await engine.uploadChunk({ uploadId, ...(group ? { group } : {}), name, offset, bytes, last });
      offset += got;
      if (last) {
        if (!r.path) throw new LabFailure('upload-failed', `Uploading ${local} did not finish.`);
        return r.path;
      }
    }
  } finally {
    await fh.close();
  }
}

/** Every plain file under `dir` (links are not followed), as paths relative to it. */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? join(prefix, e.name) : e.name;
    if (e.isDirectory()) out.push(...(await filesUnder(dir, rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

/** Downloads one file the engine wrote to `local`, atomically (temp file, then rename). */
async function download(engine: RemoteApi, remote: string, local: string): Promise<void> {
  const tmp = `${local}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx').catch((err: NodeJS.ErrnoException) => {
    throw new LabFailure('not-writable', `Cannot write to ${dirname(local)} (${err.code ?? err.message}).`, 'Pick a folder you can write to.');
  });
  try {
    for (let offset = 0; ;) {
      const piece = await engine.downloadFile({ path: remote, offset });
      await fh.write(piece.bytes);
      offset += piece.bytes.byteLength;
      if (piece.done || piece.bytes.byteLength === 0) break;
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, local);
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The files of a command run against a remote engine. */
export function remoteFiles(engine: RemoteApi): CliFiles {
  /** Engine path → path here, for what the command writes. */
  const outputs: { remote: string; local: string; folder: boolean; fetched?: boolean }[] = [];
  let scratch: Promise<string> | null = null;
  const outFolder = () => (scratch ??= engine.outputFolder());
  /** Uploaded inputs (engine path → path here), for messages only. */
  const inputs: [string, string][] = [];
  const replacements = (): [string, string][] => [...outputs.map((o): [string, string] => [o.remote, o.local]), ...inputs];

  const output = async (path: string, opts: { force?: boolean; folder?: boolean } = {}) => {
    const local = resolve(path);
    const info = await stat(local).catch(() => null);
    if (!opts.folder) {
      if (!(await stat(dirname(local)).catch(() => null))?.isDirectory()) {
        throw new LabFailure('no-such-folder', `Cannot save ${basename(local)}: the folder ${dirname(local)} does not exist.`, 'Pick an existing folder.');
      }
      if (info?.isDirectory()) throw new LabFailure('is-folder', `Cannot save to ${local}: that is a folder.`, 'Type a file name at the end of the path.');
      if (info && !opts.force) throw exists(local);
    } else if (info && !info.isDirectory()) {
      throw new LabFailure('not-a-folder', `${local} is a file; this writes several files into a folder.`, 'Type a folder name (it is created when missing).');
    }
    const remote = join(await outFolder(), `${outputs.length}-${basename(local)}`);
    outputs.push({ remote, local, folder: opts.folder === true });
    return remote;
  };

  return {
    remote: true,
    source(arg) {
      if (findBuiltin(arg)) return { kind: 'builtin', name: arg.toLowerCase() };
      return { kind: 'file', path: this.enginePath(arg) };
    },
    enginePath(arg) {
      if (!isAbsolute(arg) && !arg.startsWith('/')) {
        throw new LabFailure('bad-option', `With --engine, "${arg}" must be a full path on the engine's machine (e.g. /srv/data/${basename(arg)}), or a built-in dataset name.`);
      }
      return arg;
    },
    async input(path) {
      const local = resolve(path);
      const info = await stat(local).catch(() => null);
      if (!info) throw new LabFailure('not-found', `${local} does not exist.`, 'Check the path.');
      if (info.isFile()) {
        const stored = await uploadFile(engine, local, basename(local));
        inputs.push([stored, local]);
        return stored;
      }
      const group = `cli-${randomBytes(6).toString('hex')}`;
      const top = basename(local);
      let first = '';
      for (const rel of await filesUnder(local)) {
        const stored = await uploadFile(engine, join(local, rel), `${top}/${rel.split(sep).join('/')}`, group);
        first ||= stored;
      }
      if (!first) throw new LabFailure('empty-folder', `${local} holds no files.`);
      const stored = first.slice(0, first.lastIndexOf(`/${top}/`) + top.length + 1);
      inputs.push([stored, local]);
      return stored;
    },
    output,
    async inout(path) {
      const local = resolve(path);
      if (!existsSync(local)) return output(path, { force: true });
      const remote = await this.input(path);
      outputs.push({ remote, local, folder: false });
      return remote;
    },
    async finish() {
      for (const o of outputs) {
        if (o.fetched) continue;
        o.fetched = true;
        if (!o.folder) {
          await download(engine, o.remote, o.local);
          continue;
        }
        await mkdir(o.local, { recursive: true });
        for (const w of await engine.writtenFiles({ folder: o.remote })) {
          const rel = relative(o.remote, w.path);
          if (!rel || rel.startsWith('..')) continue;
          await mkdir(dirname(join(o.local, rel)), { recursive: true });
          await download(engine, w.path, join(o.local, rel));
        }
      }
    },
    localize<T>(value: T): T {
      const pairs = replacements();
      const fix = (s: string) => pairs.reduce((acc, [r, l]) => acc.split(r).join(l), s);
      const walk = (v: unknown): unknown => {
        if (typeof v === 'string') return fix(v);
        if (Array.isArray(v)) return v.map(walk);
        if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
        return v;
      };
      return walk(value) as T;
    },
  };
}
