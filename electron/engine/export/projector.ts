// The TensorFlow Embedding Projector's files, written into one folder: vectors.tsv (the coordinates,
// tab-separated, no header), metadata.tsv (a header row only when it has more than one column, as
// the Projector expects), and for image data a sprite (a square grid of thumbnails, at most
// 8192×8192 px) and projector_config.json tying them together.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { LabFailure } from '../../../shared/api';
import type { Dataset } from '../data/dataset';
import { thumbnails } from '../data/rows';
import { writeFileAtomic } from './csv';
import { projectorLines } from './writers';
import type { ExportTable } from './table';

export const PROJECTOR_FILES = { vectors: 'vectors.tsv', metadata: 'metadata.tsv', sprite: 'sprite.png', config: 'projector_config.json' } as const;

/** The Projector (and WebGL textures) take sprites up to 8192 px a side. */
export const SPRITE_MAX = 8192;

export interface SpriteLayout {
  /** Thumbnails per row and per column (the grid is square). */
  cells: number;
  /** One thumbnail's size in pixels. */
  width: number;
  height: number;
  channels: number;
}

/** A square grid of ceil(√n) thumbnails a side, each shrunk by a whole factor so the grid fits SPRITE_MAX. */
export function spriteLayout(n: number, shape: [number, number, number]): SpriteLayout | null {
  const [h, w, c] = shape;
  const cells = Math.max(1, Math.ceil(Math.sqrt(n)));
  const maxSide = Math.floor(SPRITE_MAX / cells);
  if (maxSide < 1) return null;
  const f = Math.max(1, Math.ceil(Math.max(h, w) / maxSide));
  const width = Math.floor(w / f);
  const height = Math.floor(h / f);
  if (width < 1 || height < 1) return null;
  return { cells, width, height, channels: c };
}

/** The sprite PNG of the table's rows, in row order (left to right, top to bottom). */
async function spritePng(ds: Dataset, t: ExportTable, layout: SpriteLayout): Promise<Buffer> {
  const d = ds.summary.features;
  const { cells, width: tw, height: th, channels: c } = layout;
  const W = cells * tw;
  const H = cells * th;
  const out = Buffer.alloc(W * H * c, 255);
  const block = 1000;
  const maxSide = Math.max(tw, th);
  const positions = new Map<number, number>();
  ds.train.rowIds.forEach((id, i) => positions.set(id, i));
  const testAt = new Map<number, number>();
  ds.test.rowIds.forEach((id, i) => testAt.set(id, i));
  for (let from = 0; from < t.rows; from += block) {
    const n = Math.min(block, t.rows - from);
    const features = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const r = from + i;
      const split = t.splitOf[r] === 1 ? ds.test : ds.train;
      const p = (t.splitOf[r] === 1 ? testAt : positions).get(t.rowIds[r])!;
      features.set(split.x.subarray(p * d, (p + 1) * d), i * d);
    }
    const thumbs = thumbnails(ds, features, n, maxSide)!;
    if (thumbs.width !== tw || thumbs.height !== th) throw new LabFailure('internal', 'Sprite thumbnails came out at an unexpected size.');
    for (let i = 0; i < n; i++) {
      const cell = from + i;
      const x0 = (cell % cells) * tw;
      const y0 = Math.floor(cell / cells) * th;
      for (let y = 0; y < th; y++) {
        const src = (i * th + y) * tw * c;
        out.set(thumbs.data.subarray(src, src + tw * c), ((y0 + y) * W + x0) * c);
      }
    }
  }
  return sharp(out, { raw: { width: W, height: H, channels: c as 1 | 3 | 4 } }).png({ compressionLevel: 6 }).toBuffer();
}

export interface ProjectorResult {
  files: string[];
  metadataColumns: string[];
  notes: string[];
}

/** Writes the Projector files of `t` into `folder` (created when missing). */
export async function writeProjector(folder: string, ds: Dataset, t: ExportTable, title: string): Promise<ProjectorResult> {
  await mkdir(folder, { recursive: true });
  const files: string[] = [];
  const notes: string[] = [];
  const coords = t.columns.filter((c) => c.type === 'float' && c.stride === t.dims && c.data === t.coords);
  const meta = t.columns.filter((c) => !coords.includes(c));

  const vectors = join(folder, PROJECTOR_FILES.vectors);
  await writeFileAtomic(vectors, projectorLines(t, coords, false));
  files.push(vectors);

  const embedding: Record<string, unknown> = { tensorName: title, tensorShape: [t.rows, t.dims], tensorPath: PROJECTOR_FILES.vectors };
  if (meta.length) {
    const metadata = join(folder, PROJECTOR_FILES.metadata);
    await writeFileAtomic(metadata, projectorLines(t, meta, meta.length > 1));
    files.push(metadata);
    embedding.metadataPath = PROJECTOR_FILES.metadata;
  }

  const px = ds.featureMap.pixels;
  if (px?.isImage) {
    const layout = spriteLayout(t.rows, px.shape);
    if (layout) {
      const sprite = join(folder, PROJECTOR_FILES.sprite);
      await writeFileAtomic(sprite, [await spritePng(ds, t, layout)]);
      files.push(sprite);
      embedding.sprite = { imagePath: PROJECTOR_FILES.sprite, singleImageDim: [layout.width, layout.height] };
      const [h, w] = px.shape;
      if (layout.width !== w || layout.height !== h) notes.push(`Thumbnails are ${layout.width}×${layout.height} px (the images are ${w}×${h}) so that ${t.rows.toLocaleString('en-US')} of them fit an ${SPRITE_MAX}×${SPRITE_MAX} sprite.`);
    } else {
      notes.push(`No sprite: ${t.rows.toLocaleString('en-US')} thumbnails do not fit an ${SPRITE_MAX}×${SPRITE_MAX} image.`);
    }
  }

  const config = join(folder, PROJECTOR_FILES.config);
  await writeFileAtomic(config, [`${JSON.stringify({ embeddings: [embedding] }, null, 2)}\n`]);
  files.push(config);
  return { files, metadataColumns: meta.map((c) => c.name), notes };
}
