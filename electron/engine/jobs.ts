// Long work as jobs: an id returned at once, typed events while it runs, cancel at any time.
import { randomUUID } from 'node:crypto';
import { LabFailure, toLabError, type JobEvent, type JobKind, type JobResults } from '../../shared/api';
import type { EpochMetrics, JobId } from '../../shared/types';
import type { ReduceHooks } from './reduce/hooks';

export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export interface JobContext {
  readonly jobId: JobId;
  readonly cancelled: boolean;
  progress(fraction: number, message: string, samplesPerSec?: number): void;
  metrics(metrics: EpochMetrics): void;
  log(message: string): void;
  /** Throws Cancelled when the user asked to stop; call between units of work. */
  checkCancelled(): void;
}

export class JobRunner {
  private readonly cancelRequested = new Set<JobId>();
  private readonly running = new Set<JobId>();

  constructor(private readonly emit: (event: JobEvent) => void) {}

  start<K extends JobKind>(kind: K, title: string, work: (ctx: JobContext) => Promise<JobResults[K]>): JobId {
    const jobId = randomUUID() as JobId;
    const requested = this.cancelRequested;
    const emit = this.emit;
    const ctx: JobContext = {
      jobId,
      get cancelled() {
        return requested.has(jobId);
      },
      progress: (fraction, message, samplesPerSec) =>
        emit({ type: 'progress', jobId, fraction: Math.max(0, Math.min(1, fraction)), message, ...(samplesPerSec ? { samplesPerSec } : {}) }),
      metrics: (metrics) => emit({ type: 'metrics', jobId, metrics }),
      log: (message) => emit({ type: 'log', jobId, message }),
      checkCancelled: () => {
        if (requested.has(jobId)) throw new Cancelled();
      },
    };
    this.running.add(jobId);
    // start on the next turn so the caller has the id before the first event arrives
    setImmediate(() => {
      emit({ type: 'started', jobId, kind, title });
      work(ctx)
        .then((result) => emit({ type: 'done', jobId, kind, result } as JobEvent))
        .catch((err: unknown) => {
          if (err instanceof Cancelled) emit({ type: 'cancelled', jobId });
          else emit({ type: 'error', jobId, error: toLabError(err) });
        })
        .finally(() => {
          this.running.delete(jobId);
          this.cancelRequested.delete(jobId);
        });
    });
    return jobId;
  }

  cancel(jobId: JobId): void {
    if (!this.running.has(jobId)) throw new LabFailure('no-such-job', 'That job has already finished.');
    this.cancelRequested.add(jobId);
  }

  get busy(): number {
    return this.running.size;
  }
}

const PROGRESS_INTERVAL_MS = 150;

/**
 * Hooks for a long computation inside a job: progress at most every 150 ms (the UI needs no
 * more), a turn of the event loop at every step so that a cancel request can arrive, and the
 * Cancelled throw once it has.
 */
export function reduceHooks(ctx: JobContext): ReduceHooks {
  let last = 0;
  return {
    step: async (fraction, message) => {
      const now = performance.now();
      if (now - last > PROGRESS_INTERVAL_MS) {
        last = now;
        ctx.progress(fraction, message);
      }
      await new Promise((resolve) => setImmediate(resolve));
      ctx.checkCancelled();
    },
  };
}
