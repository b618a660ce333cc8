// The decoder as a lens (issue 14): decoding points of a model's view (a 2-D latent directly, a
// wider one through the PCA inverse of its projection), mean codes of row groups and walks along
// the vector between them, and decoded table rows given as the file's columns (categories as
// categories with their probabilities, numbers at the column's precision).
import { beforeAll, describe, expect, it } from 'vitest';
import type { DecodedColumn } from '../../shared/generation';
import type { DatasetSummary, EmbeddingSummary, RunSummary } from '../../shared/types';
import { Engine } from '../../electron/engine/engine';
import { layoutFromNames, decodeTable } from '../../electron/engine/generate/table-layout';
import { openWith } from './helpers/open';
import { runJob } from './helpers/train';

const engine = new Engine();
let ds: DatasetSummary;
let flat: RunSummary;
let wide: RunSummary;
let projectedView: EmbeddingSummary;

const net = { hidden: [32], epochs: 30, batchSize: 16, validationFraction: 0 };
const decimals = (v: number) => (String(v).split('.')[1] ?? '').length;

beforeAll(async () => {
  ds = await openWith(engine, { source: { kind: 'builtin', name: 'penguins' } });
  flat = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: { ...net, latent: 2 } }));
  wide = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: { ...net, latent: 4 } }));
  projectedView = await runJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'latent', params: { runId: wide.id, project2d: true } }));
});

