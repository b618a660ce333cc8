// The memory budget: how much memory opening a file or building a model may take. Loaders estimate
// what they will need from headers, file sizes and specs, and refuse BEFORE allocating when the
// estimate is over the budget, with the estimate, the budget and what to do; a table in Parquet,
// CSV or JSON over the budget opens streamed instead (../stream/). The user sees the budget and
// sets it: in the app (kept in the user data folder), with `lab --memory-budget MB` for one
// command, or with LAB_MEMORY_BUDGET_MB; else it is half of this computer's memory.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { LabFailure } from '../../../shared/api';
import { budgetProblem, MAX_BUDGET_MB, MIN_BUDGET_MB } from '../../../shared/budget';
import { userDataDir } from '../core/paths';
import { formatBytes } from '../../../shared/bytes';

export { formatBytes };

export const BUDGET_ENV = 'LAB_MEMORY_BUDGET_MB';
export { MAX_BUDGET_MB, MIN_BUDGET_MB } from '../../../shared/budget';

export interface MemoryBudget {
  bytes: number;
  /**
   * 'set': set for this engine (the app's setting as it changes, `lab --memory-budget`);
   * 'env': LAB_MEMORY_BUDGET_MB; 'saved': the app's setting kept in the user data folder;
   * 'default': half of the memory this process may use.
   */
  source: 'set' | 'env' | 'saved' | 'default';
  /** How the figure was reached, for messages and the UI. */
  description: string;
}


/** The memory this process may use: the machine's, or less when a container limit says so. */
function availableMemory(): number {
  const total = totalmem();
  const limited = (process as { constrainedMemory?: () => number }).constrainedMemory?.() ?? 0;
  return limited > 0 && limited < total ? limited : total;
}

/** The memory this computer (or container) gives this process. */
export const machineMemory = availableMemory;

/** The budget set for this engine (setMemoryBudget), in MB; null = none. */
let setMb: number | null = null;
/** The saved setting, read once from the settings file (undefined: not read yet). */
let savedMb: number | null | undefined;

const settingsPath = () => join(userDataDir(), 'settings.json');

function readSettings(): Record<string, unknown> {
  try {
    const v = JSON.parse(readFileSync(settingsPath(), 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A number of MB the engine accepts, else null. */
export function validBudgetMb(mb: unknown): mb is number {
  return typeof mb === 'number' && Number.isFinite(mb) && mb >= MIN_BUDGET_MB && mb <= MAX_BUDGET_MB;
}

function saved(): number | null {
  if (savedMb === undefined) {
    const v = readSettings().memoryBudgetMB;
    savedMb = validBudgetMb(v) ? v : null;
  }
  return savedMb;
}

/**
 * Sets the budget for this engine (`mb` null: back to the saved setting, the environment or the
 * default). `save` also keeps it in the user data folder for the next start (the app's setting);
 * the command line's --memory-budget does not.
 */
export function setMemoryBudget(mb: number | null, save: boolean): void {
  const problem = mb === null ? null : budgetProblem(mb);
  if (problem) throw new LabFailure('bad-setting', problem, `Give a number of MB from ${MIN_BUDGET_MB} to ${MAX_BUDGET_MB.toLocaleString('en-US')}.`);
  setMb = mb === null ? null : Math.round(mb);
  if (!save) return;
  const settings: Record<string, unknown> = { ...readSettings(), memoryBudgetMB: setMb };
  if (setMb === null) delete settings.memoryBudgetMB;
  try {
    mkdirSync(userDataDir(), { recursive: true });
    const tmp = `${settingsPath()}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, settingsPath());
  } catch (err) {
    throw new LabFailure('not-writable', `The memory budget could not be kept in ${settingsPath()} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
      'It applies until the engine restarts; check that the user data folder can be written.');
  }
  savedMb = setMb;
}

/** Forgets what was set and read (tests start each case from the environment and the file). */
export function resetMemoryBudget(): void {
  setMb = null;
  savedMb = undefined;
}

/** The budget now (read on every call, so a changed environment takes effect at once). */
export function memoryBudget(): MemoryBudget {
  if (setMb !== null) return { bytes: setMb * 2 ** 20, source: 'set', description: `set to ${setMb.toLocaleString('en-US')} MB` };
  const raw = process.env[BUDGET_ENV]?.trim();
  if (raw) {
    const mb = Number(raw);
    if (!Number.isFinite(mb) || mb <= 0) {
      throw new LabFailure('bad-setting', `${BUDGET_ENV} is "${raw.slice(0, 40)}", which is not a number of megabytes.`,
        `Set ${BUDGET_ENV} to a whole number of MB (e.g. ${BUDGET_ENV}=8192), or unset it to use half of this computer's memory.`);
    }
    return { bytes: Math.round(mb * 2 ** 20), source: 'env', description: `set by ${BUDGET_ENV}=${raw}` };
  }
  const kept = saved();
  if (kept !== null) return { bytes: kept * 2 ** 20, source: 'saved', description: `set to ${kept.toLocaleString('en-US')} MB in the settings` };
  const memory = availableMemory();
  return { bytes: Math.floor(memory / 2), source: 'default', description: `half of the ${formatBytes(memory)} of memory here` };
}

export const RAISE_BUDGET = `raise the memory budget (the Memory budget setting in the Data panel, lab --memory-budget MB, or ${BUDGET_ENV})`;
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
