// Image folders: one sub-folder per class (or images directly inside, unlabelled), PNG/JPEG read
// with sharp, resized to one common size (default: the most common one), grayscale or RGB.
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import type { ImageMode } from '../../../shared/types';
import { fileFailure, listDir, plural, type LoadContext } from './files';
import { emptyTable, textColumn, type RawTable } from './table';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff']);
const BATCH = 16;
/** Refuse sizes whose pixel matrix would not fit comfortably in memory. */
const MAX_FEATURES = 256 * 256 * 3;

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

async function meta(f: ImageFile, dir: string) {
  try {
    const m = await sharp(f.path).metadata();
    if (!m.width || !m.height) throw new Error('no size');
    const gray = m.space === 'b-w' || m.space === 'grey16' || (m.channels ?? 3) <= 2;
    return { width: m.width, height: m.height, gray };
  } catch (err) {
    throw fileFailure(join(dir, f.relative), 'bad-image', `is not a readable image (${(err as Error).message.split('\n')[0].slice(0, 120)}).`,
      `Remove or replace it in ${basename(dir)}, then open the folder again.`);
  }
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
  const metas: { width: number; height: number; gray: boolean }[] = [];
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
  const pixels = new Uint8Array(files.length * size);
  for (let i = 0; i < files.length; i += BATCH) {
    ctx.checkCancelled();
    const batch = files.slice(i, i + BATCH);
    const decoded = await Promise.all(batch.map(async (f) => {
      try {
        let img = sharp(f.path).resize(width, height, { fit: 'fill' }).removeAlpha();
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
