// Waiting for one engine job from in-process callers (CLI, benchmark, tests): resolves with the
// job's result, rejects with its LabFailure (code 'cancelled' when cancelled). Events that arrive
// before the job id is known are kept and replayed.
import { LabFailure, type JobEvent, type JobKind, type JobListener, type JobResults, type LabEvent } from '../../../shared/api';
import type { JobId } from '../../../shared/types';

export interface JobSource {
  onEvent(listener: JobListener): () => void;
}

export function awaitJob<K extends JobKind>(
  engine: JobSource,
  kind: K,
  start: Promise<JobId>,
  onEvent?: (event: JobEvent, jobId: JobId) => void,
): Promise<JobResults[K]> {
  return new Promise((resolve, reject) => {
    let id: JobId | null = null;
    const early: LabEvent[] = [];
    const handle = (e: LabEvent) => {
      if (e.type === 'engine-restarted' || e.jobId !== id) return;
      onEvent?.(e, id);
      if (e.type === 'done' && e.kind === kind) {
        off();
        resolve(e.result as JobResults[K]);
      } else if (e.type === 'error') {
        off();
        reject(new LabFailure(e.error.code, e.error.message, e.error.detail));
      } else if (e.type === 'cancelled') {
        off();
        reject(new LabFailure('cancelled', 'Cancelled.'));
      }
    };
    const off = engine.onEvent((e) => (id === null ? early.push(e) : handle(e)));
    start.then((jobId) => {
      id = jobId;
      early.splice(0).forEach(handle);
    }, (err: unknown) => {
      off();
      reject(err);
    });
  });
}
