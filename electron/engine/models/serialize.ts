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
import { checkMemory, formatBytes, RAISE_BUDGET } from '../data/budget';
import { writeFileAtomic } from '../export/csv';
import type { DataSchema } from './model-input';
import { pooledSize } from './conv';
import { createModel, disposeModel, type Model, type ModelSpec } from './model';
import { LOCK, MODEL_JSON, WEIGHTS_FILE, withFolderLock } from './model-folder';

export { removeOrphans, withFolderLock, type OrphanOptions } from './model-folder';
export const MODEL_FORMAT = 'latent-lab-model';
export const FORMAT_VERSION = 1;
/** model.json holds a spec, a config and the data schema: far less than this. */
const MAX_MODEL_JSON = 256 * 2 ** 20;

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

/**
 * Writes model.json + `weightsFile` into `dir` (created if needed). The weights go first and
 * model.json, the commit point, last, so a crash at any moment leaves a consistent pair; saves
 * into one folder take turns (withFolderLock), so two at once leave the last one complete.
 */
export async function saveModelDir(dir: string, c: SaveContents, weightsFile = 'weights.bin'): Promise<SavedModelInfo> {
  await prepareFolder(dir);
  return withFolderLock(dir, () => writeModel(dir, c, weightsFile));
}

async function writeModel(dir: string, c: SaveContents, weightsFile: string): Promise<SavedModelInfo> {
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
    if (name !== weightsFile && WEIGHTS_FILE.test(name)) await rm(join(dir, name), { force: true });
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
    const ours = names.includes(MODEL_JSON) || names.every((n) => WEIGHTS_FILE.test(n) || /\.tmp$/.test(n) || n === LOCK);
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

// ---------- what a spec will take, before it is built ----------

/**
 * The weight tensors createModel builds for `spec`, by name and shape, in its order, computed
 * without allocating anything (a test keeps this in step with createModel).
 */
export function specWeights(spec: ModelSpec): { name: string; shape: number[] }[] {
  const out: { name: string; shape: number[] }[] = [];
  const dense = (name: string, fanIn: number, fanOut: number) => out.push({ name: `${name}/w`, shape: [fanIn, fanOut] }, { name: `${name}/b`, shape: [fanOut] });
  const conv = (name: string, inC: number, outC: number) => out.push({ name: `${name}/w`, shape: [3, 3, inC, outC] }, { name: `${name}/b`, shape: [outC] });
  const isConv = spec.architecture === 'conv';
  const channels = isConv ? [spec.imageShape![2], ...spec.convChannels] : [];
  let [sh, sw] = isConv ? [spec.imageShape![0], spec.imageShape![1]] : [0, 0];
  if (isConv) {
    spec.convChannels.forEach((c, i) => conv(`enc/conv${i}`, channels[i], c));
    for (let i = 0; i < spec.convChannels.length; i++) [sh, sw] = [pooledSize(sh), pooledSize(sw)];
  }
  const flat = isConv ? sh * sw * channels[channels.length - 1] : spec.inputDim;
  const widths = [flat + spec.classes, ...spec.hidden];
  spec.hidden.forEach((h, i) => dense(`enc/dense${i}`, widths[i], h));
  const top = widths[widths.length - 1];
  dense('enc/mu', top, spec.latent);
  if (spec.stochastic) dense('enc/logvar', top, spec.latent);
  const decWidths = [spec.latent + spec.classes, ...[...spec.hidden].reverse()];
  decWidths.slice(1).forEach((h, i) => dense(`dec/dense${i}`, decWidths[i], h));
  const last = decWidths[decWidths.length - 1];
  if (isConv) {
    dense('dec/grid', last, flat);
    const up = [...channels].reverse();
    up.slice(1).forEach((c, i) => conv(`dec/conv${i}`, up[i], c));
  } else dense('dec/out', last, spec.inputDim);
  if (spec.likelihood === 'gaussian-learned') out.push({ name: 'dec/logvarX', shape: [spec.inputDim] });
  return out;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Memory a model of `spec` takes while it trains on batches of `batch` rows: per parameter the
 * weights, their gradients, Adam's two moments and the temporaries of initialising or loading
 * them (5 × 4 bytes); per row of a batch, the activations of every layer kept for the backward pass
 * (forward, gradient and a working copy: 3 × 4 bytes per value).
 */
export function modelMemoryBytes(spec: ModelSpec, batch: number): number {
  const params = specWeights(spec).reduce((n, w) => n + size(w.shape), 0);
  let perRow = 3 * spec.inputDim + 2 * spec.hidden.reduce((a, b) => a + b, 0) + 4 * spec.latent + 2 * spec.classes;
  if (spec.architecture === 'conv' && spec.imageShape) {
    let [h, w] = spec.imageShape;
    for (const c of spec.convChannels) {
      perRow += 2 * h * w * c;
      [h, w] = [pooledSize(h), pooledSize(w)];
    }
  }
  return params * 4 * 5 + Math.max(1, batch) * perRow * 4 * 3;
}

/**
 * Refuses a spec whose model would not fit the memory budget, before anything is built. The
 * engine should call it before createModel for training too.
 */
export function checkModelMemory(subject: string, spec: ModelSpec, batch: number): void {
  const params = specWeights(spec).reduce((n, w) => n + size(w.shape), 0);
  checkMemory(subject, modelMemoryBytes(spec, batch),
    `a ${spec.name} with ${params.toLocaleString('en-US')} parameters for ${spec.inputDim.toLocaleString('en-US')} inputs, training on batches of ${batch}`,
    `Use a smaller model (fewer or narrower hidden layers, a smaller --batch) or fewer features (a smaller image size), or ${RAISE_BUDGET}.`);
}

function badModel(path: string, what: string): LabFailure {
  return new LabFailure('bad-model', `${path} is not a usable Latent Lab model: ${what}.`,
    'Pick the folder a model was saved to (it holds model.json and its weights file), or a run checkpoint folder.');
}

/** Reads a saved model folder (or its model.json) and rebuilds the model with its weights. */
/** Reads and checks a saved model's model.json (no weights): its spec, config, data schema and record. */
export async function readModelFile(path: string): Promise<{ file: ModelFile; dir: string }> {
  const dir = basename(path) === MODEL_JSON || path.endsWith('.json') ? dirname(path) : path;
  const jsonPath = path.endsWith('.json') ? path : join(dir, MODEL_JSON);
  const unreadable = (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? badModel(path, `${MODEL_JSON} is missing`) : badModel(path, `${MODEL_JSON} cannot be read (${err.code})`));
  const jsonInfo = await stat(jsonPath).catch((err: NodeJS.ErrnoException) => {
    throw unreadable(err);
  });
  if (!jsonInfo.isFile()) throw badModel(path, `${MODEL_JSON} is not a file`);
  if (jsonInfo.size > MAX_MODEL_JSON) throw badModel(path, `${MODEL_JSON} is ${formatBytes(jsonInfo.size)}, far more than a saved model's`);
  const text = await readFile(jsonPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw unreadable(err);
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
  return { file, dir };
}

export async function loadModelDir(path: string): Promise<{ model: Model; file: ModelFile; dir: string }> {
  const { file, dir } = await readModelFile(path);
  const manifest = file.weightsManifest[0];
  // everything is checked from model.json and the weights file's size before anything is built
  if (file.spec.architecture === 'conv' && !file.spec.imageShape) throw badModel(path, 'its spec is convolutional but has no image shape');
  const wanted = specWeights(file.spec);
  if (manifest.weights.length !== wanted.length) throw badModel(path, `it lists ${manifest.weights.length} weight tensors where its spec has ${wanted.length}`);
  for (const w of manifest.weights) {
    const v = wanted.find((x) => x.name === w.name);
    if (!v || v.shape.join() !== w.shape.join()) throw badModel(path, `weight "${w.name}" [${w.shape.join(', ')}] does not fit its spec`);
  }
  checkModelMemory(dir, file.spec, file.config.batchSize);
  const weightsPath = join(dir, manifest.paths[0]);
  const expected = manifest.weights.reduce((s, w) => s + size(w.shape), 0);
  const weightsInfo = await stat(weightsPath).catch(() => null);
  if (!weightsInfo?.isFile()) throw badModel(path, `its weights file ${manifest.paths[0]} is missing`);
  if (weightsInfo.size !== expected * 4) {
    throw badModel(path, `${manifest.paths[0]} holds ${weightsInfo.size} bytes where the manifest lists ${expected * 4}`);
  }
  const bytes = await readFile(weightsPath).catch((err: NodeJS.ErrnoException) => {
    throw badModel(path, `its weights file ${manifest.paths[0]} cannot be read (${err.code ?? err.message})`);
  });
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
