// Every bad input gets a clear message naming the file and saying what to do, and the engine keeps
// working afterwards (a good file opens right after each bad one).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import { LabFailure, type OpenDatasetRequest } from '../../shared/api';
import { statFailure } from '../../electron/engine/data/files';
import { file, openWith } from './helpers/open';

const bad = join(__dirname, '..', 'fixtures', 'bad');
const good = join(__dirname, '..', 'fixtures', 'good', 'small.csv');
const scratch = mkdtempSync(join(tmpdir(), 'lab-bad-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Case {
  name: string;
  /** Fixture path (relative to tests/fixtures/bad) or a function making one at test time. */
  path: string | (() => string);
  opts?: Omit<OpenDatasetRequest, 'source'>;
  /** The message must match this. */
  says: RegExp;
  /** When the input is handled with a note instead of an error, the note must match `says`. */
  note?: boolean;
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
];

describe('bad inputs', () => {
  const engine = new Engine();

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const path = typeof c.path === 'string' ? join(bad, c.path) : c.path();
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
      expect(names.some((n) => f.message.includes(n)) || /broken\.png|metadata\.tsv|labels-idx1/.test(f.message)).toBe(true);
      expect(f.detail ?? '').toMatch(/\w{3,}.*\w{3,}/);
      expect(f.code).not.toBe('internal');
    }
    // the engine stays usable
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

describe('bad partner files', () => {
  const engine = new Engine();
  it('names a metadata file that is missing', async () => {
    const err = await openWith(engine, file(join(__dirname, '..', 'fixtures', 'good', 'projector', 'vectors.tsv'), { labelsPath: join(scratch, 'gone.tsv') })).catch((e: LabFailure) => e);
    expect((err as LabFailure).message).toMatch(/^gone\.tsv: not found/);
  });
});
