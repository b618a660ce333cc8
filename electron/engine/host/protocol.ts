// Messages between EngineHost (main side) and the engine worker.
import type { JobEvent } from '../../../shared/api';
import type { LabError } from '../../../shared/types';

export type HostToWorker = { kind: 'call'; id: number; method: string; args: unknown[] };

export type WorkerToHost =
  | { kind: 'ready' }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: LabError }
  | { kind: 'event'; event: JobEvent };

/**
 * Copies every typed array inside `value` and lists the copies' buffers, so a message can transfer
 * them without detaching arrays the sender keeps.
 */
export function withTransferables<T>(value: T): { value: T; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const walk = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const copy = (v as unknown as { slice(): ArrayBufferView }).slice();
      transfer.push(copy.buffer as ArrayBuffer);
      return copy;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return { value: walk(value) as T, transfer };
}
