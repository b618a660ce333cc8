// The UI's state: what the engine told us (datasets, runs, embeddings), running jobs and their
// progress, and messages for the user. Panels read it; actions go through `lab.api`.
import { isLabError, type DatasetSource, type EngineNotice, type JobEvent, type JobKind, type JobResults, type LabApi, type LabEvent } from '../../../shared/api';
import type {
  AppInfo,
  BatchMetrics,
  CatalogEntry,
  DatasetSummary,
  EmbeddingSummary,
  EpochMetrics,
  JobId,
  LabError,
  RunSummary,
  TrainConfig,
} from '../../../shared/types';
import type { EngineConnectionEvent } from '../../../shared/remote';
import { withDefaults } from '../../../shared/train-config';

export type PanelName = 'data' | 'train' | 'compare' | 'generate' | 'anomalies' | 'export';

export interface JobView {
  id: JobId;
  kind: JobKind;
  title: string;
  fraction: number;
  message: string;
  samplesPerSec: number | null;
  startedAt: number;
  cancelling: boolean;
  paused: boolean;
}

export interface Notice {
  id: number;
  tone: 'error' | 'info';
  message: string;
  detail?: string;
}

const FLUSH_MS = 100;
/** Live points kept for the per-batch view; beyond this every other one is dropped. */
const LIVE_CAP = 4000;

type Waiter = { kind: JobKind; resolve: (v: unknown) => void; reject: (e: LabError) => void };

