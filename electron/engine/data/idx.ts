// IDX files (the MNIST format), raw or gzipped: magic 0x00 0x00 <type> <ndim>, ndim big-endian u32
// sizes, then the values. An image file and a labels file make a dataset; either may be picked.
import { createReadStream, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { checkMemory, datasetBytes, describeShape, formatBytes } from './budget';
import { checkFile, fileFailure, plural, readHead, readInto, statFailure, type LoadContext } from './files';
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

interface IdxHeader {
  type: number;
  shape: number[];
  /** Byte offset of the values. */
  start: number;
  count: number;
  bytes: number;
}

/** The most deflate can shrink data (1,032 : 1), with a margin. */
const MAX_DEFLATE_RATIO = 1100;

const NOT_IDX = 'IDX files start with two zero bytes, a type byte and a dimension count: pick an MNIST-style images or labels file.';

/** Parses the magic number and the dimensions from the first bytes (up to 20 are enough). */
function parseIdxHeader(head: Uint8Array, file: string): IdxHeader {
  if (head.byteLength < 4 || head[0] !== 0 || head[1] !== 0 || !TYPES[head[2]]) {
    throw fileFailure(file, 'bad-idx', 'is not an IDX file (wrong magic number).', NOT_IDX);
  }
  const ndim = head[3];
  if (ndim < 1 || ndim > 4 || head.byteLength < 4 + 4 * ndim) {
    throw fileFailure(file, 'bad-idx', `has a broken IDX header (${ndim} dimensions).`, 'Get the file again; it may be damaged.');
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  return { type: head[2], shape, start: 4 + 4 * ndim, count, bytes: count * TYPES[head[2]].size };
}

function truncated(file: string, h: IdxHeader, available: number) {
  return fileFailure(file, 'truncated', `is truncated: its header promises ${h.shape.join('×')} values but only ${Math.max(0, available).toLocaleString('en-US')} bytes follow.`,
    'The download or copy was probably cut short; get the file again.');
}

/** Refuses, from the header alone, an array that would not fit the memory budget. */
function checkIdxMemory(file: string, h: IdxHeader): void {
  const held = h.type === 0x08 ? 1 : 4;
  checkMemory(file, datasetBytes(h.count, held), describeShape(h.shape, TYPES[h.type].name));
}

/** Values as held: bytes stay bytes, the other types become float32 (IDX is big-endian). */
function convert(h: IdxHeader, bytes: Uint8Array): Uint8Array | Float32Array {
  if (h.type === 0x08) return bytes;
  const type = TYPES[h.type];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float32Array(h.count);
  for (let i = 0; i < h.count; i++) data[i] = type.read(view, i * type.size);
  return data;
}

/** Parses a whole IDX file held in memory (already unpacked). */
export function parseIdx(raw: Uint8Array, file: string): IdxArray {
  const h = parseIdxHeader(raw.subarray(0, 20), file);
  if (raw.byteLength - h.start < h.bytes) throw truncated(file, h, raw.byteLength - h.start);
  return { shape: h.shape, data: convert(h, raw.subarray(h.start, h.start + h.bytes)) };
}

/**
 * Unpacks a gzip file into `target`; what does not fit is dropped, so a bomb never takes more
 * memory than `target`. With `whole`, the rest of the stream is still unpacked (and dropped) to
 * check it to its end (a cut-short or damaged file fails); without, it stops once `target` is
 * full. Resolves with the bytes written, fewer when the data ends first.
 */
function gunzipInto(file: string, target: Uint8Array, whole: boolean, ctx?: LoadContext): Promise<number> {
  return new Promise((resolve, reject) => {
    const src = createReadStream(file);
    const unzip = createGunzip();
    let at = 0;
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      src.destroy();
      unzip.destroy();
      if (err) reject(err);
      else resolve(at);
    };
    let sinceCheck = 0;
    unzip.on('data', (chunk: Buffer) => {
      const n = Math.min(chunk.byteLength, target.byteLength - at);
      target.set(chunk.subarray(0, n), at);
      at += n;
      if (at >= target.byteLength && !whole) return finish();
      if ((sinceCheck += chunk.byteLength) > 1 << 24) {
        sinceCheck = 0;
        try {
          ctx?.checkCancelled();
        } catch (err) {
          finish(err);
        }
      }
    });
    unzip.on('end', () => finish());
    unzip.on('error', () => finish(fileFailure(file, 'truncated', 'is a damaged or cut-short gzip file.', 'Get the file again, or unpack it yourself and open the unpacked file.')));
    src.on('error', (err) => finish(statFailure(file, err)));
    src.pipe(unzip);
  });
}

/**
 * Reads an IDX file, raw or gzipped. The header is read (or unpacked) first and checked against the
 * file's size and the memory budget; only then are the values read, straight into their array.
 */
export async function readIdx(file: string, ctx?: LoadContext): Promise<IdxArray> {
  const size = await checkFile(file);
  const magic = await readHead(file, 2);
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    const head = new Uint8Array(20);
    const got = await gunzipInto(file, head, false, ctx);
    const h = parseIdxHeader(head.subarray(0, got), file);
    // deflate packs at most ~1,032 bytes into one: a header promising more than that cannot be true
    if (h.start + h.bytes > size * MAX_DEFLATE_RATIO) {
      throw fileFailure(file, 'truncated', `is truncated or damaged: its header promises ${h.shape.join('×')} values (${formatBytes(h.bytes)}), more than ${formatBytes(size)} of gzip can hold.`,
        'The download or copy was probably cut short; get the file again.');
    }
    checkIdxMemory(file, h);
    const all = new Uint8Array(h.start + h.bytes);
    const unpacked = await gunzipInto(file, all, true, ctx);
    if (unpacked < all.byteLength) throw truncated(file, h, unpacked - h.start);
    return { shape: h.shape, data: convert(h, all.subarray(h.start)) };
  }
  const h = parseIdxHeader(await readHead(file, 20), file);
  if (size - h.start < h.bytes) throw truncated(file, h, size - h.start);
  checkIdxMemory(file, h);
  const bytes = new Uint8Array(h.bytes);
  await readInto(file, bytes, h.start, ctx);
  return { shape: h.shape, data: convert(h, bytes) };
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

function checkLabelCount(images: IdxArray, imagesFile: string, labels: IdxArray | null, labelsFile: string | null): void {
  const rows = images.shape[0];
  if (labels && (labels.shape.length !== 1 || labels.shape[0] !== rows)) {
    throw fileFailure(labelsFile!, 'label-count', `has ${plural(labels.shape[0], 'label')} but ${basename(imagesFile)} has ${plural(rows, 'image')}.`,
      'Keep the images and labels files of the same set together (train with train, t10k with t10k).');
  }
}

function concat(a: Uint8Array | Float32Array, b: Uint8Array | Float32Array): Uint8Array | Float32Array {
  const out = a instanceof Uint8Array && b instanceof Uint8Array ? new Uint8Array(a.length + b.length) : new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The test set's images file beside a training images file: train-… → t10k-… (or test-…), raw or gzipped. */
export function idxTestFile(trainImages: string): string | null {
  const name = basename(trainImages);
  if (!/train/i.test(name)) return null;
  for (const word of ['t10k', 'test']) {
    const base = name.replace(/train/i, word).replace(/\.gz$/i, '');
    for (const candidate of [base, `${base}.gz`]) {
      const path = join(dirname(trainImages), candidate);
      if (existsSync(path)) return path;
    }
  }
  return null;
}

/**
 * The t10k pair beside a training pair, read as the test split when it matches (same image shape,
 * labels when the training images have them); otherwise a note says why it was left out.
 */
async function testPair(imagesFile: string, images: IdxArray, withLabels: boolean, notes: string[], ctx: LoadContext): Promise<{ images: IdxArray; labels: IdxArray | null } | null> {
  const testImages = idxTestFile(imagesFile);
  if (!testImages) return null;
  ctx.progress(0.6, `Reading ${basename(testImages)}`);
  const t = await readIdx(testImages, ctx);
  const shapeOf = (a: IdxArray) => a.shape.slice(1).join('×');
  if (t.shape.length !== images.shape.length || shapeOf(t) !== shapeOf(images)) {
    notes.push(`Did not use ${basename(testImages)} as the test split: its images are ${shapeOf(t) || 'not images'}, the training images ${shapeOf(images)}. The test split is drawn at random instead.`);
    return null;
  }
  const testLabels = idxPartner(testImages);
  if (withLabels && !testLabels) {
    notes.push(`Did not use ${basename(testImages)} as the test split: no labels file is beside it. The test split is drawn at random instead.`);
    return null;
  }
  const labels = withLabels ? await readIdx(testLabels!, ctx) : null;
  checkLabelCount(t, testImages, labels, testLabels);
  notes.push(`Used ${basename(testImages)}${labels ? ` and ${basename(testLabels!)}` : ''} beside it as the test split (${plural(t.shape[0], 'image')}).`);
  return { images: t, labels };
}

/** Reads an IDX images file (and its labels partner when there is one) into a raw table. */
export async function readIdxPair(picked: string, ctx: LoadContext): Promise<RawTable> {
  ctx.progress(0.05, `Reading ${basename(picked)}`);
  const first = await readIdx(picked, ctx);
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
    images = await readIdx(partner, ctx);
  } else {
    [images, imagesFile] = [first, picked];
    if (partner) {
      ctx.progress(0.5, `Reading ${basename(partner)}`);
      labels = await readIdx(partner, ctx);
      labelsFile = partner;
    }
  }
  ctx.checkCancelled();
  checkLabelCount(images, imagesFile, labels, labelsFile);
  const trainRows = images.shape[0];
  const notes: string[] = [];
  // MNIST and Fashion-MNIST ship their test set as a t10k pair beside the training pair
  const test = await testPair(imagesFile, images, labels !== null, notes, ctx);
  let fileSplit: Uint8Array | null = null;
  if (test) {
    const shape = [trainRows + test.images.shape[0], ...images.shape.slice(1)];
    checkMemory(imagesFile, datasetBytes(images.data.length + test.images.data.length, images.data instanceof Uint8Array ? 1 : 4), describeShape(shape, 'images (training and test)'));
    images = { shape: [trainRows + test.images.shape[0], ...images.shape.slice(1)], data: concat(images.data, test.images.data) };
    if (labels) labels = { shape: [trainRows + test.images.shape[0]], data: concat(labels.data, test.labels!.data) };
    fileSplit = new Uint8Array(images.shape[0]).fill(1, trainRows);
  }
  const rows = images.shape[0];
  const table = emptyTable(imagesFile, 'idx');
  table.rows = rows;
  table.fileSplit = fileSplit;
  const [h, w, c] = images.shape.length === 2 ? [1, images.shape[1], 1] : [images.shape[1], images.shape[2], images.shape[3] ?? 1];
  table.pixels = {
    data: images.data,
    shape: [h, w, c],
    maxValue: images.data instanceof Uint8Array ? 255 : null,
    featureName: (k) => `px${k}`,
    isImage: images.shape.length >= 3,
  };
  table.notes.push(`Read ${plural(trainRows, 'image')} of ${h}×${w}${c > 1 ? `×${c}` : ''} from ${basename(imagesFile)}${labelsFile ? ` and labels from ${basename(labelsFile)}` : ' (no labels file found beside it)'}.`, ...notes);
  if (labels) {
    table.columns.push(numberColumn('label', Float32Array.from(labels.data), 'integer'));
    table.formatLabel = 'label';
  }
  table.preview = { header: ['label'], rows: [] };
  return table;
}
