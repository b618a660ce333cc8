// Files a client on another machine takes home: what this engine process wrote in this session
// (written.ts) and nothing else, read piece by piece, refusing a file that was replaced or turned
// into a link since it was written.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { LabFailure } from '../../../shared/api';
import { DOWNLOAD_CHUNK_BYTES, type DownloadChunk, type DownloadRequest } from '../../../shared/remote';
import { writtenEntry } from './written';

export async function downloadFile(req: DownloadRequest): Promise<DownloadChunk> {
  const entry = writtenEntry(req.path);
  if (!entry) {
    throw new LabFailure('not-downloadable', `${basename(req.path)} was not written by this engine in this session, so it cannot be downloaded.`,
      'Only exports, reports and models the engine saved since it started can be downloaded; save it again.');
  }
  const fh = await open(entry.real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)).catch((err: NodeJS.ErrnoException) => {
    throw new LabFailure('not-readable', `Cannot read ${basename(req.path)} (${err.code ?? err.message}).`, 'Save it again.');
  });
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.dev !== entry.dev || st.ino !== entry.ino) {
      throw new LabFailure('changed', `${basename(req.path)} was replaced after the engine wrote it, so it is not downloaded.`, 'Save it again, then download it.');
    }
    const length = Math.min(req.length ?? DOWNLOAD_CHUNK_BYTES, DOWNLOAD_CHUNK_BYTES, Math.max(0, st.size - req.offset));
    const bytes = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(bytes, got, length - got, req.offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { bytes: got === length ? bytes : bytes.slice(0, got), size: st.size, done: req.offset + got >= st.size };
  } finally {
    await fh.close();
  }
}
