// The addon's kernels flush denormals to zero (they cost ~100 cycles each; Adam's moments pass
// through that range for hundreds of steps), on the calling thread and on the pool's workers alike,
// and only for the kernel's duration: JavaScript on the same thread keeps IEEE denormals.
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../electron/engine/native/addon';
import { skipNative } from './helpers/native';

const MUL = 2; // BinaryOp::Mul

describe.skipIf(skipNative)('denormals in native kernels', () => {
  const addon = nativeAddon().addon!;

  it('flushes denormal results and inputs to zero, and leaves JavaScript IEEE after the call', () => {
    const a = Float32Array.of(2e-38, 5e-39, 1);
    const out = new Float32Array(3);
    addon.binary(MUL, a, 1, 3, Float32Array.of(0.25, 4, 1), 1, 3, out);
    // 2e-38·0.25 is denormal → 0 (FTZ); 5e-39 is a denormal input → read as 0 (DAZ), so ·4 gives 0
    expect(Array.from(out)).toEqual([0, 0, 1]);
    // the thread's mode is restored: JavaScript (and Math.fround) still produce denormals
    expect(Math.fround(2e-38 * 0.25)).toBeGreaterThan(0);
    expect(new Float32Array([5e-39])[0] * 4).toBeGreaterThan(1e-38);
  });

  it('runs pool jobs under the same mode (a product large enough for the pool, serial and parallel)', () => {
    const n = 1 << 21;
    const a = new Float32Array(n).fill(2e-38);
    const out = new Float32Array(n);
    // the serial/parallel choice alternates while it learns, so four calls take both ways
    for (let r = 0; r < 4; r++) {
      out.fill(1);
      addon.binary(MUL, a, 1, n, Float32Array.of(0.25), 1, 1, out);
      expect(out.some((v) => v !== 0), `call ${r + 1}`).toBe(false);
    }
  });
});
