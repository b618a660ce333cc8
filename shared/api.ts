// The one contract between the UI and everything behind it. Served three ways (Electron IPC, the
// loopback WebSocket, direct calls) with no logic of its own in any of them; see DESIGN.md.
import type {
  AppInfo,
  BackendInfo,
  BatchMetrics,
  CatalogEntry,
  ColumnValues,
  DatasetId,
  DatasetRows,
  DatasetSummary,
  EmbeddingData,
  EmbeddingId,
  EmbeddingSummary,
  EmbedRequest,
  EpochMetrics,
  EvaluateRequest,
  EvaluationResult,
  ExportResult,
  JobId,
  LabError,
  LoadModelRequest,
  MetricsTable,
  NeighboursResult,
  OpenOptions,
  ReconMethod,
  ReconstructionResult,
  ReduceRequestParams,
  RunId,
  RunSummary,
  SavedModelInfo,
  SaveModelRequest,
  SplitName,
  TrainConfig,
} from './types';
import type { AnomalyExportRequest, AnomalyRankRequest, AnomalyRanking, AnomalyRequest, AnomalyResult } from './anomalies';
import type {
  GeneratedSamples,
  Interpolation,
  InterpolationRequest,
  LatentGrid,
  LatentGridRequest,
  LatentTraversal,
  SampleExportRequest,
  SampleRequest,
  TraversalRequest,
} from './generation';

export type DatasetSource =
  | { kind: 'builtin'; name: string }
  | { kind: 'file'; path: string };

/** A source plus the options the Data panel shows (all optional: the engine sniffs/proposes). */
export interface OpenDatasetRequest extends OpenOptions {
  source: DatasetSource;
}

export interface RowsRequest {
  datasetId: DatasetId;
  split: SplitName;
  /** Source row ids (as in EmbeddingData.rowIds); at most 5000. */
  rowIds: number[];
}

export interface ColumnRequest {
  datasetId: DatasetId;
  split: SplitName;
  column: string;
}

export interface TrainRequest {
  datasetId: DatasetId;
  /** Fields left out take DEFAULT_TRAIN_CONFIG's value (see shared/train-config.ts withDefaults). */
  config: Partial<TrainConfig>;
  /**
   * Start from this run's weights (a loaded model or checkpoint) instead of a fresh init. Its
   * model, latent size, layers, architecture and likelihood win over those in `config`.
   */
  initFrom?: RunId;
  /**
   * Train only on the training rows whose label is one of these classes (label indices), e.g. the
   * normal classes of an anomaly detector. Needs a label column; default every row.
   */
  classes?: number[];
}

export interface PcaRequest {
  datasetId: DatasetId;
  components: number;
}

export interface ExportRequest {
  embeddingId: EmbeddingId;
  path: string;
}

/** Any reducer on a dataset: PCA, UMAP, t-SNE, or a trained model's latent means. */
export type ReduceRequest = { datasetId: DatasetId } & ReduceRequestParams;

export interface MetricsRequest {
  datasetId: DatasetId;
  /** Embeddings to score (default: every embedding of the dataset). */
  embeddingIds?: EmbeddingId[];
}

export interface MetricsExportRequest extends MetricsRequest {
  path: string;
}

export interface NeighboursRequest {
  datasetId: DatasetId;
  /** Test-split row index (position in EmbeddingData.coords). */
  row: number;
  k: number;
  embeddingIds: EmbeddingId[];
}

export interface ReconstructRequest {
  datasetId: DatasetId;
  /** Test-split row indices to return reconstructions for (the grid's rows). */
  rows: number[];
  methods: ReconMethod[];
}

/** What each job kind resolves to in its `done` event. */
export interface JobResults {
  open: DatasetSummary;
  train: RunSummary;
  pca: EmbeddingSummary;
  reduce: EmbeddingSummary;
  metrics: MetricsTable;
  export: ExportResult;
  embed: EmbeddingSummary;
  evaluate: EvaluationResult;
  anomalies: AnomalyResult;
}
export type JobKind = keyof JobResults;

