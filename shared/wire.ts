// WebSocket framing that keeps typed arrays binary. A message with no typed arrays is a JSON text
// frame; otherwise one binary frame: [u32 header length][header JSON][buffers, each 8-aligned].
// In the header each typed array is replaced by {"$bin": byteLength, "$type": constructor name};
// buffers follow in the order they appear, so offsets are implied by the lengths.

type TypedArray =
  | Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array
  | Int8Array | Uint8Array | Uint8ClampedArray;

const ctors = {
  Float32Array, Float64Array, Int32Array, Uint32Array, Int16Array, Uint16Array,
  Int8Array, Uint8Array, Uint8ClampedArray,
} as const;
type CtorName = keyof typeof ctors;

function typedName(v: unknown): CtorName | null {
  if (!ArrayBuffer.isView(v) || v instanceof DataView) return null;
  const name = v.constructor.name as CtorName;
  return Object.hasOwn(ctors, name) ? name : null;
}

const align8 = (n: number) => (n + 7) & ~7;

export function encodeMessage(value: unknown): string | Uint8Array<ArrayBuffer> {
  const buffers: TypedArray[] = [];
  const header = JSON.stringify(value, (_key, v: unknown) => {
    const name = typedName(v);
    if (!name) return v;
    buffers.push(v as TypedArray);
    return { $bin: (v as TypedArray).byteLength, $type: name };
  });
  if (buffers.length === 0) return header;
  const head = new TextEncoder().encode(header);
  let size = align8(4 + head.byteLength);
  const offsets = buffers.map((b) => {
    const at = size;
    size = align8(size + b.byteLength);
    return at;
  });
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, head.byteLength, true);
  out.set(head, 4);
  buffers.forEach((b, i) => out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), offsets[i]));
  return out;
}

export function decodeMessage(data: string | ArrayBuffer | Uint8Array): unknown {
  if (typeof data === 'string') return JSON.parse(data);
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < 4) throw new Error('truncated frame');
  const headLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + headLen > bytes.byteLength) throw new Error('truncated frame');
  const header = new TextDecoder().decode(bytes.subarray(4, 4 + headLen));
  let offset = align8(4 + headLen);
  return JSON.parse(header, (_key, v: unknown) => {
    if (!v || typeof v !== 'object' || !('$bin' in v) || !('$type' in v)) return v;
    const { $bin: length, $type } = v as { $bin: number; $type: CtorName };
    const Ctor = Object.hasOwn(ctors, $type) ? ctors[$type] : null;
    if (!Ctor || !Number.isInteger(length) || length < 0 || length % Ctor.BYTES_PER_ELEMENT !== 0) {
      throw new Error('corrupt frame');
    }
    if (offset + length > bytes.byteLength) throw new Error('truncated frame');
    // copy into a fresh, aligned buffer owned by the receiver
    const copy = bytes.slice(offset, offset + length);
    offset = align8(offset + length);
    return new Ctor(copy.buffer, 0, length / Ctor.BYTES_PER_ELEMENT);
  });
}
