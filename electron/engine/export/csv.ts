// Writing embeddings (CSV `id,label,z1..zk`), the comparison table, generated samples and anomaly
// scores to disk, atomically (temp file in the same folder, then rename).
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { LabFailure } from '../../../shared/api';
import type { AnomalyResult } from '../../../shared/anomalies';
import type { GeneratedSamples } from '../../../shared/generation';
import type { EmbeddingData, ExportResult, MetricsTable } from '../../../shared/types';
import { noteWritten } from '../files/written';
import { f32String } from './numbers';

/** Quotes a CSV field when it needs it (RFC 4180). */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function embeddingColumns(e: Pick<EmbeddingData, 'dims' | 'labels'>): string[] {
  return ['id', ...(e.labels ? ['label'] : []), ...Array.from({ length: e.dims }, (_, i) => `z${i + 1}`)];
}

/** Writes text or byte chunks to `path` via a temp file + rename, so readers never see half a file. */
export async function writeFileAtomic(path: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
  const dir = dirname(path);
  const dirInfo = await stat(dir).catch(() => null);
  if (!dirInfo?.isDirectory()) {
    throw new LabFailure('no-such-folder', `Cannot save ${basename(path)}: the folder ${dir} does not exist.`, 'Pick an existing folder.');
  }
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  let fh;
  try {
    fh = await open(tmp, 'wx');
  } catch (err) {
    throw new LabFailure('not-writable', `Cannot write to ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`, 'Pick a folder you can write to.');
  }
  try {
    let buf = '';
    for (const c of chunks) {
      if (typeof c !== 'string') {
        if (buf) await fh.write(buf);
        buf = '';
        await fh.writeFile(c); // loops until every byte is written
        continue;
      }
      buf += c;
      if (buf.length > 1 << 20) {
        await fh.write(buf);
        buf = '';
      }
    }
    await fh.write(buf);
    await fh.sync();
    await fh.close();
    fh = null;
    await rename(tmp, path);
    await noteWritten(path);
  } catch (err) {
    await fh?.close().catch(() => {});
    await rm(tmp, { force: true });
    if (err instanceof LabFailure) throw err;
    throw new LabFailure('write-failed', `Saving ${basename(path)} failed: ${(err as Error).message}`, 'Check free disk space and permissions, then try again.');
  }
}

function* embeddingRows(e: EmbeddingData): Generator<string> {
  yield `${embeddingColumns(e).join(',')}\n`;
  const k = e.dims;
  for (let i = 0; i < e.rows; i++) {
    let line = String(e.rowIds[i]);
    if (e.labels) {
      const l = e.labels[i];
      line += `,${l >= 0 && e.labelNames ? csvField(e.labelNames[l]) : ''}`;
    }
    for (let j = 0; j < k; j++) line += `,${f32String(e.coords[i * k + j])}`;
    yield `${line}\n`;
  }
}

export async function writeEmbeddingCsv(path: string, e: EmbeddingData): Promise<ExportResult> {
  await writeFileAtomic(path, embeddingRows(e));
  return { path, rows: e.rows, columns: embeddingColumns(e) };
}

/** Columns of the comparison table CSV, in order, with the MetricsRow field each comes from. */
const metricsColumns = [
  ['name', 'name'],
  ['method', 'method'],
  ['dims', 'dims'],
  ['mse', 'mse'],
  ['knn_accuracy', 'knnAccuracy'],
  ['trustworthiness', 'trustworthiness'],
  ['continuity', 'continuity'],
  ['silhouette', 'silhouette'],
  ['explained_variance', 'explainedVariance'],
  ['neg_elbo', 'negElbo'],
  ['seconds', 'seconds'],
  ['title', 'title'],
] as const;

function* metricsLines(table: MetricsTable): Generator<string> {
  yield `${metricsColumns.map(([c]) => c).join(',')}\n`;
  for (const row of table.rows) {
    // empty cell = not applicable (e.g. no reconstruction for UMAP)
    yield `${metricsColumns.map(([, f]) => (row[f] === null ? '' : csvField(String(row[f])))).join(',')}\n`;
  }
}

export async function writeMetricsCsv(path: string, table: MetricsTable): Promise<ExportResult> {
  await writeFileAtomic(path, metricsLines(table));
  return { path, rows: table.rows.length, columns: metricsColumns.map(([c]) => c) };
}

/** Generated samples: the latent point (z1…zk) and the decoded features in the user's units. */
export async function writeSamplesCsv(path: string, s: GeneratedSamples): Promise<ExportResult> {
  const columns = [...Array.from({ length: s.latent }, (_, i) => `z${i + 1}`), ...s.featureNames];
  const d = s.features;
  function* lines(): Generator<string> {
    yield `${columns.map(csvField).join(',')}\n`;
    for (let i = 0; i < s.samples.rows; i++) {
      const z = Array.from(s.points.subarray(i * s.latent, (i + 1) * s.latent), String);
      const x = Array.from(s.samples.original.subarray(i * d, (i + 1) * d), (v) => String(Number(v.toPrecision(7))));
      yield `${[...z, ...x].join(',')}\n`;
    }
  }
  await writeFileAtomic(path, lines());
  return { path, rows: s.samples.rows, columns };
}

/** Anomaly scores: `id, label, is_anomaly, <one column per score>` (label / is_anomaly only when known). */
export async function writeAnomalyCsv(path: string, r: AnomalyResult, labelNames: string[] | null): Promise<ExportResult> {
  const withLabel = r.labels !== null && labelNames !== null;
  const columns = ['id', ...(withLabel ? ['label'] : []), ...(r.truth ? ['is_anomaly'] : []), ...r.methods.map((m) => m.key)];
  function* lines(): Generator<string> {
    yield `${columns.join(',')}\n`;
    for (let i = 0; i < r.rows; i++) {
      let line = String(r.rowIds[i]);
      if (withLabel) line += `,${r.labels![i] >= 0 ? csvField(labelNames![r.labels![i]]) : ''}`;
      if (r.truth) line += `,${r.truth[i] < 0 ? '' : r.truth[i]}`;
      for (const m of r.methods) line += `,${m.scores[i]}`;
      yield `${line}\n`;
    }
  }
  await writeFileAtomic(path, lines());
  return { path, rows: r.rows, columns };
}
