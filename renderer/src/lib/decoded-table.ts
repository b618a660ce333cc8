// Decoded table rows as text: numbers at their column's decimals, a category as its most probable
// class with that probability, and every class's probability for the hover title.
import type { DecodedColumn } from '../../../shared/generation';

const pct = (p: number) => `${Math.round(p * 100)}%`;

/** A number at the column's decimals (4 significant digits when unknown). */
export function numberText(v: number, decimals: number | null): string {
  if (!Number.isFinite(v)) return '—';
  if (decimals !== null) return v.toFixed(decimals);
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : Number(v.toPrecision(4)).toString();
}

/** The text of one cell of row `i`. */
export function cellText(c: DecodedColumn, i: number): string {
  if (c.kind === 'number') return numberText(c.values[i], c.decimals);
  return c.categories[c.index[i]];
}

/** A category's probability in row `i` (null for numbers). */
export function cellProbability(c: DecodedColumn, i: number): number | null {
  return c.kind === 'category' ? c.probs[i * c.categories.length + c.index[i]] : null;
}

/** Every class with its probability, most probable first: "Biscoe 72% · Dream 20% · Torgersen 8%". */
export function probabilitiesText(c: DecodedColumn, i: number): string {
  if (c.kind !== 'category') return '';
  const k = c.categories.length;
  return c.categories
    .map((name, j) => ({ name, p: c.probs[i * k + j] }))
    .sort((a, b) => b.p - a.p)
    .map((e) => `${e.name} ${pct(e.p)}`)
    .join(' · ');
}

export { pct };
