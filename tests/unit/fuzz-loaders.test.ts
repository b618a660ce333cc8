// Fuzzing every loader with fast-check: good fixtures with bytes flipped, cut short, spliced or with
// their header numbers changed, and generated text files. Whatever comes in, opening it must give
// a dataset or a LabFailure with a message (never another error, a crash of the process or a
// hang). Seeds are fixed (fast-check prints the seed and the smallest failing case on failure);
// run counts keep the file well under a minute on a busy two-core machine.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_ENV } from '../../electron/engine/data/budget';
import { quietContext } from '../../electron/engine/data/files';
import { openDataset } from '../../electron/engine/data/open';
import { LabFailure, type OpenDatasetRequest } from '../../shared/api';
import type { DatasetId } from '../../shared/types';

const SEED = 20_261_201;
const good = join(__dirname, '..', 'fixtures', 'good');
const scratch = mkdtempSync(join(tmpdir(), 'lab-fuzz-'));
const outsideBudget = process.env[BUDGET_ENV];
// a lying header may ask for up to the budget before the data is found missing: keep it small
beforeAll(() => (process.env[BUDGET_ENV] = '256'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  if (outsideBudget === undefined) delete process.env[BUDGET_ENV];
  else process.env[BUDGET_ENV] = outsideBudget;
});

let counter = 0;
const outcomes = { opened: 0, refused: 0 };

/** Opens the request; passes when it gives a dataset or a LabFailure with a message. */
async function opensOrRefuses(req: OpenDatasetRequest): Promise<void> {
  try {
    const ds = await openDataset(`fuzz${counter}` as DatasetId, req, quietContext);
    expect(ds.summary.rows).toBeGreaterThan(0);
    outcomes.opened++;
  } catch (err) {
    if (!(err instanceof LabFailure)) throw new Error(`not a LabFailure: ${(err as Error)?.stack ?? String(err)}`);
    expect(err.message.trim().length).toBeGreaterThan(0);
    expect(err.code).not.toBe('internal');
    outcomes.refused++;
  }
}

// ---------- mutations of a file's bytes ----------

type Mutation =
  | { kind: 'set'; at: number; value: number }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'repeat'; at: number; length: number; times: number }
  | { kind: 'delete'; at: number; length: number };

const at = fc.double({ min: 0, max: 1, noNaN: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), at, value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0xff, 0x22, 0x2c, 0x0a, 0x5b, 0x7b, 0x5d, 0x7d, 0x5c)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), at }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('repeat' as const), at, length: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 32 }) }) },
);
const mutations = fc.array(mutation, { minLength: 1, maxLength: 5 });

function mutate(src: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = Buffer.from(src);
  for (const m of ms) {
    const i = Math.min(b.length, Math.floor(m.at * (b.length + 1)));
    if (m.kind === 'set' && b.length) b[Math.min(i, b.length - 1)] = m.value;
    else if (m.kind === 'cut') b = b.subarray(0, i);
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, i), m.bytes, b.subarray(i)]);
    else if (m.kind === 'repeat') {
      const piece = b.subarray(i, i + m.length);
      b = Buffer.concat([b.subarray(0, i), ...Array.from({ length: m.times }, () => piece), b.subarray(i)]);
    } else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, i), b.subarray(i + m.length)]);
  }
  return b;
}

/** Writes the bytes under a fresh name ending in `name` and returns the path. */
function place(name: string, bytes: Uint8Array | string): string {
  const dir = join(scratch, String(++counter));
  mkdirSync(dir);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const runs = (numRuns: number, k: number) => ({ seed: SEED + k, numRuns: numRuns * 2 });

/** Byte mutations of one good fixture, opened under its own name. */
function fuzzBytes(fixture: string, name: string, numRuns: number, k: number, opts: Omit<OpenDatasetRequest, 'source'> = {}) {
  const src = readFileSync(join(good, fixture));
  return fc.assert(fc.asyncProperty(mutations, async (ms) => {
    await opensOrRefuses({ source: { kind: 'file', path: place(name, mutate(src, ms)) }, ...opts });
  }), runs(numRuns, k));
}

// ---------- numbers in headers ----------

/** Header numbers as a fuzzer would try them: small, zero, negative, huge, fractional, not numbers. */
const headerNumber = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map(String),
  fc.constantFrom('0', '-1', '-3', '2.5', '1e3', '4294967295', '9007199254740993', '30000000', 'abc', '', '0x10', '+4', '3L'),
  fc.integer({ min: -100, max: 100_000_000 }).map(String),
);

