// Proposes a role for every column (feature / label / ignore) and says why, unless the user chose.
import type { ColumnRole, ColumnStats } from '../../../shared/types';
import type { RawColumn, RawTable } from './table';

const LABEL_NAME = /^(label|labels|class|classes|target|species|y|category|digit|outcome|diagnosis|variety|kind)$/i;
const ID_NAME = /^(id|index|idx|key|uuid|guid|row|rownum|row_?id|record_?id|unnamed: ?0|_id)$|[_ ]id$|^id[_ ]/i;
const SPLIT_NAME = /^(split|set|subset|partition)$/i;
/** Beyond this many categories a text column is not one-hot encoded by default. */
export const MAX_CATEGORIES = 50;

export interface ProposedRole {
  role: ColumnRole;
  reason: string | null;
}

/** A column naming each row's split with the values train/test (and nothing else). */
export function splitColumn(table: RawTable): RawColumn | null {
  const col = table.columns.find((c) => c.kind === 'text' && SPLIT_NAME.test(c.name.trim()));
  if (!col || col.kind !== 'text') return null;
  const values = new Set(col.dictionary.map((v) => v.trim().toLowerCase()));
  if (values.size < 2 || [...values].some((v) => !['train', 'test', 'training', 'testing', 'validation', 'valid', 'val'].includes(v))) return null;
  return col;
}

/** Why a column is not a sensible feature (null when it is one). */
function ignoreReason(col: RawColumn, stats: ColumnStats, rows: number): string | null {
  if (stats.count === 0) return 'every cell is empty';
  if (col.kind === 'text' && col.type !== 'string') return col.type === 'date' ? 'dates are not used as features' : 'nested values are not used as features';
  const unique = !stats.distinctCapped && stats.distinct === stats.count;
  if (ID_NAME.test(col.name.trim()) && (unique || stats.distinctCapped || stats.distinct > rows / 2)) return 'looks like an identifier';
  if (stats.distinct <= 1 && !stats.distinctCapped) return 'has the same value in every row';
  if (col.kind === 'number' && col.type === 'integer' && stats.count === rows && rows > 20 && stats.min !== null && stats.max !== null
    && !stats.distinctCapped && unique && stats.max - stats.min + 1 === rows) return 'counts the rows (a row number)';
  if (col.kind === 'number' && col.type === 'integer' && stats.distinctCapped && stats.count === rows && stats.max! - stats.min! + 1 === rows) {
    return 'counts the rows (a row number)';
  }
  if (col.kind === 'text') {
    const text = col.dictionary.find((v) => !Number.isFinite(Number(v.trim().replace(',', '.'))));
    const numbers = col.dictionary.length - (text === undefined ? 0 : col.dictionary.filter((v) => !Number.isFinite(Number(v.trim().replace(',', '.')))).length);
    if (text !== undefined && numbers >= 0.8 * col.dictionary.length) {
      const code = col.dictionary.indexOf(text);
      const row = col.firstRows ? col.firstRows[code] : col.codes.indexOf(code);
      return `holds numbers but also text such as "${text.slice(0, 40)}" (data row ${row + 1})`;
    }
    if (text === undefined && col.dictionary.length > 1) return 'holds numbers written as text (check the decimal mark)';
  }
  if (col.kind === 'text' && unique && stats.count > 20) return 'has a different value in every row (an identifier or free text)';
  if (col.kind === 'text' && stats.distinct > 3 && stats.distinct > stats.count / 2) return `has ${stats.distinct} different values in ${stats.count} rows (an identifier or free text)`;
  if (col.kind === 'text' && stats.distinct > MAX_CATEGORIES) return `has ${stats.distinct} different values, too many to one-hot encode`;
  return null;
}

function labelCandidate(col: RawColumn, stats: ColumnStats, rows: number): boolean {
  if (stats.distinctCapped || stats.distinct < 2) return false;
  if (col.kind === 'text') return col.type === 'string' && stats.distinct <= Math.min(MAX_CATEGORIES, Math.max(2, rows / 2));
  return (col.type === 'integer' || col.type === 'boolean') && stats.distinct <= 20;
}

/**
 * The label the user would expect: a column named like one; else the last low-cardinality text
 * column; else a low-cardinality integer column at the end (or start) of the table.
 */
export function proposeLabel(table: RawTable, stats: ColumnStats[], skip: Set<RawColumn>): { column: RawColumn; why: string } | null {
  const cols = table.columns.map((c, i) => ({ c, s: stats[i] })).filter(({ c, s }) => !skip.has(c) && labelCandidate(c, s, table.rows) && !ignoreReason(c, s, table.rows));
  const named = cols.find(({ c }) => LABEL_NAME.test(c.name.trim()));
  if (named) return { column: named.c, why: `its name says it is a label, and it has ${named.s.distinct} classes` };
  const text = cols.filter(({ c }) => c.kind === 'text');
  if (text.length) {
    const t = text[text.length - 1];
    return { column: t.c, why: `it is a text column with ${t.s.distinct} classes` };
  }
  const last = table.columns[table.columns.length - 1];
  const first = table.columns[0];
  const edge = cols.find(({ c }) => c === last) ?? cols.find(({ c }) => c === first);
  if (edge) return { column: edge.c, why: `it is a whole-number column with ${edge.s.distinct} values at the ${edge.c === last ? 'end' : 'start'} of the table` };
  return null;
}

/** The default role of a non-label column. */
export function proposeRole(col: RawColumn, stats: ColumnStats, rows: number): ProposedRole {
  const why = ignoreReason(col, stats, rows);
  if (why) return { role: 'ignore', reason: why };
  if (col.kind === 'text') return { role: 'feature', reason: `${stats.distinct} categories, one-hot encoded` };
  return { role: 'feature', reason: null };
}
