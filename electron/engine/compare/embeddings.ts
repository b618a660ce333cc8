// An embedding as the engine keeps it: the test-split coordinates the UI plots and exports, plus
// what only the engine needs: training-split coordinates (kNN accuracy is fitted on them) and how
// to rebuild data rows from the embedding (PCA-k, a model's decoder, or nothing for UMAP/t-SNE).
import { LabFailure } from '../../../shared/api';
import { MODEL_INFO } from '../../../shared/models';
import type {
  EmbeddingData,
  EmbeddingSummary,
  LatentMatrix,
  ModelName,
  ReconMethod,
  SplitName,
} from '../../../shared/types';
import type { Dataset } from '../data/dataset';
import type { LatentProjection } from '../reduce/latent';

export interface EmbeddingRecord {
  /** Test-split coordinates and the summary. */
  data: EmbeddingData;
  /** Training-split coordinates, row for row with the dataset's training split; null until known. */
  train: LatentMatrix | null;
  /** How to reconstruct rows from this embedding; null when the method has no inverse. */
  recon: ReconMethod | null;
  /** A model's latent shown through its 2-D PCA: the projection, to map a point of the view back (decodeAt). */
  projection?: LatentProjection | null;
}

/** The summary part of an embedding (no arrays): what a job's `done` event carries. */
export function summaryOf(data: EmbeddingData): EmbeddingSummary {
  const { coords: _c, labels: _l, labelNames: _n, rowIds: _r, split: _s, ...summary } = data;
  return summary;
}

/** The embedding's coordinates of one split, in EmbeddingData form. */
export function splitView(rec: EmbeddingRecord, ds: Dataset, split: SplitName): EmbeddingData {
  if (split === 'test') return rec.data;
  if (!rec.train) {
    throw new LabFailure('no-train-coords', `“${rec.data.title}” has no coordinates for the training rows.`,
      'Use the test rows, or compute the embedding again.');
  }
  return { ...rec.data, coords: rec.train, rows: ds.train.n, labels: ds.train.labels, rowIds: ds.train.rowIds, split: 'train' };
}

/** A model's short name with its latent size: VAE-10, β-VAE-2, AE-20. */
export function modelShortName(name: ModelName, latent: number): string {
  return `${MODEL_INFO[name].short}-${latent}`;
}

/** A short column-friendly name: PCA-2, UMAP, t-SNE, VAE-10, VAE-10→PCA-2. */
export function shortName(s: EmbeddingSummary): string {
  switch (s.method) {
    case 'pca':
      return `PCA-${s.dims}`;
    case 'umap':
      return 'UMAP';
    case 'tsne':
      return 't-SNE';
    default: {
      const base = modelShortName(s.method, Number(s.params.latent ?? s.dims));
      return s.params.projected ? `${base}→PCA-${s.dims}` : base;
    }
  }
}