function asLabError(err: unknown): LabError {
  if (isLabError(err)) return err;
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

class LabState {
  api: LabApi | null = null;
  info = $state<AppInfo | null>(null);
  catalog = $state<CatalogEntry[]>([]);
  panel = $state<PanelName>('data');
  dataset = $state<DatasetSummary | null>(null);
  jobs = $state<JobView[]>([]);
  notices = $state<Notice[]>([]);
  /** The Train panel's settings, kept while the user visits other panels. */
  trainConfig = $state<TrainConfig>(withDefaults());
  /** Every run of this session (training, finished, loaded), oldest first. */
  runs = $state<RunSummary[]>([]);
  /** The run the panels show (the latest trained, or the one picked in the run list). */
  run = $state<RunSummary | null>(null);
  /** Smoothed live numbers of the training job in progress (cleared when a new one starts). */
  liveBatches = $state.raw<BatchMetrics[]>([]);
  pca = $state<EmbeddingSummary | null>(null);
  lastExport = $state<{ path: string; rows: number } | null>(null);

  /** Rows (positions in the test split) selected in any scatter; all views highlight them. */
  selection = $state.raw<Int32Array | null>(null);

  private waiters = new Map<JobId, Waiter>();
  /** Training job → its run, learned from the 'run' event. */
  private jobRuns = new Map<JobId, RunSummary['id']>();
  private pcaRequest: { datasetId: string; done: Promise<void> } | null = null;
  private early = new Map<JobId, JobEvent[]>();
  private noticeId = 1;
  /** Events not yet applied: a fast job (tiny epochs) can send hundreds a second, and the UI
   *  applies them in order at most ten times a second so the window stays responsive. */
  private queue: JobEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  attach(api: LabApi): void {
    this.api = api;
    api.onEvent((e: LabEvent) => (e.type === 'engine-restarted' ? this.recover(e) : e.type === 'engine-connection' ? this.connection(e) : this.enqueue(e)));
  }

  /** The connection to a remote engine: lost (reconnecting), back, or refused for good. */
  private connection(e: EngineConnectionEvent): void {
    if (this.info?.engine?.kind === 'remote') {
      this.info.engine = { ...this.info.engine, state: e.state, message: e.message };
    }
    if (e.state === 'connected') {
      this.notices = this.notices.filter((n) => !n.message.includes(e.host));
      this.notify('info', e.message);
    } else {
      this.notify('error', e.message);
    }
  }

  /** Set by the workspace: what to do when the engine process stopped and a fresh one took over. */
  onEngineRestarted: ((e: EngineNotice) => void) | null = null;
  /** Set by the workspace: a job finished whose result is worth keeping (autosave). */
  onWorkDone: ((kind: JobKind) => void) | null = null;

  private recover(e: EngineNotice): void {
    this.notify('error', e.message, e.detail);
    this.onEngineRestarted?.(e);
  }

  private enqueue(e: JobEvent): void {
    this.queue.push(e);
    // the first event after a quiet spell shows at once; a stream is applied every 100 ms
    this.flushTimer ??= setTimeout(() => this.flush(), this.queue.length === 1 && e.type !== 'metrics' && e.type !== 'batch' && e.type !== 'progress' ? 0 : FLUSH_MS);
  }

  private flush(): void {
    this.flushTimer = null;
    const events = this.queue;
    this.queue = [];
    const epochs = new Map<JobId, EpochMetrics[]>();
    const apply = (): void => {
      for (const [jobId, list] of epochs) {
        const run = this.runOfJob(jobId);
        if (run) run.epochs.push(...list);
      }
      epochs.clear();
    };
    for (const e of events) {
      if (e.type === 'metrics' && this.waiters.has(e.jobId)) {
        // one push per job and flush: the curves re-derive once, not once per epoch
        const list = epochs.get(e.jobId);
        if (list) list.push(e.metrics);
        else epochs.set(e.jobId, [e.metrics]);
        continue;
      }
      apply();
      this.onEvent(e);
    }
    apply();
  }

  notify(tone: Notice['tone'], message: string, detail?: string): void {
    // the same news twice (a crash reported by the job and by the engine) shows once
    if (this.notices.some((n) => n.tone === tone && n.message === message)) return;
    const id = this.noticeId++;
    this.notices = [...this.notices, { id, tone, message, detail }];
    if (tone === 'info') setTimeout(() => this.dismiss(id), 6000);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  fail(err: unknown): void {
    const e = asLabError(err);
    this.notify('error', e.message, e.detail);
  }

  jobOf(kind: JobKind): JobView | undefined {
    return this.jobs.find((j) => j.kind === kind);
  }

  /** Starts a job and resolves with its result; progress shows in the UI while it runs. */
  async runJob<K extends JobKind>(kind: K, start: Promise<JobId>): Promise<JobResults[K]> {
    const id = await start;
    return new Promise<JobResults[K]>((resolve, reject) => {
      this.waiters.set(id, { kind, resolve: resolve as (v: unknown) => void, reject });
      for (const e of this.early.get(id) ?? []) this.onEvent(e);
      this.early.delete(id);
    });
  }

  /** Computes the 2-component PCA of the current dataset once (later calls share the request). */
  ensurePca(): Promise<void> {
    const ds = this.dataset;
    if (!ds || !this.api) return Promise.resolve();
    if (this.pcaRequest?.datasetId === ds.id) return this.pcaRequest.done;
    const api = this.api;
    // a dataset opened again (or restored) already has its PCA-2: use it, do not compute another
    const existing = api.listEmbeddings(ds.id).then((list) => list.find((e) => e.method === 'pca' && e.dims === 2 && e.diagnostics.explainedVarianceRatio) ?? null, () => null);
    const done = existing.then((found) => found ?? this.runJob('pca', api.computePca({ datasetId: ds.id, components: 2 }))).then(
      (pca) => {
        if (this.dataset?.id === ds.id) this.pca = pca;
      },
      (err) => {
        if (this.pcaRequest?.done === done) this.pcaRequest = null;
        if (!isCancelled(err)) this.fail(err);
      },
    );
    this.pcaRequest = { datasetId: ds.id, done };
    return done;
  }

  /** Forgets everything computed on the previous dataset. */
  setDataset(summary: DatasetSummary): void {
    this.dataset = summary;
    this.run = null;
    this.pca = null;
    this.liveBatches = [];
    this.selection = null;
    this.pcaRequest = null;
  }

  async cancel(job: JobView): Promise<void> {
    job.cancelling = true;
    await this.api?.cancel(job.id).catch(() => {});
  }

  async pause(job: JobView): Promise<void> {
    await this.api?.pause(job.id).catch((e) => this.fail(e));
  }

  async resume(job: JobView): Promise<void> {
    await this.api?.resume(job.id).catch((e) => this.fail(e));
  }

  /** Puts a run (new or updated) into the list, keeping the order runs started in. */
  upsertRun(run: RunSummary): void {
    const at = this.runs.findIndex((r) => r.id === run.id);
    if (at >= 0) this.runs[at] = run;
    else this.runs.push(run);
    if (this.run?.id === run.id) this.run = run;
  }

  private runOfJob(jobId: JobId): RunSummary | undefined {
    const id = this.jobRuns.get(jobId);
    return id ? this.runs.find((r) => r.id === id) : undefined;
  }

  private update(id: JobId, patch: Partial<JobView>): void {
    const job = this.jobs.find((j) => j.id === id);
    if (job) Object.assign(job, patch);
  }

  private onEvent(e: JobEvent): void {
    const waiter = this.waiters.get(e.jobId);
    if (!waiter && e.type !== 'started') {
      // events can arrive before runJob() learned its id
      this.early.set(e.jobId, [...(this.early.get(e.jobId) ?? []), e]);
      return;
    }
    switch (e.type) {
      case 'started':
        if (!this.jobs.some((j) => j.id === e.jobId)) {
          this.jobs.push({ id: e.jobId, kind: e.kind, title: e.title, fraction: 0, message: 'Starting…', samplesPerSec: null, startedAt: Date.now(), cancelling: false, paused: false });
        }
        if (e.kind === 'train') this.liveBatches = [];
        return;
      case 'run':
        this.jobRuns.set(e.jobId, e.run.id);
        this.upsertRun(e.run);
        this.run = this.runs.find((r) => r.id === e.run.id) ?? null;
        return;
      case 'batch': {
        const kept = this.liveBatches.length >= LIVE_CAP ? this.liveBatches.filter((_, i) => i % 2 === 0) : this.liveBatches;
        this.liveBatches = [...kept, e.metrics];
        return;
      }
      case 'paused':
      case 'resumed':
        this.update(e.jobId, { paused: e.type === 'paused' });
        return;
      case 'progress':
        this.update(e.jobId, { fraction: e.fraction, message: e.message, ...(e.samplesPerSec ? { samplesPerSec: e.samplesPerSec } : {}) });
        return;
      case 'metrics': {
        const run = this.runOfJob(e.jobId);
        if (run) run.epochs.push(e.metrics);
        return;
      }
      case 'log':
        return;
      case 'done':
        if (e.kind === 'train') this.upsertRun(e.result);
        this.finish(e.jobId);
        waiter?.resolve(e.result);
        if (e.kind !== 'export' && e.kind !== 'workspace') this.onWorkDone?.(e.kind);
        return;
      case 'error':
        void this.refreshRun(e.jobId);
        this.finish(e.jobId);
        waiter?.reject(e.error);
        return;
      case 'cancelled':
        void this.refreshRun(e.jobId);
        this.finish(e.jobId);
        waiter?.reject({ code: 'cancelled', message: 'Cancelled.' });
        return;
    }
  }

  /** After a failed or cancelled training job, fetch its run's final status (diverged, cancelled…). */
  private async refreshRun(jobId: JobId): Promise<void> {
    const id = this.jobRuns.get(jobId);
    if (!id || !this.api) return;
    const run = await this.api.getRun(id).catch(() => null);
    if (run) this.upsertRun(run);
  }

  private finish(id: JobId): void {
    this.jobs = this.jobs.filter((j) => j.id !== id);
    this.waiters.delete(id);
  }
}

export const lab = new LabState();

/** Where a dataset was opened from (to open it again). */
export function sourceOf(summary: DatasetSummary): DatasetSource {
  return summary.builtin ? { kind: 'builtin', name: summary.builtin } : { kind: 'file', path: summary.source };
}

export function isCancelled(err: unknown): boolean {
  return isLabError(err) && err.code === 'cancelled';
}
