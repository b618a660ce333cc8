// Smaller data fixes of issue 14: a t10k IDX pair beside the training pair is the test split; a
// labels file added when reopening (as the Data panel does) gives the label; numbers read as
// float32 come back as the file wrote them (26.6, not 26.600000381469727) in previews and rows; a
// test split too small for 10-neighbour scores says so.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import { columnDecimals, dataNumber, roundTo } from '../../electron/engine/export/numbers';
import { file, openWith } from './helpers/open';
import { runJob, tempDir } from './helpers/train';
import { scoringNotes } from '../../electron/engine/compare/score';
import { runOnDataset } from '../../renderer/src/lib/format';

const good = (p: string) => resolve('tests/fixtures/good', p);
const bad = (p: string) => resolve('tests/fixtures/bad', p);
const engine = new Engine();

describe('IDX: the t10k pair is the test split', () => {
  it('uses t10k-images/t10k-labels beside train-images as the test split', async () => {
    const ds = await openWith(engine, file(good('idx-split/train-images-idx3-ubyte')));
    expect([ds.rows, ds.trainRows, ds.testRows, ds.split.kind]).toEqual([18, 12, 6, 'file']);
    expect(ds.notes.join(' ')).toContain('Used t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz beside it as the test split (6 images).');
    // test rows are numbered after the training rows, and carry the t10k labels ((i + 1) % 3)
    const e = engine.dataset(ds.id);
    expect(Array.from(e.test.rowIds)).toEqual([12, 13, 14, 15, 16, 17]);
    expect(Array.from(e.test.labels!)).toEqual([1, 2, 0, 1, 2, 0]);
    // picking the labels file finds the same pairs
    const again = await openWith(engine, file(good('idx-split/train-labels-idx1-ubyte')));
    expect([again.trainRows, again.testRows]).toEqual([12, 6]);
  });

  it('leaves out a t10k pair of another image size, and says why', async () => {
    const ds = await openWith(engine, file(bad('idx-split-mismatch/train-images-idx3-ubyte')));
    expect([ds.rows, ds.split.kind]).toEqual([10, 'random']);
    expect(ds.notes.join(' ')).toContain('Did not use t10k-images-idx3-ubyte as the test split: its images are 5×5, the training images 4×4.');
  });
});

describe('a labels file added when reopening', () => {
  it('gives the label even though the options echoed back say "no label"', async () => {
    const first = await openWith(engine, file(good('f32.npy')));
    expect(first.labelColumn).toBeNull();
    expect(first.options.labelColumn).toBeNull();
    // what the Data panel sends: the options it was shown, every role spelled out, plus the labels file
    const roles = Object.fromEntries(first.columns.map((c) => [c.name, c.role]));
    const ds = await openWith(engine, file(good('f32.npy'), { ...first.options, roles, labelsPath: good('f32-labels.npy') }));
    expect(ds.labelColumn).toBe('label');
    expect(ds.labelNames).toEqual(['0', '1']);
    expect(ds.columns.find((c) => c.name === 'label')?.role).toBe('label');
  });

  it('still has no label when the request says so without echoing roles (lab --label none)', async () => {
    const ds = await openWith(engine, file(good('f32.npy'), { labelColumn: null, labelsPath: good('f32-labels.npy') }));
    expect(ds.labelColumn).toBeNull();
  });
});

describe('numbers as the file wrote them', () => {
  it('previews and rows show 26.6, not the float32 noise 26.600000381469727', async () => {
    const dir = tempDir('f32-noise');
    const path = join(dir, 'noise.json');
    const records = Array.from({ length: 12 }, (_, i) => ({ id: `r${i}`, width: 26.6 + i, depth: 0.0104 * (i + 1), note: 1.1 * i, kind: ['a', 'b'][i % 2] }));
    writeFileSync(path, JSON.stringify(records));
    const ds = await openWith(engine, file(path, { scaling: 'standardize', roles: { note: 'ignore' } }));
    const at = (name: string) => ds.preview.header.indexOf(name);
    expect(ds.preview.rows[0][at('width')]).toBe('26.6');
    expect(ds.preview.rows[3][at('note')]).toBe('3.3');
    const e = engine.dataset(ds.id);
    const rows = await engine.getRows({ datasetId: ds.id, split: 'train', rowIds: Array.from(e.train.rowIds) });
    const col = (name: string) => rows.cells.map((r) => r[rows.columns.indexOf(name)]);
    const want = (f: (i: number) => number) => Array.from(e.train.rowIds, (id) => Number(f(id).toPrecision(7)));
    // standardized features rebuilt: no 0.01040009, no 26.600000381469727
    expect(col('width')).toEqual(want((i) => 26.6 + i));
    expect(col('depth')).toEqual(want((i) => 0.0104 * (i + 1)));
    // an ignored number column, read as float32
    expect(col('note')).toEqual(want((i) => 1.1 * i));
  });

  it('finds a column’s decimals and rounds to them', () => {
    expect(dataNumber(Math.fround(26.6))).toBe(26.6);
    expect(columnDecimals(Float32Array.from([39.1, 40.25, 3750]))).toBe(2);
    expect(columnDecimals(Float32Array.from([3750, 4200]))).toBe(0);
    // rebuilt by undoing a scaling: 0.01040009 is 0.0104 at the column's 7th digit
    expect(columnDecimals([0.01040009, 10], -6)).toBe(4);
    expect(columnDecimals([NaN])).toBeNull();
    expect(roundTo(41.23456, 1)).toBe(41.2);
    expect(roundTo(41.23456, null)).toBe(41.23);
  });
});

describe('scores on a small test split say what they are worth', () => {
  it('leaves out the 10-neighbour scores below 22 rows and warns below 100', () => {
    expect(scoringNotes(21).join(' ')).toContain('need more than 21 test rows; this test split has 21, so they are left out');
    // iris: 30 test rows, each 10-neighbourhood a third of the others
    expect(scoringNotes(30).join(' ')).toContain('30 rows, so each neighbourhood holds 34% of the other rows');
    expect(scoringNotes(114).join(' ')).not.toContain('small');
  });

  it('the comparison table of iris carries the note', async () => {
    const ds = await openWith(engine, { source: { kind: 'builtin', name: 'iris' } });
    const pca = await runJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'pca', params: { components: 2 } }));
    const table = await runJob(engine, 'metrics', engine.computeMetrics({ datasetId: ds.id, embeddingIds: [pca.id] }));
    expect(table.testRows).toBe(30);
    expect(table.notes.join(' ')).toContain('The test split is small for 10-neighbour scores');
  });
});

describe('a run scored on a dataset is named once', () => {
  it('says "VAE on MNIST", not "VAE on MNIST on MNIST"', () => {
    expect(runOnDataset({ title: 'VAE on MNIST', datasetName: 'MNIST' }, 'MNIST')).toBe('VAE on MNIST');
    expect(runOnDataset({ title: 'VAE on MNIST', datasetName: 'MNIST' }, 'fashion.csv')).toBe('VAE on MNIST, applied to fashion.csv');
  });
});
