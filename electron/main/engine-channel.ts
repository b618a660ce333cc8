// The engine in an Electron utilityProcess: a separate OS process (a native crash or an
// out-of-memory there leaves the window and the user's session alive), spoken to over its
// structured-clone message port.
import { utilityProcess } from 'electron';
import { engineMallocEnv, type EngineChannel, type EngineExit } from '../engine/host/channel';
import type { EngineToHost } from '../engine/host/protocol';

export function utilityChannel(entry: string): EngineChannel {
  const child = utilityProcess.fork(entry, [], {
    serviceName: 'Latent Lab engine',
    stdio: ['ignore', 'inherit', 'pipe'],
    // uploads belong to this shell: they outlive an engine that crashed (see data/uploads.ts)
    env: { ...process.env, ...engineMallocEnv(), LAB_SHELL_PID: String(process.pid) },
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  });
  let exited = false;
  const gone = new Promise<EngineExit>((resolve) => {
    child.once('exit', (code) => {
      exited = true;
      // utilityProcess reports a crash as a non-zero code; the signal is not given separately
      resolve({ code, signal: null, stderr: tail });
    });
  });
  return {
    get pid() {
      return child.pid;
    },
    send(msg) {
      if (!exited) child.postMessage(msg);
    },
    onMessage(fn) {
      child.on('message', (m: unknown) => fn(m as EngineToHost));
    },
    onExit(fn) {
      void gone.then(fn);
    },
    async kill() {
      if (exited) return;
      child.kill();
      await gone;
    },
  };
}
