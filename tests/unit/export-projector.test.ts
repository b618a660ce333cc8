// The Embedding Projector export passes a format check: vectors.tsv parses back to the coordinates
// (no header, tab-separated), metadata.tsv has a header row only with more than one column and the
// same number of fields on every line, the sprite is a square grid of ceil(√n) thumbnails holding
// each row's image in row order, and projector_config.json points at the files it names.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSummary, EmbeddingId } from '../../shared/types';
import { Engine } from '../../electron/engine/engine';
import { spriteLayout, SPRITE_MAX } from '../../electron/engine/export/projector';
import { file, openWith } from './helpers/open';
import { runJob, tempDir } from './helpers/train';

const dir = tempDir('export-projector');
const engine = new Engine();
const N = 150;
const [H, W] = [12, 10];
let images: Uint8Array;
let ds: DatasetSummary;
let pca: EmbeddingId;

/** An .npy of N uint8 images (H×W), each a different gradient, and a labels file. */
async function imageStack(): Promise<{ data: string; labels: string }> {
  images = new Uint8Array(N * H * W);
  for (let i = 0; i < N; i++) for (let p = 0; p < H * W; p++) images[i * H * W + p] = (i * 7 + p * (1 + (i % 5))) % 256;
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${N}, ${H}, ${W}), }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const header = Buffer.from(`\x93NUMPY\x01\x00__${dict}${' '.repeat(pad % 64)}\n`, 'latin1');
  header.writeUInt16LE(header.length - 10, 8);
  const data = join(dir, 'images.npy');
  await writeFile(data, Buffer.concat([header, images]));
  const labels = join(dir, 'labels.txt');
  await writeFile(labels, Array.from({ length: N }, (_, i) => `class ${i % 4}`).join('\n'));
  return { data, labels };
}

beforeAll(async () => {
  const { data, labels } = await imageStack();
  ds = await openWith(engine, file(data, { labelsPath: labels }));
  pca = (await runJob(engine, 'pca', engine.computePca({ datasetId: ds.id, components: 3 }))).id;
});

const lines = async (path: string) => (await readFile(path, 'utf8')).replace(/\n$/, '').split('\n');

describe('Embedding Projector export', () => {
  it('writes vectors, metadata, a sprite and a config that agree with each other', async () => {
    const folder = join(dir, 'all-projector');
    const result = await runJob(engine, 'export', engine.exportView({ embeddingId: pca, format: 'projector', split: 'all', path: folder }));
    expect(result.files!.map((f) => f.slice(folder.length + 1))).toEqual(['vectors.tsv', 'metadata.tsv', 'sprite.png', 'projector_config.json']);
    const n = ds.trainRows + ds.testRows;
    expect(result.rows).toBe(n);

    // vectors: n lines of 3 floats, the coordinates (training rows first)
    const [train, test] = [await engine.getEmbedding(pca, 'train'), await engine.getEmbedding(pca, 'test')];
    const coords = [...train.coords, ...test.coords];
    const vectors = await lines(join(folder, 'vectors.tsv'));
    expect(vectors).toHaveLength(n);
    vectors.forEach((l, i) => {
      const cells = l.split('\t');
      expect(cells).toHaveLength(3);
      cells.forEach((c, j) => expect(Math.fround(Number(c))).toBe(coords[i * 3 + j]));
    });

    // metadata: a header (3 columns) and one line per row, every line with 3 fields
    const meta = await lines(join(folder, 'metadata.tsv'));
    expect(meta[0]).toBe('id\tsplit\tlabel');
    expect(meta).toHaveLength(n + 1);
    expect(meta.every((l) => l.split('\t').length === 3)).toBe(true);
    const rowIds = [...train.rowIds, ...test.rowIds];
    meta.slice(1).forEach((l, i) => expect(l).toBe(`${rowIds[i]}\t${i < train.rows ? 'train' : 'test'}\tclass ${rowIds[i] % 4}`));

    // sprite: ceil(√n) thumbnails a side, each row's image in its cell
    const cells = Math.ceil(Math.sqrt(n));
    const sprite = await sharp(join(folder, 'sprite.png')).raw().toBuffer({ resolveWithObject: true });
    expect([sprite.info.width, sprite.info.height]).toEqual([cells * W, cells * H]);
    for (const cell of [0, 1, cells + 2, n - 1]) {
      const x0 = (cell % cells) * W;
      const y0 = Math.floor(cell / cells) * H;
      const c = sprite.info.channels;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          expect(sprite.data[((y0 + y) * sprite.info.width + x0 + x) * c]).toBe(images[rowIds[cell] * H * W + y * W + x]);
        }
      }
    }

    // config: the paths it names exist beside it, the shape and the thumbnail size match
    const config = JSON.parse(await readFile(join(folder, 'projector_config.json'), 'utf8'));
    expect(config.embeddings).toHaveLength(1);
    const e = config.embeddings[0];
    expect(e).toMatchObject({ tensorPath: 'vectors.tsv', metadataPath: 'metadata.tsv', tensorShape: [n, 3], sprite: { imagePath: 'sprite.png', singleImageDim: [W, H] } });
  });

  it('a single metadata column has no header row (as the Projector expects)', async () => {
    const folder = join(dir, 'labels-only');
    const result = await runJob(engine, 'export', engine.exportView({ embeddingId: pca, format: 'projector', path: folder, columns: { id: false } }));
    expect(result.columns).toEqual(['label']);
    const meta = await lines(join(folder, 'metadata.tsv'));
    expect(meta).toHaveLength(ds.testRows);
    expect(meta.every((l) => /^class \d$/.test(l))).toBe(true);
  });

  it('refuses to replace the files in an existing folder unless asked', async () => {
    const folder = join(dir, 'twice');
    await runJob(engine, 'export', engine.exportView({ embeddingId: pca, format: 'projector', path: folder }));
    await expect(engine.exportView({ embeddingId: pca, format: 'projector', path: folder })).rejects.toMatchObject({ code: 'exists', message: `vectors.tsv already exists in ${folder}.` });
    await runJob(engine, 'export', engine.exportView({ embeddingId: pca, format: 'projector', path: folder, overwrite: true }));
  });

  it('sprite thumbnails shrink so that the grid fits 8192 px', () => {
    expect(spriteLayout(70_000, [28, 28, 1])).toEqual({ cells: 265, width: 28, height: 28, channels: 1 });
    const big = spriteLayout(1_000_000, [28, 28, 1])!;
    expect(big.cells * big.width).toBeLessThanOrEqual(SPRITE_MAX);
    expect(big).toEqual({ cells: 1000, width: 7, height: 7, channels: 1 });
    expect(spriteLayout(100_000_000, [28, 28, 3])).toBeNull();
  });
});
