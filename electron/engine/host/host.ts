// Shell-side proxy for the engine, which runs apart from the shell (see worker.ts). Starts it on
// first use, forwards calls by name (the engine validates them) and events, turns a crashed engine
// into error events for its running jobs, and starts a fresh one on the next call.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LabFailure, type EngineClient, type JobEvent, type JobListener } from '../../../shared/api';
import type { JobId, LabError } from '../../../shared/types';
import { withTransferables, type HostToWorker, type WorkerToHost } from './protocol';

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

export interface EngineHostOptions {
  /** Path of the built worker entry (defaults to worker.js beside this bundle). */
  workerPath?: string;
}

/** A typed client whose every method is a call by name. */
export function clientOf(call: (method: string, args: unknown[]) => Promise<unknown>, onEvent: (l: JobListener) => () => void): EngineClient {
  const fixed: Record<string, unknown> = { call, onEvent };
  return new Proxy(fixed, {
    get: (target, name) => {
      if (typeof name !== 'string') return undefined;
      if (name in target) return target[name];
      // not a thenable: awaiting the client must not call the engine
      if (name === 'then') return undefined;
      return (...args: unknown[]) => call(name, args);
    },
  }) as unknown as EngineClient;
}

export class EngineHost {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<JobListener>();
  private readonly running = new Set<JobId>();
  private readonly workerPath: string;
  /** How many workers were started (1 + crash restarts), for diagnostics and tests. */
  starts = 0;

  readonly api: EngineClient;

  constructor(opts: EngineHostOptions = {}) {
    this.workerPath = opts.workerPath ?? fileURLToPath(new URL('./worker.js', import.meta.url));
    this.api = clientOf((m, args) => this.call(m, args), (l) => this.onEvent(l));
  }

  onEvent(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: JobEvent): void {
    if (event.type === 'started') this.running.add(event.jobId);
    if (event.type === 'done' || event.type === 'error' || event.type === 'cancelled') this.running.delete(event.jobId);
    for (const l of this.listeners) l(event);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerPath);
    this.starts++;
    worker.on('message', (msg: WorkerToHost) => {
      if (msg.kind === 'event') this.emit(msg.event);
      else if (msg.kind === 'result') {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.value);
        else p.reject(new LabFailure(msg.error.code, msg.error.message, msg.error.detail));
      }
    });
    const fail = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      const error: LabError = {
        code: 'engine-crashed',
        message: `The engine stopped unexpectedly (${why}). Your data and settings in the window are kept.`,
        detail: 'Try again: a fresh engine starts automatically. Open the dataset again if it is no longer listed.',
      };
      for (const [, p] of this.pending) p.reject(new LabFailure(error.code, error.message, error.detail));
      this.pending.clear();
      for (const jobId of [...this.running]) this.emit({ type: 'error', jobId, error });
    };
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  call(method: string, args: unknown[]): Promise<unknown> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const { value, transfer } = withTransferables(args);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ kind: 'call', id, method, args: value } satisfies HostToWorker, transfer);
    });
  }

  /** Stops the worker (app quit, tests). A later call starts a new one. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    for (const [, p] of this.pending) p.reject(new LabFailure('engine-closed', 'The engine was shut down.'));
    this.pending.clear();
    if (w) await w.terminate();
  }

  /** Kills the worker as a crash would (tests of the restart path). */
  async simulateCrash(): Promise<void> {
    await this.worker?.terminate();
  }
}
