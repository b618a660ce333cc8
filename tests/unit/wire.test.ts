import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../shared/wire';

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
});
