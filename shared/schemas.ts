// Runtime validation for every payload that crosses IPC or the WebSocket. The renderer is not
// trusted: main and the server check each call's arguments against these before the engine sees them.
import { z } from 'zod';
import { LabFailure, type CallableMethod } from './api';
import { TRAIN_LIMITS, type LimitedKey } from './limits';
import { ANOMALY_METHODS } from './anomalies';
import { MODEL_NAMES } from './models';

const id = z.string().min(1).max(200);
const path = z.string().min(1).max(4096);

const limited = (key: LimitedKey) => {
  const l = TRAIN_LIMITS[key];
  const n = z.number().min(l.min).max(l.max);
  return l.integer ? n.int() : n;
};
const positive = (max: number) => z.number().gt(0).max(max);

/** Every field optional: the engine fills the rest from DEFAULT_TRAIN_CONFIG. */
export const trainConfigSchema = z.strictObject({
  model: z.enum(MODEL_NAMES),
  latent: limited('latent'),
  hidden: z.array(limited('hidden')).max(8),
  architecture: z.enum(['auto', 'mlp', 'conv']),
  likelihood: z.enum(['auto', 'bernoulli', 'gaussian', 'gaussian-learned']),
  beta: z.number().min(0).max(1000),
  alpha: z.number().min(-1000).max(1),
  lambda: z.number().min(0).max(1e6),
  iwaeK: z.number().int().min(1).max(256),
  epochs: limited('epochs'),
  batchSize: limited('batchSize'),
  learningRate: limited('learningRate'),
  schedule: z.enum(['constant', 'step', 'cosine']),
  stepEpochs: z.number().int().min(1).max(10000),
  stepFactor: positive(1),
  clipNorm: z.number().min(0).max(1e6),
  klWarmupEpochs: z.number().int().min(0).max(10000),
  validationFraction: z.number().min(0).max(0.9),
  patience: z.number().int().min(0).max(10000),
  seed: limited('seed'),
  limit: limited('limit'),
}).partial();

const datasetSource = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('builtin'), name: z.string().min(1).max(100) }),
  z.strictObject({ kind: z.literal('file'), path }),
]);

const none = z.tuple([]);

const columnName = z.string().max(1000);
const role = z.enum(['feature', 'label', 'ignore']);

/** OpenOptions (shared/types.ts): every field optional. */
export const openOptionsShape = {
  delimiter: z.string().length(1).refine((c) => c !== '\n' && c !== '\r' && c !== '"', 'not a usable delimiter').optional(),
  quote: z.enum(['"', "'", '']).optional(),
  header: z.boolean().optional(),
  decimal: z.enum(['.', ',']).optional(),
  encoding: z.enum(['utf-8', 'latin-1']).optional(),
  labelColumn: columnName.nullable().optional(),
  roles: z.record(columnName, role).refine((r) => Object.keys(r).length <= 100_000, 'too many columns').optional(),
  missing: z.enum(['drop', 'mean', 'median', 'mode']).optional(),
  scaling: z.enum(['none', 'minmax', 'standardize']).optional(),
  splitSeed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  testFraction: z.number().min(0.05).max(0.5).optional(),
  fileSplit: z.boolean().optional(),
  imageSize: z.tuple([z.number().int().min(4).max(1024), z.number().int().min(4).max(1024)]).optional(),
  imageMode: z.enum(['grayscale', 'rgb']).optional(),
  labelsPath: path.nullable().optional(),
};

const seed = z.number().int().min(0).max(2 ** 31 - 1);
const pcaDims = z.number().int().min(0).max(1000);

const reduceSchema = z.discriminatedUnion('method', [
  z.strictObject({
    datasetId: id,
    method: z.literal('pca'),
    params: z.strictObject({ components: z.number().int().min(1).max(1000) }).partial().optional(),
  }),
  z.strictObject({
    datasetId: id,
    method: z.literal('umap'),
    params: z.strictObject({
      nNeighbors: z.number().int().min(2).max(200),
      minDist: z.number().min(0).max(10),
      spread: z.number().gt(0).max(10),
      nEpochs: z.number().int().min(0).max(10000),
      negativeSampleRate: z.number().int().min(1).max(50),
      pcaDims,
      seed,
    }).partial().optional(),
  }),
  z.strictObject({
    datasetId: id,
    method: z.literal('tsne'),
    params: z.strictObject({
      perplexity: z.number().min(1).max(500),
      iterations: z.number().int().min(1).max(10000),
      learningRate: z.number().min(0).max(1e7),
      earlyExaggeration: z.number().min(1).max(100),
      earlyIterations: z.number().int().min(0).max(10000),
      theta: z.number().min(0).max(2),
      pcaDims,
      seed,
    }).partial().optional(),
  }),
  z.strictObject({
    datasetId: id,
    method: z.literal('latent'),
    params: z.strictObject({ runId: id, project2d: z.boolean().optional() }),
  }),
]);

const embeddingIds = z.array(id).max(64);
const rowIndices = z.array(z.number().int().min(0)).min(1);
const reconMethod = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('pca'), components: z.number().int().min(1).max(10000) }),
  z.strictObject({ kind: z.literal('model'), runId: id }),
]);
const split = z.enum(['train', 'test']);
const labelIndex = z.number().int().min(0).max(1_000_000);
const classList = z.array(labelIndex).max(100_000);

/** Fields every generation request shares (shared/generation.ts). */
const generation = {
  runId: id,
  label: labelIndex.optional(),
  source: z.enum(['standard-normal', 'fitted-gaussian']).optional(),
};
const sampleRequest = { ...generation, count: z.number().int().min(1).max(2000), seed: seed.optional() };
const pathSteps = z.number().int().min(2).max(25);

