// Runtime validation for every payload that crosses IPC or the WebSocket. The renderer is not
// trusted: main and the server check each call's arguments against these before the engine sees them.
import { z } from 'zod';
import { LabFailure, type CallableMethod } from './api';

const id = z.string().min(1).max(200);
const path = z.string().min(1).max(4096);

export const trainConfigSchema = z.strictObject({
  latent: z.number().int().min(1).max(512),
  hidden: z.number().int().min(1).max(8192),
  epochs: z.number().int().min(1).max(10000),
  batchSize: z.number().int().min(1).max(65536),
  learningRate: z.number().gt(0).max(10),
  seed: z.number().int().min(0).max(2 ** 31 - 1),
  limit: z.number().int().min(0),
});

const datasetSource = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('builtin'), name: z.string().min(1).max(100) }),
  z.strictObject({ kind: z.literal('file'), path }),
]);

const none = z.tuple([]);

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

/** Argument tuple schema per callable LabApi method. */
export const argSchemas = {
  info: none,
  backend: none,
  listDatasets: none,
  pickOpenPath: none,
  pickSavePath: z.tuple([z.string().max(255)]),
  openDataset: z.tuple([
    z.strictObject({ source: datasetSource, labelColumn: z.string().max(1000).nullable().optional() }),
  ]),
  getDataset: z.tuple([id]),
  train: z.tuple([z.strictObject({ datasetId: id, config: trainConfigSchema })]),
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
  getRows: z.tuple([z.strictObject({ datasetId: id, split, rows: rowIndices.max(10000) })]),
  uploadFile: z.tuple([z.string().min(1).max(255), z.instanceof(Uint8Array)]),
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
