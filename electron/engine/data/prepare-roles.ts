// Which column is the label and what every other column is for (feature, ignore), from the user's
// choices or proposed with a reason, and the label column turned into class indices. Split from
// prepare.ts so that the role decisions stand apart from building the matrices.
import type { ColumnRole, ColumnStats, OpenOptions } from '../../../shared/types';
import { fileFailure } from './files';
import { proposeLabel, proposeRole } from './roles';
import type { RawColumn, RawTable } from './table';

export const quoteName = (n: string) => `\`${n}\``;

/** Label index per source row and the class names (numbers sorted as numbers). */
export function labelIndex(col: RawColumn): { codes: Int32Array; names: string[] } {
  if (col.kind === 'text') {
    const order = col.dictionary.map((_, i) => i);
    const numeric = col.dictionary.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
    order.sort((a, b) => (numeric ? Number(col.dictionary[a]) - Number(col.dictionary[b]) : col.dictionary[a].localeCompare(col.dictionary[b])));
    const remap = new Int32Array(order.length);
    order.forEach((code, k) => (remap[code] = k));
    return { codes: col.codes.map((c) => (c < 0 ? -1 : remap[c])), names: order.map((c) => col.dictionary[c]) };
  }
  const distinct = [...new Set(Array.from(col.values).filter((v) => v === v))].sort((a, b) => a - b);
  const index = new Map(distinct.map((v, i) => [v, i]));
  return { codes: Int32Array.from(col.values, (v) => (v === v ? index.get(v)! : -1)), names: distinct.map((v) => String(v)) };
}

function checkRoles(table: RawTable, opts: OpenOptions): void {
  const known = new Set(table.columns.map((c) => c.name));
  const unknown = [opts.labelColumn ?? null, ...Object.keys(opts.roles ?? {})].find((n) => n !== null && !known.has(n));
  if (unknown !== undefined && unknown !== null) {
    throw fileFailure(table.file, 'no-such-column', `has no column "${unknown}".`,
      `Pick one of: ${table.columns.slice(0, 30).map((c) => c.name).join(', ')}${table.columns.length > 30 ? ', …' : ''}.`);
  }
  const labels = Object.entries(opts.roles ?? {}).filter(([, r]) => r === 'label').map(([n]) => n);
  const all = new Set([...labels, ...(opts.labelColumn ? [opts.labelColumn] : [])]);
  if (all.size > 1) {
    throw fileFailure(table.file, 'two-labels', `more than one label column was chosen (${[...all].join(', ')}).`, 'Choose one label column; make the others features or ignore them.');
  }
}

export interface Resolved {
  label: RawColumn | null;
  labelChosen: boolean;
  roles: ColumnRole[];
  reasons: (string | null)[];
}

export function resolveRoles(table: RawTable, stats: ColumnStats[], opts: OpenOptions, splitCol: RawColumn | null, notes: string[]): Resolved {
  checkRoles(table, opts);
  const byName = (n: string) => table.columns.find((c) => c.name === n) ?? null;
  const givenLabel = Object.entries(opts.roles ?? {}).find(([, r]) => r === 'label')?.[0];
  let label: RawColumn | null = null;
  let labelChosen = true;
  // "no label" rules out the columns the request knew of: a labels file added since (a reopen
  // with the options echoed back and labelsPath set) still gives the label
  const newFormatLabel = table.formatLabel !== null && opts.roles !== undefined && opts.roles[table.formatLabel] === undefined;
  if (opts.labelColumn !== undefined) label = opts.labelColumn === null ? (newFormatLabel ? byName(table.formatLabel!) : null) : byName(opts.labelColumn);
  else if (givenLabel) label = byName(givenLabel);
  else if (table.formatLabel) label = byName(table.formatLabel);
  else {
    labelChosen = false;
    const skip = new Set<RawColumn>(splitCol ? [splitCol] : []);
    for (const [n, r] of Object.entries(opts.roles ?? {})) if (r !== 'label') skip.add(byName(n)!);
    const proposed = proposeLabel(table, stats, skip);
    if (proposed) {
      label = proposed.column;
      notes.push(`Proposed ${quoteName(label.name)} as the label column: ${proposed.why}.`);
    }
  }
  const roles: ColumnRole[] = [];
  const reasons: (string | null)[] = [];
  table.columns.forEach((c, i) => {
    const given = opts.roles?.[c.name];
    if (c === label) {
      roles.push('label');
      reasons.push(null);
    } else if (given) {
      roles.push(given === 'label' ? 'ignore' : given);
      reasons.push(null);
    } else if (c === splitCol) {
      roles.push('ignore');
      reasons.push('gives the file’s own train/test split');
    } else {
      const p = proposeRole(c, stats[i], table.rows);
      roles.push(p.role);
      reasons.push(p.reason);
      if (p.role === 'ignore') notes.push(`Ignored ${quoteName(c.name)}: it ${p.reason}.`);
    }
  });
  return { label, labelChosen, roles, reasons };
}
