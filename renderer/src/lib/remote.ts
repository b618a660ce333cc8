// Files between this computer and a remote engine: a local file copied up in pieces (with progress,
// cancellable, each piece at most UPLOAD_CHUNK_BYTES so no message is big), and a file the engine
// wrote fetched back in pieces to be saved here. Used by the Data and Export panels when the window
// works with an engine on another machine (Connect to engine…).
import type { LabApi } from '../../../shared/api';
import { UPLOAD_CHUNK_BYTES } from '../../../shared/remote';

export interface Transfer {
  /** 0…1 */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

const newId = () => `up-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;

/** Copies `file` to the engine in pieces; resolves with its path there (for openDataset). */
export async function uploadInPieces(api: LabApi, file: File, name: string, group: string | undefined, t: Transfer = {}): Promise<string> {
  const uploadId = newId();
  let offset = 0;
  try {
    for (;;) {
      if (t.signal?.aborted) throw { code: 'cancelled', message: 'Cancelled.' };
      const piece = new Uint8Array(await file.slice(offset, offset + UPLOAD_CHUNK_BYTES).arrayBuffer());
      const last = offset + piece.byteLength >= file.size;
      const r = await api.uploadChunk({ uploadId, ...(group ? { group } : {}), name, offset, bytes: piece, last });
      offset += piece.byteLength;
      t.onProgress?.(file.size ? offset / file.size : 1);
      if (last) return r.path!;
    }
  } catch (err) {
    await api.cancelUpload(uploadId).catch(() => {});
    throw err;
  }
}

/** Fetches a file the engine wrote (an export, a report), in pieces, as a Blob. */
export async function downloadFromEngine(api: LabApi, path: string, t: Transfer = {}): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for (let offset = 0; ;) {
    if (t.signal?.aborted) throw { code: 'cancelled', message: 'Cancelled.' };
    const piece = await api.downloadFile({ path, offset });
    parts.push(piece.bytes as Uint8Array<ArrayBuffer>);
    offset += piece.bytes.byteLength;
    t.onProgress?.(piece.size ? offset / piece.size : 1);
    if (piece.done || piece.bytes.byteLength === 0) break;
  }
  return new Blob(parts);
}
