// Image folders: one sub-folder per class (or images directly inside, unlabelled), PNG/JPEG read
// with sharp, resized to one common size (default: the most common one), grayscale or RGB.
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import type { ImageMode } from '../../../shared/types';
import { checkMemory, datasetBytes, formatBytes, memoryBudget, RAISE_BUDGET } from './budget';
import { fileFailure, listDir, plural, type LoadContext } from './files';
import { emptyTable, textColumn, type RawTable } from './table';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff']);
const BATCH = 16;
/** Refuse sizes whose pixel matrix would not fit comfortably in memory. */
const MAX_FEATURES = 256 * 256 * 3;
/**
 * The largest image we decode (its header is read first): a 100-megapixel photo takes ~400 MB
 * while decoded. sharp's own limit is 268 megapixels; ours also caps each decode before it starts.
 */
export const MAX_IMAGE_PIXELS = 100_000_000;
/** Bytes per pixel while an image is decoded (up to 4 bands of 8 bits, plus libvips' buffers). */
const DECODE_BYTES_PER_PIXEL = 8;

interface ImageFile {
  path: string;
  relative: string;
  label: string | null;
}

async function collect(dir: string): Promise<{ files: ImageFile[]; skipped: string[] }> {
  const files: ImageFile[] = [];
  const skipped: string[] = [];
  const top = await listDir(dir);
  const add = (path: string, relative: string, label: string | null) => {
    if (IMAGE_EXT.has(extname(path).toLowerCase())) files.push({ path, relative, label });
    else skipped.push(relative);
  };
  const classes = top.filter((e) => e.isDir);
  for (const e of top) if (e.isFile && classes.length === 0) add(join(dir, e.name), e.name, null);
  for (const c of classes) {
    for (const e of await listDir(join(dir, c.name))) {
      if (e.isFile) add(join(dir, c.name, e.name), `${c.name}/${e.name}`, c.name);
    }
  }
  return { files, skipped };
}

interface ImageMeta {
  width: number;
  height: number;
  gray: boolean;
  /** Memory its decode takes, from the header (all frames of an animation). */
  decodeBytes: number;
}

/** The image's header only (sharp reads no pixels for metadata); refuses absurd sizes. */
async function meta(f: ImageFile, dir: string): Promise<ImageMeta> {
  let m: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    // no pixel limit here: the header alone is read, and the size is judged below with a clear message
    m = await sharp(f.path, { limitInputPixels: false }).metadata();
    if (!m.width || !m.height) throw new Error('no size');
  } catch (err) {
    throw fileFailure(join(dir, f.relative), 'bad-image', `is not a readable image (${(err as Error).message.split('\n')[0].slice(0, 120)}).`,
      `Remove or replace it in ${basename(dir)}, then open the folder again.`);
  }
  const pixels = m.width * m.height;
  if (pixels > MAX_IMAGE_PIXELS) {
    throw fileFailure(join(dir, f.relative), 'image-too-large', `is ${m.width.toLocaleString('en-US')}×${m.height.toLocaleString('en-US')} pixels (${Math.round(pixels / 1e6).toLocaleString('en-US')} megapixels); Latent Lab decodes images of up to ${MAX_IMAGE_PIXELS / 1e6} megapixels.`,
      `Shrink it (the model sees it at a small size anyway) or remove it from ${basename(dir)}, then open the folder again.`);
  }
  const gray = m.space === 'b-w' || m.space === 'grey16' || (m.channels ?? 3) <= 2;
  return { width: m.width, height: m.height, gray, decodeBytes: pixels * DECODE_BYTES_PER_PIXEL };
}

/**
 * Groups files into batches decoded together: at most BATCH files, and no more decoding memory
 * than `limit` at once (a batch holds at least one file).
 */
function decodeBatches(metas: ImageMeta[], limit: number): [number, number][] {
  const batches: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < metas.length; i++) {
    if (i > start && (i - start >= BATCH || bytes + metas[i].decodeBytes > limit)) {
      batches.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += metas[i].decodeBytes;
  }
  batches.push([start, metas.length]);
  return batches;
}

