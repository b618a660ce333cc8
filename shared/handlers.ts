// One handler per callable LabApi method, shared by Electron's ipcMain binding and the loopback
// server. Cross-cutting behaviour (validation, error values) is a wrapper, not code in each handler.
import { callableMethods, engineMethods, toLabError, type CallableMethod, type EngineApi, type ShellApi } from './api';
import { validateCall } from './schemas';
import type { LabError } from './types';

export type CallReply = { ok: true; value: unknown } | { ok: false; error: LabError };

export type Dispatch = (method: unknown, args: unknown) => Promise<CallReply>;

/**
 * Builds the dispatcher: validates the method name and arguments against shared/schemas, calls the
 * engine or the shell, and turns every failure into a LabError value (never a stack trace).
 */
export function createDispatch(engine: EngineApi, shell: ShellApi, log?: (line: string) => void): Dispatch {
  const table = new Map<CallableMethod, (args: unknown[]) => Promise<unknown>>();
  const engineSet = new Set<string>(engineMethods);
  for (const m of callableMethods) {
    const target = (engineSet.has(m) ? engine : shell) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    table.set(m, (args) => target[m](...args));
  }
  return async (method, args) => {
    try {
      const call = validateCall(method, args);
      return { ok: true, value: await table.get(call.method)!(call.args) };
    } catch (err) {
      const error = toLabError(err);
      log?.(`call ${String(method).slice(0, 40)} failed: ${error.code}: ${error.message}`);
      return { ok: false, error };
    }
  };
}
