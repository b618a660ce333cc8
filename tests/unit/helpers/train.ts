// Small synthetic data and job plumbing for the training tests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobEvent, JobKind, JobResults } from '../../../shared/api';
import type { JobId } from '../../../shared/types';
import { asData, type Split } from '../../../electron/engine/data/dataset';
import { awaitJob } from '../../../electron/engine/session/await-job';
import type { Engine } from '../../../electron/engine/engine';
import { mulberry32 } from '../../../electron/engine/core/random';

/** n rows of d binary features around `k` random prototypes (each bit flipped with p = 0.1). */
export function binaryClusters(n: number, d: number, seed = 5, k = 3): { x: Float32Array; labels: Int32Array } {
  const rand = mulberry32(seed);
  const protos = Array.from({ length: k }, () => Array.from({ length: d }, () => (rand() < 0.5 ? 1 : 0)));
  const x = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    labels[i] = c;
    for (let j = 0; j < d; j++) x[i * d + j] = rand() < 0.1 ? 1 - protos[c][j] : protos[c][j];
  }
  return { x, labels };
}

export function toSplit(x: Float32Array, labels: Int32Array | null, d: number): Split {
  const n = x.length / d;
  return { x: asData(x), n, labels, rowIds: Int32Array.from({ length: n }, (_, i) => i) };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `lab-${prefix}-`));
}

/** Writes a CSV of numeric features f1..fd (+ a label column) and returns its path. */
export function writeCsv(dir: string, name: string, x: Float32Array, d: number, labels: Int32Array | null, names?: string[]): string {
  const header = [...(names ?? Array.from({ length: d }, (_, j) => `f${j + 1}`)), ...(labels ? ['label'] : [])];
  const lines = [header.join(',')];
  for (let i = 0; i < x.length / d; i++) {
    const row = Array.from(x.subarray(i * d, (i + 1) * d), (v) => String(v));
    if (labels) row.push(`c${labels[i]}`);
    lines.push(row.join(','));
  }
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Runs one engine job to its end; rejects with the job's LabFailure (or code 'cancelled'). */
export function runJob<K extends JobKind>(engine: Engine, kind: K, start: Promise<JobId>, onEvent?: (e: JobEvent, jobId: JobId) => void): Promise<JobResults[K]> {
  return awaitJob(engine, kind, start, onEvent);
}
