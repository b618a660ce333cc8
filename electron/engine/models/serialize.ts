// Saved models in the tfjs layout: a model.json (our spec, the train config, the data schema with
// scaling, the training record, and a tfjs `weightsManifest`) beside one little-endian float32
// weights file. Checkpoints use the same writer with a per-epoch weights file name, written before
// model.json is switched to it, so a crash at any moment leaves a consistent pair on disk.
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { LabFailure } from '../../../shared/api';
import { MODEL_NAMES } from '../../../shared/models';
import { trainConfigSchema } from '../../../shared/schemas';
import { withDefaults } from '../../../shared/train-config';
import type { EpochMetrics, LossValues, RunStatus, SavedModelInfo, TrainConfig } from '../../../shared/types';
import { writeFileAtomic } from '../export/csv';
import type { DataSchema } from './model-input';
import { createModel, disposeModel, type Model, type ModelSpec } from './model';

export const MODEL_FORMAT = 'latent-lab-model';
export const FORMAT_VERSION = 1;
const MODEL_JSON = 'model.json';

/** How the model came to be; shown when it is loaded again. */
export interface TrainingRecord {
  status: RunStatus;
  backend: string | null;
  epochs: EpochMetrics[];
  bestEpoch: number | null;
  test: LossValues | null;
  trainRows?: number;
  validationRows?: number;
}

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  savedBy: string;
  savedAt: string;
  spec: ModelSpec;
  config: TrainConfig;
  data: DataSchema;
  training: TrainingRecord;
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: 'float32' }[] }[];
}

const shape3 = z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]);
const count = z.number().int().min(0).max(1e7);

const specSchema = z.object({
  name: z.enum(MODEL_NAMES),
  inputDim: z.number().int().positive().max(1e7),
  imageShape: shape3.nullable(),
  architecture: z.enum(['mlp', 'conv']),
  hidden: z.array(z.number().int().positive().max(8192)).max(8),
  latent: z.number().int().positive().max(512),
  likelihood: z.enum(['bernoulli', 'gaussian', 'gaussian-learned']),
  classes: count,
  stochastic: z.boolean(),
  convChannels: z.array(z.number().int().positive().max(1024)).max(4),
  objective: z.object({ beta: z.number(), alpha: z.number(), lambda: z.number(), iwaeK: z.number().int().positive() }),
});

const fileSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  formatVersion: z.number().int(),
  spec: specSchema,
  config: trainConfigSchema,
  data: z.object({
    datasetName: z.string(),
    featureNames: z.array(z.string()),
    imageShape: shape3.nullable(),
    labelNames: z.array(z.string()).nullable(),
    scaling: z.object({ center: z.array(z.number()), spread: z.array(z.number().positive()) }).nullable(),
  }),
  training: z.object({
    status: z.string(),
    backend: z.string().nullable(),
    epochs: z.array(z.any()),
    bestEpoch: z.number().nullable(),
    test: z.any().nullable(),
  }).passthrough(),
  weightsManifest: z.array(z.object({
    paths: z.array(z.string().regex(/^[\w.-]+$/)).length(1),
    weights: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().min(0)), dtype: z.literal('float32') })),
  })).length(1),
}).passthrough();

export interface SaveContents {
  model: Model;
  config: TrainConfig;
  data: DataSchema;
  training: TrainingRecord;
  savedBy: string;
}

/** Writes model.json + `weightsFile` into `dir` (created if needed). */
export async function saveModelDir(dir: string, c: SaveContents, weightsFile = 'weights.bin'): Promise<SavedModelInfo> {
  await prepareFolder(dir);
  const entries = [...c.model.params.entries()];
  const weights = new Float32Array(entries.reduce((s, [, v]) => s + v.size, 0));
  let at = 0;
  for (const [, v] of entries) {
    const values = await v.data();
    weights.set(values as Float32Array, at);
    at += values.length;
  }
  const file: ModelFile = {
    format: MODEL_FORMAT,
    formatVersion: FORMAT_VERSION,
    savedBy: c.savedBy,
    savedAt: new Date().toISOString(),
    spec: c.model.spec,
    config: c.config,
    data: c.data,
    training: c.training,
    weightsManifest: [{ paths: [weightsFile], weights: entries.map(([name, v]) => ({ name, shape: v.shape, dtype: 'float32' })) }],
  };
  const bytes = new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
  await writeFileAtomic(join(dir, weightsFile), [littleEndian(bytes)]);
  const json = JSON.stringify(file, null, 1);
  await writeFileAtomic(join(dir, MODEL_JSON), [json]);
  // earlier checkpoints' weights are no longer referenced
  for (const name of await readdir(dir)) {
    if (name !== weightsFile && /^weights[\w-]*\.bin$/.test(name)) await rm(join(dir, name), { force: true });
  }
  return { path: dir, files: [MODEL_JSON, weightsFile], bytes: bytes.byteLength + Buffer.byteLength(json) };
}

