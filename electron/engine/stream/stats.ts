// The first pass over a streamed dataset: DuckDB computes what the Data panel shows for every
// column (counts, missing, range, mean, standard deviation, histogram, distinct and most frequent
// values) over all rows, in a few scans that read only the columns they need. Low-cardinality
// columns get their exact value counts (the dictionary of a text column, a label's classes); the
// rest get an approximate distinct count, capped as the in-memory statistics cap it.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnStats } from '../../../shared/types';
import { columnType, type SourceColumn } from '../data/duckread';
import { HISTOGRAM_BINS } from '../data/stats';
import type { NumberColumn, RawColumn, TextColumn } from '../data/table';
import { isNumeric, num, presentExpr, ROW, valueExpr } from './sql';

/** Value counts are fetched exactly for columns with up to about this many distinct values. */
const EXACT_DISTINCT = 1100;
/** As the in-memory statistics: distinct values counted up to this cap. */
const DISTINCT_CAP = 1000;
const TOP_VALUES = 10;

export interface ValueCount {
  value: string | number;
  count: number;
  /** The first row holding it. */
  first: number;
}

export interface StreamColumn {
  source: SourceColumn;
  stats: ColumnStats;
  /** Stands in for the column in role proposals (its values are never held). */
  stub: RawColumn;
  /** Every distinct value with its count (numbers ascending, text in order of first appearance); null when there are too many. */
  values: ValueCount[] | null;
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const orNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function topOf(values: ValueCount[]): { value: string; count: number }[] {
  return [...values].sort((a, b) => b.count - a.count).slice(0, TOP_VALUES).map((v) => ({ value: String(v.value), count: v.count }));
}

/** Aggregates per scan: a wide table is scanned a few columns at a time, within DuckDB's share of a small budget. */
const AGGREGATES_PER_SCAN = 48;

/** One row of named aggregates, computed in scans of at most AGGREGATES_PER_SCAN. */
export async function aggregateInGroups(conn: DuckDBConnection, relation: string, aggs: string[], check: () => void): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < aggs.length; i += AGGREGATES_PER_SCAN) {
    Object.assign(out, (await conn.runAndReadAll(`SELECT ${aggs.slice(i, i + AGGREGATES_PER_SCAN).join(', ')} FROM ${relation}`)).getRowObjects()[0]);
    check();
  }
  return out;
}

