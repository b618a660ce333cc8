// The .latentlab workspace file: one file holding a session's work — the datasets (where they came
// from, the settings they were opened with, a content hash), every computed embedding with its
// coordinates (a 4-minute t-SNE is never recomputed), the comparison table rows, anomaly results,
// the runs with their models, and the window's views per dataset. Layout: a magic line, then one
// message in the wire format (shared/wire.ts: a JSON header with typed arrays as aligned binary
// blocks). Versioned and checked on read: a damaged part is left out with a note, the rest opens.
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { LabFailure, type DatasetSource } from '../../../shared/api';
import type { AnomalyResult } from '../../../shared/anomalies';
import type { DatasetId, EmbeddingData, LatentMatrix, MetricsRow, OpenOptions, ReconMethod, RunSummary } from '../../../shared/types';
import { decodeMessage, encodeMessage } from '../../../shared/wire';
import type { Fingerprint } from '../data/identity';
import type { DataSchema } from '../models/model-input';

export const WORKSPACE_FORMAT = 'latent-lab-workspace';
export const WORKSPACE_VERSION = 1;
const MAGIC = Buffer.from('LATENTLAB-WORKSPACE\n', 'latin1');
/** A workspace larger than this is refused before it is read (embeddings and models are megabytes). */
const MAX_BYTES = 4 * 2 ** 30;

export interface SavedEmbedding {
  data: EmbeddingData;
  train: LatentMatrix | null;
  recon: ReconMethod | null;
  score: MetricsRow | null;
}

export interface SavedDataset {
  id: DatasetId;
  name: string;
  source: DatasetSource;
  options: OpenOptions;
  /** Files only: path, size and content hash when saved (a moved or edited file is asked for again). */
  fingerprint: Fingerprint | null;
  rows: number;
  features: number;
  embeddings: SavedEmbedding[];
  anomalies: AnomalyResult[];
  /** The window's view of this dataset (views shown, colouring, selection…), as the window gave it. */
  view: unknown;
}

export interface SavedModel {
  /** model.json's text and the weights file it names. */
  json: string;
  weightsName: string;
  weights: Uint8Array;
}

export interface SavedRun {
  summary: RunSummary;
  schema: DataSchema;
  model: SavedModel | null;
}

export interface WorkspaceFile {
  format: typeof WORKSPACE_FORMAT;
  version: number;
  savedAt: string;
  savedBy: string;
  /** The dataset on screen when saved, and the panel. */
  active: DatasetId | null;
  panel: string | null;
  datasets: SavedDataset[];
  runs: SavedRun[];
}

export function encodeWorkspace(ws: WorkspaceFile): Uint8Array[] {
  const body = encodeMessage(ws);
  // kind byte: 0 = JSON text (nothing binary), 1 = wire message with binary blocks
  return typeof body === 'string'
    ? [MAGIC, Uint8Array.of(0), new TextEncoder().encode(body)]
    : [MAGIC, Uint8Array.of(1), body];
}

const typed = <T>(ctor: new (...a: never[]) => T) => z.custom<T>((v) => v instanceof ctor, `expected a ${ctor.name}`);
const idText = z.string().min(1).max(200);

const embeddingSchema = z.object({
  data: z.object({
    id: idText,
    datasetId: idText,
    method: z.string(),
    runId: idText.nullable(),
    title: z.string(),
    rows: z.number().int().min(0),
    dims: z.number().int().min(1).max(4096),
    coords: typed(Float32Array),
    labels: typed(Int32Array).nullable(),
    rowIds: typed(Int32Array),
  }).passthrough().refine((d) => d.coords.length === d.rows * d.dims && d.rowIds.length === d.rows && (!d.labels || d.labels.length === d.rows),
    'coordinates, row ids and labels do not match the row count'),
  train: typed(Float32Array).nullable(),
  recon: z.unknown().nullable(),
  score: z.unknown().nullable(),
});

const anomalySchema = z.object({
  id: idText,
  datasetId: idText,
  rows: z.number().int().min(0),
  rowIds: typed(Int32Array),
  methods: z.array(z.object({ key: z.string(), scores: typed(Float32Array) }).passthrough()),
}).passthrough().refine((a) => a.rowIds.length === a.rows && a.methods.every((m) => m.scores.length === a.rows), 'scores do not match the row count');

const datasetSchema = z.object({
  id: idText,
  name: z.string(),
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('builtin'), name: z.string().min(1).max(100) }),
    z.object({ kind: z.literal('file'), path: z.string().min(1).max(4096) }),
  ]),
  options: z.record(z.string(), z.unknown()),
  fingerprint: z.object({ path: z.string(), size: z.number(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).nullable(),
  rows: z.number(),
  features: z.number(),
  embeddings: z.array(z.unknown()),
  anomalies: z.array(z.unknown()),
  view: z.unknown(),
});

