// The engine process's entry: one long-lived Engine answering calls from EngineHost, over
// Electron's utilityProcess port or a Node child process's IPC channel. It runs at a lower
// priority so the window keeps painting while training uses every core.
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { toLabError } from '../../../shared/api';
import { Engine } from '../engine';
import { installPathPolicy } from '../files/roots';
import type { EngineToHost, HostToEngine } from './protocol';

interface Port {
  send(msg: EngineToHost): void;
  onMessage(fn: (msg: HostToEngine) => void): void;
}

/** Electron's utility process has process.parentPort; a forked Node child has process.send. */
function parentPort(): Port {
  const electronPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', fn: (e: { data: unknown }) => void): void } }).parentPort;
  if (electronPort) {
    return {
      send: (msg) => electronPort.postMessage(msg),
      onMessage: (fn) => electronPort.on('message', (e) => fn(e.data as HostToEngine)),
    };
  }
  if (process.send) {
    const send = process.send.bind(process);
    return {
      send: (msg) => {
        if (process.connected) send(msg);
      },
      onMessage: (fn) => process.on('message', (m) => fn(m as HostToEngine)),
    };
  }
  throw new Error('engine-process.ts must be started by EngineHost');
}

/** Lowers every thread of this process (on Linux a nice value is per thread). */
function lowerPriority(): void {
  const nice = Number(process.env.LAB_ENGINE_NICE ?? 10);
  if (process.env.LAB_ENGINE_NICE === '0' || !Number.isFinite(nice)) return;
  try {
    if (process.platform === 'linux') {
      for (const tid of readdirSync('/proc/self/task')) setPriority(Number(tid), nice);
    } else {
      setPriority(nice);
    }
  } catch {
    // not permitted (e.g. a sandbox): run at normal priority
  }
}

lowerPriority();
// an engine serving remote clients (lab serve) uses only paths inside the folders it serves
installPathPolicy();
const port = parentPort();
const engine = new Engine();
engine.onEvent((event) => port.send({ kind: 'event', event }));

port.onMessage(async (msg) => {
  if (msg?.kind !== 'call') return;
  try {
    const value = await engine.call(msg.method, msg.args);
    port.send({ kind: 'result', id: msg.id, ok: true, value });
  } catch (err) {
    port.send({ kind: 'result', id: msg.id, ok: false, error: toLabError(err) });
  }
});

// the shell went away (quit, crash) or ends us: exit cleanly (exit hooks run)
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
port.send({ kind: 'ready', pid: process.pid });
