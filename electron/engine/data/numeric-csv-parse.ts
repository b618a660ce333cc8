// The byte parser of the plain numeric reader (numeric-csv.ts): whole lines of delimited numbers
// parsed straight into a row-major Float32 block, with a slow path for the fields that are not a
// short plain number and the refusal codes that send a file back to DuckDB. Split from
// numeric-csv.ts so that the parse loop stands apart from the file reading and thread orchestration.
// parseLines, slowField, parseRange and parseSpan are kernels (threads.ts): they call only each
// other (and the addon through the global every thread sets), so they stay together in this module.

export const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Parser state passed between calls: [0] rows parsed into the block, [1] position in the buffer,
 * [2] refusal code (0 = none).
 */
export type State = Int32Array;

export const REFUSALS = [
  '', 'a field that is not a plain number', 'a ragged line', 'a blank line', 'a lone carriage return',
  'a decimal or exponent in a whole-number column', 'a whole number beyond 2^53', 'a value beyond the Float32 range',
];

/**
 * Parses whole lines of b[p, end) (every line ends with '\n') into `block`, row-major, until the
 * block is full or the range is done. Fields that are not a short plain number go to `slow`, which
 * returns the value or NaN-with-refusal through `state[2]`.
 */
export function parseLines(
  b: Uint8Array, end: number, cols: number, delim: number, dec: number, isInt: Uint8Array,
  block: Float32Array, maxRows: number, state: State,
  slow: (start: number, stop: number, col: number) => number, pow10: Float64Array,
): void {
  let p = state[1];
  let row = state[0];
  let o = row * cols;
  while (row < maxRows && p < end) {
    let c = b[p];
    if (c === 10 || c === 13) {
      state[2] = 3;
      break;
    }
    let col = 0;
    for (;;) {
      const start = p;
      let neg = false;
      if (c === 45) {
        neg = true;
        c = b[++p];
      } else if (c === 43) c = b[++p];
      let m = 0;
      let digits = 0;
      while (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        digits++;
        c = b[++p];
      }
      let power = 0;
      let plain = true;
      if (c === dec) {
        c = b[++p];
        while (c >= 48 && c <= 57) {
          m = m * 10 + (c - 48);
          digits++;
          power--;
          c = b[++p];
        }
        plain = false;
      }
      if (c === 101 || c === 69) {
        plain = false;
        c = b[++p];
        let eneg = false;
        if (c === 45) {
          eneg = true;
          c = b[++p];
        } else if (c === 43) c = b[++p];
        let e = 0;
        let eDigits = 0;
        while (c >= 48 && c <= 57) {
          if (e < 100000) e = e * 10 + (c - 48);
          eDigits++;
          c = b[++p];
        }
        if (eDigits === 0) digits = 0; // "1e" is not a number: let the slow path refuse it
        power += eneg ? -e : e;
      }
      let v: number;
      // m below 2^53: an exact double
      if (digits > 0 && (c === delim || c === 10 || c === 13) && m < 9007199254740992) {
        if (isInt[col]) {
          if (!plain) {
            state[2] = 5;
            state[0] = row;
            state[1] = p;
            return;
          }
          v = neg ? 0 - m : m; // whole numbers have no negative zero
        } else {
          if (power === 0) v = m;
          else if (power > 0 && power <= 22) v = m * pow10[power];
          else if (power < 0 && power >= -22) v = m / pow10[-power];
          else {
            v = slow(start, p, col); // reads the sign itself
            neg = false;
          }
          if (neg) v = -v;
        }
      } else {
        // anything else: find the field's end and let the slow path decide
        while (c !== delim && c !== 10 && c !== 13 && p < end) c = b[++p];
        v = slow(start, p, col);
      }
      if (state[2] !== 0) {
        state[0] = row;
        state[1] = p;
        return;
      }
      block[o++] = v;
      col++;
      if (c === delim) {
        if (col >= cols) {
          state[2] = 2;
          break;
        }
        c = b[++p];
        continue;
      }
      if (c === 13) {
        if (b[p + 1] !== 10) {
          state[2] = 4;
          break;
        }
        p++;
      }
      // c is '\n' here (the buffer always ends with one)
      p++;
      if (col !== cols) state[2] = 2;
      break;
    }
    if (state[2] !== 0) break;
    row++;
  }
  state[0] = row;
  state[1] = p;
}

