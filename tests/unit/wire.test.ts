import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, WireError } from '../../shared/wire';
import { binaryFrame, malformedMessages } from '../fixtures/bad/wire/messages';

/** Bytes held by the typed arrays in a decoded value. */
function typedBytes(v: unknown, seen = new Set<unknown>()): number {
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (!v || typeof v !== 'object' || seen.has(v)) return 0;
  seen.add(v);
  return Object.values(v).reduce((n: number, x) => n + typedBytes(x, seen), 0);
}

/** decodeMessage either returns, holding no more bytes than it was given, or throws a WireError. */
function decodesCleanly(input: string | Uint8Array): void {
  let value: unknown;
  try {
    value = decodeMessage(input);
  } catch (err) {
    expect(err).toBeInstanceOf(WireError);
    expect((err as Error).message).toMatch(/frame/);
    return;
  }
  expect(typedBytes(value)).toBeLessThanOrEqual(typeof input === 'string' ? 0 : input.byteLength);
}

describe('WebSocket wire format', () => {
  it('keeps plain messages as JSON text', () => {
    const msg = { kind: 'call', id: 1, method: 'info', args: [] };
    const frame = encodeMessage(msg);
    expect(typeof frame).toBe('string');
    expect(decodeMessage(frame)).toEqual(msg);
  });

  it('round-trips typed arrays in binary, aligned and in order', () => {
    const msg = {
      a: Float32Array.from([1.5, -2, 3]),
      nested: { b: Int32Array.from([7, 8]), list: [Uint8Array.from([1, 2, 3, 4, 5])] },
      c: Float64Array.from([Math.PI]),
      text: 'ok',
    };
    const frame = encodeMessage(msg);
    expect(frame).toBeInstanceOf(Uint8Array);
    const back = decodeMessage(frame) as typeof msg;
    expect(back.a).toBeInstanceOf(Float32Array);
    expect(Array.from(back.a)).toEqual([1.5, -2, 3]);
    expect(Array.from(back.nested.b)).toEqual([7, 8]);
    expect(Array.from(back.nested.list[0])).toEqual([1, 2, 3, 4, 5]);
    expect(back.c[0]).toBe(Math.PI);
    expect(back.text).toBe('ok');
  });

  it('rejects truncated and corrupt frames', () => {
    const frame = encodeMessage({ a: Float32Array.from([1, 2, 3]) }) as Uint8Array;
    expect(() => decodeMessage(frame.subarray(0, frame.length - 9))).toThrow(/truncated/);
    expect(() => decodeMessage(new Uint8Array([255, 255, 255, 127, 0, 0]))).toThrow(/truncated/);
  });

  const refusedCleanly = (group: string) => {
    for (const m of malformedMessages[group]) {
      let thrown: unknown = null;
      try {
        decodeMessage(m.data);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, m.name).toBeInstanceOf(WireError);
    }
  };

  it('refuses a header nested 100,000 deep with a WireError (not a stack overflow)', () => refusedCleanly('nesting'));

  it('refuses a header that is not UTF-8 with a WireError', () => refusedCleanly('encoding'));

  it('refuses sizes a header names but the frame does not hold, before allocating them', () => {
    refusedCleanly('sizes');
    for (const m of malformedMessages.sizes) expect(() => decodeMessage(m.data)).toThrow(/truncated|corrupt/);
  });

  it('refuses impossible typed-array entries and broken JSON with a WireError', () => {
    refusedCleanly('types');
    refusedCleanly('json');
  });

  it('fuzz: random bytes never throw anything but a WireError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => decodesCleanly(bytes)), { numRuns: 2000 });
  });

  it('fuzz: random text frames never throw anything but a WireError', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => decodesCleanly(text)), { numRuns: 2000 });
  });

  it('fuzz: headers naming random typed arrays, sizes and header lengths decode or fail cleanly', () => {
    const entry = fc.record({
      $bin: fc.oneof(fc.nat(4096), fc.integer(), fc.double(), fc.constant(2 ** 53), fc.string()),
      $type: fc.oneof(fc.constantFrom('Float32Array', 'Float64Array', 'Int32Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'DataView', 'Array', 'toString', '__proto__'), fc.string()),
    });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(entry, fc.jsonValue()), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 4096 }),
        fc.option(fc.nat(), { nil: undefined }),
        (items, tail, headLen) => decodesCleanly(binaryFrame(JSON.stringify({ kind: 'call', id: 1, method: 'uploadFile', args: items }), tail, headLen)),
      ),
      { numRuns: 2000 },
    );
  });

  it('fuzz: anything encoded decodes back to the same value', () => {
    const typed = fc.oneof(
      fc.float32Array({ maxLength: 20 }),
      fc.float64Array({ maxLength: 20 }),
      fc.int32Array({ maxLength: 20 }),
      fc.uint8Array({ maxLength: 20 }),
      fc.int16Array({ maxLength: 20 }),
    );
    const key = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
    const leaf = fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null), typed);
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(fc.property(value, (v) => void expect(decodeMessage(encodeMessage(v))).toEqual(v)), { numRuns: 300 });
  });
});

describe('wire with Node buffers', () => {
  it('decodes a frame held in a Buffer slice (a file read) and encodes a Buffer as bytes', () => {
    const frame = encodeMessage({ a: Int32Array.from([1, 4, 9]), b: Buffer.from([7, 8]) }) as Uint8Array;
    // a frame inside a larger buffer, as a file read with a header in front gives it
    const file = Buffer.concat([Buffer.from('HEADER'), Buffer.from(frame)]);
    const back = decodeMessage(file.subarray(6)) as { a: Int32Array; b: Uint8Array };
    expect(Array.from(back.a)).toEqual([1, 4, 9]);
    expect(back.b).toBeInstanceOf(Uint8Array);
    expect(Array.from(back.b)).toEqual([7, 8]);
  });
});
