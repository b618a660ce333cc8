// Opens any dataset source: picks the loader from the source kind, the file name and its first
// bytes, then prepares the table (roles, missing values, split, scaling). A table in Parquet, CSV or
// JSON that its loader refuses as over the memory budget opens streamed instead (../stream/).
import { basename, extname, join } from 'node:path';
import { LabFailure, type OpenDatasetRequest } from '../../../shared/api';
import type { DatasetFormat, DatasetId } from '../../../shared/types';
import { builtinDatasetsDir, catalog, findBuiltin, tabularEntries } from './catalog';
import { readColumnar } from './columnar';
import { readDelimited } from './csv';
import type { Dataset } from './dataset';
import { checkFile, fileFailure, isDirectory, readHead, type LoadContext } from './files';
import { readIdxPair } from './idx';
import { readImageFolder } from './images';
import { readMnist } from './mnist';
import { readNpy } from './npy';
import { prepareTable } from './prepare';
import type { RawTable } from './table';
import { looksLikeVectors, readVectors } from './vectors';
import { openStreamed } from '../stream/open';
import { STREAM_FORMATS, type StreamFormat } from '../stream/source';

/** Thrown by readSource when the file is over the budget but can be streamed. */
class StreamInstead {
  constructor(readonly path: string, readonly format: StreamFormat) {}
}

/** A loader's refusal because the data would not fit the memory budget (not another memory error). */
const overBudget = (err: unknown) => err instanceof LabFailure && err.code === 'too-big' && /more than the memory budget/.test(err.message);

const BY_EXTENSION: Record<string, DatasetFormat> = {
  '.csv': 'csv', '.txt': 'csv', '.tab': 'csv', '.psv': 'csv', '.dat': 'csv', '.tsv': 'csv',
  '.parquet': 'parquet', '.pq': 'parquet',
  '.json': 'json', '.jsonl': 'jsonl', '.ndjson': 'jsonl',
  '.npy': 'npy',
  '.idx': 'idx',
};
const IMAGE_FILE = /\.(png|jpe?g|gif|webp|tiff?|bmp)$/i;

/** The format of a file from its name, or else its first bytes. */
export async function detectFormat(file: string, labelsPath?: string | null): Promise<DatasetFormat> {
  const name = basename(file).toLowerCase();
  const ext = extname(name);
  if (ext === '.tsv' && (looksLikeVectors(file) || labelsPath)) return 'vectors';
  if (BY_EXTENSION[ext]) return BY_EXTENSION[ext];
  if (/-ubyte(\.gz)?$|idx\d/.test(name)) return 'idx';
  if (IMAGE_FILE.test(name)) {
    throw fileFailure(file, 'pick-folder', 'is a single image.', 'To open images, pick the folder that holds them (one sub-folder per class).');
  }
  if (ext === '.npz' || ext === '.pkl' || ext === '.h5' || ext === '.xlsx' || ext === '.xls') {
    throw fileFailure(file, 'unsupported-format', `is a ${ext} file, which Latent Lab cannot open.`,
      ext.startsWith('.xls') ? 'Save the sheet as CSV (UTF-8) and open that.' : 'Save the arrays as .npy (numpy.save) or the table as CSV or Parquet.');
  }
  await checkFile(file);
  const head = await readHead(file, 8);
  if (head.toString('latin1', 0, 4) === 'PAR1') return 'parquet';
  if (head.toString('latin1', 0, 6) === '\x93NUMPY') return 'npy';
  if ((head[0] === 0 && head[1] === 0 && head[2] >= 8 && head[2] <= 0x0e) || (head[0] === 0x1f && head[1] === 0x8b)) return 'idx';
  return 'csv';
}

async function readSource(req: OpenDatasetRequest, ctx: LoadContext): Promise<{ table: RawTable; builtin: string | null; title?: string; labelColumn?: string | null }> {
  const { source } = req;
  if (source.kind === 'builtin') {
    const entry = findBuiltin(source.name);
    if (!entry) {
      throw new LabFailure('no-such-dataset', `There is no built-in dataset called "${source.name}".`, `Built-in datasets: ${catalog.map((c) => c.name).join(', ')}.`);
    }
    if (entry.name === 'mnist') return { table: await readMnist(ctx), builtin: 'mnist', title: 'MNIST' };
    const tab = tabularEntries.find((t) => t.name === entry.name)!;
    const table = await readDelimited(join(builtinDatasetsDir(), tab.file), req, ctx);
    return { table, builtin: tab.name, title: tab.title, labelColumn: tab.labelColumn };
  }
  const path = source.path;
  if (await isDirectory(path)) return { table: await readImageFolder(path, req, ctx), builtin: null };
  const format = await detectFormat(path, req.labelsPath);
  const table = await (async () => {
    if (STREAM_FORMATS.includes(format)) {
      try {
        return format === 'csv' ? await readDelimited(path, req, ctx) : await readColumnar(path, format as 'parquet' | 'json' | 'jsonl', ctx);
      } catch (err) {
        if (overBudget(err)) throw new StreamInstead(path, format as StreamFormat);
        throw err;
      }
    }
    switch (format) {
      case 'parquet':
      case 'json':
      case 'jsonl':
        return readColumnar(path, format, ctx);
      case 'npy':
        return readNpy(path, req.labelsPath, ctx);
      case 'idx':
        return readIdxPair(path, ctx);
      case 'vectors':
        return readVectors(path, req.labelsPath, ctx);
      default:
        return readDelimited(path, req, ctx);
    }
  })();
  return { table, builtin: null };
}

export async function openDataset(id: DatasetId, req: OpenDatasetRequest, ctx: LoadContext): Promise<Dataset> {
  let read;
  try {
    read = await readSource(req, ctx);
  } catch (err) {
    if (err instanceof StreamInstead) return openStreamed(id, req, err.path, err.format, ctx);
    throw err;
  }
  const { table, builtin, title, labelColumn } = read;
  ctx.checkCancelled();
  ctx.progress(0.96, 'Preparing features');
  const opts = { ...req, labelColumn: req.labelColumn !== undefined || req.roles ? req.labelColumn : labelColumn };
  return prepareTable(id, table, opts, builtin, title);
}