function npyWithShape(descr: string, dims: string[], data: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

// ---------- generated delimited text ----------

const cell = fc.oneof(
  { weight: 5, arbitrary: fc.double({ noNaN: false }).map((v) => String(v)) },
  { weight: 3, arbitrary: fc.integer({ min: -1000, max: 1000 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom('', 'NA', 'inf', '-inf', 'Infinity', 'nan', '?', 'NULL', '1,5', '"', '""', '"a,b"', 'x', 'true', '2024-01-02', '1e999', '\t', ' ') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const csvText = fc.record({
  header: fc.boolean(),
  delimiter: fc.constantFrom(',', ';', '\t', '|'),
  rows: fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { minLength: 0, maxLength: 30 }),
  crlf: fc.boolean(),
}).map(({ header, delimiter, rows, crlf }) => {
  const width = Math.max(1, ...rows.map((r) => r.length));
  const lines = rows.map((r) => r.join(delimiter));
  if (header) lines.unshift(Array.from({ length: width }, (_, j) => `c${j}`).join(delimiter));
  return lines.join(crlf ? '\r\n' : '\n') + '\n';
});

const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 8 }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('value'), { maxKeys: 3 }),
  ),
})).value;
const record = fc.dictionary(fc.constantFrom('x', 'y', 'z', 'label', 'w'), jsonValue, { minKeys: 0, maxKeys: 5 });

