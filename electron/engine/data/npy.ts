// NumPy .npy arrays: 1-D/2-D numeric tables and 3-D/4-D image stacks, with an optional labels file.
import { basename, extname } from 'node:path';
import { checkMemory, datasetBytes, describeShape, formatBytes } from './budget';
import { checkFile, fileFailure, plural, readHead, readInto, readWhole, type LoadContext } from './files';
import { MIN_ROWS } from './prepare';
import { checkText, SAMPLE_BYTES } from './sniff';
import { emptyTable, numberColumn, textColumn, type RawTable, type TextColumn } from './table';

const DTYPE_NAMES: Record<string, string> = {
  f4: 'float32', f8: 'float64', i1: 'int8', u1: 'uint8', b1: 'bool', i2: 'int16', u2: 'uint16', i4: 'int32', u4: 'uint32', i8: 'int64', u8: 'uint64',
};

const DTYPES: Record<string, { size: number; read: (v: DataView, at: number, le: boolean) => number }> = {
  f4: { size: 4, read: (v, at, le) => v.getFloat32(at, le) },
  f8: { size: 8, read: (v, at, le) => v.getFloat64(at, le) },
  i1: { size: 1, read: (v, at) => v.getInt8(at) },
  u1: { size: 1, read: (v, at) => v.getUint8(at) },
  b1: { size: 1, read: (v, at) => v.getUint8(at) },
  i2: { size: 2, read: (v, at, le) => v.getInt16(at, le) },
  u2: { size: 2, read: (v, at, le) => v.getUint16(at, le) },
  i4: { size: 4, read: (v, at, le) => v.getInt32(at, le) },
  u4: { size: 4, read: (v, at, le) => v.getUint32(at, le) },
  i8: { size: 8, read: (v, at, le) => Number(v.getBigInt64(at, le)) },
  u8: { size: 8, read: (v, at, le) => Number(v.getBigUint64(at, le)) },
};

/** The largest header we read: numpy writes a few hundred bytes (format 2+ allows 4 GB). */
const MAX_HEADER = 1 << 20;
const SAVE_AGAIN = 'Save it again with numpy.save(); Latent Lab reads numeric .npy arrays in C order.';

export interface NpyHeader {
  shape: number[];
  /** e.g. 'f4' */
  code: string;
  littleEndian: boolean;
  /** Byte offset of the data. */
  start: number;
  count: number;
  /** Bytes of data the shape promises. */
  bytes: number;
}

/** One dimension of a shape tuple: a whole number ≥ 0 (Python 2 may write a trailing L). */
function dimension(text: string): number | null {
  const m = /^(\d+)L?$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

/** Where the header ends, from the first 12 bytes; throws for files that are not .npy. */
function headerEnd(head: Buffer, file: string, fileSize: number): { start: number; textAt: number } {
  const bad = (problem: string) => fileFailure(file, 'bad-npy', problem, SAVE_AGAIN);
  if (head.byteLength < 10 || head.toString('latin1', 0, 6) !== '\x93NUMPY') throw bad('is not a NumPy .npy file (its first bytes are not "\\x93NUMPY").');
  const major = head[6];
  if (major < 1 || major > 3) throw bad(`is .npy format version ${major}, which Latent Lab does not read (versions 1 to 3).`);
  const textAt = major === 1 ? 10 : 12;
  if (head.byteLength < textAt) throw bad('is truncated inside its header.');
  const headerLen = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  if (headerLen > MAX_HEADER) throw bad(`claims a header of ${headerLen.toLocaleString('en-US')} bytes; an .npy header is a few hundred.`);
  const start = textAt + headerLen;
  if (start > fileSize) throw bad('is truncated inside its header.');
  return { start, textAt };
}

/** Parses the header (the buffer must hold at least the whole header); checks the size against the file's. */
export function parseNpyHeader(head: Buffer, file: string, fileSize: number): NpyHeader {
  const { start, textAt } = headerEnd(head, file, fileSize);
  if (start > head.byteLength) throw fileFailure(file, 'bad-npy', 'is truncated inside its header.', SAVE_AGAIN);
  const header = head.toString('latin1', textAt, start);
  const descr = /'descr':\s*'([<>|=])([a-zA-Z])(\d+)'/.exec(header);
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) {
    if (/'descr':\s*'[<>|]?[OUSV]/.test(header) || /'descr':\s*\[/.test(header)) {
      throw fileFailure(file, 'npy-dtype', 'holds text, objects or records, not numbers.', 'Save a numeric array (float32, float64, int or uint8) with numpy.save().');
    }
    throw fileFailure(file, 'bad-npy', 'has a header Latent Lab cannot read.', SAVE_AGAIN);
  }
  if (fortran) throw fileFailure(file, 'npy-order', 'is stored in Fortran (column-major) order.', 'Save it with numpy.save(path, numpy.ascontiguousarray(a)).');
  const code = `${descr[2]}${descr[3]}`;
  const dtype = DTYPES[code];
  if (!dtype) throw fileFailure(file, 'npy-dtype', `has dtype ${descr[1]}${code}, which Latent Lab does not read.`, 'Convert it to float32, float64, int or uint8 before saving.');
  const parts = shapeText.split(',').map((s) => s.trim());
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 1 && parts[0] === '') parts.pop();
  const shape: number[] = [];
  for (const p of parts) {
    const n = dimension(p);
    if (n === null) {
      const what = /^-\d/.test(p) ? 'a negative size' : /^[-+]?\d*\.\d*$|e/i.test(p) ? 'a size that is not a whole number' : 'a size that is not a number';
      throw fileFailure(file, 'bad-npy', `has ${what} (${p.slice(0, 30)}) in its shape (${shapeText.trim().slice(0, 80)}); every dimension must be a whole number of at least 0.`,
        `The file's header is damaged or was not written by numpy. ${SAVE_AGAIN}`);
    }
    shape.push(n);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = count * dtype.size;
  const available = fileSize - start;
  if (!(available >= bytes)) {
    throw fileFailure(file, 'truncated', `is truncated: its header promises ${shape.join('×')} values (${bytes.toLocaleString('en-US')} bytes) but only ${available.toLocaleString('en-US')} bytes follow.`,
      'The copy or download was probably cut short; get the file again.');
  }
  return { shape, code, littleEndian: descr[1] !== '>', start, count, bytes };
}