export async function readImageFolder(
  dir: string, opts: { imageSize?: [number, number]; imageMode?: ImageMode }, ctx: LoadContext,
): Promise<RawTable> {
  ctx.progress(0.02, `Listing ${basename(dir)}`);
  const { files, skipped } = await collect(dir);
  if (files.length === 0) {
    throw fileFailure(dir, 'no-images', 'holds no PNG or JPEG images (looked in the folder and its sub-folders).',
      'Pick a folder with one sub-folder of images per class, or a folder of images.');
  }
  const metas: ImageMeta[] = [];
  for (let i = 0; i < files.length; i += BATCH) {
    ctx.checkCancelled();
    metas.push(...(await Promise.all(files.slice(i, i + BATCH).map((f) => meta(f, dir)))));
    ctx.progress(0.05 + (0.25 * i) / files.length, `Looked at ${i.toLocaleString('en-US')} of ${plural(files.length, 'image')}`);
  }
  const sizes = new Map<string, number>();
  for (const m of metas) sizes.set(`${m.width}x${m.height}`, (sizes.get(`${m.width}x${m.height}`) ?? 0) + 1);
  const common = [...sizes].sort((a, b) => b[1] - a[1])[0][0].split('x').map(Number) as [number, number];
  const [width, height] = opts.imageSize ?? common;
  const grayCount = metas.filter((m) => m.gray).length;
  const mode: ImageMode = opts.imageMode ?? (grayCount === metas.length ? 'grayscale' : 'rgb');
  const channels = mode === 'grayscale' ? 1 : 3;
  if (width * height * channels > MAX_FEATURES) {
    throw fileFailure(dir, 'images-too-large', `would give ${width}×${height}×${channels} = ${(width * height * channels).toLocaleString('en-US')} features per image, too many to train on here.`,
      'Choose a smaller common image size (e.g. 64×64) in the Data panel or with --image-size 64x64.');
  }
  const notes: string[] = [];
  notes.push(`Read ${plural(files.length, 'image')}${files.some((f) => f.label) ? ` in ${plural(new Set(files.map((f) => f.label)).size, 'class folder')}` : ' (no class sub-folders: no labels)'} as ${width}×${height} ${mode}.`);
  if (sizes.size > 1 || opts.imageSize) {
    const resized = metas.filter((m) => m.width !== width || m.height !== height).length;
    if (resized) notes.push(`Resized ${plural(resized, 'image')} to ${width}×${height}${opts.imageSize ? '' : ' (the most common size)'}.`);
  }
  if (grayCount > 0 && grayCount < metas.length) {
    notes.push(`The folder mixes ${plural(grayCount, 'grayscale image')} and ${plural(metas.length - grayCount, 'colour image')}: read all as ${mode}.`);
  }
  if (skipped.length) notes.push(`Skipped ${plural(skipped.length, 'file')} that ${skipped.length === 1 ? 'is' : 'are'} not an image: ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''}.`);
  const size = width * height * channels;
  // the pixel matrix and the features prepared from it, plus the largest image while it is decoded
  const largest = metas.reduce((m, x) => Math.max(m, x.decodeBytes), 0);
  checkMemory(dir, datasetBytes(files.length * size, 1) + largest,
    `${plural(files.length, 'image')} of ${width}×${height}×${channels}${largest > 64 * 2 ** 20 ? `, decoding images of up to ${formatBytes(largest)}` : ''}`,
    `Choose a smaller image size (e.g. --image-size 64x64), grayscale, or fewer images, or ${RAISE_BUDGET}.`);
  const budget = memoryBudget().bytes;
  const pixels = new Uint8Array(files.length * size);
  for (const [i, end] of decodeBatches(metas, Math.max(largest, budget / 4))) {
    ctx.checkCancelled();
    const batch = files.slice(i, end);
    const decoded = await Promise.all(batch.map(async (f) => {
      try {
        let img = sharp(f.path, { limitInputPixels: MAX_IMAGE_PIXELS }).resize(width, height, { fit: 'fill' }).removeAlpha();
        img = mode === 'grayscale' ? img.toColourspace('b-w') : img.toColourspace('srgb');
        return await img.raw().toBuffer();
      } catch (err) {
        throw fileFailure(join(dir, f.relative), 'bad-image', `could not be decoded (${(err as Error).message.split('\n')[0].slice(0, 120)}).`, `Remove or replace it in ${basename(dir)}.`);
      }
    }));
    decoded.forEach((buf, k) => pixels.set(buf.subarray(0, size), (i + k) * size));
    ctx.progress(0.3 + (0.6 * (i + batch.length)) / files.length, `Decoded ${(i + batch.length).toLocaleString('en-US')} of ${plural(files.length, 'image')}`);
  }
  const table = emptyTable(dir, 'images');
  table.rows = files.length;
  table.pixels = { data: pixels, shape: [height, width, channels], maxValue: 255, featureName: (k) => `px${k}`, isImage: true };
  if (files.some((f) => f.label)) {
    table.columns.push(textColumn('class', files.map((f) => f.label)));
    table.formatLabel = 'class';
  }
  table.columns.push(textColumn('file', files.map((f) => f.relative)));
  table.notes = notes;
  table.loaderOptions = { imageSize: [width, height], imageMode: mode };
  table.preview = { header: ['file', 'class'], rows: files.slice(0, 10).map((f) => [f.relative, f.label ?? '']) };
  return table;
}
