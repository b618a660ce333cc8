// The run list: every training run (and every model loaded from disk) with its config, curves and
// final metrics, its model while it has one, and its folder on disk holding run.json and the
// checkpoint (the final model once it finishes). The list is rebuilt from the runs folder when an
// engine starts: a run left 'running' by a process that is gone becomes 'interrupted', and models
// are read from their checkpoints when first needed.
import { hostname } from 'node:os';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { LabFailure } from '../../../shared/api';
import type { RunId, RunSummary, SavedModelInfo } from '../../../shared/types';
import { appVersion } from '../../version';
import { writeFileAtomic } from '../export/csv';
import type { JobContext } from '../session/jobs';
import type { DataSchema } from '../models/model-input';
import { disposeModel, type Model } from '../models/model';
import { loadModelDir, readModelFile, removeOrphans, saveModelDir, type SaveContents } from '../models/serialize';
import { runsDir } from '../core/paths';
import { processAlive as alive } from '../core/process';

export interface Run {
  summary: RunSummary;
  /** Null before training starts, after a failure, and until a restored run's checkpoint is read. */
  model: Model | null;
  schema: DataSchema;
  /** The epoch of the last checkpoint written, and when. */
  checkpointed?: number;
  checkpointedAt?: number;
}

/** A training run checked and built, ready to train inside a job. */
export interface RunPlan {
  run: Run;
  title: string;
  work(ctx: JobContext): Promise<RunSummary>;
}

/** run.json on disk: the summary, what the model reads, and which process is training it. */
interface RunRecord {
  format: 'latent-lab-run';
  version: 1;
  summary: RunSummary;
  schema: DataSchema;
  owner: { pid: number; host: string } | null;
}


export class RunStore {
  private readonly runs = new Map<RunId, Run>();
  private restored: Promise<string[]> | null = null;

  add(run: Run): void {
    run.summary.title = this.uniqueTitle(run.summary.title, run.summary.id);
    this.runs.set(run.summary.id, run);
  }

  /** The title, or the title with " #2", " #3"… when another run already has it. */
  uniqueTitle(title: string, self?: RunId): string {
    const taken = new Set([...this.runs.values()].filter((r) => r.summary.id !== self).map((r) => r.summary.title));
    if (!taken.has(title)) return title;
    let n = 2;
    while (taken.has(`${title} #${n}`)) n++;
    return `${title} #${n}`;
  }

  /**
   * Rebuilds the run list from the runs folder (once per engine): every readable run.json is
   * listed; a 'running' one whose process is gone becomes 'interrupted'; temp files of killed
   * writes are removed. Resolves with notes on what could not be read.
   */
  restore(): Promise<string[]> {
    this.restored ??= this.readFolder();
    return this.restored;
  }

  /** Lists runs another process (the CLI, another window) added to the runs folder since. */
  async refresh(): Promise<void> {
    await this.restore();
    await this.readFolder(false);
  }

