// Opens a dataset through the Engine's job API, as the UI does, and resolves with its summary.
import type { Engine } from '../../../electron/engine/engine';
import { awaitJob } from '../../../electron/engine/session/await-job';
import type { JobEvent, OpenDatasetRequest } from '../../../shared/api';
import type { DatasetSummary } from '../../../shared/types';

export function openWith(engine: Engine, req: OpenDatasetRequest, onEvent?: (e: JobEvent) => void): Promise<DatasetSummary> {
  return awaitJob(engine, 'open', engine.openDataset(req), onEvent);
}

export const file = (path: string, opts: Omit<OpenDatasetRequest, 'source'> = {}): OpenDatasetRequest => ({ source: { kind: 'file', path }, ...opts });
