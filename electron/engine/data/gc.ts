// DuckDB result chunks own native memory that V8 cannot see: the JS wrapper is tiny, so V8 feels no
// pressure to collect it, and a 1M-row read piles up hundreds of MB of dead chunks before the next
// GC. Streaming readers call nudgeGc() every few dozen chunks to free them as they go.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

let gcFunction: GcFunction | null | undefined;

function loadGc(): GcFunction | null {
  const existing = (globalThis as { gc?: GcFunction }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as GcFunction;
  } catch {
    return null;
  }
}

/** A young-generation collection (cheap: the chunk wrappers die young). No-op where unavailable. */
export function nudgeGc(): void {
  if (gcFunction === undefined) gcFunction = loadGc();
  gcFunction?.({ type: 'minor', execution: 'sync' });
}
