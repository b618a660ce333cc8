// Messages between EngineHost (the shell's side) and the engine process. Both ends use structured
// cloning (child_process 'advanced' serialization, Electron's utilityProcess), so typed arrays
// travel as typed arrays.
import type { LabEvent } from '../../../shared/api';
import type { LabError } from '../../../shared/types';

export type HostToEngine = { kind: 'call'; id: number; method: string; args: unknown[] };

export type EngineToHost =
  | { kind: 'ready'; pid: number }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: LabError }
  | { kind: 'event'; event: LabEvent };
