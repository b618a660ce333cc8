// The explore service: what helps a user find structure and rows in the views of a dataset —
// automatic clusters of a view (with their names and the density's contour lines), searching the
// test rows, the selection against the rest and its rows as a table, and how well each view keeps
// the rows' data-space neighbourhoods. Every result belongs to the dataset's entry.
import { z } from 'zod';
import { LabFailure } from '../../../shared/api';
import type {
  ClusterRequest,
  ClusterResult,
  FindRequest,
  FindResult,
  NeighbourhoodChange,
  NeighbourhoodRequest,
  SelectionRows,
  SelectionRowsRequest,
  SelectionStats,
} from '../../../shared/explore';
import { datasetId, embeddingId } from '../../../shared/schemas';
import type { DatasetId, EmbeddingId, JobId } from '../../../shared/types';
import { initBackend } from '../core/backend';
import { describeClusters } from '../compare/cluster-labels';
import { CLUSTER_DEFAULTS, defaultMinSize, findClusters } from '../compare/clusters';
import type { EmbeddingRecord } from '../compare/embeddings';
import { groupChanges, meanShare, sharedNeighbours } from '../compare/neighbourhood-change';
import { exactKnn, type KnnResult } from '../compare/neighbours';
import { method } from '../session/define';
import type { JobContext } from '../session/jobs';
import type { DatasetEntry, Session } from '../session/session';
import { findRows } from './find';
import { selectionRows, selectionStats } from './selection';

/** Neighbours per row for the neighbourhood scores, as trustworthiness uses them. */
export const NEIGHBOURS_KEPT_K = 10;

const testRows = z.custom<Int32Array>((v) => v instanceof Int32Array && v.length <= 10_000_000, 'expected an Int32Array of test-split rows');
const columnName = z.string().min(1).max(1000);
const filter = z.union([
  z.strictObject({ column: columnName, text: z.string().max(1000) }),
  z.strictObject({ column: columnName, min: z.number().optional(), max: z.number().optional() }),
]);

/** The clusters of a view with these parameters, computed once per dataset entry. */
export function clustersOf(entry: DatasetEntry, rec: EmbeddingRecord, req: Omit<ClusterRequest, 'embeddingId'>): ClusterResult {
  const view = rec.data;
  const params = {
    bandwidth: req.bandwidth ?? CLUSTER_DEFAULTS.bandwidth,
    prominence: req.prominence ?? CLUSTER_DEFAULTS.prominence,
    noise: req.noise ?? CLUSTER_DEFAULTS.noise,
    minSize: req.minSize ?? defaultMinSize(view.rows),
  };
  const key = `${view.id}|${params.bandwidth}|${params.prominence}|${params.noise}|${params.minSize}`;
  let result = entry.clusters.get(key);
  if (!result) {
    result = describeClusters(entry.ds, view, findClusters(view.coords, view.rows, view.dims, params));
    if (entry.open) entry.clusters.set(key, result);
  }
  return result;
}

/** The k nearest test rows of every test row in one space, computed once per dataset entry. */
function neighboursIn(entry: DatasetEntry, key: string, coords: Float32Array, dims: number, onBlock: (f: number) => Promise<void>): Promise<KnnResult> {
  let p = entry.testNeighbours.get(key);
  if (!p) {
    const n = entry.ds.test.n;
    const made = exactKnn(coords, n, coords, n, dims, NEIGHBOURS_KEPT_K, { excludeSelf: true, onBlock });
    made.catch(() => {
      if (entry.testNeighbours.get(key) === made) entry.testNeighbours.delete(key);
    });
    if (entry.open) entry.testNeighbours.set(key, made);
    p = made;
  }
  return p;
}

function recordOf(s: Session, entry: DatasetEntry, id: EmbeddingId): EmbeddingRecord {
  const found = s.embedding(id);
  if (found.entry !== entry) throw new LabFailure('wrong-dataset', `“${found.rec.data.title}” belongs to another dataset.`, 'Compare views of one dataset at a time.');
  return found.rec;
}

