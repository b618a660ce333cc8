// A trained model's latent means μ(x) as an embedding, for the training and the test split. A
// latent wider than 2 can be projected to 2-D for plotting: PCA fitted on the training means
// (labelled as such, so nobody mistakes the projection for the model's own axes).
import type { LatentMatrix } from '../../../shared/types';
import type { Split } from '../data/dataset';
import type { ReduceHooks } from './hooks';
import { pcaFit, pcaTransform } from './pca';

/** What comparing needs from a trained model, whatever kind of model it is. */
export interface LatentModel {
  latent: number;
  /** Latent means of every row of a split, row-major n×latent. */
  encodeMeans(split: Split): Promise<LatentMatrix>;
  /** Rows rebuilt from their latent means: decode(μ(x)), in data units, row-major n×d. */
  reconstruct(x: Float32Array, n: number, labels: Int32Array | null): Promise<Float32Array>;
}

/** A 2-D view of a wider latent: view = (z − mean)·axesᵀ; its inverse on the plane is z = mean + view·axes. */
export interface LatentProjection {
  /** Latent size k. */
  latent: number;
  mean: Float32Array;
  /** The two principal axes as rows, 2 × k row-major. */
  axes: Float32Array;
}

export interface LatentEmbedding {
  train: LatentMatrix;
  test: LatentMatrix;
  dims: number;
  /** Set when projected: explained variance ratio of the 2 axes within the latent. */
  projectionVariance: number[] | null;
  /** Set when projected: the projection, so a point of the view can be mapped back into the latent space. */
  projection: LatentProjection | null;
}

/** Latent points (n × k) on the plane of a projected view for view points (n × 2): the PCA inverse. */
export function unproject(p: LatentProjection, points: Float32Array, n: number): Float32Array {
  const k = p.latent;
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const [a, b] = [points[2 * i], points[2 * i + 1]];
    for (let j = 0; j < k; j++) out[i * k + j] = p.mean[j] + a * p.axes[j] + b * p.axes[k + j];
  }
  return out;
}

export async function latentEmbedding(
  model: LatentModel, train: Split, test: Split, project2d: boolean, hooks: ReduceHooks,
): Promise<LatentEmbedding> {
  await hooks.step(0.05, 'Encoding the training rows');
  const trainMeans = await model.encodeMeans(train);
  await hooks.step(0.6, 'Encoding the test rows');
  const testMeans = await model.encodeMeans(test);
  const k = model.latent;
  if (!project2d || k <= 2 || train.n < 3) {
    return { train: trainMeans, test: testMeans, dims: k, projectionVariance: null, projection: null };
  }
  await hooks.step(0.9, 'Projecting the latent means to 2-D (PCA)');
  const pca = pcaFit(trainMeans, train.n, k);
  return {
    train: pcaTransform(pca, trainMeans, train.n, 2),
    test: pcaTransform(pca, testMeans, test.n, 2),
    dims: 2,
    projectionVariance: Array.from(pca.explainedVarianceRatio.subarray(0, 2)),
    projection: { latent: k, mean: Float32Array.from(pca.mean), axes: Float32Array.from(pca.components.subarray(0, 2 * k)) },
  };
}
