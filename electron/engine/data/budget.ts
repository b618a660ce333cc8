// The memory budget: how much memory opening a file or building a model may take. Loaders estimate
// what they will need from headers, file sizes and specs, and refuse BEFORE allocating when the
// estimate is over the budget, with the estimate, the budget and what to do. The user sees the
// budget (and can raise it with LAB_MEMORY_BUDGET_MB) instead of meeting an out-of-memory crash.
import { totalmem } from 'node:os';
import { basename } from 'node:path';
import { LabFailure } from '../../../shared/api';

export const BUDGET_ENV = 'LAB_MEMORY_BUDGET_MB';

export interface MemoryBudget {
  bytes: number;
  /** 'env': LAB_MEMORY_BUDGET_MB; 'default': half of the memory this process may use. */
  source: 'env' | 'default';
  /** How the figure was reached, for messages and the UI. */
  description: string;
}

/** Bytes as people read them: 812 KB, 3.2 GB (powers of 1024, one decimal under 10). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return 'an unbounded amount';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)} bytes`;
  return `${v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} ${units[u]}`;
}

/** The memory this process may use: the machine's, or less when a container limit says so. */
function availableMemory(): number {
  const total = totalmem();
  const limited = (process as { constrainedMemory?: () => number }).constrainedMemory?.() ?? 0;
  return limited > 0 && limited < total ? limited : total;
}

/** The budget now (read on every call, so a changed environment takes effect at once). */
export function memoryBudget(): MemoryBudget {
  const raw = process.env[BUDGET_ENV]?.trim();
  if (raw) {
    const mb = Number(raw);
    if (!Number.isFinite(mb) || mb <= 0) {
      throw new LabFailure('bad-setting', `${BUDGET_ENV} is "${raw.slice(0, 40)}", which is not a number of megabytes.`,
        `Set ${BUDGET_ENV} to a whole number of MB (e.g. ${BUDGET_ENV}=8192), or unset it to use half of this computer's memory.`);
    }
    return { bytes: Math.round(mb * 2 ** 20), source: 'env', description: `set by ${BUDGET_ENV}=${raw}` };
  }
  const memory = availableMemory();
  return { bytes: Math.floor(memory / 2), source: 'default', description: `half of the ${formatBytes(memory)} of memory here` };
}

export const RAISE_BUDGET = `raise the memory budget with the environment variable ${BUDGET_ENV} (in MB)`;
const DEFAULT_TODO = `Open a smaller file (fewer rows or columns, e.g. a sample of it), or, if this computer has the memory, ${RAISE_BUDGET}.`;

/**
 * A refusal: `subject` needs about `bytes` for `what`, over the budget. The message starts with
 * the subject (a file name) like every other file failure.
 */
export function tooBig(subject: string, bytes: number, what: string, todo = DEFAULT_TODO, budget = memoryBudget()): LabFailure {
  return new LabFailure('too-big',
    `${subject}: would need about ${formatBytes(bytes)} of memory (${what}), more than the memory budget of ${formatBytes(budget.bytes)} (${budget.description}).`,
    todo);
}

/**
 * Throws a 'too-big' failure naming the file when `bytes` (an estimate; NaN and Infinity count as
 * too much) is over the budget. Call it before allocating anything of that size.
 */
export function checkMemory(file: string, bytes: number, what: string, todo?: string): void {
  const budget = memoryBudget();
  if (!(bytes <= budget.bytes)) throw tooBig(basename(file), bytes, what, todo, budget);
}

/** Memory overhead per table column beyond its values (objects, names, statistics, one-hot maps). */
export const COLUMN_OVERHEAD = 2048;

/**
 * What holding a dataset of `values` numbers takes: the values as read (`rawBytesPerValue` each,
 * usually held twice while they are reshaped into columns or pixels), the float32 train/test
 * matrices prepared from them, and `columns` column structures.
 */
export function datasetBytes(values: number, rawBytesPerValue: number, columns = 0): number {
  return values * (2 * rawBytesPerValue + 4) + columns * COLUMN_OVERHEAD;
}

/** "5 × 30,000,000 float32 values" */
export function describeShape(shape: number[], dtype: string): string {
  return `${shape.map((s) => s.toLocaleString('en-US')).join(' × ')} ${dtype} values`;
}
