// The shell's side of the engine, which runs in its own process (engine-process.ts). Starts it on
// first use, forwards calls by name (the engine validates them) and events, and contains crashes:
// when the engine process dies, every running job and pending call gets an error saying how it
// ended and what was running (a file being opened names the file), a notice tells the UI, and a
// fresh engine starts, which rebuilds the run list from disk.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LabFailure, type EngineClient, type LabEvent, type JobListener } from '../../../shared/api';
import type { JobId, LabError } from '../../../shared/types';
import { describeExit, forkChannel, type ChannelFactory, type EngineChannel, type EngineExit } from './channel';
import { clientOf } from './client';
import type { EngineToHost } from './protocol';

export { clientOf };

type Pending = { method: string; resolve: (v: unknown) => void; reject: (e: unknown) => void };

export interface EngineHostOptions {
  /** Starts one engine process; default: fork the built engine.js beside this bundle. */
  spawn?: ChannelFactory;
  /** The built engine entry for the default spawn. */
  entry?: string;
  /** Start a fresh engine at once after a crash, so the UI can reload into it (default true). */
  restartOnCrash?: boolean;
  /** Extra environment for the engine process (e.g. LAB_BACKEND). */
  env?: Record<string, string>;
}

/** The built engine entry beside this bundle, or the source one when running from source. */
function defaultEntry(): string {
  const built = fileURLToPath(new URL('./engine.js', import.meta.url));
  return existsSync(built) ? built : fileURLToPath(new URL('./engine-process.ts', import.meta.url));
}

/** Crashes closer together than this count as a loop: no eager restart then (the next call starts one). */
const CRASH_LOOP_MS = 10_000;

export class EngineHost {
  private channel: EngineChannel | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<JobListener>();
  /** Running jobs and their titles ("Open nested.json"), to say what was running at a crash. */
  private readonly running = new Map<JobId, string>();
  private readonly spawn: ChannelFactory;
  private readonly restartOnCrash: boolean;
  private lastCrash = 0;
  private closed = false;
  /** How many engine processes were started (1 + restarts), for diagnostics and tests. */
  starts = 0;
  /** How the last engine process ended unexpectedly, if one did. */
  lastFailure: LabError | null = null;

  readonly api: EngineClient;

  constructor(opts: EngineHostOptions = {}) {
    const entry = opts.entry ?? defaultEntry();
    // run from source (tsx: tests, the bench), the engine entry is TypeScript too
    const execArgv = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
    this.spawn = opts.spawn ?? (() => forkChannel(entry, execArgv, opts.env));
    this.restartOnCrash = opts.restartOnCrash ?? true;
    this.api = clientOf((m, args) => this.call(m, args), (l) => this.onEvent(l));
  }

  /** The engine process's id (started on demand). */
  get pid(): number | undefined {
    return this.ensure().pid;
  }

  onEvent(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: LabEvent): void {
    if (event.type === 'started') this.running.set(event.jobId, event.title);
    if (event.type === 'done' || event.type === 'error' || event.type === 'cancelled') this.running.delete(event.jobId);
    for (const l of this.listeners) l(event);
  }

  private ensure(): EngineChannel {
    if (this.channel) return this.channel;
    this.closed = false;
    const channel = this.spawn();
    this.starts++;
    channel.onMessage((msg: EngineToHost) => {
      if (msg.kind === 'event') this.emit(msg.event);
      else if (msg.kind === 'result') {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.value);
        else p.reject(new LabFailure(msg.error.code, msg.error.message, msg.error.detail));
      }
    });
    channel.onExit((exit) => this.ended(channel, exit));
    this.channel = channel;
    return channel;
  }

  private ended(channel: EngineChannel, exit: EngineExit): void {
    if (this.channel !== channel) return; // closed on purpose
    this.channel = null;
    const jobs = [...this.running.values()];
    const calls = [...new Set([...this.pending.values()].map((p) => p.method))];
    const during = jobs.length ? ` while “${jobs.join('”, “')}” was running` : calls.length ? ` while answering ${calls.join(', ')}` : '';
    const error: LabError = {
      code: 'engine-crashed',
      message: `The engine stopped: ${describeExit(exit)}${during}.`,
      detail: jobs.some((j) => j.startsWith('Open '))
        ? 'The file being opened may be the cause: check it before opening it again. Finished runs and checkpoints are kept on disk; a fresh engine has started.'
        : 'Finished runs and checkpoints are kept on disk; a fresh engine has started.',
    };
    this.lastFailure = error;
    for (const [, p] of this.pending) p.reject(new LabFailure(error.code, error.message, error.detail));
    this.pending.clear();
    for (const jobId of [...this.running.keys()]) this.emit({ type: 'error', jobId, error });
    this.running.clear();
    const now = Date.now();
    const loop = now - this.lastCrash < CRASH_LOOP_MS;
    this.lastCrash = now;
    if (this.restartOnCrash && !loop && !this.closed) this.ensure();
    this.emit({ type: 'engine-restarted', message: error.message, detail: error.detail ?? '' });
  }

  call(method: string, args: unknown[]): Promise<unknown> {
    const channel = this.ensure();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      channel.send({ kind: 'call', id, method, args });
    });
  }

  /** Stops the engine (app quit, tests). A later call starts a new one. */
  async close(): Promise<void> {
    this.closed = true;
    const channel = this.channel;
    this.channel = null;
    for (const [, p] of this.pending) p.reject(new LabFailure('engine-closed', 'The engine was shut down.'));
    this.pending.clear();
    this.running.clear();
    await channel?.kill();
  }

  /** Sends the engine process a signal as a crash would (tests of the restart path). */
  simulateCrash(signal: NodeJS.Signals = 'SIGSEGV'): void {
    const pid = this.channel?.pid;
    if (pid) process.kill(pid, signal);
  }
}
