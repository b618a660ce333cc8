// Small engine services the UI relies on: one column's values for colouring, and uploads that keep
// a dropped folder's structure without letting a name climb out of the upload folder.
import { readFile } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeUploads } from '../../electron/engine/data/uploads';
import { awaitJob } from '../../electron/engine/session/await-job';
import { Engine } from '../../electron/engine/engine';

describe('getColumn', () => {
  const engine = new Engine();

  it('returns a feature column in the file’s units and text columns as categories', async () => {
    const ds = await awaitJob(engine, 'open', engine.openDataset({ source: { kind: 'builtin', name: 'penguins' }, missing: 'median' }));
    const mass = await engine.getColumn({ datasetId: ds.id, split: 'test', column: 'body_mass_g' });
    expect(mass.kind).toBe('number');
    if (mass.kind !== 'number') return;
    expect(mass.values).toHaveLength(ds.testRows);
    const finite = Array.from(mass.values).filter(Number.isFinite);
    // grams, not standardized values
    expect(Math.min(...finite)).toBeGreaterThan(2000);
    expect(Math.max(...finite)).toBeLessThan(7000);
    // the raw cells getRows reports agree with it (first training row)
    const train = await engine.getColumn({ datasetId: ds.id, split: 'train', column: 'body_mass_g' });
    const rows = await engine.getRows({ datasetId: ds.id, split: 'train', rowIds: [ds.sampleRowIds[0]] });
    const cell = rows.cells[0][rows.columns.indexOf('body_mass_g')];
    if (train.kind === 'number') expect(train.values[0]).toBeCloseTo(Number(cell), 0);
    const species = await engine.getColumn({ datasetId: ds.id, split: 'test', column: 'species' });
    expect(species.kind).toBe('category');
    if (species.kind === 'category') {
      expect(species.names.sort()).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
      expect(species.codes.every((c) => c >= -1 && c < 3)).toBe(true);
    }
    await expect(engine.getColumn({ datasetId: ds.id, split: 'test', column: 'wingspan' })).rejects.toThrow(/no column "wingspan"/);
  });
});

describe('uploadFile', () => {
  const engine = new Engine();
  afterAll(() => removeUploads());

  it('keeps sub-folders of one upload group together', async () => {
    const a = await engine.uploadFile('pets/cats/a.png', new Uint8Array([1, 2]), 'grp1');
    const b = await engine.uploadFile('pets/dogs/b.png', new Uint8Array([3]), 'grp1');
    expect(a.split(sep).slice(-3)).toEqual(['pets', 'cats', 'a.png']);
    expect(b.split(sep).slice(-4, -2)).toEqual(a.split(sep).slice(-4, -2));
    expect(Array.from(await readFile(b))).toEqual([3]);
  });

  it('never writes outside the upload folder (this process\'s private one)', async () => {
    const a = await engine.uploadFile('a.csv', new Uint8Array([0]), 'grp1');
    const folder = a.slice(0, a.indexOf(`${sep}grp1${sep}`));
    expect(basename(folder)).toMatch(new RegExp(`^latent-lab-uploads-${process.getuid?.() ?? 0}-${process.pid}-`));
    const p = await engine.uploadFile('../../../etc/passwd', new Uint8Array([0]), 'grp2');
    expect(p.startsWith(join(folder, 'grp2') + sep)).toBe(true);
    expect(p.split(sep)).not.toContain('..');
  });
});

describe('train', () => {
  it('refuses a model that would not fit in the memory budget before any job starts', async () => {
    const engine = new Engine();
    const ds = await awaitJob(engine, 'open', engine.openDataset({ source: { kind: 'builtin', name: 'iris' } }));
    process.env.LAB_MEMORY_BUDGET_MB = '64';
    try {
      await expect(engine.train({ datasetId: ds.id, config: { hidden: [8192, 8192], epochs: 1 } })).rejects.toMatchObject({ code: 'too-big' });
      // a sensible model on the same data is fine under the same budget
      await expect(engine.train({ datasetId: ds.id, config: { hidden: [16], epochs: 1 } })).resolves.toBeTruthy();
    } finally {
      delete process.env.LAB_MEMORY_BUDGET_MB;
    }
  });
});
