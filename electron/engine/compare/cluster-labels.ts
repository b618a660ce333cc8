// Names for the clusters of a view, read from the data: the most common label among a cluster's
// rows and its share (purity), the feature columns that set the cluster apart from the other rows
// (the largest standardized mean differences; for a text column, of its most over-represented
// category), and the row nearest the cluster's density peak as its picture.
import type { ClusterColumn, ClusterInfo, ClusterResult } from '../../../shared/explore';
import type { EmbeddingData } from '../../../shared/types';
import { columnValues } from '../data/column-values';
import type { Dataset } from '../data/dataset';
import { densityContours, representatives, type FoundClusters } from './clusters';

/** A column is named when it sets the cluster apart by at least this standardized difference. */
const MIN_EFFECT = 0.5;
const MAX_COLUMNS = 3;

/** Standardized mean difference of two groups given their sums, sums of squares and counts (pooled SD). */
export function smd(s1: number, q1: number, n1: number, s0: number, q0: number, n0: number): number {
  if (n1 < 1 || n0 < 1) return 0;
  const m1 = s1 / n1;
  const m0 = s0 / n0;
  const v1 = n1 > 1 ? Math.max(0, (q1 - n1 * m1 * m1) / (n1 - 1)) : 0;
  const v0 = n0 > 1 ? Math.max(0, (q0 - n0 * m0 * m0) / (n0 - 1)) : 0;
  const sd = Math.sqrt((v1 + v0) / 2);
  if (sd > 0) return (m1 - m0) / sd;
  return m1 === m0 ? 0 : Math.sign(m1 - m0) * 10;
}

/** Per cluster, the columns that set it apart most, strongest first. */
function distinguishingColumns(ds: Dataset, assignment: Int32Array, k: number): ClusterColumn[][] {
  const out: { col: ClusterColumn; effect: number }[][] = Array.from({ length: k }, () => []);
  const features = new Set(ds.summary.columns.filter((c) => c.role === 'feature').map((c) => c.name));
  for (const col of ds.raw.columns) {
    if (!features.has(col.name) || col.name === ds.summary.labelColumn) continue;
    const v = columnValues(ds, 'test', col.name);
    if (v.kind === 'number') {
      const s = new Float64Array(k + 1);
      const q = new Float64Array(k + 1);
      const c = new Float64Array(k + 1);
      v.values.forEach((x, row) => {
        if (!Number.isFinite(x)) return;
        const g = assignment[row] < 0 ? k : assignment[row];
        s[g] += x;
        q[g] += x * x;
        c[g]++;
      });
      let S = 0, Q = 0, C = 0;
      for (let g = 0; g <= k; g++) [S, Q, C] = [S + s[g], Q + q[g], C + c[g]];
      for (let g = 0; g < k; g++) {
        const d = smd(s[g], q[g], c[g], S - s[g], Q - q[g], C - c[g]);
        const outside = C - c[g] > 0 ? (S - s[g]) / (C - c[g]) : NaN;
        out[g].push({ col: { name: col.name, kind: 'number', inside: c[g] ? s[g] / c[g] : NaN, outside, smd: d }, effect: Math.abs(d) });
      }
    } else {
      const m = v.names.length;
      const counts = new Float64Array((k + 1) * m);
      const totals = new Float64Array(k + 1);
      v.codes.forEach((code, row) => {
        if (code < 0) return;
        const g = assignment[row] < 0 ? k : assignment[row];
        counts[g * m + code]++;
        totals[g]++;
      });
      const all = new Float64Array(m);
      let allTotal = 0;
      for (let g = 0; g <= k; g++) {
        for (let t = 0; t < m; t++) all[t] += counts[g * m + t];
        allTotal += totals[g];
      }
      for (let g = 0; g < k; g++) {
        let best: { col: ClusterColumn; effect: number } | null = null;
        const nOut = allTotal - totals[g];
        for (let t = 0; t < m; t++) {
          const inside = counts[g * m + t];
          const outside = all[t] - inside;
          // the SMD of the category's indicator (0/1) column
          const d = smd(inside, inside, totals[g], outside, outside, nOut);
          if (d > 0 && (!best || d > best.effect)) {
            best = { col: { name: col.name, kind: 'category', value: v.names[t], inside: totals[g] ? inside / totals[g] : 0, outside: nOut ? outside / nOut : 0 }, effect: d };
          }
        }
        if (best) out[g].push(best);
      }
    }
  }
  return out.map((list) => list.filter((c) => c.effect >= MIN_EFFECT).sort((a, b) => b.effect - a.effect).slice(0, MAX_COLUMNS).map((c) => c.col));
}

/** Majority label and its share per cluster, and the purity of all clustered rows; nulls without labels. */
export function majorities(labels: Int32Array | null, names: string[] | null, assignment: Int32Array, k: number): { per: (ClusterInfo['majority'])[]; purity: number | null } {
  if (!labels || !names) return { per: Array(k).fill(null), purity: null };
  const m = names.length;
  const counts = new Int32Array(k * m);
  const sizes = new Int32Array(k);
  assignment.forEach((c, row) => {
    if (c < 0) return;
    sizes[c]++;
    if (labels[row] >= 0) counts[c * m + labels[row]]++;
  });
  let agree = 0;
  let total = 0;
  const per = Array.from({ length: k }, (_, c) => {
    let best = 0;
    for (let t = 1; t < m; t++) if (counts[c * m + t] > counts[c * m + best]) best = t;
    agree += counts[c * m + best];
    total += sizes[c];
    return { label: best, name: names[best], purity: sizes[c] ? counts[c * m + best] / sizes[c] : 0 };
  });
  return { per, purity: total ? agree / total : null };
}

const pct = (v: number) => `${Math.round(v * 100)}%`;

function labelOf(id: number, majority: ClusterInfo['majority'], columns: ClusterColumn[]): string {
  if (majority) return `${majority.name} · ${pct(majority.purity)}`;
  const c = columns[0];
  if (!c) return `Cluster ${id + 1}`;
  return c.kind === 'number' ? `${c.name} ${c.smd > 0 ? 'high' : 'low'}` : `${c.name} ${c.value}`;
}

/** The whole result for a view: clusters with their names, the assignment, purity and contour lines. */
export function describeClusters(ds: Dataset, view: EmbeddingData, found: FoundClusters): ClusterResult {
  const k = found.clusters.length;
  const reps = representatives(view.coords, view.dims, found);
  const { per, purity } = majorities(view.labels, view.labelNames, found.assignment, k);
  const columns = k ? distinguishingColumns(ds, found.assignment, k) : [];
  const clusters: ClusterInfo[] = found.clusters.map((c, id) => ({
    id,
    size: c.size,
    peak: c.peak,
    representative: reps[id],
    representativeId: view.rowIds[reps[id]],
    majority: per[id],
    columns: columns[id],
    label: labelOf(id, per[id], columns[id]),
  }));
  return {
    embeddingId: view.id,
    datasetId: view.datasetId,
    rows: view.rows,
    assignment: found.assignment,
    clusters,
    noise: found.noise,
    purity,
    contours: densityContours(found),
    params: found.params,
  };
}