describe('fuzzing the loaders', () => {
  it('delimited text: mutated fixtures', async () => {
    await fuzzBytes('small.csv', 'small.csv', 40, 1);
    await fuzzBytes('quoted.csv', 'quoted.csv', 25, 2);
    await fuzzBytes('semicolon-decimal.csv', 'semicolon.csv', 25, 3);
    await fuzzBytes('latin1.csv', 'latin1.csv', 15, 4);
  });

  it('delimited text: generated files', async () => {
    await fc.assert(fc.asyncProperty(csvText, async (text) => {
      await opensOrRefuses({ source: { kind: 'file', path: place('gen.csv', text) } });
    }), runs(60, 5));
  });

  it('JSON and JSON Lines: mutated fixtures', async () => {
    await fuzzBytes('records.json', 'records.json', 40, 6);
    await fuzzBytes('records.jsonl', 'records.jsonl', 40, 7);
  });

  it('JSON and JSON Lines: generated records', async () => {
    await fc.assert(fc.asyncProperty(fc.array(record, { maxLength: 20 }), fc.boolean(), async (records, lines) => {
      const text = lines ? records.map((r) => JSON.stringify(r)).join('\n') : JSON.stringify(records);
      await opensOrRefuses({ source: { kind: 'file', path: place(lines ? 'gen.jsonl' : 'gen.json', text) } });
    }), runs(60, 8));
  });

  it('NPY: mutated fixtures', async () => {
    await fuzzBytes('f32.npy', 'f32.npy', 50, 9);
    await fuzzBytes('images-u8.npy', 'images.npy', 40, 10);
    await fuzzBytes('f64.npy', 'f64.npy', 30, 11);
    await fuzzBytes('f32.npy', 'f32.npy', 30, 12, { labelsPath: join(good, 'f32-labels.txt') });
  });

  it('NPY: any numbers in the shape', async () => {
    const data = readFileSync(join(good, 'f32.npy')).subarray(128);
    await fc.assert(fc.asyncProperty(
      fc.array(headerNumber, { minLength: 0, maxLength: 5 }), fc.constantFrom('<f4', '|u1', '<f8', '>i2', '<i8'), fc.integer({ min: 0, max: data.length }),
      async (dims, descr, keep) => {
        await opensOrRefuses({ source: { kind: 'file', path: place('shape.npy', npyWithShape(descr, dims, data.subarray(0, keep))) } });
      },
    ), runs(120, 13));
  });

  it('IDX: mutated fixtures, raw and gzipped', async () => {
    for (const [k, [fixture, name]] of ([
      ['idx/train-images-idx3-ubyte', 'train-images-idx3-ubyte'],
      ['idx/train-labels-idx1-ubyte', 'train-labels-idx1-ubyte'],
      ['idx-gz/t10k-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte.gz'],
    ] as const).entries()) {
      await fuzzBytes(fixture, name, 35, 14 + k);
    }
  });

  it('IDX: any dimensions in the header, with or without its labels file', async () => {
    const images = readFileSync(join(good, 'idx', 'train-images-idx3-ubyte'));
    const labels = readFileSync(join(good, 'idx', 'train-labels-idx1-ubyte'));
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x07), fc.integer({ min: 0, max: 6 }),
      fc.array(fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, 60000, 1 << 20)), { minLength: 6, maxLength: 6 }),
      fc.boolean(), fc.integer({ min: 0, max: 200 }),
      async (type, ndim, dims, withLabels, keep) => {
        const head = Buffer.alloc(4 + 4 * Math.min(ndim, 6));
        head[2] = type;
        head[3] = ndim;
        for (let i = 0; i < Math.min(ndim, 6); i++) head.writeUInt32BE(dims[i], 4 + 4 * i);
        const path = place('fuzz-images-idx3-ubyte', Buffer.concat([head, images.subarray(16, 16 + keep)]));
        if (withLabels) writeFileSync(path.replace('images-idx3', 'labels-idx1'), labels);
        await opensOrRefuses({ source: { kind: 'file', path } });
      },
    ), runs(80, 17));
  });

  it('image folders: a mutated image among good ones', async () => {
    const folder = join(good, 'images');
    const victims = readdirSync(join(folder, 'cats')).filter((n) => n.endsWith('.png'));
    await fc.assert(fc.asyncProperty(fc.constantFrom(...victims), mutations, fc.boolean(), async (victim, ms, sized) => {
      const dir = join(scratch, String(++counter));
      cpSync(folder, dir, { recursive: true });
      const path = join(dir, 'cats', victim);
      writeFileSync(path, mutate(readFileSync(path), ms));
      await opensOrRefuses({ source: { kind: 'file', path: dir }, ...(sized ? { imageSize: [8, 8] as [number, number] } : {}) });
    }), runs(30, 18));
  });

  it('vectors TSV with its metadata: mutated', async () => {
    const vectors = readFileSync(join(good, 'projector', 'vectors.tsv'));
    const metadata = readFileSync(join(good, 'projector', 'metadata.tsv'));
    await fc.assert(fc.asyncProperty(mutations, fc.boolean(), async (ms, inMetadata) => {
      const path = place('vectors.tsv', inMetadata ? vectors : mutate(vectors, ms));
      writeFileSync(join(path, '..', 'metadata.tsv'), inMetadata ? mutate(metadata, ms) : metadata);
      await opensOrRefuses({ source: { kind: 'file', path } });
    }), runs(40, 19));
  });

  it('Parquet: mutated fixture', async () => {
    await fuzzBytes('table.parquet', 'table.parquet', 40, 20);
  });

  it('opened some inputs and refused others (the fuzzing reached both ends)', () => {
    console.log(`fuzzing: ${outcomes.opened} inputs opened, ${outcomes.refused} refused with a message`);
    expect(outcomes.opened).toBeGreaterThan(20);
    expect(outcomes.refused).toBeGreaterThan(100);
  });
});