describe('decodeAt: the decoder under the cursor', () => {
  it('decodes a 2-D latent view at its own coordinates: a test row’s point gives its reconstruction', async () => {
    const view = await engine.getEmbedding(flat.embeddingId!);
    const rows = [0, 5];
    const points = rows.map((r) => [view.coords[2 * r], view.coords[2 * r + 1]] as [number, number]);
    const at = await engine.decodeAt({ embeddingId: flat.embeddingId!, points });
    expect(at.projected).toBe(false);
    expect(Array.from(at.latentPoints)).toEqual(points.flat().map(Math.fround));
    const recon = await engine.reconstruct({ datasetId: ds.id, rows, methods: [{ kind: 'model', runId: flat.id }] });
    Array.from(recon.methods[0].values).forEach((v, i) => expect(at.decoded.values[i]).toBeCloseTo(v, 4));
    // two different places decode to two different rows
    expect(at.decoded.values.slice(0, ds.features)).not.toEqual(at.decoded.values.slice(ds.features));
  });

  it('maps a point of a projected view back by the PCA inverse: onto the plane, projecting back to the same point', async () => {
    expect(projectedView.params.projected).toBe(true);
    const view = await engine.getEmbedding(projectedView.id);
    const p: [number, number] = [view.coords[6], view.coords[7]];
    const q: [number, number] = [p[0] + 0.5, p[1] - 0.25];
    const at = await engine.decodeAt({ embeddingId: projectedView.id, points: [p, q] });
    expect(at.projected).toBe(true);
    expect(at.latentPoints).toHaveLength(2 * 4);
    expect(at.notes.join(' ')).toContain('mapped back onto the plane');
    // the two latent points differ by 0.5·axis1 − 0.25·axis2: a length of √(0.25² + 0.5²) (orthonormal axes)
    const z = at.latentPoints;
    const step = Math.hypot(...Array.from({ length: 4 }, (_, j) => z[4 + j] - z[j]));
    expect(step).toBeCloseTo(Math.hypot(0.5, 0.25), 4);
    // decoding those latent points directly gives the same rows
    const along = await engine.decodeAlong({ runId: wide.id, base: Array.from(z.subarray(0, 4)), direction: Array.from(z.subarray(4, 8), (v, j) => v - z[j]), t: [0, 1] });
    Array.from(along.decoded.values).forEach((v, i) => expect(at.decoded.values[i]).toBeCloseTo(v, 4));
  });

  it('refuses views without a decoder, and a wide latent shown without its projection, saying what to do', async () => {
    const pca = await runJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'pca', params: { components: 2 } }));
    await expect(engine.decodeAt({ embeddingId: pca.id, points: [[0, 0]] })).rejects.toMatchObject({ code: 'not-a-model-view', message: /only a model's view has a decoder/ });
    await expect(engine.decodeAt({ embeddingId: wide.embeddingId!, points: [[0, 0]] })).rejects.toMatchObject({ code: 'needs-projection', message: /first 2 of 4 latent dimensions/ });
    await expect(engine.decodeAt({ embeddingId: flat.embeddingId!, points: [[Number.NaN, 0]] as [number, number][] })).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('decodes a conditional VAE as the class of the nearest test row unless told', async () => {
    const iris = await openWith(engine, { source: { kind: 'builtin', name: 'iris' } });
    const cvae = await runJob(engine, 'train', engine.train({ datasetId: iris.id, config: { ...net, model: 'cvae', latent: 2, epochs: 5 } }));
    const view = await engine.getEmbedding(cvae.embeddingId!);
    const at = await engine.decodeAt({ embeddingId: cvae.embeddingId!, points: [[view.coords[0], view.coords[1]]] });
    expect(at.label).toBe(view.labels![0]);
    expect(at.notes.join(' ')).toContain(`Decoded as class ${iris.labelNames![view.labels![0]]}, the class of the nearest test row.`);
    const told = await engine.decodeAt({ embeddingId: cvae.embeddingId!, points: [[0, 0]], label: 2 });
    expect(told.labelName).toBe(iris.labelNames![2]);
  });
});

describe('attribute vectors: mean codes of two groups and a walk between them', () => {
  it('averages the latent means of each group and decodes base + t·(b − a)', async () => {
    const view = await engine.getEmbedding(flat.embeddingId!);
    const a = [0, 1, 2, 3];
    const b = [10, 11, 12];
    const m = await engine.meanCodes({ runId: flat.id, datasetId: ds.id, groups: [a, b] });
    expect(m.counts).toEqual([4, 3]);
    const mean = (rows: number[], j: number) => rows.reduce((s, r) => s + view.coords[2 * r + j], 0) / rows.length;
    for (const j of [0, 1]) {
      expect(m.means[j]).toBeCloseTo(mean(a, j), 5);
      expect(m.means[2 + j]).toBeCloseTo(mean(b, j), 5);
    }
    const base = [m.means[0], m.means[1]];
    const direction = [m.means[2] - m.means[0], m.means[3] - m.means[1]];
    const walk = await engine.decodeAlong({ runId: flat.id, base, direction, t: [0, 0.5, 1] });
    expect(walk.t).toEqual([0, 0.5, 1]);
    expect(walk.latentPoints[4]).toBeCloseTo(m.means[2], 5);
    expect(walk.latentPoints[5]).toBeCloseTo(m.means[3], 5);
    expect(walk.decoded.rows).toBe(3);
    await expect(engine.decodeAlong({ runId: flat.id, base: [0], direction: [1, 0], t: [0] })).rejects.toMatchObject({ code: 'bad-request', message: /2 latent dimensions; the base point has 1/ });
    await expect(engine.meanCodes({ runId: flat.id, datasetId: ds.id, groups: [[ds.testRows]] })).rejects.toMatchObject({ code: 'no-such-row' });
  });
});

describe('decoded table rows in the file’s own columns', () => {
  const column = (cols: DecodedColumn[], name: string) => cols.find((c) => c.name === name)!;

  it('gives island and sex as categories with probabilities, and numbers at the column’s precision', async () => {
    const s = await engine.generateSamples({ runId: flat.id, count: 20, seed: 3 });
    const table = s.samples.table!;
    expect(table.rows).toBe(20);
    // in the file's order (species is the label)
    expect(table.columns.map((c) => c.name)).toEqual(['island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex']);
    const island = column(table.columns, 'island');
    if (island.kind !== 'category') throw new Error('island should be a category');
    expect(island.categories).toEqual(['Biscoe', 'Dream', 'Torgersen']);
    for (let i = 0; i < 20; i++) {
      const p = island.probs.slice(3 * i, 3 * i + 3);
      expect(p.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
      p.forEach((v) => expect(v).toBeGreaterThanOrEqual(0));
      // the most probable category, from the decoded one-hot values
      const raw = Array.from(s.samples.original.slice(i * ds.features, i * ds.features + 3));
      expect(island.index[i]).toBe(raw.indexOf(Math.max(...raw)));
    }
    const bill = column(table.columns, 'bill_length_mm');
    const mass = column(table.columns, 'body_mass_g');
    if (bill.kind !== 'number' || mass.kind !== 'number') throw new Error('numbers expected');
    expect([bill.decimals, mass.decimals]).toEqual([1, 0]);
    bill.values.forEach((v) => expect(decimals(v)).toBeLessThanOrEqual(1));
    mass.values.forEach((v) => expect(Number.isInteger(v)).toBe(true));
    // the rounding is of the decoded value, nothing else
    expect(bill.values[0]).toBeCloseTo(s.samples.original[3], 1);
  });

  it('also for the cursor, traversals and interpolation', async () => {
    const at = await engine.decodeAt({ embeddingId: flat.embeddingId!, points: [[0, 0]] });
    expect(at.decoded.table?.columns.map((c) => c.kind)).toEqual(['category', 'number', 'number', 'number', 'number', 'category']);
    const t = await engine.traverseLatent({ runId: flat.id, steps: 3 });
    expect(t.grid.table?.rows).toBe(6);
    const i = await engine.interpolate({ runId: flat.id, datasetId: ds.id, rows: [0, 1], steps: 4 });
    expect([i.latentPath.table?.rows, i.featurePath.table?.rows, i.pcaPath.table?.rows]).toEqual([4, 4, 4]);
  });

  it('reads the layout from feature names when the data is not open (a loaded model)', () => {
    const layout = layoutFromNames(['x', 'island=Biscoe', 'island=Dream', 'y', 'sex=f', 'sex=m']);
    expect(layout.columns).toEqual([
      { name: 'x', kind: 'number', at: 0, decimals: null },
      { name: 'island', kind: 'category', at: 1, categories: ['Biscoe', 'Dream'] },
      { name: 'y', kind: 'number', at: 3, decimals: null },
      { name: 'sex', kind: 'category', at: 4, categories: ['f', 'm'] },
    ]);
    const table = decodeTable(Float32Array.from([1.23456, 0.2, 0.9, 7, -0.1, 0.4]), 1, layout);
    expect(table.columns[0]).toMatchObject({ values: [1.235] });
    expect(table.columns[1]).toMatchObject({ index: [1] });
    expect((table.columns[3] as { probs: number[] }).probs).toEqual([0, 1]);
  });
});