export type JobEvent =
  | { type: 'started'; jobId: JobId; kind: JobKind; title: string }
  | { type: 'progress'; jobId: JobId; fraction: number; message: string; samplesPerSec?: number }
  /** A training job's run was created: its id, resolved config and choices (status 'running'). */
  | { type: 'run'; jobId: JobId; run: RunSummary }
  /** End of a training epoch (train and validation terms). */
  | { type: 'metrics'; jobId: JobId; metrics: EpochMetrics }
  /** Smoothed live numbers while an epoch runs, at most ~7 a second. */
  | { type: 'batch'; jobId: JobId; metrics: BatchMetrics }
  | { type: 'paused'; jobId: JobId }
  | { type: 'resumed'; jobId: JobId }
  | { type: 'log'; jobId: JobId; message: string }
  | { [K in JobKind]: { type: 'done'; jobId: JobId; kind: K; result: JobResults[K] } }[JobKind]
  | { type: 'error'; jobId: JobId; error: LabError }
  | { type: 'cancelled'; jobId: JobId };

export type JobListener = (event: JobEvent) => void;

/** What the engine serves (in the worker, in-process for the CLI and tests). */
export interface EngineApi {
  /** Starts the tfjs backend chain if needed and says which backend won. */
  backend(): Promise<BackendInfo>;
  listDatasets(): Promise<CatalogEntry[]>;
  openDataset(req: OpenDatasetRequest): Promise<JobId>;
  getDataset(id: DatasetId): Promise<DatasetSummary>;
  /** Raw cells, model features and thumbnails of some rows of one split. */
  getRows(req: RowsRequest): Promise<DatasetRows>;
  /** One column's values for every row of a split, in the file's units (colour by column). */
  getColumn(req: ColumnRequest): Promise<ColumnValues>;
  /** Forgets an open dataset (frees its memory); e.g. after reopening it with other options. */
  closeDataset(id: DatasetId): Promise<void>;
  /** Starts training; rejects at once (before any job) when the config does not fit the data. */
  train(req: TrainRequest): Promise<JobId>;
  /** Holds a training job after its current batch; resume() continues it, cancel() ends it. */
  pause(jobId: JobId): Promise<void>;
  resume(jobId: JobId): Promise<void>;
  /** Every run of this session (running, finished, failed, loaded), oldest first. */
  listRuns(): Promise<RunSummary[]>;
  getRun(id: RunId): Promise<RunSummary>;
  /** Writes a run's model (model.json + weights.bin) into a folder. */
  saveModel(req: SaveModelRequest): Promise<SavedModelInfo>;
  /** Reads a saved model (or a run's checkpoint folder) and adds it to the run list as 'loaded'. */
  loadModel(req: LoadModelRequest): Promise<RunSummary>;
  /** Latent codes of a dataset's rows under a run's model, with the model's own preprocessing. */
  embed(req: EmbedRequest): Promise<JobId>;
  /** A run's objective terms on a dataset's test split, with the model's own preprocessing. */
  evaluate(req: EvaluateRequest): Promise<JobId>;
  /** PCA with k components (kept for the first UI; the same as reduce with method 'pca'). */
  computePca(req: PcaRequest): Promise<JobId>;
  /** Runs a reducer as a job; resolves to the new embedding's summary. */
  reduce(req: ReduceRequest): Promise<JobId>;
  /** Test-split coordinates (default), or the training-split ones where the engine has them. */
  getEmbedding(id: EmbeddingId, split?: SplitName): Promise<EmbeddingData>;
  /** Embeddings of a dataset (summaries, newest last). */
  listEmbeddings(datasetId: DatasetId): Promise<EmbeddingSummary[]>;
  exportEmbedding(req: ExportRequest): Promise<JobId>;
  /** Scores embeddings on the test split as a job; resolves to the comparison table. */
  computeMetrics(req: MetricsRequest): Promise<JobId>;
  /** Writes the comparison table as CSV (computing missing rows first); an 'export' job. */
  exportMetrics(req: MetricsExportRequest): Promise<JobId>;
  /** Nearest test rows of one test row in data space and in each embedding. */
  neighbours(req: NeighboursRequest): Promise<NeighboursResult>;
  /** Originals and reconstructions (PCA-k, models) of chosen test rows, plus per-feature errors. */
  reconstruct(req: ReconstructRequest): Promise<ReconstructionResult>;
  /** Decodes N points drawn from the model's prior (or a Gaussian fitted to its codes). */
  generateSamples(req: SampleRequest): Promise<GeneratedSamples>;
  /** Decodes the base point with one latent dimension varied at a time, one row per dimension. */
  traverseLatent(req: TraversalRequest): Promise<LatentTraversal>;
  /** A 2-D model's decoded latent plane (the manifold grid), with its test embedding for the scatter. */
  latentGrid(req: LatentGridRequest): Promise<LatentGrid>;
  /** Straight paths between two test rows: in latent space (decoded), in feature space and in PCA space. */
  interpolate(req: InterpolationRequest): Promise<Interpolation>;
  /** Writes generated samples (the same seed gives the same rows) as CSV `z1…zk, features…`; an 'export' job. */
  exportSamples(req: SampleExportRequest): Promise<JobId>;
  /**
   * Trains the chosen model on the normal classes' training rows, fits PCA on them, scores every
   * test row with each method and, with normal classes, ROC + AUC; an 'anomalies' job.
   */
  detectAnomalies(req: AnomalyRequest): Promise<JobId>;
  /** The most anomalous test rows by one score, and how many lie at or above a threshold. */
  rankAnomalies(req: AnomalyRankRequest): Promise<AnomalyRanking>;
  /** Writes the scores as CSV `id,label,is_anomaly,<score keys…>`; an 'export' job. */
  exportAnomalies(req: AnomalyExportRequest): Promise<JobId>;
  /**
   * Stores bytes the user dropped/picked in browser mode; returns a path openDataset accepts.
   * `name` may be a relative path (a file inside a dropped folder); files sent with the same
   * `group` land in the same upload folder, keeping their sub-folders.
   */
  uploadFile(name: string, bytes: Uint8Array, group?: string): Promise<string>;
  cancel(jobId: JobId): Promise<void>;
}

