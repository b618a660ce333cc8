// Building blocks of the runtime validation of every payload that crosses IPC, the WebSocket or
// the engine process boundary (the renderer is not trusted), and the shell's own methods. Each
// engine method's argument schema sits beside its handler (electron/engine/*/service.ts).
import { z } from 'zod';
import { LabFailure, type ShellApi } from './api';
import { TRAIN_LIMITS, type LimitedKey } from './limits';
import { MODEL_NAMES } from './models';
import type { AnomalyId } from './anomalies';
import type { DatasetId, EmbeddingId, JobId, LabError, RunId } from './types';

export const id = z.string().min(1).max(200);
/** An id schema whose parsed value carries its brand (DatasetId, RunId…). */
export const idOf = <T extends string>() => id as unknown as z.ZodType<T, string>;
/**
 * Set inside an engine that serves remote clients (electron/engine/files/roots.ts): refuses every
 * path outside the folders it serves. Its LabError reaches the caller as is (session/define.ts).
 */
export const pathPolicy: { check: ((p: string) => LabError | null) | null } = { check: null };
export const path = z.string().min(1).max(4096).superRefine((p, ctx) => {
  const refused = pathPolicy.check?.(p);
  if (refused) ctx.addIssue({ code: 'custom', message: refused.message, params: { refused } });
});
export const datasetId = idOf<DatasetId>();
export const runId = idOf<RunId>();
export const embeddingId = idOf<EmbeddingId>();
export const jobId = idOf<JobId>();
export const anomalyId = idOf<AnomalyId>();

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

export const datasetSource = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('builtin'), name: z.string().min(1).max(100) }),
  z.strictObject({ kind: z.literal('file'), path }),
]);

export const none = z.tuple([]);

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

export const seed = z.number().int().min(0).max(2 ** 31 - 1);
const pcaDims = z.number().int().min(0).max(1000);

/** ReduceRequest: any reducer on a dataset. */
export const reduceSchema = z.discriminatedUnion('method', [
  z.strictObject({
    datasetId,
    method: z.literal('pca'),
    params: z.strictObject({ components: z.number().int().min(1).max(1000) }).partial().optional(),
  }),
  z.strictObject({
    datasetId,
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
    datasetId,
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
    datasetId,
    method: z.literal('latent'),
    params: z.strictObject({ runId, project2d: z.boolean().optional() }),
  }),
]);

export const embeddingIds = z.array(embeddingId).max(64);
export const rowIndices = z.array(z.number().int().min(0)).min(1);
export const reconMethod = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('pca'), components: z.number().int().min(1).max(10000) }),
  z.strictObject({ kind: z.literal('model'), runId }),
]);
export const split = z.enum(['train', 'test']);
export const labelIndex = z.number().int().min(0).max(1_000_000);
export const classList = z.array(labelIndex).max(100_000);

/** Argument tuples of the shell's own methods (the engine's sit beside their handlers). */
export const shellArgSchemas = {
  info: none,
  pickOpenPath: z.union([none, z.tuple([z.enum(['file', 'folder'])])]),
  pickSavePath: z.tuple([z.string().max(255)]),
  engineStatus: none,
  connectEngine: z.tuple([z.strictObject({
    url: z.string().min(1).max(1000),
    token: z.string().min(1).max(4096).optional(),
    trust: z.string().regex(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/i, 'a SHA-256 fingerprint (32 pairs of hex digits)').optional(),
  })]),
  useLocalEngine: none,
  knownEngines: none,
  forgetEngine: z.tuple([z.string().min(1).max(1000)]),
} satisfies Record<keyof ShellApi, z.ZodType>;

export function isShellMethod(name: unknown): name is keyof ShellApi {
  return typeof name === 'string' && Object.hasOwn(shellArgSchemas, name);
}

/** Validates a shell call; throws a LabFailure('bad-request') naming the method and the field. */
export function validateShellCall(method: keyof ShellApi, args: unknown): unknown[] {
  const parsed = shellArgSchemas[method].safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new LabFailure('bad-request', `Malformed ${method} request${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return parsed.data as unknown[];
}

/** Envelope of one message on the WebSocket / worker channel. */
export const callMessageSchema = z.strictObject({
  kind: z.literal('call'),
  id: z.number().int().nonnegative(),
  method: z.string().max(100),
  args: z.array(z.unknown()).max(8),
});
export type CallMessage = z.infer<typeof callMessageSchema>;
