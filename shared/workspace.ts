// How the window looks at one dataset, as a workspace keeps it and the CLI writes it: the views on
// screen, what points are coloured by, the selection and the named ones, the run shown, the
// anomaly result shown.
// Every field optional: the window fills in what is missing with its defaults.
import type { AnomalyId } from './anomalies';
import type { EmbeddingId, RunId } from './types';

export interface DatasetView {
  /** Compare views on screen, in order. */
  shown?: EmbeddingId[];
  /** 'label' or a column name. */
  colorBy?: string;
  /** Components for PCA reconstructions and the PCA-k table row. */
  pcaK?: number;
  /** Selected test-split rows (positions), or null. */
  selection?: Int32Array | null;
  /** The run the Train and Generate panels show. */
  runId?: RunId | null;
  /** The anomaly result the Anomalies panel shows. */
  anomalyId?: AnomalyId | null;
  /** Named selections of test-split rows (positions), in the order they were saved. */
  selections?: { name: string; rows: Int32Array }[];
}
