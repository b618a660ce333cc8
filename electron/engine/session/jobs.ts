// Long work as jobs: an id returned at once, typed events while it runs, cancel at any time.
import { randomUUID } from 'node:crypto';
import { LabFailure, toLabError, type JobEvent, type JobKind, type JobResults } from '../../../shared/api';
import type { BatchMetrics, EpochMetrics, JobId, RunSummary } from '../../../shared/types';
import type { ReduceHooks } from '../reduce/hooks';
import { JobLedger } from './job-ledger';

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
  /** Smoothed live training numbers (the trainer throttles them). */
  batch(metrics: BatchMetrics): void;
  /** Announces the run a training job created (its id and resolved config). */
  run(run: RunSummary): void;
  log(message: string): void;
  /** Resolves at once unless the job is paused, else on resume or cancel; gives the ms waited. */
  whenRunning(): Promise<number>;
  /** Throws Cancelled when the user asked to stop; call between units of work. */
  checkCancelled(): void;
}

interface Pause {
  promise: Promise<void>;
  release: () => void;
}

export class JobRunner {
  private readonly cancelRequested = new Set<JobId>();
  private readonly running = new Set<JobId>();
  private readonly pausable = new Set<JobId>();
  private readonly paused = new Map<JobId, Pause>();
  /** Every job's last known state, for clients that reconnect (jobs()). */
  readonly ledger = new JobLedger();
  private readonly emit: (event: JobEvent) => void;

  constructor(emit: (event: JobEvent) => void) {
    this.emit = (e) => {
      this.ledger.note(e);
      emit(e);
    };
  }

  /** `pausable`: the work awaits ctx.whenRunning() between units, so pause() can hold it. */
  start<K extends JobKind>(kind: K, title: string, work: (ctx: JobContext) => Promise<JobResults[K]>, opts: { pausable?: boolean } = {}): JobId {
    const jobId = randomUUID() as JobId;
    const requested = this.cancelRequested;
    const paused = this.paused;
    const emit = this.emit;
    const ctx: JobContext = {
      jobId,
      get cancelled() {
        return requested.has(jobId);
      },
      progress: (fraction, message, samplesPerSec) =>
        emit({ type: 'progress', jobId, fraction: Math.max(0, Math.min(1, fraction)), message, ...(samplesPerSec ? { samplesPerSec } : {}) }),
      metrics: (metrics) => emit({ type: 'metrics', jobId, metrics }),
      batch: (metrics) => emit({ type: 'batch', jobId, metrics }),
      run: (run) => emit({ type: 'run', jobId, run }),
      log: (message) => emit({ type: 'log', jobId, message }),
      whenRunning: async () => {
        const pause = paused.get(jobId);
        if (!pause) return 0;
        const t0 = performance.now();
        await pause.promise;
        return performance.now() - t0;
      },
      checkCancelled: () => {
        if (requested.has(jobId)) throw new Cancelled();
      },
    };
    this.running.add(jobId);
    if (opts.pausable) this.pausable.add(jobId);
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
          this.pausable.delete(jobId);
          this.paused.get(jobId)?.release();
          this.paused.delete(jobId);
          this.cancelRequested.delete(jobId);
        });
    });
    return jobId;
  }

  cancel(jobId: JobId): void {
    this.assertRunning(jobId);
    this.cancelRequested.add(jobId);
    // a paused job wakes up to see the cancel
    this.paused.get(jobId)?.release();
    this.paused.delete(jobId);
  }

  /** Holds a pausable job after its current unit of work (a training batch) until resume(). */
  pause(jobId: JobId): void {
    this.assertRunning(jobId);
    if (!this.pausable.has(jobId)) throw new LabFailure('not-pausable', 'Only training jobs can be paused.');
    if (this.paused.has(jobId) || this.cancelRequested.has(jobId)) return;
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.paused.set(jobId, { promise, release });
    this.emit({ type: 'paused', jobId });
  }

  resume(jobId: JobId): void {
    this.assertRunning(jobId);
    const pause = this.paused.get(jobId);
    if (!pause) return;
    this.paused.delete(jobId);
    pause.release();
    this.emit({ type: 'resumed', jobId });
  }

  isPaused(jobId: JobId): boolean {
    return this.paused.has(jobId);
  }

  private assertRunning(jobId: JobId): void {
    if (!this.running.has(jobId)) throw new LabFailure('no-such-job', 'That job has already finished.');
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

/**
 * A job's context for one stage of a longer job (e.g. training inside an anomaly job): progress
 * maps into [from, to] of the outer job, and training's curve events stay inside (the outer job is
 * not a training job, so the UI's training chart must not see them).
 */
export function stageContext(ctx: JobContext, from: number, to: number): JobContext {
  return {
    jobId: ctx.jobId,
    get cancelled() {
      return ctx.cancelled;
    },
    progress: (fraction, message, samplesPerSec) => ctx.progress(from + (to - from) * fraction, message, samplesPerSec),
    metrics: () => {},
    batch: () => {},
    run: () => {},
    log: (message) => ctx.log(message),
    whenRunning: () => ctx.whenRunning(),
    checkCancelled: () => ctx.checkCancelled(),
  };
}
