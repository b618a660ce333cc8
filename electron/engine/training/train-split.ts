// Training a model straight on a split, without jobs or runs: for the benchmark, tests and other
// in-process callers that want the engine's own loop and model family.
import { withDefaults } from '../../../shared/train-config';
import type { DatasetSummary, EpochMetrics, TrainConfig } from '../../../shared/types';
import type { Split } from '../data/dataset';
import { headRows } from '../data/dataset';
import { modelSpecFor } from '../models/model-spec';
import { createModel, type Model } from '../models/model';
import { trainModel, type TrainOutcome } from './train';

/** What the model needs to know of the data (a DatasetSummary has all of it). */
export type DataShape = Pick<DatasetSummary, 'name' | 'features' | 'imageShape' | 'likelihood' | 'labelNames'>;

export async function trainOnSplit(
  split: Split,
  shape: DataShape,
  partial: Partial<TrainConfig>,
  onEpoch: (m: EpochMetrics) => void = () => {},
): Promise<{ model: Model; outcome: TrainOutcome; config: TrainConfig }> {
  const config = withDefaults({ validationFraction: 0, ...partial });
  const model = createModel(modelSpecFor(config, shape as DatasetSummary), config.seed);
  const outcome = await trainModel(model, headRows(split, shape.features, config.limit), config, {
    shouldStop: () => false,
    whenRunning: async () => 0,
    onBatch: () => {},
    onEpoch: async (m) => onEpoch(m),
    yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
  });
  return { model, outcome, config };
}