  private async readFolder(clean = true): Promise<string[]> {
    const root = runsDir();
    const notes: string[] = [];
    if (clean) await removeOrphans(root).catch(() => []);
    const names = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const d of names) {
      if (!d.isDirectory() || this.runs.has(d.name as RunId)) continue;
      const run = await this.readRecord(join(root, d.name)).catch((err: Error) => {
        notes.push(`Run ${d.name} could not be read: ${err.message}`);
        return null;
      });
      if (run && !this.runs.has(run.summary.id)) this.runs.set(run.summary.id, run);
    }
    return notes;
  }

  private async readRecord(dir: string): Promise<Run | null> {
    const text = await readFile(join(dir, 'run.json'), 'utf8').catch(() => null);
    if (text === null) return null;
    const raw = JSON.parse(text) as Partial<RunRecord> & Partial<RunSummary>;
    // records of earlier versions hold the summary alone; their schema is in the checkpoint
    const record: RunRecord = raw.format === 'latent-lab-run'
      ? (raw as RunRecord)
      : { format: 'latent-lab-run', version: 1, summary: raw as RunSummary, schema: null as unknown as DataSchema, owner: null };
    const summary = record.summary;
    summary.warnings ??= [];
    if (!summary?.id || !summary.config || !Array.isArray(summary.epochs)) throw new Error('run.json is not a run record');
    let schema = record.schema;
    if (!schema) {
      if (!summary.checkpointDir) return null;
      schema = (await readModelFile(summary.checkpointDir)).file.data;
    }
    if (summary.status === 'running') {
      const mine = record.owner && record.owner.host === hostname() && record.owner.pid !== process.pid && alive(record.owner.pid);
      if (!mine) {
        summary.status = 'interrupted';
        const done = summary.epochs.length;
        summary.message = `Interrupted: the app stopped during training (epoch ${done + 1} of ${summary.config.epochs}).` +
          (summary.checkpointDir ? ` Its last checkpoint holds ${done} epoch${done === 1 ? '' : 's'}; resume it to train the rest.` : ' No checkpoint was written.');
        const run: Run = { summary, schema, model: null };
        await this.writeRecord(run).catch(() => {});
        return run;
      }
    }
    return { summary, schema, model: null };
  }

  /** The run's model, reading a restored run's checkpoint when first needed. */
  async ensureModel(id: RunId): Promise<Model> {
    const run = this.get(id);
    if (run.model) return run.model;
    const usable = run.summary.status !== 'running' && run.summary.status !== 'failed' && run.summary.status !== 'diverged';
    if (usable && run.summary.checkpointDir) {
      const { model } = await loadModelDir(run.summary.checkpointDir);
      if (run.model) disposeModel(model); // read twice at once: keep the first
      else run.model = model;
      return run.model!;
    }
    return this.model(id);
  }

  /**
   * The run's model as files (model.json's text and its weights), for a workspace: its checkpoint
   * on disk (the final model once it finished), else the model in memory; null when it has none.
   */
  async modelFiles(id: RunId): Promise<{ json: string; weightsName: string; weights: Uint8Array } | null> {
    const run = this.get(id);
    let dir = run.summary.checkpointDir;
    let scratch: string | null = null;
    if (!dir || !(await stat(join(dir, 'model.json')).catch(() => null))) {
      if (!run.model) return null;
      scratch = await mkdtemp(join(tmpdir(), 'lab-model-'));
      dir = scratch;
      await saveModelDir(dir, this.contents(run));
    }
    try {
      const json = await readFile(join(dir, 'model.json'), 'utf8');
      const weightsName = (JSON.parse(json) as { weightsManifest: { paths: string[] }[] }).weightsManifest[0].paths[0];
      const weights = new Uint8Array(await readFile(join(dir, weightsName)));
      return { json, weightsName, weights };
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
  }

  /**
   * Takes in a run from elsewhere (a workspace): its folder is written into the runs folder
   * (record and model as its checkpoint) so it lasts like a run trained here.
   */
  async adopt(summary: RunSummary, schema: DataSchema, model: { json: string; weightsName: string; weights: Uint8Array } | null): Promise<Run> {
    const existing = this.runs.get(summary.id);
    if (existing) return existing;
    const dir = this.folder(summary.id);
    summary.checkpointDir = null;
    if (model) {
      const checkpoint = join(dir, 'checkpoint');
      await mkdir(checkpoint, { recursive: true });
      await writeFileAtomic(join(checkpoint, model.weightsName), [model.weights]);
      await writeFileAtomic(join(checkpoint, 'model.json'), [model.json]);
      summary.checkpointDir = checkpoint;
    }
    if (summary.status === 'running') summary.status = 'interrupted';
    summary.warnings ??= [];
    const run: Run = { summary, schema, model: null };
    this.runs.set(summary.id, run);
    await this.writeRecord(run);
    return run;
  }

  rename(id: RunId, title: string): Promise<void> {
    const run = this.get(id);
    run.summary.title = this.uniqueTitle(title, id);
    return this.writeRecord(run);
  }

  /** Forgets a run and removes its folder (checkpoint, record); refused while it trains. */
  async remove(id: RunId): Promise<void> {
    const run = this.get(id);
    if (run.summary.status === 'running') throw new LabFailure('run-busy', 'That run is still training.', 'Cancel it first, then delete it.');
    this.dropModel(run);
    this.runs.delete(id);
    const dir = resolve(this.folder(id));
    // only ever a folder inside the runs folder
    if (dir.startsWith(resolve(runsDir()) + sep)) await rm(dir, { recursive: true, force: true });
  }

  get(id: RunId): Run {
    const run = this.runs.get(id);
    if (!run) throw new LabFailure('no-such-run', 'That run is not in the run list.', 'Train a model or load a saved one.');
    return run;
  }

  /** The run's model when it is in memory (see ensureModel), or a message saying why there is none. */
  model(id: RunId): Model {
    const run = this.get(id);
    if (!run.model) {
      throw new LabFailure('no-model', run.summary.status === 'running'
        ? 'That run is still training.' : `That run has no model (it ${run.summary.status === 'diverged' ? 'diverged' : 'did not finish'}).`,
      run.summary.checkpointDir ? `Load its last checkpoint from ${run.summary.checkpointDir}.` : 'Train it again.');
    }
    return run.model;
  }

  list(): RunSummary[] {
    return [...this.runs.values()].map((r) => r.summary).sort((a, b) => a.startedAt - b.startedAt);
  }

  dropModel(run: Run): void {
    if (run.model) disposeModel(run.model);
    run.model = null;
  }

  folder(id: RunId): string {
    return join(runsDir(), id);
  }

  private contents(run: Run): SaveContents {
    const s = run.summary;
    return {
      model: run.model!,
      config: s.config,
      data: run.schema,
      training: { status: s.status, backend: s.backend, epochs: s.epochs, bestEpoch: s.bestEpoch, test: s.test, trainRows: s.trainRows, validationRows: s.validationRows },
      savedBy: `Latent Lab ${appVersion}`,
    };
  }

  /** Writes the run's current weights as its checkpoint (epoch-named weights, then model.json). */
  async checkpoint(run: Run, epoch: number): Promise<void> {
    const dir = join(this.folder(run.summary.id), 'checkpoint');
    await saveModelDir(dir, this.contents(run), `weights-epoch${epoch}.bin`);
    run.summary.checkpointDir = dir;
    await this.writeRecord(run);
  }

  /** run.json: the summary as the run list shows it and the data schema, kept beside the checkpoint. */
  async writeRecord(run: Run): Promise<void> {
    const dir = this.folder(run.summary.id);
    await mkdir(dir, { recursive: true });
    const record: RunRecord = {
      format: 'latent-lab-run',
      version: 1,
      summary: run.summary,
      schema: run.schema,
      owner: run.summary.status === 'running' ? { pid: process.pid, host: hostname() } : null,
    };
    await writeFileAtomic(join(dir, 'run.json'), [JSON.stringify(record, null, 1)]);
  }

  async save(id: RunId, path: string): Promise<SavedModelInfo> {
    const run = this.get(id);
    this.model(id);
    return saveModelDir(path, this.contents(run));
  }
}