/** Argument tuple schema per callable LabApi method. */
export const argSchemas = {
  info: none,
  backend: none,
  listDatasets: none,
  pickOpenPath: z.union([none, z.tuple([z.enum(['file', 'folder'])])]),
  pickSavePath: z.tuple([z.string().max(255)]),
  openDataset: z.tuple([z.strictObject({ source: datasetSource, ...openOptionsShape })]),
  getDataset: z.tuple([id]),
  getRows: z.tuple([
    z.strictObject({
      datasetId: id,
      split: z.enum(['train', 'test']),
      rowIds: z.array(z.number().int().min(0)).max(5000),
    }),
  ]),
  getColumn: z.tuple([z.strictObject({ datasetId: id, split: z.enum(['train', 'test']), column: z.string().min(1).max(1000) })]),
  closeDataset: z.tuple([id]),
  train: z.tuple([z.strictObject({ datasetId: id, config: trainConfigSchema, initFrom: id.optional(), classes: classList.optional() })]),
  pause: z.tuple([id]),
  resume: z.tuple([id]),
  listRuns: none,
  getRun: z.tuple([id]),
  saveModel: z.tuple([z.strictObject({ runId: id, path })]),
  loadModel: z.tuple([z.strictObject({ path })]),
  embed: z.tuple([z.strictObject({ runId: id, datasetId: id, rows: z.enum(['test', 'all']).optional() })]),
  evaluate: z.tuple([z.strictObject({ runId: id, datasetId: id })]),
  computePca: z.tuple([z.strictObject({ datasetId: id, components: z.number().int().min(1).max(1000) })]),
  reduce: z.tuple([reduceSchema]),
  getEmbedding: z.tuple([id, split.optional()]),
  listEmbeddings: z.tuple([id]),
  exportEmbedding: z.tuple([z.strictObject({ embeddingId: id, path })]),
  computeMetrics: z.tuple([z.strictObject({ datasetId: id, embeddingIds: embeddingIds.optional() })]),
  exportMetrics: z.tuple([z.strictObject({ datasetId: id, embeddingIds: embeddingIds.optional(), path })]),
  neighbours: z.tuple([z.strictObject({
    datasetId: id,
    row: z.number().int().min(0),
    k: z.number().int().min(1).max(100),
    embeddingIds,
  })]),
  reconstruct: z.tuple([z.strictObject({ datasetId: id, rows: rowIndices.max(256), methods: z.array(reconMethod).max(32) })]),
  generateSamples: z.tuple([z.strictObject(sampleRequest)]),
  traverseLatent: z.tuple([z.strictObject({
    ...generation,
    dims: z.array(z.number().int().min(0).max(511)).min(1).max(32).optional(),
    steps: pathSteps.optional(),
    range: z.number().gt(0).max(10).optional(),
    base: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('centre') }),
      z.strictObject({ kind: z.literal('row'), datasetId: id, row: z.number().int().min(0) }),
    ]).optional(),
  })]),
  latentGrid: z.tuple([z.strictObject({
    ...generation,
    size: z.number().int().min(2).max(30).optional(),
    extent: z.enum(['prior', 'data']).optional(),
  })]),
  interpolate: z.tuple([z.strictObject({
    runId: id,
    datasetId: id,
    rows: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
    steps: pathSteps.optional(),
    components: z.number().int().min(1).max(10000).optional(),
  })]),
  exportSamples: z.tuple([z.strictObject({ ...sampleRequest, path })]),
  detectAnomalies: z.tuple([z.strictObject({
    datasetId: id,
    normalClasses: classList.optional(),
    methods: z.array(z.enum(ANOMALY_METHODS)).min(1).max(ANOMALY_METHODS.length),
    model: trainConfigSchema.optional(),
    pcaComponents: z.number().int().min(1).max(10000).optional(),
    samples: z.number().int().min(1).max(1000).optional(),
  })]),
  rankAnomalies: z.tuple([z.strictObject({
    anomalyId: id,
    key: z.string().min(1).max(200),
    top: z.number().int().min(1).max(1000),
    threshold: z.number().optional(),
  })]),
  exportAnomalies: z.tuple([z.strictObject({ anomalyId: id, path })]),
  uploadFile: z.union([
    z.tuple([z.string().min(1).max(1024), z.instanceof(Uint8Array)]),
    z.tuple([z.string().min(1).max(1024), z.instanceof(Uint8Array), z.string().regex(/^[\w-]{1,64}$/)]),
  ]),
  cancel: z.tuple([id]),
} satisfies Record<CallableMethod, z.ZodType>;

export function isCallableMethod(name: unknown): name is CallableMethod {
  return typeof name === 'string' && Object.hasOwn(argSchemas, name);
}

/** Validates one call; throws a LabFailure('bad-request') naming the method and the field. */
export function validateCall(method: unknown, args: unknown): { method: CallableMethod; args: unknown[] } {
  if (!isCallableMethod(method)) {
    throw new LabFailure('bad-request', `Unknown request "${String(method).slice(0, 80)}".`);
  }
  const parsed = argSchemas[method].safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new LabFailure('bad-request', `Malformed ${method} request${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return { method, args: parsed.data as unknown[] };
}

/** Envelope of one message on the WebSocket / worker channel. */
export const callMessageSchema = z.strictObject({
  kind: z.literal('call'),
  id: z.number().int().nonnegative(),
  method: z.string().max(100),
  args: z.array(z.unknown()).max(8),
});
export type CallMessage = z.infer<typeof callMessageSchema>;
