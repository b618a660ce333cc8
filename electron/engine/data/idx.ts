// IDX files (the MNIST format), raw or gzipped: magic 0x00 0x00 <type> <ndim>, ndim big-endian u32
// sizes, then the values. An image file and a labels file make a dataset; either may be picked.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileFailure, plural, readWhole, type LoadContext } from './files';
import { emptyTable, numberColumn, type RawTable } from './table';

export interface IdxArray {
  shape: number[];
  data: Uint8Array | Float32Array;
}

const TYPES: Record<number, { size: number; name: string; read: (v: DataView, at: number) => number }> = {
  0x08: { size: 1, name: 'unsigned byte', read: (v, at) => v.getUint8(at) },
  0x09: { size: 1, name: 'signed byte', read: (v, at) => v.getInt8(at) },
  0x0b: { size: 2, name: 'short', read: (v, at) => v.getInt16(at, false) },
  0x0c: { size: 4, name: 'int', read: (v, at) => v.getInt32(at, false) },
  0x0d: { size: 4, name: 'float', read: (v, at) => v.getFloat32(at, false) },
  0x0e: { size: 8, name: 'double', read: (v, at) => v.getFloat64(at, false) },
};

export function parseIdx(raw: Uint8Array, file: string): IdxArray {
  if (raw.byteLength < 4 || raw[0] !== 0 || raw[1] !== 0 || !TYPES[raw[2]]) {
    throw fileFailure(file, 'bad-idx', 'is not an IDX file (wrong magic number).',
      'IDX files start with two zero bytes, a type byte and a dimension count: pick an MNIST-style images or labels file.');
  }
  const type = TYPES[raw[2]];
  const ndim = raw[3];
  if (ndim < 1 || ndim > 4 || raw.byteLength < 4 + 4 * ndim) {
    throw fileFailure(file, 'bad-idx', `has a broken IDX header (${ndim} dimensions).`, 'Get the file again; it may be damaged.');
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndim;
  if (raw.byteLength - start < count * type.size) {
    throw fileFailure(file, 'truncated', `is truncated: its header promises ${shape.join('×')} values but only ${(raw.byteLength - start).toLocaleString('en-US')} bytes follow.`,
      'The download or copy was probably cut short; get the file again.');
  }
  if (raw[2] === 0x08) return { shape, data: raw.subarray(start, start + count) };
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = type.read(view, start + i * type.size);
  return { shape, data };
}

export async function readIdx(file: string): Promise<IdxArray> {
  let raw: Uint8Array = await readWhole(file);
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch {
      throw fileFailure(file, 'truncated', 'is a damaged or cut-short gzip file.', 'Get the file again, or unpack it yourself and open the unpacked file.');
    }
  }
  return parseIdx(raw, file);
}

/** The other file of an images/labels pair, by MNIST's naming (train-images-idx3 ↔ train-labels-idx1). */
export function idxPartner(file: string): string | null {
  const name = basename(file);
  const swaps: [RegExp, string][] = /images?/i.test(name)
    ? [[/images/i, 'labels'], [/image/i, 'label'], [/idx[34]/i, 'idx1']]
    : [[/labels/i, 'images'], [/label/i, 'image'], [/idx1/i, 'idx3']];
  let other = name;
  for (const [from, to] of swaps) other = other.replace(from, to);
  if (other === name) return null;
  const base = other.replace(/\.gz$/i, '');
  for (const candidate of [base, `${base}.gz`, base.replace(/\.idx[13]-ubyte$/, '-idx1-ubyte')]) {
    const path = join(dirname(file), candidate);
    if (existsSync(path)) return path;
  }
  return null;
}

/** Reads an IDX images file (and its labels partner when there is one) into a raw table. */
export async function readIdxPair(picked: string, ctx: LoadContext): Promise<RawTable> {
  ctx.progress(0.05, `Reading ${basename(picked)}`);
  const first = await readIdx(picked);
  const partner = idxPartner(picked);
  let images: IdxArray;
  let imagesFile: string;
  let labels: IdxArray | null = null;
  let labelsFile: string | null = null;
  if (first.shape.length === 1) {
    if (!partner) {
      throw fileFailure(picked, 'idx-labels-only', 'holds only labels (a 1-D IDX file), and no images file with a matching name is beside it.',
        'Put the images file (e.g. train-images-idx3-ubyte) in the same folder, or open the images file.');
    }
    [labels, labelsFile, imagesFile] = [first, picked, partner];
    ctx.progress(0.3, `Reading ${basename(partner)}`);
    images = await readIdx(partner);
  } else {
    [images, imagesFile] = [first, picked];
    if (partner) {
      ctx.progress(0.5, `Reading ${basename(partner)}`);
      labels = await readIdx(partner);
      labelsFile = partner;
    }
  }
  ctx.checkCancelled();
  const rows = images.shape[0];
  if (labels && (labels.shape.length !== 1 || labels.shape[0] !== rows)) {
    throw fileFailure(labelsFile!, 'label-count', `has ${plural(labels.shape[0], 'label')} but ${basename(imagesFile)} has ${plural(rows, 'image')}.`,
      'Keep the images and labels files of the same set together (train with train, t10k with t10k).');
  }
  const table = emptyTable(imagesFile, 'idx');
  table.rows = rows;
  const [h, w, c] = images.shape.length === 2 ? [1, images.shape[1], 1] : [images.shape[1], images.shape[2], images.shape[3] ?? 1];
  table.pixels = {
    data: images.data instanceof Uint8Array ? images.data.slice() : images.data,
    shape: [h, w, c],
    maxValue: images.data instanceof Uint8Array ? 255 : null,
    featureName: (k) => `px${k}`,
    isImage: images.shape.length >= 3,
  };
  table.notes.push(`Read ${plural(rows, 'image')} of ${h}×${w}${c > 1 ? `×${c}` : ''} from ${basename(imagesFile)}${labelsFile ? ` and labels from ${basename(labelsFile)}` : ' (no labels file found beside it)'}.`);
  if (labels) {
    table.columns.push(numberColumn('label', Float32Array.from(labels.data), 'integer'));
    table.formatLabel = 'label';
  }
  table.preview = { header: ['label'], rows: [] };
  return table;
}
