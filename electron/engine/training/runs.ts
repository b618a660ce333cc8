// The run list: every training run of the session (and every model loaded from disk) with its
// config, curves and final metrics, its model while it has one, and its folder on disk holding
// run.json and the end-of-epoch checkpoint.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LabFailure } from '../../../shared/api';
import type { RunId, RunSummary, SavedModelInfo } from '../../../shared/types';
import { appVersion } from '../../version';
import { writeFileAtomic } from '../export/csv';
import type { JobContext } from '../session/jobs';
import type { DataSchema } from '../models/model-input';
import { disposeModel, type Model } from '../models/model';
import { saveModelDir, type SaveContents } from '../models/serialize';
import { runsDir } from '../core/paths';

export interface Run {
  summary: RunSummary;
  /** Null before training starts and after a failure. */
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

export class RunStore {
  private readonly runs = new Map<RunId, Run>();

  add(run: Run): void {
    this.runs.set(run.summary.id, run);
  }

  get(id: RunId): Run {
    const run = this.runs.get(id);
    if (!run) throw new LabFailure('no-such-run', 'That run is not in the run list.', 'Train a model or load a saved one.');
    return run;
  }

  /** The run's model, or a message saying why there is none. */
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

  /** run.json: the summary as the run list shows it, kept beside the checkpoint. */
  async writeRecord(run: Run): Promise<void> {
    const dir = this.folder(run.summary.id);
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, 'run.json'), [JSON.stringify(run.summary, null, 1)]);
  }

  async save(id: RunId, path: string): Promise<SavedModelInfo> {
    const run = this.get(id);
    this.model(id);
    return saveModelDir(path, this.contents(run));
  }
}
