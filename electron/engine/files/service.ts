// The files domain: what a client on another machine needs to use the engine's files as if they
// were its own — browse the allowed folders, upload large files in pieces with progress, take home
// what the engine wrote, and learn about the machine (its folders, whether it serves remote clients).
import { hostname } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { z } from 'zod';
import type { DownloadChunk, DownloadRequest, EngineHostInfo, FolderListing, UploadChunkRequest, UploadChunkResult, WrittenFile } from '../../../shared/remote';
import { DOWNLOAD_CHUNK_BYTES, UPLOAD_CHUNK_BYTES } from '../../../shared/remote';
import { none, path } from '../../../shared/schemas';
import { uploadsSubfolder } from '../data/uploads';
import { method } from '../session/define';
import { downloadFile } from './download';
import { listFolder } from './folders';
import { allowedRoots, isServed } from './roots';
import { cancelUpload, maxChunkedUploadBytes, uploadChunk } from './upload-chunks';
import { writtenFiles } from './written';

const uploadId = z.string().regex(/^[\w-]{8,64}$/, 'an upload id is 8 to 64 letters, digits, - or _');

export const fileHandlers = {
  /** About the engine's machine: its name, the folders clients may use, where exports go by default. */
  engineInfo: method(none, async (): Promise<EngineHostInfo> => {
    const roots = allowedRoots();
    const home = roots[0] ?? '';
    const downloads = join(home, 'Downloads');
    return {
      hostname: hostname(),
      roots,
      defaultFolder: home && existsSync(downloads) ? downloads : home,
      served: isServed(),
      maxUploadBytes: maxChunkedUploadBytes(),
    };
  }),

  /** A folder of the engine's machine inside the allowed folders (no path: the allowed folders themselves). */
  listFolder: method(z.tuple([z.strictObject({ path: path.optional(), hidden: z.boolean().optional() })]),
    async (_s, req: { path?: string; hidden?: boolean }): Promise<FolderListing> => listFolder(req.path, req.hidden === true)),

  /**
   * One piece of a file copied to the engine (at most UPLOAD_CHUNK_BYTES), written at `offset` into
   * the private upload folder; the last piece answers with the file's path for openDataset.
   */
  uploadChunk: method(z.tuple([z.strictObject({
    uploadId,
    group: z.string().regex(/^[\w-]{1,64}$/).optional(),
    name: z.string().min(1).max(1024),
    offset: z.number().int().min(0).max(2 ** 52),
    bytes: z.instanceof(Uint8Array).refine((b) => b.byteLength <= UPLOAD_CHUNK_BYTES, `a piece is at most ${UPLOAD_CHUNK_BYTES} bytes`),
    last: z.boolean(),
  })]), async (_s, req: UploadChunkRequest): Promise<UploadChunkResult> => uploadChunk(req)),

  /** Abandons an upload in progress and deletes what arrived of it. */
  cancelUpload: method(z.tuple([uploadId]), async (_s, id: string): Promise<void> => cancelUpload(id)),

  /** A piece of a file this engine wrote in this session (an export, a report, a saved model). */
  downloadFile: method(z.tuple([z.strictObject({
    path,
    offset: z.number().int().min(0).max(2 ** 52),
    length: z.number().int().min(1).max(DOWNLOAD_CHUNK_BYTES).optional(),
  })]), async (_s, req: DownloadRequest): Promise<DownloadChunk> => downloadFile(req)),

  /** The files this engine wrote in this session inside a folder (a Projector export, a saved model). */
  writtenFiles: method(z.tuple([z.strictObject({ folder: path.optional() })]),
    async (_s, req: { folder?: string }): Promise<WrittenFile[]> => writtenFiles(req.folder ?? null)),

  /** A fresh private folder on the engine's machine for outputs a client downloads afterwards. */
  outputFolder: method(none, async (): Promise<string> => realpath(await uploadsSubfolder('out-'))),
};
