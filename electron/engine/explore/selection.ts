// The selection (test-split rows picked in a view, by a search or by class) set against the other
// test rows: per column, mean and spread (numbers) or the leading categories (text) of both sides;
// and the selected rows themselves, sorted by any column, a page at a time, for the linked table.
import { LabFailure } from '../../../shared/api';
import type { ColumnComparison, SelectionRows, SelectionRowsRequest, SelectionStats } from '../../../shared/explore';
import { columnValues } from '../data/column-values';
import type { Dataset } from '../data/dataset';
import { getRows } from '../data/rows';
import { smd } from '../compare/cluster-labels';

/** Refuses positions outside the test split, naming the first. */
export function checkSelection(ds: Dataset, rows: Int32Array): void {
  for (const r of rows) {
    if (r < 0 || r >= ds.test.n) {
      throw new LabFailure('no-such-row', `Row ${r} is outside the test split (${ds.test.n.toLocaleString('en-US')} rows, numbered from 0).`, 'Select the rows again in a view of this dataset.');
    }
  }
}

/** The columns worth comparing: the label first, then every column as read (not the pixels). */
function comparedColumns(ds: Dataset): { name: string; values: () => ReturnType<typeof columnValues> }[] {
  const out: { name: string; values: () => ReturnType<typeof columnValues> }[] = [];
  const { labelNames, labelColumn } = ds.summary;
  if (ds.test.labels && labelNames) {
    const labels = ds.test.labels;
    out.push({ name: labelColumn ?? 'label', values: () => ({ column: 'label', kind: 'category', codes: labels, names: labelNames }) });
  }
  for (const c of ds.raw.columns) if (c.name !== labelColumn) out.push({ name: c.name, values: () => columnValues(ds, 'test', c.name) });
  return out;
}

function compareColumn(name: string, v: ReturnType<typeof columnValues>, inSel: Uint8Array): ColumnComparison {
  if (v.kind === 'number') {
    const s = [0, 0], q = [0, 0], c = [0, 0], miss = [0, 0];
    v.values.forEach((x, i) => {
      const g = inSel[i];
      if (!Number.isFinite(x)) return void miss[g]++;
      s[g] += x;
      q[g] += x * x;
      c[g]++;
    });
    const side = (g: number) => {
      const mean = c[g] ? s[g] / c[g] : NaN;
      const variance = c[g] > 1 ? Math.max(0, (q[g] - c[g] * mean * mean) / (c[g] - 1)) : NaN;
      return { mean, std: Math.sqrt(variance), missing: miss[g] };
    };
    return { name, kind: 'number', selected: side(1), rest: side(0), smd: smd(s[1], q[1], c[1], s[0], q[0], c[0]) };
  }
  const m = v.names.length;
  const counts = [new Float64Array(m), new Float64Array(m)];
  const totals = [0, 0];
  v.codes.forEach((code, i) => {
    if (code < 0) return;
    counts[inSel[i]][code]++;
    totals[inSel[i]]++;
  });
  const share = (g: number, t: number) => (totals[g] ? counts[g][t] / totals[g] : 0);
  let distance = 0;
  for (let t = 0; t < m; t++) distance += Math.abs(share(1, t) - share(0, t)) / 2;
  const order = Array.from({ length: m }, (_, t) => t).filter((t) => counts[1][t] > 0).sort((a, b) => counts[1][b] - counts[1][a] || a - b);
  return { name, kind: 'category', top: order.slice(0, 5).map((t) => ({ value: v.names[t], selected: share(1, t), rest: share(0, t) })), distance };
}

export function selectionStats(ds: Dataset, rows: Int32Array): SelectionStats {
  checkSelection(ds, rows);
  const inSel = new Uint8Array(ds.test.n);
  for (const r of rows) inSel[r] = 1;
  let selected = 0;
  for (const v of inSel) selected += v;
  return { selected, rest: ds.test.n - selected, columns: comparedColumns(ds).map((c) => compareColumn(c.name, c.values(), inSel)) };
}

/** Sort keys of the selected rows by 'id', 'label' or a column (missing values last either way). */
function sortKeys(ds: Dataset, by: string): { num: ArrayLike<number> } | { text: (string | null)[] } {
  const test = ds.test;
  if (by === 'id') return { num: test.rowIds };
  if ((by === 'label' || by === ds.summary.labelColumn) && test.labels && ds.summary.labelNames) {
    const names = ds.summary.labelNames;
    return { text: Array.from(test.labels, (l) => (l >= 0 ? names[l] : null)) };
  }
  const v = columnValues(ds, 'test', by);
  if (v.kind === 'number') return { num: v.values };
  return { text: Array.from(v.codes, (c) => (c >= 0 ? v.names[c] : null)) };
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function selectionRows(ds: Dataset, req: SelectionRowsRequest): SelectionRows {
  checkSelection(ds, req.rows);
  let order = Array.from(new Set(req.rows));
  if (req.sortBy) {
    const keys = sortKeys(ds, req.sortBy);
    const dir = req.descending ? -1 : 1;
    if ('num' in keys) {
      const k = keys.num;
      order.sort((a, b) => {
        const x = k[a], y = k[b];
        const fx = Number.isFinite(x), fy = Number.isFinite(y);
        if (!fx || !fy) return fx === fy ? a - b : fx ? -1 : 1;
        return dir * (x - y) || a - b;
      });
    } else {
      const k = keys.text;
      order.sort((a, b) => {
        const x = k[a], y = k[b];
        if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
        return dir * collator.compare(x, y) || a - b;
      });
    }
  }
  const offset = req.offset ?? 0;
  const page = order.slice(offset, offset + (req.limit ?? 50));
  const rowIds = page.map((p) => ds.test.rowIds[p]);
  const got = getRows(ds, 'test', rowIds);
  const names = ds.summary.labelNames;
  return {
    total: order.length,
    rows: Int32Array.from(page),
    rowIds: Int32Array.from(rowIds),
    columns: got.columns,
    cells: got.cells,
    labels: got.labels && names ? Array.from(got.labels, (l) => (l >= 0 ? names[l] : null)) : null,
    thumbnails: got.thumbnails,
  };
}