/** Reads and parses the header of an .npy file (no data is read). */
export async function readNpyHeader(file: string): Promise<NpyHeader> {
  const size = await checkFile(file);
  let head = await readHead(file, 4096);
  const { start } = headerEnd(head, file, size);
  if (start > head.byteLength) head = await readHead(file, start);
  return parseNpyHeader(head, file, size);
}

/** The values of an .npy file whose header was read: float32 (bytes kept as bytes for uint8). */
async function readNpyData(file: string, h: NpyHeader, ctx?: LoadContext): Promise<Float32Array | Uint8Array> {
  if (h.code === 'u1' || h.code === 'b1') {
    const data = new Uint8Array(h.count);
    await readInto(file, data, h.start, ctx);
    return data;
  }
  const data = new Float32Array(h.count);
  if (h.code === 'f4' && h.littleEndian) {
    await readInto(file, new Uint8Array(data.buffer), h.start, ctx);
    return data;
  }
  // other types: read in blocks of whole values and convert
  const dtype = DTYPES[h.code];
  const perBlock = Math.max(1, Math.floor((1 << 22) / dtype.size));
  const block = new Uint8Array(Math.min(h.count, perBlock) * dtype.size);
  for (let at = 0; at < h.count; at += perBlock) {
    const n = Math.min(perBlock, h.count - at);
    const bytes = block.subarray(0, n * dtype.size);
    await readInto(file, bytes, h.start + at * dtype.size, ctx);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) data[at + i] = dtype.read(view, i * dtype.size, h.littleEndian);
  }
  return data;
}

/** Bytes each value takes as held after reading (bytes stay bytes, the rest become float32). */
const heldBytes = (code: string) => (code === 'u1' || code === 'b1' ? 1 : 4);

/** Bytes a text labels file may take per byte once split into strings (JS strings, the code list). */
const TEXT_LABEL_FACTOR = 16;

/** Labels: another .npy (1-D) or a text file with one label per line. */
async function readLabels(path: string, rows: number, dataFile: string): Promise<TextColumn> {
  const wrongCount = (n: number) => fileFailure(path, 'label-count', `has ${plural(n, 'label')} but ${basename(dataFile)} has ${plural(rows, 'row')}.`, 'Pick the labels file that belongs to this data file.');
  let values: string[];
  if (extname(path).toLowerCase() === '.npy') {
    const h = await readNpyHeader(path);
    if (h.shape.length !== 1 && !(h.shape.length === 2 && h.shape[1] === 1)) {
      throw fileFailure(path, 'bad-labels', `has shape ${h.shape.join('×')}; a labels file holds one label per row (1-D).`, 'Pick a 1-D array of labels.');
    }
    if (h.shape[0] !== rows) throw wrongCount(h.shape[0]);
    values = Array.from(await readNpyData(path, h), (v) => String(v));
  } else {
    const size = await checkFile(path);
    checkText(path, await readHead(path, SAMPLE_BYTES));
    checkMemory(path, size * TEXT_LABEL_FACTOR, `${formatBytes(size)} of labels as text`);
    values = (await readWhole(path)).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim());
    while (values.length && values[values.length - 1] === '') values.pop();
  }
  if (values.length !== rows) throw wrongCount(values.length);
  return textColumn('label', values);
}

