// Numbers as text for the text formats (CSV, TSV, JSON, the Projector's TSV): the shortest decimal
// that reads back as the same float32. Coordinates are float32; printing them as doubles
// ("0.10000000149011612") doubles the file size and costs twice the time of this for no information.

const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);
const ZEROS = Array.from({ length: 23 }, (_, i) => '0'.repeat(i));

/** m·10^-k as the nearest double (both steps exact or correctly rounded for |k| ≤ 22). */
const scaled = (m: number, k: number) => (k >= 0 ? m / POW10[k] : m * POW10[-k]);
const roundAt = (a: number, k: number) => Math.round(k >= 0 ? a * POW10[k] : a / POW10[-k]);

/**
 * The shortest plain decimal s with Math.fround(Number(s)) === v, for a float32 value v. Values
 * outside [1e-6, 1e9) and non-finite ones fall back to String(v) (still exact, maybe longer).
 */
export function f32String(v: number): string {
  if (v === 0) return '0';
  const a = v < 0 ? -v : v;
  if (!(a >= 1e-6 && a < 1e9)) return String(v);
  // decimal exponent: 10^e ≤ a < 10^(e+1)
  let e = 0;
  if (a >= 1) {
    while (e < 9 && a >= POW10[e + 1]) e++;
  } else {
    e = -1;
    while (a * POW10[-e] < 1) e--;
  }
  // 7 significant digits are enough for most float32 values; shorten from there, or lengthen to 9
  let k = 6 - e;
  let m = roundAt(a, k);
  if (Math.fround(scaled(m, k)) === a) {
    while (k > 0 && m % 10 === 0) {
      m /= 10;
      k--;
    }
    while (k > -22) {
      const m2 = roundAt(a, k - 1);
      if (m2 === 0 || Math.fround(scaled(m2, k - 1)) !== a) break;
      m = m2;
      k--;
    }
  } else {
    let found = false;
    for (const p of [8, 9]) {
      k = p - 1 - e;
      m = roundAt(a, k);
      if (Math.fround(scaled(m, k)) === a) {
        found = true;
        break;
      }
    }
    if (!found) return String(v);
    while (k > 0 && m % 10 === 0) {
      m /= 10;
      k--;
    }
  }
  return decimal(m, k, v < 0);
}

/** m·10^-k as plain decimal text (m a whole number ≥ 0, |k| ≤ 22), trailing zeros after the point dropped. */
function decimal(m: number, k: number, negative: boolean): string {
  while (k > 0 && m % 10 === 0) {
    m /= 10;
    k--;
  }
  let s = String(m);
  if (m === 0) return '0';
  if (k <= 0) s += ZEROS[-k];
  else if (s.length > k) s = `${s.slice(0, s.length - k)}.${s.slice(s.length - k)}`;
  else s = `0.${ZEROS[k - s.length]}${s}`;
  return negative ? `-${s}` : s;
}

/**
 * A value of the data as read (float32), maybe rebuilt by undoing the scaling, with 7 significant
 * digits. Undoing the scaling leaves an error of about 1e-7 of the column's magnitude, which shows
 * in its small values (0.0104 comes back as 0.01040009): `columnExp`, the power of ten of the
 * column's 7th digit, rounds those to the column's precision (0.0104).
 */
export function dataNumberString(v: number, columnExp: number | null = null): string {
  if (v === 0) return '0';
  const a = v < 0 ? -v : v;
  if (!Number.isFinite(a)) return String(v);
  let e = Math.floor(Math.log10(a)) - 6;
  if (columnExp !== null && columnExp > e) e = columnExp;
  if (e < -22 || e > 22) return String(Number(v.toPrecision(7)));
  const m = e >= 0 ? Math.round(a / POW10[e]) : Math.round(a * POW10[-e]);
  return decimal(m, -e, v < 0);
}

/** The power of ten of the 7th significant digit of a column's largest magnitude (null when all are missing or zero). */
export function columnExponent(values: ArrayLike<number>): number | null {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > max) max = a;
  }
  return max > 0 && Number.isFinite(max) ? Math.floor(Math.log10(max)) - 6 : null;
}

/**
 * The power of ten of the 7th significant digit of a column whose values lie in [min, max] (from
 * its statistics); null when both are missing or zero.
 */
export function rangeExponent(min: number | null, max: number | null): number | null {
  const m = Math.max(Math.abs(min ?? 0), Math.abs(max ?? 0));
  return m > 0 && Number.isFinite(m) ? Math.floor(Math.log10(m)) - 6 : null;
}

/**
 * A float32 value read from a file as the number it was written as: 26.6, not 26.600000381469727
 * (its shortest decimal that reads back as the same float32). For values rebuilt by undoing the
 * scaling, `columnExp` rounds away the error that left (see dataNumberString).
 */
export function dataNumber(v: number, columnExp: number | null = null): number {
  if (!Number.isFinite(v)) return v;
  return Number(columnExp === null ? f32String(v) : dataNumberString(v, columnExp));
}

/** Most decimal places looked at: finer values are shown at this many. */
const MAX_DECIMALS = 6;

/**
 * Decimal places the column is written with: the most any of (up to `sample`, evenly spread)
 * values needs as data text (dataNumberString with `columnExp`), at most 6; null when a value
 * needs an exponent (very large or small values), or there is no finite value.
 */
export function columnDecimals(values: ArrayLike<number>, columnExp: number | null = null, sample = 2000): number | null {
  const step = Math.max(1, Math.floor(values.length / sample));
  let decimals = 0;
  let seen = 0;
  for (let i = 0; i < values.length; i += step) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    seen++;
    const s = columnExp === null ? f32String(v) : dataNumberString(v, columnExp);
    if (/e/i.test(s)) return null;
    const dot = s.indexOf('.');
    if (dot >= 0) decimals = Math.max(decimals, s.length - dot - 1);
    if (decimals >= MAX_DECIMALS) return MAX_DECIMALS;
  }
  return seen ? decimals : null;
}

/** v rounded to `decimals` places (null: 4 significant digits). */
export function roundTo(v: number, decimals: number | null): number {
  if (!Number.isFinite(v)) return v;
  return decimals === null ? Number(v.toPrecision(4)) : Number(v.toFixed(decimals));
}
