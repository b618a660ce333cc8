// Row hashes that decide, without holding any per-row list, which split a row of a streamed
// dataset belongs to, which training rows are held out for validation and which rows are in the
// in-memory sample. The same 32-bit mix is written in JavaScript (applied per chunk) and in SQL
// (DuckDB's statistics and sampling queries), and both give the same number for the same row.

/** Salts of the independent decisions made from a row number. */
export const SALT = { split: 0x5b1d, validation: 0x7a1d, sample: 0x5a4e } as const;

const MIX = 0x45d9f3b;
const TWO32 = 4294967296;

/** The salt's offset as an unsigned 32-bit number (xored into the row number first). */
const offset = (seed: number, salt: number) => Math.imul((seed ^ salt) >>> 0, 0x9e3779b9) >>> 0;

/** A well-mixed unsigned 32-bit hash of a row number (0 ≤ row < 2³¹) under a seed and salt. */
export function rowHash(row: number, seed: number, salt: number): number {
  let h = (row ^ offset(seed, salt)) >>> 0;
  h = Math.imul((h ^ (h >>> 16)) >>> 0, MIX) >>> 0;
  h = Math.imul((h ^ (h >>> 16)) >>> 0, MIX) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The same hash as a DuckDB expression over a BIGINT row-number expression. */
export function sqlRowHash(rowExpr: string, seed: number, salt: number): string {
  const step = (x: string) => `((xor(${x}, (${x}) >> 16) * ${MIX}) % ${TWO32})`;
  const first = `xor(CAST(${rowExpr} AS BIGINT), ${offset(seed, salt)})`;
  const h = step(step(first));
  return `xor(${h}, (${h}) >> 16)`;
}

/** The hash threshold below which a row is picked with probability `p`. */
export const threshold = (p: number) => Math.max(0, Math.min(TWO32, Math.round(p * TWO32)));
