// The run report: every section present when its material exists (data and decisions, the run with
// its config and loss curves, scatter images of the views, the comparison table, reconstructions,
// the anomaly ROC curves), nothing in it that would make a request, and the overwrite guard.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSummary, RunSummary } from '../../shared/types';
import { Engine } from '../../electron/engine/engine';
import { niceTicks } from '../../electron/engine/export/draw';
import { file, openWith } from './helpers/open';
import { runJob, tempDir } from './helpers/train';

const dir = tempDir('report');
const engine = new Engine();
const blobs = join(__dirname, '../fixtures/blobs.csv');
let ds: DatasetSummary;
let run: RunSummary;

beforeAll(async () => {
  ds = await openWith(engine, file(blobs));
  run = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: { epochs: 4, hidden: [16], latent: 2, validationFraction: 0.2 } }));
  const pca = await runJob(engine, 'pca', engine.computePca({ datasetId: ds.id, components: 2 }));
  await runJob(engine, 'metrics', engine.computeMetrics({ datasetId: ds.id, embeddingIds: [pca.id, run.embeddingId!] }));
  await runJob(engine, 'anomalies', engine.detectAnomalies({ datasetId: ds.id, normalClasses: [0], methods: ['pca-error'], pcaComponents: 2 }));
});

/** Every URL-bearing attribute and CSS url() in the page. */
function references(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href|xlink:href|action|poster|data)\s*=\s*"([^"]*)"/g), ...html.matchAll(/url\(([^)]*)\)/g)].map((m) => m[1]);
}

describe('writeReport', () => {
  it('holds every section, with the run, curves, views, table, reconstructions and ROC', async () => {
    const path = join(dir, 'report.html');
    const result = await runJob(engine, 'export', engine.writeReport({ datasetId: ds.id, path }));
    expect(result.sections).toEqual(['data', 'run', 'views', 'comparison', 'reconstructions', 'anomalies']);
    const html = await readFile(path, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`<h2>Data: ${ds.name}</h2>`);
    for (const note of ds.notes) expect(html).toContain(note.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;'));
    expect(html).toContain(`<h2>Run: ${run.title}</h2>`);
    // loss curves: loss, reconstruction, KL and the dashed validation loss
    const loss = /<figure class="chart" data-chart="loss">(.*?)<\/figure>/s.exec(html)![1];
    expect(loss.match(/<polyline /g)).toHaveLength(4);
    expect(loss).toContain('stroke-dasharray="6 4" points=');
    // two scatter images, decodable PNGs of 480 × 480
    const pngs = [...html.matchAll(/<figure class="scatter"><img src="data:image\/png;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], 'base64'));
    expect(pngs).toHaveLength(2);
    for (const p of pngs) expect(await sharp(p).metadata()).toMatchObject({ format: 'png', width: 480, height: 480 });
    expect(/<section id="comparison">.*?<tbody>(.*?)<\/tbody>/s.exec(html)![1].match(/<tr>/g)).toHaveLength(2);
    // tabular data: per-feature errors of PCA-2 and the model
    expect(html).toMatch(/<section id="reconstructions">.*<th>Feature<\/th><th>PCA-2<\/th><th>VAE-2<\/th>/s);
    expect(/<figure class="chart" data-chart="roc">(.*?)<\/figure>/s.exec(html)![1]).toContain('AUC');
    // nothing that fetches: only data: images and in-page anchors
    expect(references(html).every((r) => r.startsWith('data:image/png;base64,') || r.startsWith('#'))).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`);
  });

  it('image data: the reconstructions are an image grid', async () => {
    const N = 40;
    const images = Buffer.alloc(N * 8 * 8, 0).map((_, i) => Math.round(127.5 + 127.5 * Math.sin(i * i * 0.37 + Math.floor(i / 64))));
    const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${N}, 8, 8), }`;
    const header = Buffer.from(`\x93NUMPY\x01\x00__${dict}${' '.repeat(64 - ((10 + dict.length + 1) % 64))}\n`, 'latin1');
    header.writeUInt16LE(header.length - 10, 8);
    const npy = join(dir, 'images.npy');
    await writeFile(npy, Buffer.concat([header, images]));
    const imgs = await openWith(engine, file(npy));
    await runJob(engine, 'pca', engine.computePca({ datasetId: imgs.id, components: 2 }));
    const path = join(dir, 'images.html');
    const result = await runJob(engine, 'export', engine.writeReport({ datasetId: imgs.id, path }));
    expect(result.sections).toEqual(['data', 'views', 'reconstructions']);
    const html = await readFile(path, 'utf8');
    const grid = /<img class="pixels" src="data:image\/png;base64,([^"]+)"/.exec(html)![1];
    expect(html).toContain('rebuilt by PCA-10');
    // original + PCA: 2 rows of 8 px images, 8 test rows with 2 px gaps
    const meta = await sharp(Buffer.from(grid, 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([imgs.testRows * 10 - 2, 18]);
  });

  it('refuses to replace a file and names a run of another dataset', async () => {
    const path = join(dir, 'taken.html');
    await writeFile(path, 'mine');
    await expect(engine.writeReport({ datasetId: ds.id, path })).rejects.toMatchObject({ code: 'exists', message: `taken.html already exists in ${dir}.` });
    expect(await readFile(path, 'utf8')).toBe('mine');
    const other = await openWith(engine, file(blobs, { splitSeed: 3 }));
    await expect(engine.writeReport({ datasetId: other.id, path: join(dir, 'x.html'), runId: run.id })).rejects.toMatchObject({ code: 'wrong-dataset' });
  });

  it('axis ticks are round numbers covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(103, 171)).toEqual([120, 140, 160]);
    expect(niceTicks(-0.3, 0.05)).toEqual([-0.3, -0.2, -0.1, 0]);
  });
});
