// NumPy .npy arrays: 1-D/2-D numeric tables and 3-D/4-D image stacks, with an optional labels file.
import { basename, extname } from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileFailure, plural, readWhole, type LoadContext } from './files';
import { emptyTable, numberColumn, textColumn, type RawTable, type TextColumn } from './table';

interface NpyArray {
  shape: number[];
  /** Values as float32 (bytes kept as Uint8Array for uint8 images). */
  data: Float32Array | Uint8Array;
  dtype: string;
}

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

/** Parses an .npy buffer (format versions 1–3). */
export function parseNpy(raw: Buffer, file: string): NpyArray {
  const bad = (problem: string) => fileFailure(file, 'bad-npy', problem, 'Save it again with numpy.save(); Latent Lab reads numeric .npy arrays in C order.');
  if (raw.byteLength < 10 || raw.toString('latin1', 0, 6) !== '\x93NUMPY') throw bad('is not a NumPy .npy file (its first bytes are not "\\x93NUMPY").');
  const major = raw[6];
  const headerLen = major === 1 ? raw.readUInt16LE(8) : raw.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  if (start > raw.byteLength) throw bad('is truncated inside its header.');
  const header = raw.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([<>|=])([a-zA-Z])(\d+)'/.exec(header);
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) {
    if (/'descr':\s*'[<>|]?[OUSV]/.test(header) || /'descr':\s*\[/.test(header)) {
      throw fileFailure(file, 'npy-dtype', 'holds text, objects or records, not numbers.', 'Save a numeric array (float32, float64, int or uint8) with numpy.save().');
    }
    throw bad('has a header Latent Lab cannot read.');
  }
  if (fortran) throw fileFailure(file, 'npy-order', 'is stored in Fortran (column-major) order.', 'Save it with numpy.save(path, numpy.ascontiguousarray(a)).');
  const code = `${descr[2]}${descr[3]}`;
  const dtype = DTYPES[code];
  if (!dtype) throw fileFailure(file, 'npy-dtype', `has dtype ${descr[1]}${code}, which Latent Lab does not read.`, 'Convert it to float32, float64, int or uint8 before saving.');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * dtype.size;
  if (raw.byteLength - start < need) {
    throw fileFailure(file, 'truncated', `is truncated: its header promises ${shape.join('×')} values (${need.toLocaleString('en-US')} bytes) but only ${(raw.byteLength - start).toLocaleString('en-US')} bytes follow.`,
      'The copy or download was probably cut short; get the file again.');
  }
  if (code === 'u1' || code === 'b1') return { shape, data: new Uint8Array(raw.buffer, raw.byteOffset + start, count), dtype: code };
  const le = descr[1] !== '>';
  const view = new DataView(raw.buffer, raw.byteOffset + start, need);
  const data = new Float32Array(count);
  if (code === 'f4' && le && (raw.byteOffset + start) % 4 === 0) data.set(new Float32Array(raw.buffer, raw.byteOffset + start, count));
  else for (let i = 0; i < count; i++) data[i] = dtype.read(view, i * dtype.size, le);
  return { shape, data, dtype: code };
}

/** Labels: another .npy (1-D) or a text file with one label per line. */
async function readLabels(path: string, rows: number, dataFile: string): Promise<TextColumn> {
  let values: string[];
  if (extname(path).toLowerCase() === '.npy') {
    const a = parseNpy(await readWhole(path), path);
    if (a.shape.length !== 1 && !(a.shape.length === 2 && a.shape[1] === 1)) {
      throw fileFailure(path, 'bad-labels', `has shape ${a.shape.join('×')}; a labels file holds one label per row (1-D).`, 'Pick a 1-D array of labels.');
    }
    values = Array.from(a.data, (v) => String(v));
  } else {
    await readWhole(path);
    values = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim());
    while (values.length && values[values.length - 1] === '') values.pop();
  }
  if (values.length !== rows) {
    throw fileFailure(path, 'label-count', `has ${plural(values.length, 'label')} but ${basename(dataFile)} has ${plural(rows, 'row')}.`, 'Pick the labels file that belongs to this data file.');
  }
  return textColumn('label', values);
}

export async function readNpy(file: string, labelsPath: string | null | undefined, ctx: LoadContext): Promise<RawTable> {
  ctx.progress(0.05, `Reading ${basename(file)}`);
  const a = parseNpy(await readWhole(file), file);
  const table = emptyTable(file, 'npy');
  const shape = a.shape;
  if (shape.length === 0 || shape.length > 4) {
    throw fileFailure(file, 'npy-shape', `has ${shape.length === 0 ? 'a single value' : `${shape.length} dimensions`}; Latent Lab reads 1-D to 4-D arrays (rows first).`, 'Reshape it to rows × features, or rows × height × width (× channels).');
  }
  const rows = shape[0];
  table.rows = rows;
  table.notes.push(`Read a ${shape.join(' × ')} array of ${a.dtype}.`);
  if (shape.length === 1) {
    throw fileFailure(file, 'npy-1d', `is a 1-D array of ${plural(rows, 'value')}; Latent Lab needs rows × features (2-D) or images (3-D/4-D).`,
      'If these are labels, open the data file and choose this one as its labels file.');
  }
  if (shape.length === 2) {
    const d = shape[1];
    const data = a.data;
    for (let j = 0; j < d; j++) {
      const col = new Float32Array(rows);
      for (let i = 0; i < rows; i++) col[i] = data[i * d + j];
      table.columns.push(numberColumn(`c${j}`, col, a.dtype.startsWith('f') ? 'number' : 'integer'));
    }
  } else {
    // (n, h, w) grayscale, (n, h, w, c) channels-last, or (n, c, h, w) channels-first with c ≤ 4
    let [h, w, c] = shape.length === 3 ? [shape[1], shape[2], 1] : [shape[1], shape[2], shape[3]];
    let data = a.data;
    if (shape.length === 4 && shape[3] > 4 && shape[1] <= 4) {
      [c, h, w] = [shape[1], shape[2], shape[3]];
      const out = a.data instanceof Uint8Array ? new Uint8Array(a.data.length) : new Float32Array(a.data.length);
      const plane = h * w;
      for (let i = 0; i < rows; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) out[i * plane * c + p * c + ch] = a.data[i * plane * c + ch * plane + p];
      data = out;
      table.notes.push('Moved the channel axis last (the array was channels-first).');
    }
    const isImage = c === 1 || c === 3 || c === 4;
    table.pixels = {
      data: data instanceof Uint8Array ? data.slice() : data,
      shape: [h, w, c],
      maxValue: data instanceof Uint8Array && a.dtype === 'u1' ? 255 : null,
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
