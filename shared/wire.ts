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
  if (Object.hasOwn(ctors, name)) return name;
  // a subclass (Node's Buffer) travels as its base type
  return v instanceof Uint8Array ? 'Uint8Array' : null;
}

// arithmetic, not bitwise: offsets past 2 GiB must not wrap
const align8 = (n: number) => Math.ceil(n / 8) * 8;

export function encodeMessage(value: unknown): string | Uint8Array<ArrayBuffer> {
  const buffers: TypedArray[] = [];
  const header = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    // the holder's own value: a Buffer's toJSON() has already turned `v` into a plain object
    const original = this[key];
    const name = typedName(original);
    if (!name) return v;
    buffers.push(original as TypedArray);
    return { $bin: (original as TypedArray).byteLength, $type: name };
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

/** A frame that cannot be decoded; the message says why (never a stack-overflow or a DOMException). */
export class WireError extends Error {
  override name = 'WireError';
}

/**
 * Decodes one frame. Anything malformed throws a WireError. Sizes named in a header are checked
 * against the bytes actually received before anything is allocated.
 */
export function decodeMessage(data: string | ArrayBuffer | Uint8Array): unknown {
  try {
    return decodeUnchecked(data);
  } catch (err) {
    if (err instanceof WireError) throw err;
    // JSON syntax errors, a reviver overflowing the stack on absurd nesting, a bad TextDecoder input
    const why = err instanceof Error ? err.message : String(err);
    throw new WireError(`malformed frame: ${why.slice(0, 200)}`);
  }
}

function decodeUnchecked(data: string | ArrayBuffer | Uint8Array): unknown {
  if (typeof data === 'string') return JSON.parse(data);
  if (!(data instanceof Uint8Array) && !(data instanceof ArrayBuffer)) throw new WireError('malformed frame: not text or bytes');
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < 4) throw new WireError('truncated frame');
  const headLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + headLen > bytes.byteLength) throw new WireError('truncated frame');
  const header = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(4, 4 + headLen));
  let offset = align8(4 + headLen);
  return JSON.parse(header, (_key, v: unknown) => {
    if (!v || typeof v !== 'object' || !('$bin' in v) || !('$type' in v)) return v;
    const { $bin: length, $type } = v as { $bin: unknown; $type: unknown };
    const Ctor = typeof $type === 'string' && Object.hasOwn(ctors, $type) ? ctors[$type as CtorName] : null;
    if (!Ctor || typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0 || length % Ctor.BYTES_PER_ELEMENT !== 0) {
      throw new WireError('corrupt frame');
    }
    if (offset + length > bytes.byteLength) throw new WireError('truncated frame');
    // copy into a fresh, aligned buffer owned by the receiver (Uint8Array's slice: a Buffer's
    // own slice() would share the whole, possibly pooled, underlying memory instead)
    const copy = Uint8Array.prototype.slice.call(bytes, offset, offset + length);
    offset = align8(offset + length);
    return new Ctor(copy.buffer, 0, length / Ctor.BYTES_PER_ELEMENT);
  });
}