const runSchema = z.object({
  summary: z.object({ id: idText, title: z.string(), status: z.string(), config: z.record(z.string(), z.unknown()), epochs: z.array(z.unknown()) }).passthrough(),
  schema: z.object({ datasetName: z.string(), featureNames: z.array(z.string()) }).passthrough(),
  model: z.object({ json: z.string().max(16 * 2 ** 20), weightsName: z.string().regex(/^[\w.-]+$/), weights: typed(Uint8Array) }).nullable(),
});

const fileSchema = z.object({
  format: z.literal(WORKSPACE_FORMAT),
  version: z.number().int(),
  savedAt: z.string(),
  savedBy: z.string(),
  active: idText.nullable(),
  panel: z.string().nullable(),
  datasets: z.array(z.unknown()),
  runs: z.array(z.unknown()),
});

const bad = (path: string, problem: string, detail = 'Open another workspace, or start afresh and save a new one.') =>
  new LabFailure('bad-workspace', `${basename(path)}: ${problem}`, detail);

/** A workspace as read: what could be read, and notes on each part that could not. */
export interface ReadWorkspace {
  file: WorkspaceFile;
  notes: string[];
}

/** Reads and checks a workspace file; a damaged dataset, embedding or run is left out with a note. */
export async function readWorkspace(path: string): Promise<ReadWorkspace> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT'
      ? new LabFailure('not-found', `${basename(path)}: not found at ${path}.`, 'Check the path, or pick the workspace again.')
      : bad(path, `cannot be read (${err.code ?? err.message}).`);
  });
  if (!info.isFile()) throw bad(path, 'is not a file.');
  if (info.size > MAX_BYTES) throw bad(path, `is ${(info.size / 2 ** 30).toFixed(1)} GB, more than a workspace can be.`);
  const bytes = await readFile(path);
  if (bytes.byteLength < MAGIC.byteLength + 1 || !bytes.subarray(0, MAGIC.byteLength).equals(MAGIC)) {
    throw bad(path, 'is not a Latent Lab workspace (its first bytes are not a workspace header).', 'Pick a .latentlab file saved by Latent Lab.');
  }
  const kind = bytes[MAGIC.byteLength];
  const body = bytes.subarray(MAGIC.byteLength + 1);
  let raw: unknown;
  try {
    raw = kind === 0 ? JSON.parse(new TextDecoder().decode(body)) : decodeMessage(body);
  } catch (err) {
    throw bad(path, `is damaged (${(err as Error).message}); it may have been cut short.`);
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > WORKSPACE_VERSION) {
    throw bad(path, `was saved by a newer Latent Lab (workspace format ${version}; this one reads ${WORKSPACE_VERSION}).`, 'Update Latent Lab to open it.');
  }
  const top = fileSchema.safeParse(raw);
  if (!top.success) {
    const issue = top.error.issues[0];
    throw bad(path, `is not a workspace this version can read (${issue?.path.join('.') || 'header'}: ${issue?.message ?? 'invalid'}).`);
  }
  const notes: string[] = [];
  const datasets: SavedDataset[] = [];
  for (const [i, d] of top.data.datasets.entries()) {
    const parsed = datasetSchema.safeParse(d);
    if (!parsed.success) {
      notes.push(`Dataset ${i + 1} in the workspace is damaged and was left out.`);
      continue;
    }
    const ds = parsed.data as unknown as SavedDataset;
    ds.embeddings = ds.embeddings.filter((e, j) => {
      const ok = embeddingSchema.safeParse(e).success;
      if (!ok) notes.push(`An embedding of ${ds.name} (${j + 1}) is damaged and was left out.`);
      return ok;
    });
    ds.anomalies = ds.anomalies.filter((a) => {
      const ok = anomalySchema.safeParse(a).success;
      if (!ok) notes.push(`An anomaly result of ${ds.name} is damaged and was left out.`);
      return ok;
    });
    datasets.push(ds);
  }
  const runs: SavedRun[] = [];
  for (const [i, r] of top.data.runs.entries()) {
    const parsed = runSchema.safeParse(r);
    if (parsed.success) runs.push(parsed.data as unknown as SavedRun);
    else notes.push(`Run ${i + 1} in the workspace is damaged and was left out.`);
  }
  return { file: { ...(top.data as unknown as WorkspaceFile), datasets, runs }, notes };
}
