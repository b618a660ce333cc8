// The Generate panel's state: which run generates, the mode on screen, the class (CVAE) and latent
// source, each mode's last result and the two rows picked for interpolation. Kept while the user
// visits other panels; reset when another dataset is opened.
import type { GeneratedSamples, GenerationInfo, Interpolation, LatentGrid, LatentSource, LatentTraversal } from '../../../shared/generation';
import { MODEL_INFO } from '../../../shared/models';
import type { DatasetSummary, RunId, RunSummary } from '../../../shared/types';
import { lab } from './lab.svelte';

export type GenerateMode = 'samples' | 'traversal' | 'manifold' | 'interpolation' | 'attribute';

/** A run can generate when it has a model: it finished (or stopped with some epochs) or was loaded. */
export function canGenerate(run: RunSummary, ds: DatasetSummary | null): boolean {
  const usable = run.status === 'finished' || run.status === 'stopped-early' || run.status === 'loaded'
    || ((run.status === 'cancelled' || run.status === 'interrupted') && run.epochs.length > 0 && run.checkpointDir !== null);
  return usable && (run.datasetId === null || run.datasetId === ds?.id);
}

export function runLabel(run: RunSummary): string {
  return `${run.title} · latent ${run.config.latent}${run.status === 'loaded' ? ' · loaded' : ''}`;
}

class GenerateState {
  datasetId: string | null = null;
  runId = $state<RunId | null>(null);
  mode = $state<GenerateMode>('samples');
  /** CVAE: the class to generate (label index). */
  label = $state(0);
  /** 'auto' lets the engine choose: the prior for VAEs, a fitted Gaussian for a plain AE. */
  source = $state<LatentSource | 'auto'>('auto');
  samples = $state.raw<GeneratedSamples | null>(null);
  traversal = $state.raw<LatentTraversal | null>(null);
  grid = $state.raw<LatentGrid | null>(null);
  interpolation = $state.raw<Interpolation | null>(null);
  /** Test-split rows picked in the scatter for interpolation (at most two, newest last). */
  picks = $state<number[]>([]);

  /** Starts over when the open dataset changed. */
  sync(ds: DatasetSummary | null): void {
    if ((ds?.id ?? null) === this.datasetId) return;
    this.datasetId = ds?.id ?? null;
    this.runId = null;
    this.clearResults();
  }

  clearResults(): void {
    this.samples = null;
    this.traversal = null;
    this.grid = null;
    this.interpolation = null;
    this.picks = [];
  }

  /** The run to generate with: the chosen one, else the one the other panels show, else the newest usable. */
  run(ds: DatasetSummary | null): RunSummary | null {
    const usable = lab.runs.filter((r) => canGenerate(r, ds));
    return usable.find((r) => r.id === this.runId)
      ?? (lab.run && canGenerate(lab.run, ds) ? lab.run : null)
      ?? usable.at(-1)
      ?? null;
  }

  /** A result answers the current request: same run, class and (unless automatic) latent source. */
  matches(result: GenerationInfo | null, run: RunSummary): boolean {
    if (!result || result.runId !== run.id) return false;
    const conditional = MODEL_INFO[run.config.model].needsLabels;
    return result.label === (conditional ? this.label : null) && (this.source === 'auto' || result.source === this.source);
  }

  /** Fields every generation request shares. */
  common(run: RunSummary): { runId: RunId; label?: number; source?: LatentSource } {
    return {
      runId: run.id,
      ...(MODEL_INFO[run.config.model].needsLabels ? { label: this.label } : {}),
      ...(this.source !== 'auto' ? { source: this.source } : {}),
    };
  }
}

export const gen = new GenerateState();
