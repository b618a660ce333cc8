// Neighbourhood change between views (after Emblaze): for every test row, how many of its k
// nearest neighbours in the data a view keeps among its k nearest in the view, and the label
// groups whose neighbourhoods a view keeps worst — or, for two views, differ most between them.
// The data-space neighbours are found once per dataset (exact, in blocks) and kept.
import type { NeighbourhoodChange, NeighbourhoodGroup } from '../../../shared/types';
import type { Dataset } from '../data/dataset';
import type { EmbeddingRecord } from './embeddings';
import { exactKnn, type KnnResult } from './neighbours';
import { scoredRows } from './score';

/** Rows the test split's kNN uses (all, or the comparison's seeded sample). */
function sampleOf(ds: Dataset): Int32Array {
  return scoredRows(ds.test.n);
}

function gather(x: Float32Array, d: number, rows: Int32Array): Float32Array {
  if (rows.length * d === x.length) return x;
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(x.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

const dataKnnCache = new WeakMap<Dataset, Map<number, Promise<KnnResult>>>();

/** The k nearest test rows (of the sample) of each sampled test row in the data, computed once per dataset and k. */
function dataKnn(ds: Dataset, k: number, onBlock: (f: number) => Promise<void>): Promise<KnnResult> {
  let byK = dataKnnCache.get(ds);
  if (!byK) dataKnnCache.set(ds, (byK = new Map()));
  let p = byK.get(k);
  if (!p) {
    const rows = sampleOf(ds);
    const d = ds.summary.features;
    const x = gather(ds.test.x, d, rows);
    p = exactKnn(x, rows.length, x, rows.length, d, k, { excludeSelf: true, onBlock });
    p.catch(() => byK!.delete(k));
    byK.set(k, p);
  }
  return p;
}

/** How many of each row's data neighbours are among its view neighbours (k each, row-major). */
export function keptCounts(data: KnnResult, view: KnnResult, n: number): Uint8Array {
  const k = data.k;
  const kept = new Uint8Array(n);
  const mark = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < view.k; j++) mark[view.indices[i * view.k + j]] = i;
    let c = 0;
    for (let j = 0; j < k; j++) if (mark[data.indices[i * k + j]] === i) c++;
    kept[i] = c;
  }
  return kept;
}

/** Mean kept per label group, for one view or the difference between two. */
export function groupsOf(kept: Uint8Array[], labels: Int32Array | null, names: string[] | null): NeighbourhoodGroup[] {
  if (!labels || !names) return [];
  const groups: NeighbourhoodGroup[] = names.map((name, label) => ({ label, name, rows: 0, meanKept: kept.map(() => 0), change: null }));
  labels.forEach((l, i) => {
    if (l < 0 || l >= groups.length) return;
    groups[l].rows++;
    kept.forEach((v, e) => (groups[l].meanKept[e] += v[i]));
  });
  const present = groups.filter((g) => g.rows > 0);
  for (const g of present) {
    g.meanKept = g.meanKept.map((s) => s / g.rows);
    g.change = kept.length === 2 ? g.meanKept[1] - g.meanKept[0] : null;
  }
  // two views: the groups whose neighbourhoods differ most first; one view: those it keeps worst
  return present.sort((a, b) => (a.change !== null && b.change !== null ? Math.abs(b.change) - Math.abs(a.change) : a.meanKept[0] - b.meanKept[0]));
}

/** Neighbours kept by each view of the same dataset's test rows, and the groups that change most. */
export async function neighbourhoodChange(ds: Dataset, records: EmbeddingRecord[], k: number, onProgress: (f: number, what: string) => Promise<void>): Promise<NeighbourhoodChange> {
  const rows = sampleOf(ds);
  const n = rows.length;
  const kk = Math.min(k, n - 1);
  const data = await dataKnn(ds, kk, (f) => onProgress(0.9 * f, `Nearest neighbours in the data (${ds.summary.features} features)`));
  const kept: Uint8Array[] = [];
  for (const [e, rec] of records.entries()) {
    await onProgress(0.9 + (0.1 * e) / records.length, `Nearest neighbours in ${rec.data.title}`);
    const coords = gather(rec.data.coords, rec.data.dims, rows);
    const view = await exactKnn(coords, n, coords, n, rec.data.dims, kk, { excludeSelf: true });
    kept.push(keptCounts(data, view, n));
  }
  const labels = ds.test.labels ? Int32Array.from(rows, (r) => ds.test.labels![r]) : null;
  const notes = n < ds.test.n ? [`On a seeded sample of ${n.toLocaleString('en-US')} of the ${ds.test.n.toLocaleString('en-US')} test rows (the others are not scored).`] : [];
  return {
    datasetId: ds.summary.id,
    k: kk,
    rows: n < ds.test.n ? rows : null,
    testRows: ds.test.n,
    views: records.map((rec, e) => ({
      embeddingId: rec.data.id,
      title: rec.data.title,
      kept: kept[e],
      meanKept: kept[e].reduce((s, v) => s + v, 0) / Math.max(1, n),
    })),
    groups: groupsOf(kept, labels, ds.summary.labelNames),
    notes,
  };
}
