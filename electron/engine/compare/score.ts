// The comparison of embeddings on one dataset: the numbers table (one row per embedding, all on
// the same test split) and the nearest neighbours of one row in data space and in each embedding.
import type { MetricsRow, NeighbourList, NeighboursResult } from '../../../shared/types';
import type { Dataset, Split } from '../data/dataset';
import { shortName, type EmbeddingRecord } from './embeddings';
import { knnAccuracy, neighbourhoodScores, type ReconstructionErrors } from './metrics';
import { smallestK, SquaredDistances } from './neighbours';
import { mulberry32, shuffledIndices } from '../core/random';
import { stageHooks, type ReduceHooks } from '../reduce/hooks';
import type { Reconstructor } from './reconstruct';

/** sklearn's KNeighborsClassifier default, as the reference script uses it. */
export const KNN_K = 5;
/** Neighbourhood size for trustworthiness and continuity. */
export const NEIGHBOURHOOD_K = 10;
/** Below this many test rows a 10-neighbourhood is a large part of the split: the scores say so. */
export const SMALL_SPLIT_ROWS = 100;
/** Trustworthiness, continuity and silhouette are O(n²): above this many test rows, a seeded sample. */
export const MAX_SCORED_ROWS = 10000;

export interface CompareSource extends Reconstructor {
  ds: Dataset;
  /** Reconstruction errors of a method over the test split (cached by the caller). */
  testErrors(rec: NonNullable<EmbeddingRecord['recon']>): Promise<ReconstructionErrors>;
}

/** Test rows the neighbourhood scores use: all of them, or a seeded sample in row order. */
export function scoredRows(n: number): Int32Array {
  if (n <= MAX_SCORED_ROWS) return Int32Array.from({ length: n }, (_, i) => i);
  return Int32Array.from(shuffledIndices(n, mulberry32(0)).subarray(0, MAX_SCORED_ROWS)).sort();
}

