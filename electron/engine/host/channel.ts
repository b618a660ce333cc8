// A link to one engine process: send a message, hear its messages and its end. Browser window
// mode and the CLI fork a Node child process; the Electron shell uses a utilityProcess (see
// electron/main/engine-channel.ts). Either way a native crash or an out-of-memory kills only the
// engine, never the window or the server holding the user's session.
import { fork } from 'node:child_process';
import type { EngineToHost, HostToEngine } from './protocol';

/** How the engine process ended. */
export interface EngineExit {
  code: number | null;
  signal: string | null;
  /** The last lines it wrote to stderr (a V8 out-of-memory report, a native library's last words). */
  stderr: string;
}

export interface EngineChannel {
  readonly pid: number | undefined;
  send(msg: HostToEngine): void;
  onMessage(fn: (msg: EngineToHost) => void): void;
  /** Called once, when the process has ended for whatever reason. */
  onExit(fn: (exit: EngineExit) => void): void;
  /** Ends the process (SIGTERM, then SIGKILL after a grace period); resolves once it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export type ChannelFactory = () => EngineChannel;

const STDERR_TAIL = 4096;

/**
 * glibc gives every thread that allocates its own malloc arena (up to 8 per core), and memory
 * freed in one is rarely handed back; DuckDB's and the addon's threads then hold tens of MB the
 * engine no longer uses, which counts against a small memory budget (a streamed 4,000,000-row
 * file peaked 24 MB lower with two arenas). Set for the engine process unless the user set it.
 */
export const engineMallocEnv = (): Record<string, string> => (process.env.MALLOC_ARENA_MAX ? {} : { MALLOC_ARENA_MAX: '2' });

/** Forks the built engine entry as a Node child process. */
export function forkChannel(entry: string, execArgv: string[] = [], env: Record<string, string> = {}): EngineChannel {
  const child = fork(entry, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    // no inspector or other flags of the parent: only what the entry needs (tsx for a .ts entry)
    execArgv,
    // uploads belong to this shell: they outlive an engine that crashed (see data/uploads.ts)
    env: { ...process.env, ...engineMallocEnv(), ...env, LAB_SHELL_PID: String(process.pid) },
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  let exited = false;
  const gone = new Promise<EngineExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      // the stderr pipe may still hold the last words: give it a moment to drain
      setTimeout(() => resolve({ code, signal, stderr: tail }), 20);
    });
  });
  // an IPC write to a dead child must not throw in the shell
  child.on('error', () => {});
  return {
    pid: child.pid,
    send(msg) {
      if (!exited && child.connected) child.send(msg);
    },
    onMessage(fn) {
      child.on('message', (m) => fn(m as EngineToHost));
    },
    onExit(fn) {
      void gone.then(fn);
    },
    async kill(signal = 'SIGTERM') {
      if (exited) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Plain words for how the engine ended. */
export function describeExit(exit: EngineExit): string {
  if (/heap out of memory|Allocation failed|out of memory/i.test(exit.stderr)) return 'it ran out of memory';
  switch (exit.signal) {
    case 'SIGSEGV':
    case 'SIGBUS':
      return `it crashed in native code (${exit.signal})`;
    case 'SIGILL':
      return 'it crashed on an instruction this processor does not have (SIGILL)';
    case 'SIGABRT':
      return 'it aborted (SIGABRT)';
    case 'SIGKILL':
      return 'it was killed (SIGKILL, often the system running out of memory)';
    case null:
      return exit.code === 0 ? 'it exited' : `it exited with code ${exit.code}`;
    default:
      return `it was stopped by ${exit.signal}`;
  }
}
