// Generation: the seeded prior draws and quantiles, code statistics, and every mode through the
// engine — samples (shapes, seeds, the user's units, pixels), traversals, the manifold grid,
// interpolation in three spaces, the CVAE's classes, the autoencoder's fitted Gaussian, CSV export.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSummary, RunSummary } from '../../shared/types';
import { Engine } from '../../electron/engine/engine';
import { cholesky, codeStats, linspace, normalQuantile, priorPoints, standardNormal } from '../../electron/engine/generate/code-stats';
import { runJob, tempDir } from './helpers/train';

const blobs = join(__dirname, '../fixtures/blobs.csv');
const imagesU8 = join(__dirname, '../fixtures/good/images-u8.npy');

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe('latent draws', () => {
  it('standard normal draws are seeded and have mean 0, variance 1', () => {
    const a = standardNormal(10_000, 2, 3);
    expect(Array.from(a)).toEqual(Array.from(standardNormal(10_000, 2, 3)));
    expect(Array.from(a.subarray(0, 10))).not.toEqual(Array.from(standardNormal(10_000, 2, 4).subarray(0, 10)));
    expect(Math.abs(mean(a))).toBeLessThan(0.03);
    expect(mean(a.map((v) => v * v))).toBeCloseTo(1, 1);
  });

  it('normal quantiles match the tables', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.05)).toBeCloseTo(-1.644854, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(linspace(-3, 3, 7)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });

  it('code statistics: the Cholesky factor rebuilds the covariance; fitted draws follow it', () => {
    // codes on a tilted ellipse: z2 = 0.5·z1 + small noise, mean (1, −2)
    const e = standardNormal(5000, 2, 8);
    const codes = new Float32Array(10_000);
    for (let i = 0; i < 5000; i++) {
      codes[2 * i] = 1 + 2 * e[2 * i];
      codes[2 * i + 1] = -2 + e[2 * i] + 0.3 * e[2 * i + 1];
    }
    const s = codeStats(codes, 5000, 2);
    expect(s.mean[0]).toBeCloseTo(1, 1);
    expect(s.mean[1]).toBeCloseTo(-2, 1);
    expect(s.std[0]).toBeCloseTo(2, 1);
    const l = s.chol;
    // L·Lᵀ = covariance: var(z1) ≈ 4, cov ≈ 2, var(z2) ≈ 1.09
    expect(l[0] * l[0]).toBeCloseTo(s.std[0] ** 2, 6);
    expect(l[2] * l[0]).toBeCloseTo(2, 0);
    expect(l[2] * l[2] + l[3] * l[3]).toBeCloseTo(s.std[1] ** 2, 6);
    expect(s.lo[0]).toBeLessThan(s.mean[0] - 4);
    expect(s.hi[0]).toBeGreaterThan(s.mean[0] + 4);
    const z = priorPoints(20_000, 2, 1, 'fitted-gaussian', s);
    expect(mean(z.filter((_, i) => i % 2 === 0))).toBeCloseTo(1, 1);
    expect(mean(z.filter((_, i) => i % 2 === 1))).toBeCloseTo(-2, 1);
    expect(Array.from(cholesky(Float64Array.from([4, 0, 0, 9]), 2)).map((v) => +v.toFixed(6))).toEqual([2, 0, 0, 3]);
  });
});

