// The dispatcher shared by Electron's ipcMain binding and the loopback server: a call by name goes
// to the shell (its three methods, validated here) or to the engine (validated there, against the
// method's schema in its handler map). Every failure becomes a LabError value, never a stack trace.
import { LabFailure, toLabError, type EngineClient, type ShellApi } from './api';
import { isShellMethod, validateShellCall } from './schemas';
import type { LabError } from './types';

export type CallReply = { ok: true; value: unknown } | { ok: false; error: LabError };

export type Dispatch = (method: unknown, args: unknown) => Promise<CallReply>;

export function createDispatch(engine: Pick<EngineClient, 'call'>, shell: ShellApi, log?: (line: string) => void): Dispatch {
  return async (method, args) => {
    try {
      if (isShellMethod(method)) {
        const checked = validateShellCall(method, args);
        const fn = shell[method] as (...a: unknown[]) => Promise<unknown>;
        return { ok: true, value: await fn.apply(shell, checked) };
      }
      const name = typeof method === 'string' ? method.slice(0, 100) : String(method).slice(0, 100);
      if (!Array.isArray(args)) throw new LabFailure('bad-request', `Malformed ${name} request: the arguments must be a list.`);
      return { ok: true, value: await engine.call(name, args) };
    } catch (err) {
      const error = toLabError(err);
      log?.(`call ${String(method).slice(0, 40)} failed: ${error.code}: ${error.message}`);
      return { ok: false, error };
    }
  };
}
