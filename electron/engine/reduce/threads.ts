// Worker threads for the layout kernels (the neighbour search's product tiles, UMAP's epochs,
// t-SNE's forces). A kernel is a self-contained function (no imports, no closures: only its
// arguments, Math and the other kernels) whose source is sent to the workers once; its data lives
// in SharedArrayBuffers. The same function runs on the calling thread when there is no worker,
// and callers split their work into a fixed number of parts, so results never depend on how many
// threads ran them. Workers are started as code strings (eval), which works the same from the
// TypeScript sources (tsx, vitest) and from the bundle.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nativeAddon } from '../native/addon';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Kernel = (...args: any[]) => unknown;

/** Threads a layout may use: LAB_LAYOUT_THREADS, else the machine's cores, at most 8. */
export function layoutThreads(): number {
  const env = Number(process.env.LAB_LAYOUT_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 64);
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** The addon file the main thread loaded, for workers that multiply matrices (null: none). */
function addonFile(): string | null {
  if (!nativeAddon().addon) return null;
  if (process.env.LAB_NATIVE_PATH) return process.env.LAB_NATIVE_PATH;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'native', 'build', 'Release', 'lab_native.node');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** The identifier a function's source declares (bundlers may have renamed it; callers use that name). */
function declaredName(source: string): string {
  const m = /^function\s*\*?\s*([\w$]+)\s*\(/.exec(source);
  if (!m) throw new Error(`a kernel must be a function declaration: ${source.slice(0, 60)}`);
  return m[1];
}

const workerMain = `
const { parentPort, workerData } = require('node:worker_threads');
globalThis.__name = (f) => f; // bundlers that keep function names call this inside functions
let addon = null;
if (workerData.addon) { try { addon = require(workerData.addon); } catch { addon = null; } }
globalThis.labAddon = addon;
const kernels = {};
for (const [name, source] of workerData.kernels) kernels[name] = (0, eval)('(' + source + ')');
for (const [name, source] of workerData.kernels) globalThis[name] = kernels[name];
parentPort.on('message', (m) => {
  try {
    const value = m.parts ? m.parts.map((t) => kernels[t.kernel](...t.args)) : kernels[m.kernel](...m.args);
    parentPort.postMessage({ id: m.id, ok: true, value });
  } catch (err) {
    parentPort.postMessage({ id: m.id, ok: false, error: String(err && err.stack || err) });
  }
});
`;

export interface Task {
  kernel: string;
  args: unknown[];
}

/**
 * A set of kernels and the workers that run them. `run(tasks)` runs the first task on the calling
 * thread and the others on workers, all at once, and resolves with every result in task order.
 */
export class KernelPool {
  private readonly workers: Worker[] = [];
  private readonly byName = new Map<string, Kernel>();
  private next = 0;
  /** Whether every thread of the pool loaded the addon (kernels are told so: they must all choose alike). */
  readonly withAddon: boolean;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(kernels: Kernel[], workers: number, withAddon: boolean) {
    const sources = kernels.map((k) => {
      const source = k.toString();
      return [declaredName(source), source] as [string, string];
    });
    sources.forEach(([name], i) => this.byName.set(name, kernels[i]));
    const addon = withAddon ? addonFile() : null;
    this.withAddon = addon !== null;
    // kernels find the addon as a global on every thread (on workers, their own instance)
    (globalThis as { labAddon?: unknown }).labAddon = nativeAddon().addon;
    for (let w = 0; w < workers; w++) {
      const worker = new Worker(workerMain, { eval: true, workerData: { kernels: sources, addon } });
      worker.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.value);
        else p.reject(new Error(`layout worker: ${m.error}`));
      });
      worker.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
      this.workers.push(worker);
    }
  }

  /** Kernels on up to `threads` threads (the caller's included); `withAddon` loads the addon in each. */
  static create(kernels: Kernel[], threads = layoutThreads(), withAddon = false): KernelPool {
    return new KernelPool(kernels, Math.max(0, threads - 1), withAddon);
  }

  /** Threads that run tasks at once, the caller's included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** The kernel of this name as a function of the calling thread. */
  kernel(name: string): Kernel {
    const k = this.byName.get(name);
    if (!k) throw new Error(`no kernel ${name}`);
    return k;
  }

  private post(worker: Worker, task: Task): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, kernel: task.kernel, args: task.args });
    });
  }

  /**
   * Runs the tasks, at most `threads` at a time: task i on worker i − 1 (i ≥ 1) while the caller
   * runs task 0; more tasks than threads go round in waves.
   */
  async run(tasks: Task[]): Promise<unknown[]> {
    const results = new Array<unknown>(tasks.length);
    for (let start = 0; start < tasks.length; start += this.threads) {
      const wave = tasks.slice(start, start + this.threads);
      const remote = wave.slice(1).map((t, w) => this.post(this.workers[w], t).then((v) => (results[start + 1 + w] = v)));
      try {
        results[start] = this.kernel(wave[0].kernel)(...wave[0].args);
      } finally {
        // a failure on this thread still waits for the workers, so their data is not freed under them
        await Promise.allSettled(remote);
      }
      await Promise.all(remote);
    }
    return results;
  }

  /**
   * Runs every task once, the tasks dealt in contiguous runs to the threads (the caller takes the
   * first run), one message per thread: the tasks are parts of one phase of work, and only the
   * phase waits for all of them. Results come back in task order.
   */
  async runParts(tasks: Task[]): Promise<unknown[]> {
    const threads = Math.min(this.threads, tasks.length);
    const cut = (t: number) => Math.round((t * tasks.length) / threads);
    const remote = Array.from({ length: threads - 1 }, (_, w) => {
      const mine = tasks.slice(cut(w + 1), cut(w + 2));
      const id = this.next++;
      return new Promise<unknown[]>((resolve, reject) => {
        this.pending.set(id, { resolve: (v) => resolve(v as unknown[]), reject });
        this.workers[w].postMessage({ id, parts: mine.map((t) => ({ kernel: t.kernel, args: t.args })) });
      });
    });
    let local: unknown[];
    try {
      local = tasks.slice(0, cut(1)).map((t) => this.kernel(t.kernel)(...t.args));
    } finally {
      await Promise.allSettled(remote);
    }
    return [...local, ...(await Promise.all(remote)).flat()];
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/** A Float32Array on shared memory (copied from `from` when given). */
export function sharedF32(length: number, from?: ArrayLike<number>): Float32Array {
  const a = new Float32Array(new SharedArrayBuffer(Math.max(4, length * 4)), 0, length);
  if (from) a.set(from);
  return a;
}

export function sharedI32(length: number, from?: ArrayLike<number>): Int32Array {
  const a = new Int32Array(new SharedArrayBuffer(Math.max(4, length * 4)), 0, length);
  if (from) a.set(from);
  return a;
}

export function sharedF64(length: number, from?: ArrayLike<number>): Float64Array {
  const a = new Float64Array(new SharedArrayBuffer(Math.max(8, length * 8)), 0, length);
  if (from) a.set(from);
  return a;
}
