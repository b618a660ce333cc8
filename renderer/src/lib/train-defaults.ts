// The Train panel's settings follow the open dataset: when another dataset opens, the fields take
// the defaults that suit it (shared/train-config.ts datasetDefaults: a 7-column table gets a small
// network and enough epochs, not the 400 units and 10 epochs meant for 784 pixels). The model
// family and the seed the user chose stay.
import type { DatasetSummary } from '../../../shared/types';
import { withDefaults } from '../../../shared/train-config';
import { lab } from './lab.svelte';

let fittedFor: string | null = null;

/** Fits lab.trainConfig to `ds` once per dataset opened; true when it changed the settings. */
export function fitTrainConfig(ds: DatasetSummary): boolean {
  if (fittedFor === ds.id) return false;
  fittedFor = ds.id;
  const { model, seed } = lab.trainConfig;
  lab.trainConfig = withDefaults({ model, seed }, ds);
  return true;
}
