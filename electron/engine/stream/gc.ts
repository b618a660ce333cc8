// Garbage collection between chunks of a streamed dataset under a small budget. Each chunk leaves
// a few megabytes of dead typed arrays (rows read from DuckDB, their copy on the backend); V8
// collects them only once about 64 MB of such memory has piled up, which alone would take most of
// a 100 MB budget. A collection per chunk (a few milliseconds: the heap is small) keeps the
// resident memory near what is live. V8's own gc() is reached without a command-line flag.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { memoryBudget } from '../data/budget';

/** Budgets under this collect after every chunk. */
const SMALL_BUDGET = 2 ** 30;

let gc: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  return gc;
}

/** Collects garbage now when the budget is small (else V8 decides as usual). */
export function collectBetweenChunks(): void {
  if (memoryBudget().bytes < SMALL_BUDGET) collector()?.();
}