/** What only a shell (Electron main, loopback server) can do. */
export interface ShellApi {
  info(): Promise<AppInfo>;
  /** Native open dialog; resolves null when cancelled. Electron only (see AppInfo.nativeDialogs). */
  pickOpenPath(kind?: 'file' | 'folder'): Promise<string | null>;
  /** Native save dialog; resolves null when cancelled. Electron only. */
  pickSavePath(defaultName: string): Promise<string | null>;
}

export interface LabApi extends EngineApi, ShellApi {
  /** Subscribe to job events; returns the unsubscribe function. */
  onEvent(listener: JobListener): () => void;
}

export type CallableMethod = Exclude<keyof LabApi, 'onEvent'>;

export const engineMethods = [
  'backend',
  'listDatasets',
  'openDataset',
  'getDataset',
  'getRows',
  'getColumn',
  'closeDataset',
  'train',
  'pause',
  'resume',
  'listRuns',
  'getRun',
  'saveModel',
  'loadModel',
  'embed',
  'evaluate',
  'computePca',
  'reduce',
  'getEmbedding',
  'listEmbeddings',
  'exportEmbedding',
  'computeMetrics',
  'exportMetrics',
  'neighbours',
  'reconstruct',
  'generateSamples',
  'traverseLatent',
  'latentGrid',
  'interpolate',
  'exportSamples',
  'detectAnomalies',
  'rankAnomalies',
  'exportAnomalies',
  'uploadFile',
  'cancel',
] as const satisfies readonly (keyof EngineApi)[];

export const shellMethods = ['info', 'pickOpenPath', 'pickSavePath'] as const satisfies readonly (keyof ShellApi)[];

export const callableMethods: readonly CallableMethod[] = [...engineMethods, ...shellMethods];

/** The error every boundary throws: carries a LabError value, never a stack to the user. */
export class LabFailure extends Error {
  readonly code: string;
  readonly detail?: string;
  constructor(code: string, message: string, detail?: string) {
    super(message);
    this.name = 'LabFailure';
    this.code = code;
    this.detail = detail;
  }
  toValue(): LabError {
    return { code: this.code, message: this.message, ...(this.detail ? { detail: this.detail } : {}) };
  }
}

/** Turns anything thrown into a LabError value fit for the user. */
export function toLabError(err: unknown): LabError {
  if (err instanceof LabFailure) return err.toValue();
  if (isLabError(err)) return { code: err.code, message: err.message, detail: err.detail };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message: `Something went wrong inside Latent Lab: ${message}` };
}

export function isLabError(v: unknown): v is LabError {
  return (
    typeof v === 'object' && v !== null &&
    typeof (v as LabError).code === 'string' && typeof (v as LabError).message === 'string'
  );
}
