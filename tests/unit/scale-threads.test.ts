// fitScaling's passes run on a pool's threads for a large shared matrix (the plain numeric
// reader's block): the fit's sums by column ranges, the scaling by row ranges. Every column's sums
// keep row order and every cell gets the same expression, so the result must be the same to the
// last bit as on one thread, for every kind of scaling and with columns left unscaled.
import { afterAll, describe, expect, it } from 'vitest';
import { KernelPool } from '../../electron/engine/reduce/threads';
import { fitScaling, SCALE_KERNELS } from '../../electron/engine/data/scale';

const pool = KernelPool.create(SCALE_KERNELS, 3);
afterAll(() => pool.close());

function matrix(n: number, d: number, seed: number): Float32Array {
  let s = seed;
  const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const x = new Float32Array(new SharedArrayBuffer(n * d * 4));
  for (let i = 0; i < x.length; i++) x[i] = (rand() - 0.3) * 10 ** ((i % d) % 5 - 2) + (i % d);
  return x;
}

const bits = (x: Float32Array | Float64Array): string[] => (x instanceof Float32Array ? Array.from(new Uint32Array(x.slice().buffer), String) : Array.from(new BigUint64Array(x.slice().buffer), String));

describe('scaling on threads', () => {
  it('fits and scales to the same bits as on one thread', async () => {
    const n = 7001;
    const d = 53;
    const scaled = Uint8Array.from({ length: d }, (_, j) => (j % 7 === 3 ? 0 : 1));
    for (const requested of ['standardize', 'minmax', 'none', undefined] as const) {
      const one = matrix(n, d, 5);
      const many = matrix(n, d, 5);
      const a = await fitScaling(one, n, d, scaled, requested);
      const b = await fitScaling(many, n, d, scaled, requested, pool);
      expect([b.scaling, b.inUnit, b.note]).toEqual([a.scaling, a.inUnit, a.note]);
      expect(bits(b.center)).toEqual(bits(a.center));
      expect(bits(b.spread)).toEqual(bits(a.spread));
      await a.apply(one, n);
      await b.apply(many, n);
      expect(bits(many)).toEqual(bits(one));
      if (requested !== 'none') expect(bits(many)).not.toEqual(bits(matrix(n, d, 5)));
    }
  });
});
