// IDX (the MNIST file format): magic 0x00 0x00 <type> <ndim>, ndim big-endian u32 sizes, then data.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LabFailure } from '../../../shared/api';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Parses an IDX buffer of unsigned bytes (type 0x08), the only type MNIST-style files use. */
export function parseIdx(raw: Uint8Array, file: string): IdxArray {
  const name = basename(file);
  if (raw.byteLength < 4 || raw[0] !== 0 || raw[1] !== 0) {
    throw new LabFailure('bad-idx', `${name} is not an IDX file (wrong magic number).`,
      'IDX files start with two zero bytes, a type byte and a dimension count; pick an MNIST-style image or label file.');
  }
  if (raw[2] !== 0x08) {
    throw new LabFailure('bad-idx', `${name} holds IDX type 0x${raw[2].toString(16)}; only unsigned-byte IDX files (0x08) are supported.`);
  }
  const ndim = raw[3];
  if (ndim < 1 || ndim > 4 || raw.byteLength < 4 + 4 * ndim) {
    throw new LabFailure('bad-idx', `${name} has a broken IDX header (${ndim} dimensions).`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndim;
  if (raw.byteLength - start < count) {
    throw new LabFailure('truncated', `${name} is truncated: its header promises ${count} values but only ${raw.byteLength - start} bytes follow.`,
      'The download or copy was probably cut short; get the file again.');
  }
  return { shape, data: raw.subarray(start, start + count) };
}

export async function readIdx(file: string): Promise<IdxArray> {
  let raw: Uint8Array = await readFile(file);
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch {
      throw new LabFailure('truncated', `${basename(file)} is a damaged gzip file.`, 'Get the file again or unpack it yourself.');
    }
  }
  return parseIdx(raw, file);
}
