// Worker thread entry: one long-lived Engine answering calls from EngineHost.
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { toLabError } from '../../../shared/api';
import { Engine } from '../engine';
import { withTransferables, type HostToWorker, type WorkerToHost } from './protocol';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

// Training uses every core; the window must still paint while it runs. On Linux a nice value is
// per thread, so this lowers the engine thread (and the compute threads it starts) only, not the
// Electron main process or the server beside it. Elsewhere it would lower the whole process: skip.
if (process.platform === 'linux' && process.env.LAB_ENGINE_NICE !== '0') {
  try {
    setPriority(Number(process.env.LAB_ENGINE_NICE ?? 10));
  } catch {
    // not permitted (e.g. a sandbox): run at normal priority
  }
}

const engine = new Engine();
const post = (msg: WorkerToHost, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

engine.onEvent((event) => post({ kind: 'event', event }));

port.on('message', async (msg: HostToWorker) => {
  if (msg?.kind !== 'call') return;
  try {
    const result = await engine.call(msg.method, msg.args);
    const { value, transfer } = withTransferables(result);
    post({ kind: 'result', id: msg.id, ok: true, value }, transfer);
  } catch (err) {
    post({ kind: 'result', id: msg.id, ok: false, error: toLabError(err) });
  }
});

post({ kind: 'ready' });
