// Large files copied to the engine piece by piece (a remote engine, or a file too big for one
// message), with progress and the chance to resume after a dropped connection. Pieces go into the
// same private upload folder as single-message uploads (data/uploads.ts: 0700 folder, 0600 file,
// no link followed); each piece is written at the offset the engine expects, into the very file the
// first piece created (same device and inode), and the whole is capped in size and by free space.
import { constants, type Stats } from 'node:fs';
import { open, statfs, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LabFailure } from '../../../shared/api';
import { DEFAULT_MAX_CHUNKED_UPLOAD_BYTES, UPLOAD_CHUNK_BYTES, type UploadChunkRequest, type UploadChunkResult } from '../../../shared/remote';
import { createUploadFile } from '../data/uploads';

interface Pending {
  path: string;
  name: string;
  dev: number;
  ino: number;
  received: number;
  touched: number;
}

const partials = new Map<string, Pending>();
/** Uploads in progress at once (each a file being filled). */
const MAX_OPEN = 32;
/** An upload nobody added to for this long is abandoned (its partial file deleted). */
const ABANDON_MS = 60 * 60_000;
/** Free space an upload must leave on the disk. */
const KEEP_FREE_BYTES = 512 * 1024 ** 2;

/** The cap on one file uploaded in pieces: LAB_MAX_UPLOAD_MB (lab serve --max-upload-mb) or 16 GiB. */
export function maxChunkedUploadBytes(): number {
  const mb = Number(process.env.LAB_MAX_UPLOAD_MB);
  return Number.isFinite(mb) && mb > 0 ? Math.floor(mb * 1024 * 1024) : DEFAULT_MAX_CHUNKED_UPLOAD_BYTES;
}

function refuse(message: string, detail?: string): never {
  throw new LabFailure('upload-refused', message, detail);
}

const mib = (n: number) => `${Math.ceil(n / 2 ** 20).toLocaleString('en-US')} MiB`;

async function dropAbandoned(now: number): Promise<void> {
  for (const [id, p] of partials) {
    if (now - p.touched < ABANDON_MS) continue;
    partials.delete(id);
    await unlink(p.path).catch(() => {});
  }
}

async function checkSpace(path: string, more: number): Promise<void> {
  const fs = await statfs(dirname(path)).catch(() => null);
  if (!fs) return;
  const free = fs.bavail * fs.bsize;
  if (free - more < KEEP_FREE_BYTES) {
    refuse(`Not enough free space on the engine's machine for this upload (${mib(free)} free).`, 'Free some space there, or open the file in place if it is already on that machine.');
  }
}

/** Writes one piece of an upload; the last piece returns where the file is. */
export async function uploadChunk(req: UploadChunkRequest): Promise<UploadChunkResult> {
  const { uploadId, name, offset, bytes, last } = req;
  if (bytes.byteLength > UPLOAD_CHUNK_BYTES) refuse(`A piece of ${name} is ${mib(bytes.byteLength)}; pieces are at most ${mib(UPLOAD_CHUNK_BYTES)}.`);
  const cap = maxChunkedUploadBytes();
  const now = Date.now();
  await dropAbandoned(now);
  let p = partials.get(uploadId);
  if (!p) {
    if (offset !== 0) {
      throw new LabFailure('upload-unknown', `The engine holds nothing of the upload of ${name} (it restarted, or the upload was abandoned).`, 'Upload the file again from the start.');
    }
    if (partials.size >= MAX_OPEN) refuse(`${MAX_OPEN} uploads are already in progress on this engine.`, 'Wait for them to finish, then try again.');
    const { handle, path } = await createUploadFile(name, req.group ?? uploadId);
    let st: Stats;
    try {
      st = await handle.stat();
    } finally {
      await handle.close();
    }
    p = { path, name, dev: st.dev, ino: st.ino, received: 0, touched: now };
    partials.set(uploadId, p);
  }
  if (p.name !== name) refuse(`Upload ${uploadId} is for ${p.name}, not ${name}.`);
  p.touched = now;
  const end = offset + bytes.byteLength;
  if (end <= p.received && offset < p.received) {
    // a piece sent again after a lost answer: the engine already has it
  } else if (offset !== p.received) {
    throw new LabFailure('upload-offset', `The engine expected the piece of ${name} at byte ${p.received.toLocaleString('en-US')}, not ${offset.toLocaleString('en-US')}.`, 'Resume the upload from that byte, or start it again.');
  } else {
    if (end > cap) {
      await cancelUpload(uploadId);
      refuse(`${name} is bigger than ${mib(cap)}, the most this engine accepts in one upload.`, 'Put the file on the engine\'s machine another way (scp, a shared disk) and open it in place, or ask for a larger --max-upload-mb.');
    }
    await checkSpace(p.path, bytes.byteLength);
    // O_NOFOLLOW, then the same file the first piece created: nothing swapped in meanwhile is written to
    const fh = await open(p.path, constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0)).catch(() => null);
    if (!fh) {
      partials.delete(uploadId);
      refuse(`The partial upload of ${name} disappeared from the upload folder.`, 'Upload the file again.');
    }
    try {
      const st = await fh.stat();
      if (st.dev !== p.dev || st.ino !== p.ino || st.size !== p.received) {
        partials.delete(uploadId);
        refuse(`The partial upload of ${name} was changed by something else.`, 'Upload the file again.');
      }
      let done = 0;
      while (done < bytes.byteLength) {
        const { bytesWritten } = await fh.write(bytes, done, bytes.byteLength - done, offset + done);
        done += bytesWritten;
      }
    } finally {
      await fh.close();
    }
    p.received = end;
  }
  if (!last) return { received: p.received, path: null };
  if (end !== p.received) refuse(`The last piece of ${name} ends at byte ${end}, but the engine holds ${p.received}.`, 'Upload the file again.');
  partials.delete(uploadId);
  return { received: p.received, path: p.path };
}

/** Abandons an upload in progress and deletes what arrived of it. */
export async function cancelUpload(uploadId: string): Promise<void> {
  const p = partials.get(uploadId);
  if (!p) return;
  partials.delete(uploadId);
  await unlink(p.path).catch(() => {});
}
