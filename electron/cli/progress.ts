// How `lab` runs engine jobs: to completion, with a progress bar on an interactive stderr (nothing
// when stderr is a pipe or a file, so --json output and logs stay clean). Commands see the engine
// only through its API (methods + job events), whichever way it is served.
import type { EngineApi, JobEvent, JobKind, JobResults } from '../../shared/api';
import type { JobId } from '../../shared/types';
import { awaitJob, type JobSource } from '../engine/session/await-job';

/** The engine as a command uses it: the API methods and the job events. */
export type CliEngine = EngineApi & JobSource;

const interactive = process.stderr.isTTY === true;
const BAR = 24;

/** One status line on an interactive stderr ('' clears it). */
export function status(line: string): void {
  if (!interactive) return;
  const width = Math.max(20, (process.stderr.columns || 80) - 1);
  process.stderr.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
}

/** `[██████░░░░░░]  42% message` */
export function progressBar(fraction: number, message: string): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * BAR);
  return `[${'█'.repeat(full)}${'░'.repeat(BAR - full)}] ${String(Math.round(f * 100)).padStart(3)}% ${message}`;
}

/** Runs one engine job to completion, drawing its progress on an interactive stderr. */
export function runJob<K extends JobKind>(engine: JobSource, kind: K, start: Promise<JobId>): Promise<JobResults[K]> {
  const shown = (e: JobEvent) => {
    if (e.type === 'progress') status(progressBar(e.fraction, e.message));
  };
  return awaitJob(engine, kind, start, shown).finally(() => status(''));
}