function gatherRows(x: Float32Array, d: number, rows: Int32Array): Float32Array {
  if (rows.length * d === x.length) return x;
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(x.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

/** Adds training-split coordinates to a model's embedding made by the training job. */
export async function ensureTrainCoords(rec: EmbeddingRecord, source: Pick<CompareSource, 'ds' | 'model'>): Promise<void> {
  if (rec.train || !rec.data.runId) return;
  const model = source.model(rec.data.runId);
  if (model.latent === rec.data.dims) rec.train = await model.encodeMeans(source.ds.train);
}

/** What the table's reader should know about how the scores were computed on this split. */
export function scoringNotes(testRows: number): string[] {
  const scored = scoredRows(testRows).length;
  const notes: string[] = [];
  if (scored < testRows) {
    notes.push(`Trustworthiness, continuity and silhouette use a seeded sample of ${scored.toLocaleString('en-US')} of the ${testRows.toLocaleString('en-US')} test rows.`);
  }
  if (scored <= 2 * NEIGHBOURHOOD_K + 1) {
    notes.push(`Trustworthiness, continuity and silhouette need more than ${2 * NEIGHBOURHOOD_K + 1} test rows; this test split has ${scored}, so they are left out (—). A larger test share (Data panel) gives them.`);
  } else if (scored < SMALL_SPLIT_ROWS) {
    notes.push(`The test split is small for ${NEIGHBOURHOOD_K}-neighbour scores: ${scored} rows, so each neighbourhood holds ${Math.round((100 * NEIGHBOURHOOD_K) / (scored - 1))}% of the other rows and trustworthiness and continuity come out high for any view. Compare them between views only; a larger test share (Data panel) makes them tell more.`);
  }
  return notes;
}

/** Computes the table rows of `records` (embeddings of source.ds). */
export async function scoreEmbeddings(records: EmbeddingRecord[], source: CompareSource, hooks: ReduceHooks): Promise<MetricsRow[]> {
  const { ds } = source;
  const d = ds.summary.features;
  const test = ds.test;
  const hasLabels = test.labels !== null && ds.train.labels !== null;
  const partial = records.map(() => ({ mse: null as number | null, knnAccuracy: null as number | null }));
  const knnHooks = stageHooks(hooks, 0, 0.4);
  for (let r = 0; r < records.length; r++) {
    const rec = records[r];
    const at = r / records.length;
    await knnHooks.step(at, `Scoring ${rec.data.title}: reconstruction`);
    if (rec.recon) partial[r].mse = (await source.testErrors(rec.recon)).mse;
    await ensureTrainCoords(rec, source);
    if (hasLabels && rec.train) {
      const k = rec.data.dims;
      partial[r].knnAccuracy = await knnAccuracy(
        { coords: rec.train, n: ds.train.n, labels: ds.train.labels! },
        { coords: rec.data.coords, n: test.n, labels: test.labels! },
        k, KNN_K,
        (f) => knnHooks.step(at + f / records.length, `Scoring ${rec.data.title}: ${KNN_K}-NN accuracy`),
      );
    }
  }

  const rows = scoredRows(test.n);
  const enough = rows.length > 2 * NEIGHBOURHOOD_K + 1;
  const scores = enough
    ? await neighbourhoodScores(
      { coords: gatherRows(test.x, d, rows), dims: d },
      rows.length,
      records.map((rec) => ({ coords: gatherRows(rec.data.coords, rec.data.dims, rows), dims: rec.data.dims })),
      test.labels ? Int32Array.from(rows, (i) => test.labels![i]) : null,
      NEIGHBOURHOOD_K,
      (f) => hooks.step(0.4 + 0.6 * f, 'Trustworthiness, continuity and silhouette'),
    )
    : null;

  return records.map((rec, r): MetricsRow => {
    const s = rec.data;
    const ev = s.method === 'pca' && s.explainedVariance ? s.explainedVariance.reduce((a, b) => a + b, 0) : null;
    return {
      embeddingId: s.id,
      name: shortName(s),
      title: s.title,
      method: s.method,
      dims: s.dims,
      mse: partial[r].mse,
      knnAccuracy: partial[r].knnAccuracy,
      trustworthiness: scores ? scores[r].trustworthiness : null,
      continuity: scores ? scores[r].continuity : null,
      silhouette: scores ? scores[r].silhouette : null,
      explainedVariance: ev,
      negElbo: s.runId ? source.model(s.runId).testNegElbo : null,
      seconds: s.seconds,
    };
  });
}

/** The k nearest test rows of test row `row` in a space (coords n×dims), nearest first. */
function nearestIn(coords: Float32Array, dims: number, split: Split, row: number, k: number): NeighbourList {
  const source = new SquaredDistances(coords, split.n, dims);
  try {
    const dist = source.block(coords.subarray(row * dims, (row + 1) * dims), 1);
    const kk = Math.min(k, split.n - 1);
    const rows = new Int32Array(kk);
    const d2 = new Float32Array(kk);
    smallestK(dist, 0, split.n, kk, row, rows, d2, 0);
    return {
      rows,
      rowIds: Int32Array.from(rows, (i) => split.rowIds[i]),
      labels: split.labels ? Int32Array.from(rows, (i) => split.labels![i]) : null,
      distances: Float32Array.from(d2, Math.sqrt),
    };
  } finally {
    source.dispose();
  }
}

/** Neighbours of one test row in data space and in each embedding, and how many each keeps. */
export function rowNeighbours(ds: Dataset, row: number, k: number, records: EmbeddingRecord[]): NeighboursResult {
  const test = ds.test;
  const data = nearestIn(test.x, ds.summary.features, test, row, k);
  const inData = new Set(data.rows);
  return {
    row,
    rowId: test.rowIds[row],
    label: test.labels ? test.labels[row] : null,
    k: data.rows.length,
    data,
    embeddings: records.map((rec) => {
      const list = nearestIn(rec.data.coords, rec.data.dims, test, row, k);
      return { embeddingId: rec.data.id, title: rec.data.title, list, kept: list.rows.filter((r) => inData.has(r)).length };
    }),
  };
}