async function neighbourhoods(s: Session, entry: DatasetEntry, req: NeighbourhoodRequest, ctx: JobContext): Promise<NeighbourhoodChange> {
  await initBackend();
  const ds = entry.ds;
  const n = ds.test.n;
  const ids = [...new Set([...req.embeddingIds, ...(req.pair ?? [])])];
  const records = ids.map((id) => recordOf(s, entry, id));
  const step = (from: number, to: number, message: string) => async (f: number) => {
    ctx.checkCancelled();
    ctx.progress(from + (to - from) * f, message);
    await new Promise((r) => setImmediate(r));
  };
  const data = await neighboursIn(entry, 'data', ds.test.x, ds.summary.features, step(0, 0.7, `Nearest ${NEIGHBOURS_KEPT_K} rows of every test row in data space`));
  const k = data.k;
  const inView = new Map<EmbeddingId, KnnResult>();
  for (const [i, rec] of records.entries()) {
    const at = 0.7 + (0.25 * i) / records.length;
    inView.set(rec.data.id, await neighboursIn(entry, rec.data.id, rec.data.coords, rec.data.dims, step(at, at + 0.25 / records.length, `Nearest rows in ${rec.data.title}`)));
  }
  const kept = new Map(records.map((rec) => [rec.data.id, sharedNeighbours(data.indices, inView.get(rec.data.id)!.indices, n, k)]));
  let pair: NeighbourhoodChange['pair'] = null;
  if (req.pair) {
    const [a, b] = req.pair;
    const groupBy = req.groupBy ?? (ds.test.labels ? 'label' : 'clusters');
    let group: Int32Array;
    let names: string[];
    if (groupBy === 'label') {
      if (!ds.test.labels || !ds.summary.labelNames) throw new LabFailure('no-label', `${ds.summary.name} has no label to group the rows by.`, 'Group by the clusters of the first view instead.');
      group = ds.test.labels;
      names = ds.summary.labelNames;
    } else {
      const found = clustersOf(entry, recordOf(s, entry, a), {});
      group = found.assignment;
      names = found.clusters.map((c) => `cluster ${c.id + 1} (${c.label})`);
    }
    const agree = sharedNeighbours(inView.get(a)!.indices, inView.get(b)!.indices, n, k);
    pair = { a, b, groupBy, groups: groupChanges(group, names, kept.get(a)!, kept.get(b)!, agree, k) };
  }
  ctx.progress(1, 'Neighbourhoods compared');
  return {
    datasetId: ds.summary.id,
    k,
    views: req.embeddingIds.map((id) => {
      const rec = records.find((r) => r.data.id === id)!;
      return { embeddingId: id, title: rec.data.title, kept: kept.get(id)!, mean: meanShare(kept.get(id)!, k) };
    }),
    pair,
  };
}

export const exploreHandlers = {
  /**
   * Automatic clusters of a view (its first two coordinates): density peaks of a kernel density
   * estimate, each named from the data (majority label and purity, the columns that set it apart,
   * the row nearest its peak), the cluster of every test row, and the density's contour lines.
   */
  clusters: method(z.tuple([z.strictObject({
    embeddingId,
    bandwidth: z.number().min(0.05).max(20).optional(),
    prominence: z.number().min(0).max(1).optional(),
    noise: z.number().min(0).max(1).optional(),
    minSize: z.number().int().min(1).max(10_000_000).optional(),
  })]), async (s, req: ClusterRequest): Promise<ClusterResult> => {
    const { entry, rec } = s.embedding(req.embeddingId);
    const { embeddingId: _id, ...params } = req;
    return clustersOf(entry, rec, params);
  }),

  /** Test rows that meet every condition (ids, label, text in a column, number ranges). */
  findRows: method(z.tuple([z.strictObject({ datasetId, filters: z.array(filter).max(50) })]), async (s, req: FindRequest): Promise<FindResult> =>
    findRows(s.dataset(req.datasetId), req.filters)),

  /** The selected test rows against the others, column by column. */
  selectionStats: method(z.tuple([z.strictObject({ datasetId, rows: testRows })]), async (s, req: { datasetId: DatasetId; rows: Int32Array }): Promise<SelectionStats> =>
    selectionStats(s.dataset(req.datasetId), req.rows)),

  /** A page of the selected test rows (cells, labels, thumbnails), sorted by id, label or a column. */
  selectionRows: method(z.tuple([z.strictObject({
    datasetId,
    rows: testRows,
    sortBy: columnName.optional(),
    descending: z.boolean().optional(),
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(500).optional(),
  })]), async (s, req: SelectionRowsRequest): Promise<SelectionRows> => selectionRows(s.dataset(req.datasetId), req)),

  /**
   * For every test row, how many of its 10 nearest rows in data space each view keeps; with a pair
   * of views, the groups (classes or the first view's clusters) whose neighbourhoods differ most
   * between them. A 'neighbourhoods' job.
   */
  neighbourhoodChange: method(z.tuple([z.strictObject({
    datasetId,
    embeddingIds: z.array(embeddingId).min(1).max(32),
    pair: z.tuple([embeddingId, embeddingId]).optional(),
    groupBy: z.enum(['label', 'clusters']).optional(),
  })]), async (s, req: NeighbourhoodRequest): Promise<JobId> => {
    const entry = s.entry(req.datasetId);
    for (const id of [...req.embeddingIds, ...(req.pair ?? [])]) recordOf(s, entry, id);
    if (entry.ds.test.n <= NEIGHBOURS_KEPT_K) {
      throw new LabFailure('too-few-rows', `${entry.ds.summary.name} has ${entry.ds.test.n} test rows; comparing ${NEIGHBOURS_KEPT_K}-row neighbourhoods needs more than ${NEIGHBOURS_KEPT_K}.`,
        'Open it with a larger test share (Data panel: test fraction).');
    }
    return s.jobs.start('neighbourhoods', `Neighbourhoods in ${req.embeddingIds.length} view${req.embeddingIds.length === 1 ? '' : 's'} of ${entry.ds.summary.name}`,
      (ctx) => neighbourhoods(s, entry, req, ctx));
  }),
};
