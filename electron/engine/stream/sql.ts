// SQL pieces shared by the passes over a streamed dataset: how each column is read (numbers as
// float32, like the loaders do, text as VARCHAR), when a cell counts as missing, and the row
// predicates (kept by the missing-value policy, in the test split, in the sample).
import { sqlIdent, sqlString } from '../data/duck';
import { columnType, type SourceColumn } from '../data/duckread';

export const ROW = 'file_row_number';

export const isNumeric = (c: SourceColumn) => {
  const t = columnType(c.duckType);
  return t === 'number' || t === 'integer' || t === 'boolean';
};

/** The column's values as the loaders read them: float32 numbers (widened to DOUBLE for SQL), or text. */
export const valueExpr = (c: SourceColumn) => (isNumeric(c) ? `CAST(CAST(${sqlIdent(c.name)} AS FLOAT) AS DOUBLE)` : `CAST(${sqlIdent(c.name)} AS VARCHAR)`);

/** True where the cell has a value (NULL, NaN and empty text are missing; ±Infinity is a value). */
export const presentExpr = (c: SourceColumn) => {
  const v = valueExpr(c);
  return isNumeric(c) ? `(${v} IS NOT NULL AND NOT isnan(${v}))` : `(${v} IS NOT NULL AND ${v} <> '')`;
};

/** A value literal of the column's kind (numbers exactly as JavaScript holds them). */
export const literal = (c: SourceColumn, v: string | number) => (isNumeric(c) ? `CAST(${String(v)} AS DOUBLE)` : sqlString(String(v)));

export const and = (...parts: (string | null)[]) => {
  const p = parts.filter((x): x is string => !!x && x !== 'TRUE');
  return p.length ? p.map((x) => `(${x})`).join(' AND ') : 'TRUE';
};

/** Numbers as DuckDB reads them back exactly (finite doubles). */
export const num = (v: number) => {
  if (!Number.isFinite(v)) return '0.0';
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
};
