// The addon's parsePlainLines takes the lines of short plain numbers off parseLines' hands
// (numeric-csv-parse.ts parseSpan): for any text, parsing with it must leave the same rows, the
// same bits in every cell, the same position and the same refusal as parseLines alone. The texts
// are built from the spellings at the edges of its fast path: mantissas around 2^53, powers of ten
// around ±22, signs, bare points, exponents, empty cells, CRLF, blank, ragged and odd lines.
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../electron/engine/native/addon';
import { parseLines, parseSpan, POW10, slowField } from '../../electron/engine/data/numeric-csv-parse';
import { sumColumns } from '../../electron/engine/data/numeric-csv-sink';
import { histogramColumns } from '../../electron/engine/data/stats';
import { NULL_TEXTS } from '../../electron/engine/data/sniff';
import { skipNative } from './helpers/native';

const FIELDS = [
  '0', '-0', '+0', '7', '-7', '+7', '12.5', '-12.5', '.5', '5.', '-.5', '0.000', '-0.000', '00012.250',
  '9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740991', '900719925474099.1',
  '1.0000000000000000000001', '123456789012345678901234567890', '0.0000000000000000000001', '0.00000000000000000000001',
  '1e5', '1E-3', '2.5e+10', '1e', '3.4028235e38', '3.5e38', '1e-45', '0.000000000000000000000000000000000000000000001',
  '', 'NA', 'nan', '?', 'abc', '1.5x', '-', '.', '1,5', '12345.678901', '-99999.99999', '16777217', '0.1', '0.7',
];

function text(rand: () => number, rows: number, cols: number, sep: string, odd: number): string {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const u = rand() / odd;
    if (u < 0.01) lines.push('');
    else {
      const n = u < 0.02 ? cols + 1 : u < 0.03 ? cols - 1 : cols;
      const cells = Array.from({ length: n }, () => (rand() >= odd ? (rand() * 2000 - 1000).toFixed(Math.floor(rand() * 7)) : FIELDS[Math.floor(rand() * FIELDS.length)]));
      lines.push(cells.join(sep));
    }
  }
  const eol = rand() < 0.5 ? '\n' : '\r\n';
  let t = lines.join(eol) + eol;
  if (rand() < odd) t = t.replace('\n', '\r'); // a lone carriage return somewhere
  return t;
}

function run(bytes: Uint8Array, cols: number, isInt: Uint8Array, maxRows: number, withAddon: boolean) {
  const g = globalThis as { labAddon?: unknown };
  const saved = g.labAddon;
  g.labAddon = withAddon ? nativeAddon().addon : null;
  try {
    const state = new Int32Array(3);
    const block = new Float32Array(maxRows * cols).fill(-12345);
    const slow = slowField(bytes, '.', isInt, NULL_TEXTS, state);
    parseSpan(bytes, bytes.length, cols, 44, 46, isInt, block, maxRows, state, slow, POW10);
    return { state: Array.from(state), cells: Array.from(new Uint32Array(block.buffer)) };
  } finally {
    g.labAddon = saved;
  }
}

describe.skipIf(skipNative)('plain lines parsed by the addon', () => {
  it('gives what parseLines alone gives, cell for cell, refusals included', () => {
    expect(nativeAddon().addon!.parsePlainLines).toBeTypeOf('function');
    let s = 12345;
    const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
    let refused = 0;
    for (let t = 0; t < 400; t++) {
      const cols = 1 + Math.floor(rand() * 6);
      const isInt = Uint8Array.from({ length: cols }, () => (rand() < 0.25 ? 1 : 0));
      const rows = 1 + Math.floor(rand() * 60);
      const bytes = new TextEncoder().encode(text(rand, rows, cols, ',', [0.002, 0.02, 0.1, 0.4][t % 4]));
      const maxRows = rand() < 0.2 ? Math.max(1, rows - 3) : rows + 2;
      const js = run(bytes, cols, isInt, maxRows, false);
      const both = run(bytes, cols, isInt, maxRows, true);
      expect(both, `case ${t}`).toEqual(js);
      if (js.state[2] !== 0) refused++;
    }
    // the cases reach both ends: files read to the end and files refused
    expect(refused).toBeGreaterThan(20);
    expect(refused).toBeLessThan(380);
  });

  it('matches parseLines on long runs of plain rows (the fast path alone)', () => {
    let s = 777;
    const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
    const cols = 7;
    const lines = Array.from({ length: 5000 }, () => Array.from({ length: cols }, () => ((rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 4)).toFixed(Math.floor(rand() * 9))).join(','));
    const bytes = new TextEncoder().encode(`${lines.join('\n')}\n`);
    const isInt = new Uint8Array(cols);
    const js = run(bytes, cols, isInt, 5000, false);
    expect(js.state).toEqual([5000, bytes.length, 0]);
    expect(run(bytes, cols, isInt, 5000, true)).toEqual(js);
    // parseLines directly, for the record: the same as parseSpan without the addon
    const state = new Int32Array(3);
    const block = new Float32Array(5000 * cols);
    parseLines(bytes, bytes.length, cols, 44, 46, isInt, block, 5000, state, slowField(bytes, '.', isInt, NULL_TEXTS, state), POW10);
    expect(Array.from(new Uint32Array(block.buffer))).toEqual(js.cells);
  });

  it('sums and histograms columns as the JavaScript kernels do, to the bit', () => {
    let s = 4242;
    const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
    const rows = 3001;
    const cols = 9;
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < data.length; i++) {
      const u = rand();
      const k = i % cols;
      // a constant column, one of NaN, infinities, tiny and huge values, values on the bin edges
      data[i] = k === 0 ? 2.5 : k === 1 ? NaN : u < 0.01 ? (u < 0.005 ? Infinity : -Infinity) : u < 0.02 ? NaN
        : k === 2 ? Math.round(u * 20) / 20 : k === 3 ? (u - 0.5) * 1e30 : k === 4 ? u * 1e-40 : (u - 0.3) * 10 ** (k - 5);
    }
    const g = globalThis as { labAddon?: unknown };
    const saved = g.labAddon;
    const results = [null, nativeAddon().addon].map((addon) => {
      g.labAddon = addon;
      try {
        const f = (fill: number) => new Float64Array(cols).fill(fill);
        const m = { missing: f(0), infinite: f(0), first: f(-1), min: f(Infinity), max: f(-Infinity), sum: f(0), sumSq: f(0), count: f(0) };
        sumColumns(data, 0, 1700, cols, 0, 4, m.missing, m.infinite, m.first, m.min, m.max, m.sum, m.sumSq, m.count);
        sumColumns(data, 0, 1700, cols, 4, cols, m.missing, m.infinite, m.first, m.min, m.max, m.sum, m.sumSq, m.count);
        sumColumns(data, 1700, rows, cols, 0, cols, m.missing, m.infinite, m.first, m.min, m.max, m.sum, m.sumSq, m.count);
        const counts = new Float64Array(cols * 20);
        histogramColumns(data, rows, cols, 0, 5, m.min, m.max, 20, counts);
        histogramColumns(data, rows, cols, 5, cols, m.min, m.max, 20, counts);
        return Object.fromEntries(Object.entries({ ...m, counts }).map(([k, v]) => [k, Array.from(new BigUint64Array(v.buffer), String)]));
      } finally {
        g.labAddon = saved;
      }
    });
    expect(results[1]).toEqual(results[0]);
    expect(results[0].counts.some((c) => c !== '0')).toBe(true);
  });
});
