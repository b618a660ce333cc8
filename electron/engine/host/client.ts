// An EngineClient over any `call by name` and event stream: every method of the engine's API is a
// call by name (validated on the engine's side). Shared by the local EngineHost, the RemoteEngine
// and the EngineSwitch that picks between them.
import type { EngineClient, JobListener } from '../../../shared/api';

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

