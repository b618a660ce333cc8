// Every bad input gets a clear message naming the file and saying what to do, and the engine keeps
// working afterwards (a good file opens right after each bad one).
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import { LabFailure, type OpenDatasetRequest } from '../../shared/api';
import { BUDGET_ENV } from '../../electron/engine/data/budget';
import { statFailure } from '../../electron/engine/data/files';
import { bigBadFiles, globNamedFiles, idxBytes, npyBytes } from '../fixtures/limit-files';
import { file, openWith } from './helpers/open';

const bad = join(__dirname, '..', 'fixtures', 'bad');
const good = join(__dirname, '..', 'fixtures', 'good', 'small.csv');
const scratch = mkdtempSync(join(tmpdir(), 'lab-bad-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
// every memory figure below is checked against a budget the test sets; none is left from outside
const outsideBudget = process.env[BUDGET_ENV];
beforeAll(() => delete process.env[BUDGET_ENV]);
afterEach(() => delete process.env[BUDGET_ENV]);
afterAll(() => {
  if (outsideBudget !== undefined) process.env[BUDGET_ENV] = outsideBudget;
});

/** Makes a file in the scratch folder at test time. */
const made = (name: string, data: string | Uint8Array) => () => {
  const p = join(scratch, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, data);
  return p;
};
const big = (name: string) => () => bigBadFiles[name](scratch);
const rows = (n: number, cols: number, sep = ',') => Array.from({ length: n }, (_, i) => Array.from({ length: cols }, (_, j) => ((i * 31 + j * 7) % 97) / 10).join(sep)).join('\n');
/** A table the reader could not copy for streaming within the budget (1 MB: far under what DuckDB needs). */
const unstreamable = /could not be streamed within the memory budget of 1\.0 MB \(set by LAB_MEMORY_BUDGET_MB=1\): the reader ran out of memory/;
const tooBig = (what: RegExp, budget: string) => new RegExp(`would need about [\\d.,]+ [KMGT]?B of memory \\(${what.source}.*\\), more than the memory budget of ${budget.replace('.', '\\.')}`);

interface Case {
  name: string;
  /** Fixture path (relative to tests/fixtures/bad) or a function making one at test time. */
  path: string | (() => string);
  opts?: Omit<OpenDatasetRequest, 'source'>;
  /** The message must match this. */
  says: RegExp;
  /** When the input is handled with a note instead of an error, the note must match `says`. */
  note?: boolean;
  /** LAB_MEMORY_BUDGET_MB while the file is opened. */
  budgetMb?: string;
}

const cases: Case[] = [
  { name: 'ragged row (extra field)', path: 'ragged.csv', says: /line 3 has 4 fields but the header has 3/ },
  { name: 'ragged row (missing field)', path: 'ragged-short.csv', says: /line 4 has 2 fields/ },
  { name: 'all-text columns', path: 'all-text.csv', says: /no feature columns|only one feature/ },
  { name: 'only one row', path: 'one-row.csv', says: /only 1 data row/ },
  { name: 'header only', path: 'header-only.csv', says: /header row but no data rows/ },
  { name: 'BOM and header only', path: 'bom-header-only.csv', says: /header row but no data rows/ },
  { name: '0-byte file', path: 'empty.csv', says: /empty \(0 bytes\)/ },
  { name: 'only blank lines', path: 'blank-lines.csv', says: /no rows of text|could not be read|only 0 data rows|empty/ },
  { name: 'a column with one value', path: 'one-value-column.csv', says: /only one feature column/ },
  { name: 'infinite values', path: 'inf.csv', says: /column "x" has 1 infinite value \(first in data row 5\)/ },
  { name: 'a column of NaN', path: 'nan-column.csv', says: /only one feature column/ },
  { name: 'label column with one class', path: 'one-class.csv', opts: { labelColumn: 'label' }, says: /only one class \("same"\)/ },
  { name: 'text among numbers', path: 'non-numeric.csv', says: /"abc"/ },
  { name: 'text among numbers after the sniffed sample', path: () => {
    // DuckDB types the column from its first 20,480 rows; its error names the column in words
    const p = join(scratch, 'late-text.csv');
    const rows = Array.from({ length: 20_600 }, (_, r) => `${((r * 0.37) % 11).toFixed(2)},${(r % 13) / 4},${((r * 7) % 17) / 3},${r === 20_550 ? 'n/a' : r % 5}`);
    writeFileSync(p, `a,b,d,c\n${rows.join('\n')}\n`);
    return p;
  }, says: /Column "c" looked numeric at first, but line 20552 holds "n\/a": read it as text/, note: true },
  { name: 'text among numbers met while streaming (row 900,000)', path: () => {
    // past the plain reader's first reads and DuckDB's first chunks: its streamed result used to end
    // quietly at the word, a few thousand rows short
    const p = join(scratch, 'late-word.csv');
    const rows = Array.from({ length: 900_100 }, (_, r) => (r === 900_000 ? `${r % 97}.5,oops,1.25` : `${r % 97}.5,${(r % 1013) / 8},${r % 7}.125`));
    writeFileSync(p, `a,b,c\n${rows.join('\n')}\n`);
    return p;
  }, says: /Column "b" looked numeric at first, but line 900002 holds "oops": read it as text/, note: true },
  { name: 'JSON Lines: a word in a numeric field far below the typed records (line 90,001)', path: () => {
    // DuckDB's streamed result used to end quietly at it: 81,920 of 100,000 records and no word
    const p = join(scratch, 'late-word.jsonl');
    const lines = Array.from({ length: 100_000 }, (_, r) => JSON.stringify({ a: r === 90_000 ? 'oops' : r / 2, b: r % 7, label: `c${r % 3}` }));
    writeFileSync(p, `${lines.join('\n')}\n`);
    return p;
  }, says: /late-word\.jsonl: has a value that does not fit its column's type at line 90001: .*"oops"/ },
  { name: 'JSON array: a word in a numeric field far below the typed records', path: () => {
    const p = join(scratch, 'late-word.json');
    writeFileSync(p, JSON.stringify(Array.from({ length: 100_000 }, (_, r) => ({ a: r === 95_000 ? 'oops' : r / 2, b: r % 7 }))));
    return p;
  }, says: /late-word\.json: (has a value that does not fit its column's type|was read only in part)/ },
  { name: 'one column', path: 'one-column.csv', says: /only one feature column/ },
  { name: 'wrong delimiter given', path: 'semicolon-as-one-column.csv', opts: { delimiter: ',' }, says: /feature|delimiter/ },
  { name: 'binary junk', path: 'binary-junk.csv', says: /not a text file/ },
  { name: 'UTF-16 text', path: 'utf16.csv', says: /UTF-16/ },
  { name: 'unterminated quote', path: 'unterminated-quote.csv', says: /quote|fields/ },
  { name: 'every row misses a value, drop chosen', path: 'missing-everywhere.csv', opts: { missing: 'drop' }, says: /keeps only 0 rows after dropping/ },
  { name: 'duplicate headers', path: 'duplicate-headers.csv', says: /Renamed the second column called "x"/, note: true },
  { name: 'unknown label column', path: 'unknown-label.csv', opts: { labelColumn: 'nope' }, says: /no column "nope"/ },
  { name: 'unknown column in roles', path: 'unknown-label.csv', opts: { roles: { zz: 'ignore' } }, says: /no column "zz"/ },
  { name: 'two label columns', path: 'unknown-label.csv', opts: { labelColumn: 'x', roles: { y: 'label' } }, says: /more than one label column/ },
  { name: 'huge line', path: () => {
    const p = join(scratch, 'huge-line.csv');
    writeFileSync(p, `x,y\n1,2\n${'9'.repeat(3 * 1024 * 1024)},3\n4,5\n`);
    return p;
  }, says: /longer than 2 MB|could not be read/ },
  { name: 'truncated Parquet', path: 'truncated.parquet', says: /not a complete Parquet file/ },
  { name: 'text named .parquet', path: 'not-parquet.parquet', says: /Parquet/ },
  { name: 'truncated NPY', path: 'truncated.npy', says: /truncated/ },
  { name: 'NPY with a wrong magic', path: 'bad-magic.npy', says: /not a NumPy \.npy file/ },
  { name: 'NPY in Fortran order', path: 'fortran.npy', says: /Fortran/ },
  { name: 'NPY of objects', path: 'object.npy', says: /text, objects or records/ },
  { name: 'NPY 1-D', path: 'oned.npy', says: /1-D array of 20 values/ },
  { name: 'NPY 5-D', path: 'five-d.npy', says: /5 dimensions/ },
  { name: 'NPY complex dtype', path: 'complex.npy', says: /dtype <c8/ },
  { name: 'NPY labels count mismatch', path: 'count-mismatch.npy', opts: { labelsPath: join(bad, 'count-mismatch-labels.txt') }, says: /3 labels but count-mismatch\.npy has 10 rows/ },
  { name: 'truncated IDX', path: 'truncated-images-idx3-ubyte', says: /truncated/ },
  { name: 'IDX with a wrong magic', path: 'wrong-magic-images-idx3-ubyte', says: /wrong magic number/ },
  { name: 'damaged gzip IDX', path: 'damaged-images-idx3-ubyte.gz', says: /damaged or cut-short gzip/ },
  { name: 'IDX images/labels count mismatch', path: 'mismatch/train-images-idx3-ubyte', says: /7 labels but train-images-idx3-ubyte has 10 images/ },
  { name: 'IDX labels without images', path: 'orphan/train-labels-idx1-ubyte', says: /holds only labels/ },
  { name: 'image folder with a broken image', path: 'images-with-broken', says: /broken\.png.*not a readable image/ },
  { name: 'image folder with mixed modes', path: 'images-mixed-modes', says: /mixes 3 grayscale images and 2 colour images/, note: true },
  { name: 'image folder with a non-image file', path: 'images-mixed-modes', says: /Skipped 1 file that is not an image: colour\/notes\.txt/, note: true },
  { name: 'folder with no images', path: 'no-images', says: /holds no PNG or JPEG images/ },
  { name: 'empty folder', path: () => {
    const p = join(scratch, 'empty-folder');
    mkdirSync(p, { recursive: true });
    return p;
  }, says: /holds no PNG or JPEG images/ },
  { name: 'a file that vanished', path: () => join(scratch, 'vanished.csv'), says: /not found at/ },
  { name: 'malformed JSON', path: 'malformed.json', says: /not valid a JSON array|not valid|could not be read/ },
  { name: 'JSON that is not records', path: 'not-records.json', says: /does not start with "\[" or "\{"/ },
  { name: 'broken JSON line', path: 'broken-line.jsonl', says: /JSON/ },
  { name: 'empty JSON array', path: 'empty-array.json', says: /no records|could not be read/ },
  { name: 'a spreadsheet', path: 'sheet.xlsx', says: /Save the sheet as CSV/ },
  { name: 'a single image', path: 'single-image.png', says: /single image/ },
  { name: 'vectors TSV with text', path: 'text-vectors.tsv', says: /holds text in column 2/ },
  { name: 'vectors metadata count mismatch', path: 'meta-mismatch/vectors.tsv', says: /3 rows of metadata but vectors\.tsv has 8 vectors/ },
  // headers that lie or are absurd: refused from the header, before anything of that size exists
  { name: 'NPY of 0 rows × 30,000,000 columns (128 bytes)', path: 'npy-zero-rows-wide.npy', says: /only 0 data rows \(its shape is 0 × 30,000,000\); Latent Lab needs at least 5/ },
  { name: 'NPY header promising 5 × 30,000,000 with no data', path: 'npy-wide-header-only.npy', says: /truncated: its header promises 5×30000000 values \(600,000,000 bytes\) but only 0 bytes follow/ },
  { name: 'NPY with a negative shape', path: 'npy-negative-shape.npy', says: /has a negative size \(-3\) in its shape \(-3, 4\)/ },
  { name: 'NPY with a fractional shape', path: 'npy-fraction-shape.npy', says: /has a size that is not a whole number \(2\.5\) in its shape \(2\.5, 3\)/ },
  { name: 'NPY claiming a 4 GB header', path: 'npy-huge-header.npy', says: /claims a header of 4,294,967,280 bytes/ },
  { name: 'NPY labels file that is not text', path: 'for-binary-labels.npy', opts: { labelsPath: join(bad, 'binary-labels.txt') }, says: /binary-labels\.txt: is not a text file/ },
  { name: 'IDX gzip whose header promises 60 GB in 41 bytes', path: 'idx-bomb-images-idx3-ubyte.gz', says: /truncated or damaged: its header promises 60000×1000×1000 values \(56 GB\), more than 41 bytes of gzip can hold/ },
  { name: 'IDX gzip unpacking to more than the budget', path: 'idx-gz-20MB-images-idx3-ubyte.gz', budgetMb: '8', says: tooBig(/2,000 × 100 × 100 unsigned byte values/, '8.0 MB') },
  { name: 'CSV column of infinities', path: 'all-inf-column.csv', says: /column "c" has 12 infinite values \(first in data row 1\)/ },
  { name: 'JSON nested 5,000 deep', path: 'deep-nesting.json', says: /nested more than 64 levels deep \(line 1\)/ },
  { name: 'JSON Lines with a line nested 100 deep', path: 'deep-nesting.jsonl', says: /nested more than 64 levels deep \(line 7\)/ },
  { name: 'image whose header claims 20,000 × 20,000', path: 'images-huge-dimensions', says: /huge\.png: is 20,000×20,000 pixels \(400 megapixels\); Latent Lab decodes images of up to 100 megapixels/ },
  // big files, made at test time (sparse: they take no disk)
  { name: 'CSV 100,000 columns wide', path: big('wide-100k-columns.csv'), says: /has 100,000 columns \(comma-separated\) in its first line; Latent Lab reads up to 10,000 columns/ },
  { name: 'NPY of 2.2 GB (over the 2 GB of one read)', path: big('npy-2.2GB.npy'), budgetMb: '1024', says: tooBig(/550,000 × 1,000 float32 values/, '1.0 GB') },
  { name: 'NPY of 5 × 30,000,000 (30 M columns)', path: big('npy-5x30M.npy'), budgetMb: '8192', says: tooBig(/5 × 30,000,000 float32 values/, '8.0 GB') },
  { name: 'IDX of 3.2 GB', path: big('idx-3.2GB-images-idx3-ubyte'), budgetMb: '8192', says: tooBig(/50,000 × 256 × 256 unsigned byte values/, '8.0 GB') },
  // every loader checks the budget (here 1 MB) before it reads the data
  // a table over the budget opens streamed (tests/unit/stream-*.test.ts); under what streaming itself needs it is refused
  { name: 'CSV over the budget, even streamed', path: made('budget/rows.csv', `a,b,c,d,e,f,g,h\n${rows(40_000, 8)}\n`), budgetMb: '1', says: unstreamable },
  { name: 'NPY over the budget', path: made('budget/rows.npy', npyBytes('<f4', '20000, 20', new Uint8Array(1_600_000))), budgetMb: '1', says: tooBig(/20,000 × 20 float32 values/, '1.0 MB') },
  { name: 'IDX over the budget', path: made('budget/t-images-idx3-ubyte', idxBytes(0x08, [1000, 28, 28], new Uint8Array(784_000))), budgetMb: '1', says: tooBig(/1,000 × 28 × 28 unsigned byte values/, '1.0 MB') },
  { name: 'JSON over the budget, even streamed', path: made('budget/rows.json', JSON.stringify(Array.from({ length: 40_000 }, (_, i) => ({ a: i % 7, b: i % 5, c: i % 3, d: i % 11 })))), budgetMb: '1', says: unstreamable },
  { name: 'JSON Lines over the budget, even streamed', path: made('budget/rows.jsonl', Array.from({ length: 40_000 }, (_, i) => JSON.stringify({ a: i % 7, b: i % 5, c: i % 3, d: i % 11 })).join('\n')), budgetMb: '1', says: unstreamable },
  { name: 'Parquet over the budget, even streamed', path: () => join(scratch, 'budget', 'rows.parquet'), budgetMb: '1', says: tooBig(/even streamed: a sample of [\d,]+ rows and chunks of [\d,]+ rows; loading it whole would need about [\d.]+ MB/, '1.0 MB') },
  { name: 'vectors TSV over the budget', path: made('budget/vectors.tsv', `${rows(40_000, 8, '\t')}\n`), budgetMb: '1', says: tooBig(/about [\d,]+ rows × 8 columns/, '1.0 MB') },
  { name: 'image folder over the budget', path: () => {
    const p = join(scratch, 'budget', 'images');
    cpSync(join(__dirname, '..', 'fixtures', 'good', 'images'), p, { recursive: true });
    return p;
  }, opts: { imageSize: [256, 256], imageMode: 'rgb' }, budgetMb: '1', says: tooBig(/9 images of 256×256×3/, '1.0 MB') },
];

describe('bad inputs', () => {
  const engine = new Engine();
  beforeAll(async () => {
    mkdirSync(join(scratch, 'budget'), { recursive: true });
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    await duck.run(`COPY (SELECT i AS a, i % 7 AS b, i % 3 AS c FROM range(200000) t(i)) TO '${join(scratch, 'budget', 'rows.parquet')}' (FORMAT parquet)`);
    duck.closeSync();
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const path = typeof c.path === 'string' ? join(bad, c.path) : c.path();
    if (c.budgetMb) process.env[BUDGET_ENV] = c.budgetMb;
    if (c.note) {
      const s = await openWith(engine, file(path, c.opts));
      expect(s.notes.join('\n')).toMatch(c.says);
    } else {
      const err = await openWith(engine, file(path, c.opts)).then(() => null, (e: unknown) => e);
      expect(err, 'expected a failure').toBeInstanceOf(LabFailure);
      const f = err as LabFailure;
      expect(`${f.message} ${f.detail ?? ''}`).toMatch(c.says);
      // names the file (the picked one or its partner) and says what to do
      const names = [basename(path), ...(c.opts?.labelsPath ? [basename(c.opts.labelsPath)] : [])];
      expect(names.some((n) => f.message.includes(n)) || /broken\.png|huge\.png|metadata\.tsv|labels-idx1/.test(f.message)).toBe(true);
      expect(f.detail ?? '').toMatch(/\w{3,}.*\w{3,}/);
      expect(f.code).not.toBe('internal');
      if (c.budgetMb) {
        expect(f.code).toBe('too-big');
        expect(f.detail).toMatch(/LAB_MEMORY_BUDGET_MB|smaller/);
      }
    }
    // the engine stays usable
    delete process.env[BUDGET_ENV];
    const ok = await openWith(engine, file(good));
    expect(ok.rows).toBe(30);
  });

  it('says "permission denied" for an unreadable file', async () => {
    const p = join(scratch, 'locked.csv');
    writeFileSync(p, 'x,y\n1,2\n');
    chmodSync(p, 0o000);
    const isRoot = process.getuid?.() === 0;
    if (!isRoot) {
      const err = await openWith(engine, file(p)).catch((e: LabFailure) => e);
      expect((err as LabFailure).message).toMatch(/locked\.csv: cannot be read \(permission denied\)/);
    }
    // as root chmod does not stop reads: check the message path with the error the OS would give
    const f = statFailure(p, Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
    expect(f.message).toBe('locked.csv: cannot be read (permission denied).');
    expect(f.detail).toMatch(/permissions/);
    chmodSync(p, 0o644);
  });

  it('has at least 40 fixtures on disk', async () => {
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(bad).length).toBeGreaterThanOrEqual(40);
  });
});

describe('file names with glob characters', () => {
  const engine = new Engine();
  it.each(globNamedFiles(join(scratch, 'glob')).map((f) => [basename(f.path), f] as const))('%s opens as itself, not as a pattern', async (_name, f) => {
    const s = await openWith(engine, file(f.path));
    expect(s.rows).toBe(f.rows);
    expect(s.name).toBe(basename(f.path));
  });
});

describe('the memory budget setting', () => {
  const engine = new Engine();
  it('refuses a budget that is not a number, saying which setting', async () => {
    process.env[BUDGET_ENV] = 'lots';
    const err = await openWith(engine, file(good)).catch((e: LabFailure) => e);
    expect(err).toBeInstanceOf(LabFailure);
    expect((err as LabFailure).message).toBe('LAB_MEMORY_BUDGET_MB is "lots", which is not a number of megabytes.');
    expect((err as LabFailure).detail).toMatch(/whole number of MB/);
  });
});

describe('bad model files', () => {
  const engine = new Engine();
  it('refuses a model.json whose spec would take gigabytes but does not match its weights, before building it', async () => {
    const path = join(bad, 'models', 'huge-spec');
    await expect(engine.loadModel({ path })).rejects.toMatchObject({ code: 'bad-model', message: expect.stringMatching(/huge-spec is not a usable Latent Lab model: weight "enc\/dense0\/w" \[3, 4\] does not fit its spec/) });
  });
});

describe('bad partner files', () => {
  const engine = new Engine();
  it('names a metadata file that is missing', async () => {
    const err = await openWith(engine, file(join(__dirname, '..', 'fixtures', 'good', 'projector', 'vectors.tsv'), { labelsPath: join(scratch, 'gone.tsv') })).catch((e: LabFailure) => e);
    expect((err as LabFailure).message).toMatch(/^gone\.tsv: not found/);
  });
});
