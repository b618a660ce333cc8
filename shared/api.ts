// The one contract between the UI and everything behind it. Served three ways (Electron IPC, the
// loopback WebSocket, direct calls) with no logic of its own in any of them; see ARCHITECTURE.md.
// The engine's methods are typed from its handler map (a type-only import: no engine code is
// bundled into the renderer or the shells).
import type { EngineApiOf } from '../electron/engine/api';
import type { WorkspaceOpened } from '../electron/engine/workspace/open';
import type {
  AppInfo,
  BatchMetrics,
  DatasetId,
  DatasetSummary,
  EmbeddingId,
  EmbeddingSummary,
  EpochMetrics,
  EvaluationResult,
  EveryRowSummary,
  ExportResult,
  JobId,
  LabError,
  MetricsTable,
  OpenOptions,
  ReconMethod,
  ReduceRequestParams,
  RunId,
  RunSummary,
  SplitName,
  TrainConfig,
} from './types';
import type { AnomalyResult } from './anomalies';
import type { NeighbourhoodChange } from './explore';
import type { ConnectEngineRequest, ConnectEngineResult, EngineConnectionEvent, EngineStatus, KnownEngine } from './remote';

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
  /** Fields left out take the defaults that suit the dataset (shared/train-config.ts withDefaults, datasetDefaults). */
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
  /** Replace an existing file (default: refuse with code 'exists'). */
  overwrite?: boolean;
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
  /** Replace an existing file (default: refuse with code 'exists'). */
  overwrite?: boolean;
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
  everyRow: EveryRowSummary;
  anomalies: AnomalyResult;
  workspace: WorkspaceOpened;
  neighbourhoods: NeighbourhoodChange;
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

/** Not about one job: the engine process stopped (how, and what was running) and a fresh one took over. */
export type EngineNotice = { type: 'engine-restarted'; jobId?: undefined; message: string; detail: string };

/** Everything the event stream carries (the connection to a remote engine too: shared/remote.ts). */
export type LabEvent = JobEvent | EngineNotice | EngineConnectionEvent;

export type JobListener = (event: LabEvent) => void;

/**
 * What the engine serves (in its own process for the app, in-process for the CLI and tests):
 * derived from the handler map in electron/engine/api.ts, where each method is defined once with
 * its argument schema and its documentation.
 */
export type EngineApi = EngineApiOf;
export type EngineMethod = keyof EngineApi;

/**
 * The engine as a shell holds it (in-process, or a proxy to the engine process): typed methods,
 * plus `call` by name for transports that pass calls through unexamined (the engine validates).
 */
export type EngineClient = EngineApi & {
  call(method: string, args: unknown[]): Promise<unknown>;
  onEvent(listener: JobListener): () => void;
};

/** What only a shell (Electron main, loopback server) can do. */
export interface ShellApi {
  info(): Promise<AppInfo>;
  /** Native open dialog; resolves null when cancelled. Electron only (see AppInfo.nativeDialogs). */
  pickOpenPath(kind?: 'file' | 'folder'): Promise<string | null>;
  /** Native save dialog; resolves null when cancelled. Electron only. */
  pickSavePath(defaultName: string): Promise<string | null>;
  /** Which engine does the work: this machine's, or a remote one (`lab serve`) and how its connection is. */
  engineStatus(): Promise<EngineStatus>;
  /** Switches to the engine at `url` (the token is remembered per host, in the shell only). */
  connectEngine(req: ConnectEngineRequest): Promise<ConnectEngineResult>;
  /** Back to this machine's engine. */
  useLocalEngine(): Promise<EngineStatus>;
  /** Engines connected to before (never their tokens). */
  knownEngines(): Promise<KnownEngine[]>;
  /** Forgets a remembered engine and its token. */
  forgetEngine(url: string): Promise<void>;
}

export interface LabApi extends EngineApi, ShellApi {
  /** Subscribe to job events; returns the unsubscribe function. */
  onEvent(listener: JobListener): () => void;
}

export type CallableMethod = Exclude<keyof LabApi, 'onEvent'>;

/** What a transport carries: calls by name and the event stream (Electron's preload exposes this). */
export interface LabBridge {
  call(method: string, args: unknown[]): Promise<unknown>;
  onEvent(listener: JobListener): () => void;
}

/** The typed LabApi over a bridge: every method is a call by name, validated on the other side. */
export function apiOverBridge(bridge: LabBridge): LabApi {
  return new Proxy({} as Record<string, unknown>, {
    get: (cache, name) => {
      if (typeof name !== 'string' || name === 'then') return undefined;
      if (name === 'onEvent') return (l: JobListener) => bridge.onEvent(l);
      return (cache[name] ??= (...args: unknown[]) => bridge.call(name, args));
    },
  }) as unknown as LabApi;
}

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