describe('generating from trained models (tabular data)', () => {
  const engine = new Engine();
  let ds: DatasetSummary;
  let vae: RunSummary;
  let cvae: RunSummary;
  let ae: RunSummary;
  const net = { latent: 2, hidden: [16], epochs: 40, batchSize: 16, validationFraction: 0 };

  beforeAll(async () => {
    ds = await runJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path: blobs } }));
    vae = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: net }));
    cvae = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: { ...net, model: 'cvae' } }));
    ae = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: { ...net, model: 'ae' } }));
  });

  it('samples N rows from the prior: shapes, seeds, and values in the user units', async () => {
    const s = await engine.generateSamples({ runId: vae.id, count: 7, seed: 4 });
    expect([s.samples.rows, s.samples.values.length, s.points.length, s.latent, s.features]).toEqual([7, 7 * 8, 14, 2, 8]);
    expect(s.samples.pixels).toBeNull();
    expect(s.source).toBe('standard-normal');
    expect(s.notes[0]).toMatch(/prior N\(0, I\) of the VAE/);
    const again = await engine.generateSamples({ runId: vae.id, count: 7, seed: 4 });
    expect(Array.from(again.samples.values)).toEqual(Array.from(s.samples.values));
    const other = await engine.generateSamples({ runId: vae.id, count: 7, seed: 5 });
    expect(Array.from(other.points)).not.toEqual(Array.from(s.points));
    // the user's units undo the dataset's standardization
    const { center, spread } = engine.dataset(ds.id).featureMap;
    expect(ds.scaling).toBe('standardize');
    for (let j = 0; j < 8; j++) expect(s.samples.original[j]).toBeCloseTo(s.samples.values[j] * spread[j] + center[j], 4);
  });

  it('traverses each latent dimension around the prior centre or a row', async () => {
    const t = await engine.traverseLatent({ runId: vae.id });
    expect(t.dims).toEqual([0, 1]);
    expect(t.offsets).toEqual([-3, -2.25, -1.5, -0.75, 0, 0.75, 1.5, 2.25, 3]);
    expect(t.grid.rows).toBe(18);
    expect(Array.from(t.base)).toEqual([0, 0]);
    // offset 0 is the base itself in every row
    const d = 8;
    const mid = (r: number) => Array.from(t.grid.values.subarray((r * 9 + 4) * d, (r * 9 + 5) * d));
    expect(mid(0)).toEqual(mid(1));
    const emb = await engine.getEmbedding(vae.embeddingId!);
    const fromRow = await engine.traverseLatent({ runId: vae.id, dims: [1], steps: 3, range: 1, base: { kind: 'row', datasetId: ds.id, row: 4 } });
    expect(fromRow.base[0]).toBeCloseTo(emb.coords[8], 5);
    expect(fromRow.base[1]).toBeCloseTo(emb.coords[9], 5);
    expect(fromRow.grid.rows).toBe(3);
    await expect(engine.traverseLatent({ runId: vae.id, dims: [2] })).rejects.toThrow(/dimension 3 is not one of them/);
  });

  it('decodes the latent plane on a grid of prior quantiles, or over the codes’ range', async () => {
    const g = await engine.latentGrid({ runId: vae.id, size: 5 });
    expect(g.cells.rows).toBe(25);
    expect(g.xs[2]).toBeCloseTo(0, 6);
    expect(g.xs[0]).toBeCloseTo(-1.644854, 4);
    expect(g.ys).toEqual([...g.xs].reverse());
    expect(g.embeddingId).toBe(vae.embeddingId);
    // the centre cell is decode(0, 0), as the traversal's base
    const t = await engine.traverseLatent({ runId: vae.id, dims: [0], steps: 3 });
    expect(Array.from(g.cells.values.subarray(12 * 8, 13 * 8))).toEqual(Array.from(t.grid.values.subarray(8, 16)));
    const data = await engine.latentGrid({ runId: vae.id, size: 4, extent: 'data' });
    const emb = await engine.getEmbedding(vae.embeddingId!, 'train');
    const z1 = emb.coords.filter((_, i) => i % 2 === 0);
    expect(data.xs[0]).toBeGreaterThanOrEqual(Math.min(...z1));
    expect(data.xs[3]).toBeLessThanOrEqual(Math.max(...z1));
    expect(data.notes.join(' ')).toMatch(/1st to 99th percentile of the codes of \d+ training rows/);
  });

  it('refuses the grid for a latent that is not 2-D', async () => {
    const wide = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: { ...net, latent: 3, epochs: 1 } }));
    await expect(engine.latentGrid({ runId: wide.id })).rejects.toThrow(/this model has 3 latent dimensions/);
  });

  it('interpolates two rows in latent, feature and PCA space', async () => {
    const r = await engine.interpolate({ runId: vae.id, datasetId: ds.id, rows: [0, 5], steps: 6, components: 8 });
    r.t.forEach((v, i) => expect(v).toBeCloseTo(i / 5, 12));
    const test = engine.dataset(ds.id).test;
    const d = 8;
    expect(Array.from(r.featurePath.values.subarray(0, d))).toEqual(Array.from(test.x.subarray(0, d)));
    expect(Array.from(r.featurePath.values.subarray(5 * d, 6 * d))).toEqual(Array.from(test.x.subarray(5 * d, 6 * d)));
    // the ends in the user's units are the rows as read from the file
    const rows = await engine.getRows({ datasetId: ds.id, split: 'test', rowIds: [test.rowIds[0]] });
    const f1 = rows.columns.indexOf('f1');
    expect(r.featurePath.original[0]).toBeCloseTo(rows.cells[0][f1] as number, 3);
    // with every component PCA loses nothing
    r.pcaPath.values.forEach((v, i) => expect(v).toBeCloseTo(r.featurePath.values[i], 3));
    // the latent path starts at the model's reconstruction of the first row
    const recon = await engine.reconstruct({ datasetId: ds.id, rows: [0], methods: [{ kind: 'model', runId: vae.id }] });
    for (let j = 0; j < d; j++) expect(r.latentPath.values[j]).toBeCloseTo(recon.methods[0].values[j], 4);
    expect(r.rowIds).toEqual([test.rowIds[0], test.rowIds[5]]);
    await expect(engine.interpolate({ runId: vae.id, datasetId: ds.id, rows: [0, 999] })).rejects.toThrow(/Row 999 is outside the test split/);
    await expect(engine.interpolate({ runId: vae.id, datasetId: ds.id, rows: [0, 1], components: 9 })).rejects.toThrow(/has 8 components; 9 were asked for/);
  });

  it('a conditional VAE generates the class asked for; other models refuse a class', async () => {
    const data = engine.dataset(ds.id);
    const classMean = (c: number) => {
      const m = new Float64Array(8);
      let n = 0;
      for (let i = 0; i < data.train.n; i++) {
        if (data.train.labels![i] !== c) continue;
        n++;
        for (let j = 0; j < 8; j++) m[j] += data.train.x[i * 8 + j];
      }
      return m.map((v) => v / n);
    };
    for (let c = 0; c < 3; c++) {
      const s = await engine.generateSamples({ runId: cvae.id, count: 50, label: c });
      expect(s.label).toBe(c);
      expect(s.labelName).toBe(ds.labelNames![c]);
      const m = new Float64Array(8);
      for (let i = 0; i < 50; i++) for (let j = 0; j < 8; j++) m[j] += s.samples.values[i * 8 + j] / 50;
      const dist = [0, 1, 2].map((k) => classMean(k).reduce((a, v, j) => a + (v - m[j]) ** 2, 0));
      expect(dist.indexOf(Math.min(...dist))).toBe(c);
    }
    await expect(engine.generateSamples({ runId: cvae.id, count: 2 })).rejects.toThrow(/pick the class/);
    await expect(engine.generateSamples({ runId: cvae.id, count: 2, label: 3 })).rejects.toThrow(/class 3 is not one of them/);
    await expect(engine.generateSamples({ runId: vae.id, count: 2, label: 0 })).rejects.toThrow(/Only a conditional VAE/);
    const grid = await engine.latentGrid({ runId: cvae.id, size: 3, label: 1 });
    expect(grid.cells.rows).toBe(9);
  });

  it('an autoencoder samples from a Gaussian fitted to its codes, and says so', async () => {
    const s = await engine.generateSamples({ runId: ae.id, count: 500 });
    expect(s.source).toBe('fitted-gaussian');
    expect(s.notes[0]).toMatch(/no prior, so latent points come from a Gaussian/);
    const codes = (await engine.getEmbedding(ae.embeddingId!, 'train')).coords;
    const codeMean = mean(codes.filter((_, i) => i % 2 === 0));
    const sampleMean = mean(s.points.filter((_, i) => i % 2 === 0));
    const spread = Math.sqrt(mean(codes.filter((_, i) => i % 2 === 0).map((v) => (v - codeMean) ** 2)));
    expect(Math.abs(sampleMean - codeMean)).toBeLessThan(0.2 * spread);
    const prior = await engine.generateSamples({ runId: ae.id, count: 3, source: 'standard-normal' });
    expect(prior.notes[0]).toMatch(/need not decode to anything like the data/);
  });

  it('exports samples as CSV: the latent point and the features in the user units', async () => {
    const path = join(tempDir('samples'), 'samples.csv');
    const out = await runJob(engine, 'export', engine.exportSamples({ runId: vae.id, count: 12, seed: 2, path }));
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe(['z1', 'z2', ...ds.featureNames].join(','));
    expect(out.rows).toBe(12);
    expect(lines).toHaveLength(13);
    const s = await engine.generateSamples({ runId: vae.id, count: 12, seed: 2 });
    const first = lines[1].split(',').map(Number);
    expect(first[0]).toBeCloseTo(s.points[0], 5);
    expect(first[2]).toBeCloseTo(s.samples.original[0], 4);
  });
});

describe('generating images', () => {
  it('returns [0, 1] pixels for the image grid, also when the pixels were standardized', async () => {
    const engine = new Engine();
    for (const scaling of ['none', 'standardize'] as const) {
      const ds = await runJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path: imagesU8 }, scaling }));
      const run = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: { latent: 2, hidden: [8], epochs: 2, architecture: 'mlp', validationFraction: 0 } }));
      const s = await engine.generateSamples({ runId: run.id, count: 3 });
      expect(s.imageShape).toEqual([6, 5, 1]);
      const px = s.samples.pixels!;
      expect(px).toHaveLength(3 * 30);
      px.forEach((v, i) => {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        // pixels were divided by 255 before scaling: the user's units are already [0, 1]
        expect(v).toBeCloseTo(Math.min(1, Math.max(0, s.samples.original[i])), 6);
      });
    }
  });
});