/** Scans the source for every column's statistics; `rows` is the source's row count. */
export async function columnStatistics(conn: DuckDBConnection, relation: string, columns: SourceColumn[], rows: number, check: () => void): Promise<StreamColumn[]> {
  // pass 1: counts, missing, infinities, range, mean, std, approximate distinct
  const aggs: string[] = [];
  columns.forEach((c, j) => {
    const v = valueExpr(c);
    const present = presentExpr(c);
    aggs.push(`count(*) FILTER (WHERE ${present}) AS p${j}`);
    aggs.push(`approx_count_distinct(${v}) FILTER (WHERE ${present}) AS a${j}`);
    if (isNumeric(c)) {
      aggs.push(`count(*) FILTER (WHERE isinf(${v})) AS i${j}`, `min(${ROW}) FILTER (WHERE isinf(${v})) AS ir${j}`);
      aggs.push(`count(*) FILTER (WHERE isfinite(${v})) AS f${j}`, `min(${v}) FILTER (WHERE isfinite(${v})) AS lo${j}`, `max(${v}) FILTER (WHERE isfinite(${v})) AS hi${j}`);
      aggs.push(`avg(${v}) FILTER (WHERE isfinite(${v})) AS m${j}`, `stddev_samp(${v}) FILTER (WHERE isfinite(${v})) AS s${j}`);
    }
  });
  const a = await aggregateInGroups(conn, relation, aggs, check);

  // pass 2: histograms of the finite values
  const hist: string[] = [];
  columns.forEach((c, j) => {
    if (!isNumeric(c) || n(a[`f${j}`]) === 0) return;
    const lo = Number(a[`lo${j}`]);
    const width = (Number(a[`hi${j}`]) - lo) / HISTOGRAM_BINS;
    const bin = width > 0 ? `LEAST(${HISTOGRAM_BINS - 1}, CAST(floor((${valueExpr(c)} - ${num(lo)}) / ${num(width)}) AS INTEGER))` : '0';
    hist.push(`histogram(${bin}) FILTER (WHERE isfinite(${valueExpr(c)})) AS h${j}`);
  });
  const h = await aggregateInGroups(conn, relation, hist, check);

  const out: StreamColumn[] = [];
  for (let j = 0; j < columns.length; j++) {
    const c = columns[j];
    const type = columnType(c.duckType);
    const present = n(a[`p${j}`]);
    const missing = rows - present;
    const approx = n(a[`a${j}`]);
    let values: ValueCount[] | null = null;
    if (approx <= EXACT_DISTINCT) {
      // exact value counts: one small group-by reading this column only
      const order = isNumeric(c) ? 'v' : 'first';
      const res = await conn.runAndReadAll(`SELECT ${valueExpr(c)} AS v, count(*) AS n, min(${ROW}) AS first FROM ${(relation)} WHERE ${presentExpr(c)} GROUP BY v ORDER BY ${order}`);
      values = res.getRowObjects().map((r) => ({ value: isNumeric(c) ? Number(r.v) : String(r.v), count: n(r.n), first: n(r.first) }));
      if (values.length > EXACT_DISTINCT) values = null;
      check();
    }
    // numbers: counted up to the cap, as in memory; text: exact when known, else approximate (and marked capped)
    const distinct = values ? (isNumeric(c) ? Math.min(values.length, DISTINCT_CAP) : values.length) : isNumeric(c) ? DISTINCT_CAP : Math.max(approx, EXACT_DISTINCT + 1);
    const capped = values ? isNumeric(c) && values.length > DISTINCT_CAP : true;
    if (isNumeric(c)) {
      const finite = n(a[`f${j}`]);
      const histogram = finite
        ? { min: Number(a[`lo${j}`]), max: Number(a[`hi${j}`]), counts: Array.from({ length: HISTOGRAM_BINS }, () => 0) }
        : null;
      if (histogram) {
        const map = h[`h${j}`] as { entries?: { key: unknown; value: unknown }[] } | null;
        for (const e of map?.entries ?? []) histogram.counts[Number(e.key)] = n(e.value);
      }
      const lowCardinality = !!values && !capped && values.length <= 20 && (type !== 'number' || values.length <= 2);
      const stats: ColumnStats = {
        count: present, missing, distinct, distinctCapped: capped,
        min: orNull(a[`lo${j}`]), max: orNull(a[`hi${j}`]), mean: orNull(a[`m${j}`]), std: finite > 1 ? n(a[`s${j}`]) : finite ? 0 : null,
        histogram,
        top: lowCardinality ? topOf(values!) : null,
      };
      const infinite = n(a[`i${j}`]);
      const stub: NumberColumn = {
        name: c.name, kind: 'number', type: type as NumberColumn['type'], values: new Float32Array(0), missing, infinite,
        firstInfiniteRow: infinite ? n(a[`ir${j}`]) : -1,
      };
      out.push({ source: c, stats, stub, values });
    } else {
      const stats: ColumnStats = {
        count: present, missing, distinct, distinctCapped: capped,
        min: null, max: null, mean: null, std: null, histogram: null, top: values ? topOf(values) : null,
      };
      const stub: TextColumn = {
        name: c.name, kind: 'text', type: type as TextColumn['type'], codes: new Int32Array(0),
        dictionary: values ? values.map((v) => String(v.value)) : [], missing,
        firstRows: values ? values.map((v) => v.first) : undefined,
      };
      out.push({ source: c, stats, stub, values });
    }
  }
  return out;
}
