// Good files of every format open through the engine with the expected shape, roles and notes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import type { JobEvent } from '../../shared/api';
import { validateCall } from '../../electron/engine/api';
import type { DatasetId } from '../../shared/types';
import { file, openWith } from './helpers/open';

const good = (p: string) => join(__dirname, '..', 'fixtures', 'good', p);
const engine = new Engine();
const scratch = mkdtempSync(join(tmpdir(), 'lab-good-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('delimited text', () => {
  it('sniffs a comma CSV, proposes the label and ignores the id column', async () => {
    const s = await openWith(engine, file(good('small.csv')));
    expect(s.format).toBe('csv');
    expect(s.delimited).toMatchObject({ delimiter: ',', header: true, decimal: '.', encoding: 'utf-8', bom: false });
    expect(s.labelColumn).toBe('species');
    const roles = Object.fromEntries(s.columns.map((c) => [c.name, c.role]));
    expect(roles).toEqual({ id: 'ignore', x1: 'feature', x2: 'feature', x3: 'feature', colour: 'feature', species: 'label' });
    expect(s.features).toBe(5); // 3 numbers + colour one-hot (2)
    expect(s.featureNames).toContain('colour=red');
    const x2 = s.columns.find((c) => c.name === 'x2')!;
    expect(x2.stats.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(30);
    expect(x2.stats.min).toBeLessThanOrEqual(x2.stats.mean!);
    expect(s.notes.join(' ')).toMatch(/Ignored `id`: it looks like an identifier/);
    expect(s.options.roles).toMatchObject({ id: 'ignore' });
  });

  it('reads semicolons with a decimal comma', async () => {
    const s = await openWith(engine, file(good('semicolon-decimal.csv')));
    expect(s.delimited).toMatchObject({ delimiter: ';', decimal: ',' });
    expect(s.columns.find((c) => c.name === 'a')!.type).toBe('number');
    expect(s.labelColumn).toBe('klasse');
  });

  it('reads pipe and tab separated files, quoted fields and headerless files', async () => {
    expect((await openWith(engine, file(good('pipe.psv')))).delimited!.delimiter).toBe('|');
    expect((await openWith(engine, file(good('tabs.tsv')))).delimited!.delimiter).toBe('\t');
    const q = await openWith(engine, file(good('quoted.csv')));
    expect(q.preview.rows[0][0]).toBe('Smith, 0');
    const h = await openWith(engine, file(good('no-header.csv')));
    expect(h.delimited!.header).toBe(false);
    expect(h.rows).toBe(20);
  });

  it('detects Latin-1 and a byte-order mark', async () => {
    const l = await openWith(engine, file(good('latin1.csv')));
    expect(l.delimited!.encoding).toBe('latin-1');
    expect(l.preview.rows.flat()).toContain('Zürich');
    const b = await openWith(engine, file(good('bom.csv')));
    expect(b.delimited!.bom).toBe(true);
    expect(b.columns[0].name).toBe('x');
  });

  it('lets the request override every sniffed setting', async () => {
    const s = await openWith(engine, file(good('small.csv'), { header: false, labelColumn: null, roles: { column0: 'ignore' } }));
    expect(s.delimited!.header).toBe(false);
    expect(s.rows).toBe(31);
    expect(s.labelColumn).toBeNull();
  });

  it('drops rows with few missing values by default, imputes when asked, and reports both', async () => {
    const dropped = await openWith(engine, file(good('missing.csv')));
    expect(dropped.missing).toBe('median'); // 12 of 40 rows miss a value: too many to drop
    expect(dropped.notes.join(' ')).toMatch(/Filled 10 missing values in `y` with the median/);
    const drop = await openWith(engine, file(good('missing.csv'), { missing: 'drop', labelColumn: null }));
    expect(drop.droppedRows).toBe(12);
    expect(drop.notes.join(' ')).toMatch(/Dropped 12 rows with missing values in `x` \(1\), `y` \(10\), `kind` \(1\)/);
    const mean = await openWith(engine, file(good('missing.csv'), { missing: 'mean', labelColumn: null }));
    expect(mean.notes.join(' ')).toMatch(/Filled 1 missing value in `kind` with its most frequent value/);
  });

  it('puts every kept row’s values, or the fill value, at its place in the split matrices (a long file)', async () => {
    // over 2×65,536 rows: the raw columns are released in blocks while the splits fill from the end
    const n = 140_000;
    const value = (r: number, c: number) => ((r * 7 + c * 13) % 1000) / 10 - c;
    const lines = ['a,b,c,kind'];
    for (let r = 0; r < n; r++) {
      const cells = [0, 1, 2].map((c) => (c === 1 && r % 9973 === 5 ? '' : String(value(r, c))));
      lines.push(`${cells.join(',')},${r % 3 === 0 ? 'x' : 'y'}`);
    }
    const path = join(scratch, 'long.csv');
    writeFileSync(path, lines.join('\n') + '\n');
    const s = await openWith(engine, file(path, { scaling: 'none', missing: 'median', labelColumn: 'kind', splitSeed: 3 }));
    expect([s.rows, s.features, s.trainRows + s.testRows]).toEqual([n, 3, n]);
    const fill = Number(/with the median \(([-\d.]+)\)/.exec(s.notes.join(' '))![1]);
    const ds = engine.dataset(s.id);
    let checked = 0;
    for (const split of [ds.train, ds.test]) {
      for (let i = 0; i < split.n; i += 37) {
        const r = split.rowIds[i];
        const row = Array.from(split.x.subarray(i * 3, i * 3 + 3));
        const want = [0, 1, 2].map((c) => (c === 1 && r % 9973 === 5 ? fill : value(r, c)));
        expect(row.map((v) => +v.toFixed(3))).toEqual(want.map((v) => +Math.fround(v).toFixed(3)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3000);
    await engine.closeDataset(s.id);
  });

  it('chooses scaling from the data and honours the choice', async () => {
    const unit = await openWith(engine, file(good('unit.csv')));
    expect(unit.scaling).toBe('none');
    expect(unit.likelihood).toBe('bernoulli');
    const mm = await openWith(engine, file(good('unit.csv'), { scaling: 'minmax' }));
    expect(mm.scaling).toBe('minmax');
    const id = mm.id as DatasetId;
    const ds = engine.dataset(id);
    let lo = Infinity, hi = -Infinity;
    for (const v of ds.train.x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBeCloseTo(0, 6);
    expect(hi).toBeCloseTo(1, 6);
  });

  it('uses a split column as the file’s own split, or a seeded random split', async () => {
    const own = await openWith(engine, file(good('with-split.csv')));
    expect(own.split.kind).toBe('file');
    expect([own.trainRows, own.testRows]).toEqual([15, 5]);
    const a = await openWith(engine, file(good('small.csv'), { fileSplit: false, splitSeed: 3, testFraction: 0.3 }));
    const b = await openWith(engine, file(good('small.csv'), { splitSeed: 3, testFraction: 0.3 }));
    expect(a.testRows).toBe(9);
    expect(Array.from(engine.dataset(a.id).test.rowIds)).toEqual(Array.from(engine.dataset(b.id).test.rowIds));
  });
});

describe('columnar and array formats', () => {
  it('reads Parquet, JSON and JSON Lines', async () => {
    const p = await openWith(engine, file(good('table.parquet')));
    expect(p.format).toBe('parquet');
    expect(p.rows).toBe(40);
    expect(p.columns.find((c) => c.name === 'z')!.missing).toBe(4);
    const j = await openWith(engine, file(good('records.json')));
    const l = await openWith(engine, file(good('records.jsonl')));
    expect([j.format, l.format]).toEqual(['json', 'jsonl']);
    expect(j.rows).toBe(15);
    expect(j.columns.find((c) => c.name === 'flag')!.type).toBe('boolean');
    expect(j.labelColumn).toBe('kind');
  });

  it('reads NPY tables of several dtypes with a labels file', async () => {
    const f = await openWith(engine, file(good('f32.npy'), { labelsPath: good('f32-labels.txt') }));
    expect([f.format, f.rows, f.features]).toEqual(['npy', 12, 3]);
    expect(f.labelNames).toEqual(['cat', 'dog']);
    const n = await openWith(engine, file(good('f32.npy'), { labelsPath: good('f32-labels.npy') }));
    expect(n.labelNames).toEqual(['0', '1']);
    expect((await openWith(engine, file(good('f64.npy')))).features).toBe(4);
    expect((await openWith(engine, file(good('i16.npy')))).columns[0].type).toBe('integer');
  });

  it('keeps the image shape of NPY image stacks', async () => {
    const g = await openWith(engine, file(good('images-u8.npy')));
    expect(g.imageShape).toEqual([6, 5, 1]);
    expect(g.likelihood).toBe('bernoulli');
    const c = await openWith(engine, file(good('images-rgb.npy')));
    expect(c.imageShape).toEqual([4, 4, 3]);
  });

  it('opens an IDX pair from either file, raw or gzipped', async () => {
    const a = await openWith(engine, file(good('idx/train-images-idx3-ubyte')));
    const b = await openWith(engine, file(good('idx/train-labels-idx1-ubyte')));
    const c = await openWith(engine, file(good('idx-gz/t10k-labels-idx1-ubyte.gz')));
    for (const s of [a, b, c]) {
      expect([s.format, s.rows, s.features, s.labelNames?.length]).toEqual(['idx', 10, 16, 3]);
      expect(s.imageShape).toEqual([4, 4, 1]);
    }
  });

  it('reads an image folder, resizing to the most common size, with thumbnails', async () => {
    const s = await openWith(engine, file(good('images')));
    expect(s.format).toBe('images');
    expect(s.rows).toBe(9);
    expect(s.imageShape).toEqual([8, 8, 3]);
    expect(s.labelNames).toEqual(['cats', 'dogs']);
    expect(s.notes.join(' ')).toMatch(/Resized 1 image to 8×8 \(the most common size\)/);
    expect(s.columns.find((c) => c.name === 'file')!.role).toBe('ignore');
    const gray = await openWith(engine, file(good('images'), { imageMode: 'grayscale', imageSize: [4, 4] }));
    expect(gray.imageShape).toEqual([4, 4, 1]);
    expect(gray.options).toMatchObject({ imageSize: [4, 4], imageMode: 'grayscale' });
    const ds = engine.dataset(s.id);
    const rows = await engine.getRows({ datasetId: s.id, split: 'test', rowIds: [ds.test.rowIds[0]] });
    expect(rows.thumbnails).toMatchObject({ width: 8, height: 8, channels: 3 });
    expect(rows.cells[0][rows.columns.indexOf('file')]).toMatch(/\.(png|jpg)$/);
  });

  it('reads Embedding Projector vectors with their metadata', async () => {
    const s = await openWith(engine, file(good('projector/vectors.tsv')));
    expect([s.format, s.rows, s.features, s.scaling]).toEqual(['vectors', 12, 4, 'none']);
    expect(s.labelColumn).toBe('group');
    expect(s.columns.find((c) => c.name === 'word')!.role).toBe('ignore');
  });
});

describe('built-in catalog', () => {
  it('lists MNIST and four tabular datasets with licences', async () => {
    const list = await engine.listDatasets();
    expect(list.map((d) => d.name)).toEqual(['mnist', 'penguins', 'iris', 'wine', 'breast-cancer']);
    for (const d of list) expect(d.licence).toMatch(/CC/);
  });

  it('opens penguins with mixed types and missing values, and reads raw rows back', async () => {
    const s = await openWith(engine, { source: { kind: 'builtin', name: 'penguins' } });
    expect([s.rows, s.labelColumn, s.builtin]).toEqual([344, 'species', 'penguins']);
    expect(s.droppedRows).toBe(11);
    expect(s.columns.find((c) => c.name === 'sex')!.missing).toBe(11);
    const ds = engine.dataset(s.id);
    const id = ds.test.rowIds[0];
    const rows = await engine.getRows({ datasetId: s.id, split: 'test', rowIds: [id] });
    const lines = (await import('node:fs')).readFileSync(join(__dirname, '..', '..', 'resources', 'datasets', 'penguins.csv'), 'utf8').split('\n');
    const raw = lines[id + 1].split(',');
    expect(rows.cells[0].map(String)).toEqual(raw.map((v) => String(Number.isFinite(Number(v)) && v !== '' ? Number(v) : v)));
    expect(rows.features.length).toBe(s.features);
    expect(rows.labels![0]).toBe(ds.test.labels![0]);
    await expect(engine.getRows({ datasetId: s.id, split: 'train', rowIds: [id] })).rejects.toThrow(/not in the train split/);
  });

  it('keeps MNIST’s own split and image shape', async () => {
    const s = await openWith(engine, { source: { kind: 'builtin', name: 'mnist' } });
    expect([s.trainRows, s.testRows, s.features, s.split.kind]).toEqual([60000, 10000, 784, 'file']);
    expect(s.imageShape).toEqual([28, 28, 1]);
    const rows = await engine.getRows({ datasetId: s.id, split: 'test', rowIds: [60000] });
    expect(rows.thumbnails!.data.length).toBe(784);
    await engine.closeDataset(s.id);
    await expect(engine.getDataset(s.id)).rejects.toThrow(/no longer open/);
  });
});

describe('jobs', () => {
  it('streams progress and can be cancelled while reading a large CSV', async () => {
    const p = join(scratch, 'rows.csv');
    const lines = ['a,b,c'];
    for (let i = 0; i < 300_000; i++) lines.push(`${i % 97},${(i * 7) % 13},${i % 5}`);
    writeFileSync(p, lines.join('\n'));
    const events: JobEvent[] = [];
    const jobId = await engine.openDataset(file(p));
    const done = new Promise<JobEvent>((resolve) => {
      const off = engine.onEvent((e) => {
        if (e.jobId !== jobId) return;
        events.push(e);
        if (e.type === 'progress' && e.message.startsWith('Read ')) void engine.cancel(jobId).catch(() => {});
        if (e.type === 'cancelled' || e.type === 'done' || e.type === 'error') {
          off();
          resolve(e);
        }
      });
    });
    expect((await done).type).toBe('cancelled');
    expect(events.some((e) => e.type === 'progress')).toBe(true);
    // and the next open works
    expect((await openWith(engine, file(p))).rows).toBe(300_000);
  });

  it('validates open options like any other request', () => {
    expect(() => validateCall('openDataset', [{ source: { kind: 'file', path: '/x.csv' }, delimiter: ';;' }])).toThrow(/delimiter/);
    expect(() => validateCall('openDataset', [{ source: { kind: 'file', path: '/x.csv' }, missing: 'guess' }])).toThrow(/missing/);
    expect(validateCall('openDataset', [{ source: { kind: 'file', path: '/x.csv' }, roles: { a: 'ignore' }, scaling: 'minmax' }]).method).toBe('openDataset');
    expect(() => validateCall('getRows', [{ datasetId: 'd', split: 'val', rowIds: [1] }])).toThrow(/split/);
  });
});