/**
 * The slow path of parseLines: a field that is not a short plain number (b[start, stop)) is a
 * missing cell, a longer number (through Number(), which rounds correctly), or a refusal (its code
 * in state[2], NaN returned). Self-contained: worker threads build it too (parseRange).
 */
export function slowField(
  b: Uint8Array, decimal: string, isInt: Uint8Array, nullTexts: readonly string[], state: State,
): (start: number, stop: number, col: number) => number {
  const nulls = new Set(nullTexts);
  const numberText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  const float32Max = 3.4028234663852886e38;
  return (start, stop, col) => {
    let text = '';
    for (let i = start; i < stop; i++) text += String.fromCharCode(b[i]); // latin1
    if (nulls.has(text)) return NaN;
    const dotted = decimal === '.' ? text : text.replace(decimal, '.');
    if (!isInt[col] && numberText.test(dotted)) {
      const v = Number(dotted);
      if (Number.isFinite(v) && Math.abs(v) <= float32Max) {
        if (Math.abs(Math.fround(v)) !== Infinity) return v;
      }
      state[2] = 7;
      return NaN;
    }
    state[2] = isInt[col] && numberText.test(text) ? 6 : 1;
    return NaN;
  };
}

/**
 * A kernel (threads.ts): parses the whole lines of b[begin, end) into `out` from row 0, at most
 * maxRows; state as parseLines leaves it ([0] rows, [1] position, [2] refusal code).
 */
export function parseRange(
  b: Uint8Array, begin: number, end: number, cols: number, delim: number, decimal: string, isInt: Uint8Array,
  out: Float32Array, maxRows: number, state: Int32Array, nullTexts: string[], pow10: Float64Array,
): number {
  state[0] = 0;
  state[1] = begin;
  state[2] = 0;
  const slow = slowField(b, decimal, isInt, nullTexts, state);
  parseSpan(b, end, cols, delim, decimal.charCodeAt(0), isInt, out, maxRows, state, slow, pow10);
  return state[0];
}

/**
 * A kernel: parseLines' work, with the lines made only of short plain numbers parsed by the addon
 * where a thread has it (the global labAddon, threads.ts; the same values to the bit, see
 * parsePlainLines in native/src/addon.cc) and every other line by parseLines, one at a time.
 */
export function parseSpan(
  b: Uint8Array, end: number, cols: number, delim: number, dec: number, isInt: Uint8Array,
  block: Float32Array, maxRows: number, state: State,
  slow: (start: number, stop: number, col: number) => number, pow10: Float64Array,
): void {
  const g = globalThis as { labAddon?: { parsePlainLines?: (...a: unknown[]) => void } | null };
  const native = g.labAddon?.parsePlainLines ? g.labAddon : null;
  if (!native) {
    parseLines(b, end, cols, delim, dec, isInt, block, maxRows, state, slow, pow10);
    return;
  }
  while (state[0] < maxRows && state[1] < end && state[2] === 0) {
    native.parsePlainLines!(b, end, cols, delim, dec, isInt, block, maxRows, state);
    if (state[0] >= maxRows || state[1] >= end) break;
    parseLines(b, end, cols, delim, dec, isInt, block, state[0] + 1, state, slow, pow10);
  }
}

/** Lines (line breaks) in b[from, to). */
export function countLines(b: Buffer, from: number, to: number): number {
  let n = 0;
  for (let p = b.indexOf(10, from); p >= 0 && p < to; p = b.indexOf(10, p + 1)) n++;
  return n;
}

/** Byte offset of the line after the one holding b[from] (-1 when no line break follows). */
export function nextLine(b: Uint8Array, from: number, end: number): number {
  const nl = b.indexOf(10, from);
  return nl < 0 || nl >= end ? -1 : nl + 1;
}

/** Whether the lines from `at` parse to exactly `rows` (DuckDB's first rows). */
export function startsWith(
  b: Uint8Array, at: number, end: number, rows: number[][], cols: number, delim: number, dec: number, isInt: Uint8Array,
  slow: (start: number, stop: number, col: number) => number, state: State,
): boolean {
  const block = new Float32Array(rows.length * cols);
  state.fill(0);
  state[1] = at;
  parseLines(b, end, cols, delim, dec, isInt, block, rows.length, state, slow, POW10);
  const ok = state[2] === 0 && state[0] === rows.length && rows.every((r, i) => r.length === cols && r.every((w, k) => {
    const got = block[i * cols + k];
    const want = Math.fround(w);
    return got === want || (got !== got && want !== want);
  }));
  state.fill(0);
  return ok;
}