export async function readNpy(file: string, labelsPath: string | null | undefined, ctx: LoadContext): Promise<RawTable> {
  ctx.progress(0.05, `Reading ${basename(file)}`);
  // everything is checked from the header before any data is read
  const h = await readNpyHeader(file);
  const shape = h.shape;
  if (shape.length === 0 || shape.length > 4) {
    throw fileFailure(file, 'npy-shape', `has ${shape.length === 0 ? 'a single value' : `${shape.length} dimensions`}; Latent Lab reads 1-D to 4-D arrays (rows first).`, 'Reshape it to rows × features, or rows × height × width (× channels).');
  }
  const rows = shape[0];
  if (shape.length === 1) {
    throw fileFailure(file, 'npy-1d', `is a 1-D array of ${plural(rows, 'value')}; Latent Lab needs rows × features (2-D) or images (3-D/4-D).`,
      'If these are labels, open the data file and choose this one as its labels file.');
  }
  if (rows < MIN_ROWS) {
    throw fileFailure(file, 'too-few-rows', `has only ${plural(rows, 'data row')} (its shape is ${shape.map((s) => s.toLocaleString('en-US')).join(' × ')}); Latent Lab needs at least ${MIN_ROWS}.`,
      'Save an array with one row per example (rows first), and at least a few rows.');
  }
  const columns = shape.length === 2 ? shape[1] : 0;
  const dtypeName = DTYPE_NAMES[h.code] ?? h.code;
  checkMemory(file, datasetBytes(h.count, heldBytes(h.code), columns), describeShape(shape, dtypeName));
  const data = await readNpyData(file, h, ctx);
  ctx.checkCancelled();
  const table = emptyTable(file, 'npy');
  table.rows = rows;
  table.notes.push(`Read a ${shape.join(' × ')} array of ${h.code}.`);
  if (shape.length === 2) {
    const d = shape[1];
    for (let j = 0; j < d; j++) {
      const col = new Float32Array(rows);
      for (let i = 0; i < rows; i++) col[i] = data[i * d + j];
      table.columns.push(numberColumn(`c${j}`, col, h.code.startsWith('f') ? 'number' : 'integer'));
    }
  } else {
    // (n, h, w) grayscale, (n, h, w, c) channels-last, or (n, c, h, w) channels-first with c ≤ 4
    let [ih, iw, c] = shape.length === 3 ? [shape[1], shape[2], 1] : [shape[1], shape[2], shape[3]];
    let pixels = data;
    if (shape.length === 4 && shape[3] > 4 && shape[1] <= 4) {
      [c, ih, iw] = [shape[1], shape[2], shape[3]];
      const out = data instanceof Uint8Array ? new Uint8Array(data.length) : new Float32Array(data.length);
      const plane = ih * iw;
      for (let i = 0; i < rows; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) out[i * plane * c + p * c + ch] = data[i * plane * c + ch * plane + p];
      pixels = out;
      table.notes.push('Moved the channel axis last (the array was channels-first).');
    }
    const isImage = c === 1 || c === 3 || c === 4;
    table.pixels = {
      data: pixels,
      shape: [ih, iw, c],
      maxValue: pixels instanceof Uint8Array && h.code === 'u1' ? 255 : null,
      featureName: (k) => `px${k}`,
      isImage,
    };
  }
  if (labelsPath) {
    table.columns.push(await readLabels(labelsPath, rows, file));
    table.formatLabel = 'label';
    table.notes.push(`Labels from ${basename(labelsPath)}.`);
    table.loaderOptions.labelsPath = labelsPath;
  }
  table.preview = { header: table.columns.slice(0, 12).map((c) => c.name), rows: [] };
  return table;
}

/** A whole little-endian float32 .npy held in memory (what Latent Lab's own exports write). */
export function parseNpy(raw: Buffer, file: string): { shape: number[]; data: Float32Array } {
  const h = parseNpyHeader(raw, file, raw.byteLength);
  if (h.code !== 'f4' || !h.littleEndian) throw fileFailure(file, 'npy-dtype', `has dtype ${h.code}; this reader takes little-endian float32 only.`, SAVE_AGAIN);
  if (raw.byteLength - h.start < h.bytes) throw fileFailure(file, 'truncated', 'is truncated.', 'Write it again.');
  return { shape: h.shape, data: new Float32Array(raw.buffer.slice(raw.byteOffset + h.start, raw.byteOffset + h.start + h.bytes)) };
}
