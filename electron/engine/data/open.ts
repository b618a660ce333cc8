// Opens any dataset source: picks the loader from the source kind and the file name.
import { basename, extname } from 'node:path';
import { LabFailure, type OpenDatasetRequest } from '../../../shared/api';
import type { DatasetId } from '../../../shared/types';
import { catalog, findBuiltin } from './catalog';
import { readCsv, type Progress } from './csv';
import type { Dataset } from './dataset';
import { loadMnist } from './mnist';
import { prepareTable } from './prepare';

const DELIMITED = new Set(['.csv', '.tsv', '.txt', '.tab', '.psv', '.dat', '']);

export async function openDataset(id: DatasetId, req: OpenDatasetRequest, progress: Progress): Promise<Dataset> {
  const { source } = req;
  if (source.kind === 'builtin') {
    const entry = findBuiltin(source.name);
    if (!entry) {
      throw new LabFailure('no-such-dataset', `There is no built-in dataset called "${source.name}".`, `Built-in datasets: ${catalog.map((c) => c.name).join(', ')}.`);
    }
    return loadMnist(id, progress);
  }
  const ext = extname(source.path).toLowerCase();
  if (!DELIMITED.has(ext)) {
    throw new LabFailure('unsupported-format', `${basename(source.path)}: Latent Lab cannot open ${ext} files yet.`, 'Open a CSV or TSV file, or a built-in dataset.');
  }
  const table = await readCsv(source.path, progress);
  progress(0.97, 'Preparing features');
  return prepareTable(id, table, { labelColumn: req.labelColumn });
}