async function prepareFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (info && !info.isDirectory()) {
    throw new LabFailure('not-a-folder', `Cannot save the model to ${dir}: it is a file, and a saved model is a folder.`, 'Pick a new folder name.');
  }
  if (info) {
    const names = await readdir(dir);
    const ours = names.includes(MODEL_JSON) || names.every((n) => /^weights[\w-]*\.bin$|\.tmp$/.test(n));
    if (!ours) {
      throw new LabFailure('folder-not-empty', `Cannot save the model into ${dir}: the folder holds other files.`, 'Pick an empty folder, a new folder name, or a saved model to replace.');
    }
    return;
  }
  await mkdir(dir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    throw new LabFailure('not-writable', `Cannot create the folder ${dir} (${err.code ?? err.message}).`, 'Pick a folder you can write to.');
  });
}

// weights files are little-endian (as tfjs writes them); every platform we ship on is too
function littleEndian(bytes: Uint8Array): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('big-endian hosts are not supported');
  return bytes;
}

function badModel(path: string, what: string): LabFailure {
  return new LabFailure('bad-model', `${path} is not a usable Latent Lab model: ${what}.`,
    'Pick the folder a model was saved to (it holds model.json and its weights file), or a run checkpoint folder.');
}

/** Reads a saved model folder (or its model.json) and rebuilds the model with its weights. */
export async function loadModelDir(path: string): Promise<{ model: Model; file: ModelFile; dir: string }> {
  const dir = basename(path) === MODEL_JSON || path.endsWith('.json') ? dirname(path) : path;
  const jsonPath = path.endsWith('.json') ? path : join(dir, MODEL_JSON);
  const text = await readFile(jsonPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? badModel(path, `${MODEL_JSON} is missing`) : badModel(path, `${MODEL_JSON} cannot be read (${err.code})`);
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw badModel(path, `${MODEL_JSON} is not valid JSON`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    const notOurs = (raw as { format?: unknown } | null)?.format !== MODEL_FORMAT;
    throw badModel(path, notOurs ? `${MODEL_JSON} was not written by Latent Lab` : `${MODEL_JSON} is malformed${where} (${issue?.message ?? 'invalid'})`);
  }
  const file = { ...(parsed.data as unknown as ModelFile), config: withDefaults(parsed.data.config) };
  if (file.formatVersion > FORMAT_VERSION) throw badModel(path, `it was saved by a newer Latent Lab (format ${file.formatVersion})`);
  const manifest = file.weightsManifest[0];
  const weightsPath = join(dir, manifest.paths[0]);
  const bytes = await readFile(weightsPath).catch(() => {
    throw badModel(path, `its weights file ${manifest.paths[0]} is missing`);
  });
  const expected = manifest.weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.byteLength !== expected * 4) {
    throw badModel(path, `${manifest.paths[0]} holds ${bytes.byteLength} bytes where the manifest lists ${expected * 4}`);
  }
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const model = createModel(file.spec, 0);
  try {
    if (manifest.weights.length !== model.params.size) throw badModel(path, `it lists ${manifest.weights.length} weight tensors where its spec has ${model.params.size}`);
    let at = 0;
    for (const w of manifest.weights) {
      const v = model.params.get(w.name);
      if (!v || v.shape.join() !== w.shape.join()) throw badModel(path, `weight "${w.name}" [${w.shape.join(', ')}] does not fit its spec`);
      const t = tf.tensor(values.subarray(at, at + v.size), v.shape, 'float32');
      v.assign(t);
      t.dispose();
      at += v.size;
    }
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) throw badModel(path, 'its weights contain NaN or infinite values');
    }
  } catch (err) {
    disposeModel(model);
    throw err;
  }
  return { model, file, dir };
}
