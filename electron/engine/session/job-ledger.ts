// What the engine's jobs are doing, kept from their own events: each running job's kind, title,
// last progress and pause state, and how the last few ended. A client that lost its connection
// (a remote engine) asks for it when it is back, to catch up on what it missed.
import type { JobEvent, LabEvent } from '../../../shared/api';
import type { JobState, JobsSnapshot } from '../../../shared/remote';
import type { JobId } from '../../../shared/types';

/** Ended jobs remembered (their final events can carry a result, e.g. a dataset summary). */
const ENDED_KEPT = 64;

export class JobLedger {
  private readonly running = new Map<JobId, JobState>();
  private readonly ended: LabEvent[] = [];

  note(e: JobEvent): void {
    switch (e.type) {
      case 'started':
        this.running.set(e.jobId, { jobId: e.jobId, kind: e.kind, title: e.title, fraction: 0, message: 'Starting…', paused: false });
        return;
      case 'progress': {
        const j = this.running.get(e.jobId);
        if (j) Object.assign(j, { fraction: e.fraction, message: e.message });
        return;
      }
      case 'paused':
      case 'resumed': {
        const j = this.running.get(e.jobId);
        if (j) j.paused = e.type === 'paused';
        return;
      }
      case 'done':
      case 'error':
      case 'cancelled':
        this.running.delete(e.jobId);
        this.ended.push(e);
        if (this.ended.length > ENDED_KEPT) this.ended.shift();
        return;
      default:
        return;
    }
  }

  /**
   * Drops the ended jobs whose result belongs to a dataset that closed (its summary, embeddings,
   * scores, anomaly results): closing a dataset frees what was computed from it, here too.
   */
  forgetDataset(id: string): void {
    const kept = this.ended.filter((e) => !(e.type === 'done' && belongsTo(e.result, id)));
    this.ended.splice(0, this.ended.length, ...kept);
  }

  snapshot(): JobsSnapshot {
    return { running: [...this.running.values()].map((j) => ({ ...j })), ended: [...this.ended] };
  }
}

/** Whether a job's result is about that dataset (an open's summary is the dataset itself). */
function belongsTo(result: unknown, id: string): boolean {
  if (!result || typeof result !== 'object') return false;
  const r = result as { id?: unknown; datasetId?: unknown };
  return r.datasetId === id || r.id === id;
}
