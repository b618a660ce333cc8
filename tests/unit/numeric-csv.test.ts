// Plain numeric text is read by our own loop into one row-major matrix that becomes the split
// matrices in place (numeric-csv.ts, prepare.ts). Each generated file here is opened twice, by that
// path and by DuckDB's reader (LAB_CSV_READER=duckdb, the path before it), and everything must be
// the same to the last bit: every cell of both splits, labels, row ids, scaling, statistics, notes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { OpenDatasetRequest } from '../../shared/api';
import { readDelimited } from '../../electron/engine/data/csv';
import type { Dataset } from '../../electron/engine/data/dataset';
import { quietContext } from '../../electron/engine/data/files';
import { openDataset } from '../../electron/engine/data/open';

const scratch = mkdtempSync(join(tmpdir(), 'lab-numeric-csv-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.LAB_CSV_READER;
});

function write(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

/** A small seeded generator (the files must be the same on every run). */
function random(seed: number) {
  let s = seed;
  return () => ((s = (s * 48271) % 2147483647) / 2147483647);
}

async function open(path: string, reader: 'plain' | 'duckdb', opts: Omit<OpenDatasetRequest, 'source'> = {}): Promise<Dataset> {
  if (reader === 'duckdb') process.env.LAB_CSV_READER = 'duckdb';
  else delete process.env.LAB_CSV_READER;
  try {
    return await openDataset('t' as never, { source: { kind: 'file', path }, ...opts }, quietContext);
  } finally {
    delete process.env.LAB_CSV_READER;
  }
}

/** Whether our loop read the file (its columns share a block until prepareTable). */
async function readByLoop(path: string): Promise<boolean> {
  const table = await readDelimited(path, {}, quietContext);
  return table.columns.length > 0 && table.columns.every((c) => c.kind === 'number' && c.block !== undefined);
}

const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

/** Every figure of the two datasets, compared exactly (Float32 cells by their bits). */
function expectSame(a: Dataset, b: Dataset): void {
  expect(a.summary).toEqual(b.summary);
  for (const part of ['train', 'test'] as const) {
    expect(a[part].n).toBe(b[part].n);
    expect(bits(a[part].x as Float32Array)).toEqual(bits(b[part].x as Float32Array));
    expect(Array.from(a[part].rowIds)).toEqual(Array.from(b[part].rowIds));
    expect(a[part].labels && Array.from(a[part].labels!)).toEqual(b[part].labels && Array.from(b[part].labels!));
  }
  expect(Array.from(a.featureMap.center)).toEqual(Array.from(b.featureMap.center));
  expect(Array.from(a.featureMap.spread)).toEqual(Array.from(b.featureMap.spread));
  expect(a.featureMap.columns).toEqual(b.featureMap.columns);
  a.raw.columns.forEach((c, i) => {
    const o = b.raw.columns[i];
    expect(c.kind === 'number' && o.kind === 'number' && bits(c.values)).toEqual(c.kind === 'number' && o.kind === 'number' && bits(o.values));
  });
}

/** Rows DuckDB's sniffer reads to type the columns (sample_size in sniff.ts). */
const SAMPLE_ROWS = 20480;

/**
 * Spellings of numbers DuckDB reads as DOUBLE, and missing cells as it spells them. A leading "+"
 * or "00" makes its sniffer type the column as text, but its reader takes them below the sample.
 */
function decimalCell(rand: () => number, r: number, c: number): string {
  const u = rand();
  const v = (rand() - 0.5) * 10 ** Math.floor(rand() * 6 - 2);
  const k = (r * 7 + c * 3) % 23;
  if (r < SAMPLE_ROWS && (k === 4 || k === 8)) return v.toFixed(2);
  switch (k) {
    case 0: return u < 0.5 ? '' : 'NA';
    case 1: return v.toExponential(4);
    case 2: return v.toExponential(2).replace('e', 'E');
    case 3: return (v * 1e12).toPrecision(21); // more digits than a double holds: Number()'s path
    case 4: return `+${Math.abs(v).toFixed(3)}`;
    case 5: return u < 0.5 ? '-0' : '-0.000';
    case 6: return `.${Math.floor(u * 1000)}`;
    case 7: return `${Math.floor(u * 100)}.`;
    case 8: return `00${v.toFixed(4)}`.replace('00-', '-00');
    case 9: return `${(u * 3e38).toPrecision(6)}`; // near the top of Float32's range
    case 10: return `${(u * 1e-42).toPrecision(3)}`; // below Float32's smallest normal
    case 11: return `${v.toFixed(6)}e-30`;
    default: return v.toFixed(5);
  }
}

describe('plain numeric text through the matrix path', () => {
  it('reads every spelling of a number exactly as DuckDB does (CRLF, a byte-order mark, no final line break)', async () => {
    const rand = random(7);
    const lines = ['a,b,count,c'];
    for (let r = 0; r < SAMPLE_ROWS + 3000; r++) {
      const whole = Math.floor(rand() * 2000) - 1000;
      const count = r % 41 === 3 ? '' : r > SAMPLE_ROWS && r % 5 === 0 && whole >= 0 ? `+${whole}` : String(whole);
      lines.push([decimalCell(rand, r, 0), decimalCell(rand, r, 1), count, decimalCell(rand, r, 2)].join(','));
    }
    const path = write('forms.csv', `\ufeff${lines.join('\r\n')}`);
    expect(await readByLoop(path)).toBe(true);
    for (const opts of [{}, { missing: 'mean' as const, scaling: 'minmax' as const }, { missing: 'drop' as const, splitSeed: 4, testFraction: 0.35 }]) {
      const plain = await open(path, 'plain', opts);
      const duck = await open(path, 'duckdb', opts);
      expect(plain.summary.columns.find((c) => c.name === 'count')!.type).toBe('integer');
      expectSame(plain, duck);
    }
    // the lines are parsed in one part per thread (the file is past SPLIT_BYTES): any count, same bits
    const duck = await open(path, 'duckdb');
    for (const threads of ['1', '3']) {
      process.env.LAB_CSV_THREADS = threads;
      try {
        expectSame(await open(path, 'plain'), duck);
      } finally {
        delete process.env.LAB_CSV_THREADS;
      }
    }
  });

  it('keeps the label and ignored columns, drops rows, fills cells and moves the rest in place', async () => {
    const rand = random(11);
    const lines = ['row_id,x1,x2,label,x3,x4'];
    for (let r = 0; r < 2500; r++) {
      const x = [0, 1, 2, 3].map((c) => (r % 97 === c ? '' : ((rand() - 0.5) * 8 + c).toFixed(4)));
      lines.push([r, x[0], x[1], r % 3, x[2], x[3]].join(','));
    }
    const path = write('roles.csv', `${lines.join('\n')}\n`);
    expect(await readByLoop(path)).toBe(true);
    for (const opts of [{}, { missing: 'median' as const }, { missing: 'drop' as const, roles: { x2: 'ignore' as const } }]) {
      const plain = await open(path, 'plain', opts);
      const duck = await open(path, 'duckdb', opts);
      expect(plain.summary.labelColumn).toBe('label');
      expect(plain.summary.columns.find((c) => c.name === 'row_id')!.role).toBe('ignore');
      expectSame(plain, duck);
    }
  });

  it('reads headerless, tab and decimal-comma files', async () => {
    const rand = random(5);
    const rows = Array.from({ length: 300 }, () => [rand() * 10, rand() - 0.5, rand() * 1e4]);
    const files = [
      write('noheader.csv', `${rows.map((r) => r.map((v) => v.toFixed(3)).join(',')).join('\n')}\n`),
      write('tabs.tsv', `x\ty\tz\n${rows.map((r) => r.map((v) => v.toFixed(2)).join('\t')).join('\n')}\n`),
      write('comma.csv', `x;y;z\n${rows.map((r) => r.map((v) => v.toFixed(3).replace('.', ',')).join(';')).join('\n')}\n`),
    ];
    for (const path of files) {
      expect(await readByLoop(path)).toBe(true);
      expectSame(await open(path, 'plain'), await open(path, 'duckdb'));
    }
  });

  it('scales a block of over a million cells on threads to the same bits (with fills and dropped rows)', async () => {
    const rand = random(17);
    const cols = 50;
    const lines = [Array.from({ length: cols }, (_, c) => `v${c}`).join(',')];
    for (let r = 0; r < 23_000; r++) {
      lines.push(Array.from({ length: cols }, (_, c) => (r % 1009 === c ? '' : ((rand() - 0.4) * (c + 1)).toFixed(4))).join(','));
    }
    const path = write('wide.csv', `${lines.join('\n')}\n`);
    expect(await readByLoop(path)).toBe(true);
    for (const opts of [{}, { missing: 'mean' as const }, { scaling: 'minmax' as const, splitSeed: 9 }]) {
      expectSame(await open(path, 'plain', opts), await open(path, 'duckdb', opts));
    }
  });

  it('hands a file back to DuckDB when a word comes after whole reads of numbers (row 900,000)', async () => {
    // past the first 16 MB read: rows already parsed into the matrix on threads are given up, and
    // DuckDB's reader meets the word while streaming
    const rows = 900_100;
    const parts: string[] = ['a,b,c'];
    for (let r = 0; r < rows; r++) parts.push(r === 900_000 ? `${r % 97}.5,oops,1.25` : `${r % 97}.5,${(r % 1013) / 8},${r % 7}.125`);
    const path = write('late-word.csv', `${parts.join('\n')}\n`);
    expect(await readByLoop(path)).toBe(false);
    const plain = await open(path, 'plain');
    const duck = await open(path, 'duckdb');
    // every row, and the column with the word read as text (DuckDB's streamed result used to end
    // quietly at the word: 1,900 rows short, and no word of why)
    expect(plain.summary.rows).toBe(rows);
    expect(plain.summary.columns.map((c) => c.type)).toEqual(['number', 'string', 'number']);
    expect(plain.summary.notes).toContain('Column "b" looked numeric at first, but line 900002 holds "oops": read it as text.');
    expectSame(plain, duck);
  });

  it('hands a file it is not sure about back to DuckDB, which answers as before', async () => {
    const rand = random(3);
    const late = SAMPLE_ROWS + 300;
    const body = Array.from({ length: late + 100 }, (_, r) => `${(rand() * 5).toFixed(3)},${(rand() * 5).toFixed(3)},${r === late ? 'n/a' : (rand() * 5).toFixed(3)}`);
    const cases = [
      write('late-text.csv', `a,b,c\n${body.join('\n')}\n`), // a word far below DuckDB's sample
      write('late-quote.csv', `a,b,c\n${body.join('\n').replace('n/a', '"1.5"')}\n`),
      write('late-decimal.csv', `a,b,c\n${body.map((l, r) => l.replace(/[^,]*$/, r === late ? '2.5' : String(r))).join('\n')}\n`),
      write('late-blank.csv', `a,b,c\n${body.join('\n').replace(/\n.*n\/a/, '\n')}\n`),
    ];
    for (const path of cases) {
      expect(await readByLoop(path)).toBe(false);
      let plain: Dataset | Error;
      let duck: Dataset | Error;
      try {
        plain = await open(path, 'plain');
      } catch (err) {
        plain = err as Error;
      }
      try {
        duck = await open(path, 'duckdb');
      } catch (err) {
        duck = err as Error;
      }
      if (plain instanceof Error || duck instanceof Error) expect(String(plain)).toBe(String(duck));
      else expectSame(plain, duck);
    }
  });
});
