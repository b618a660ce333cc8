// The engine in-process: one session and every API method, with no Electron and no DOM. The
// engine process (host/worker.ts) serves it to the app; the CLI, the benchmark and the tests call
// it directly. Every call, from anywhere, is validated against its method's schema first.
import * as tf from '@tensorflow/tfjs-core';
import type { EngineApi, JobListener } from '../../shared/api';
import type { DatasetId, RunId } from '../../shared/types';
import { engineHandlers, engineMethods, validateCall } from './api';
import type { Dataset } from './data/dataset';
import type { Model } from './models/model';
import type { Method } from './session/define';
import { Session } from './session/session';

export interface Engine extends EngineApi {}

export class Engine {
  readonly session = new Session();

  constructor() {
    const self = this as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const m of engineMethods) self[m] = (...args: unknown[]) => this.call(m, args);
  }

  /** One call by name, as a transport delivers it: validated, then handled. */
  async call(method: unknown, args: unknown): Promise<unknown> {
    const call = validateCall(method, args);
    // the run list is rebuilt from disk once, before the first call is answered
    await this.session.runs.restore();
    const handler = engineHandlers[call.method] as Method;
    return handler.run(this.session, ...call.args);
  }

  onEvent(listener: JobListener): () => void {
    return this.session.onEvent(listener);
  }

  /** The engine-side dataset, for in-process callers (CLI, bench, tests). */
  dataset(id: DatasetId): Dataset {
    return this.session.dataset(id);
  }

  /** For in-process callers (CLI, tests): a run's model. */
  runModel(id: RunId): Model {
    return this.session.runs.model(id);
  }

  /** For tests: live tensors on the backend. */
  tensorCount(): number {
    return tf.memory().numTensors;
  }
}
