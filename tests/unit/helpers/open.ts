// Opens a dataset through the Engine's job API, as the UI does, and resolves with its summary.
import type { Engine } from '../../../electron/engine/engine';
import { LabFailure, type JobEvent, type OpenDatasetRequest } from '../../../shared/api';
import type { DatasetSummary, JobId } from '../../../shared/types';

export function openWith(engine: Engine, req: OpenDatasetRequest, onEvent?: (e: JobEvent) => void): Promise<DatasetSummary> {
  return new Promise((resolve, reject) => {
    let id: JobId | null = null;
    const early: JobEvent[] = [];
    const handle = (e: JobEvent) => {
      if (e.jobId !== id) return;
      onEvent?.(e);
      if (e.type === 'done' && e.kind === 'open') {
        off();
        resolve(e.result);
      } else if (e.type === 'error') {
        off();
        reject(new LabFailure(e.error.code, e.error.message, e.error.detail));
      } else if (e.type === 'cancelled') {
        off();
        reject(new LabFailure('cancelled', 'cancelled'));
      }
    };
    const off = engine.onEvent((e) => (id === null ? early.push(e) : handle(e)));
    engine.openDataset(req).then((jobId) => {
      id = jobId;
      early.splice(0).forEach(handle);
    }, reject);
  });
}

export const file = (path: string, opts: Omit<OpenDatasetRequest, 'source'> = {}): OpenDatasetRequest => ({ source: { kind: 'file', path }, ...opts });
