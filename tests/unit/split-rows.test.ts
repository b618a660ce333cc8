// The seeded random split marks the drawn test rows and reads both parts off in one pass (linear
// time) instead of sorting them: the parts must be exactly those of drawing and sorting, for any
// seed, fraction and set of kept rows (ascending as prepareTable gives them, or not).
import { describe, expect, it } from 'vitest';
import { mulberry32, shuffledIndices } from '../../electron/engine/core/random';
import { splitRows } from '../../electron/engine/data/split';

/** The split as drawn and sorted (the definition). */
function reference(kept: Int32Array, seed: number, testFraction: number) {
  const order = shuffledIndices(kept.length, mulberry32(seed));
  const nTest = Math.min(kept.length - 1, Math.max(1, Math.round(kept.length * testFraction)));
  const test = Int32Array.from({ length: nTest }, (_, i) => kept[order[i]]).sort();
  const train = Int32Array.from({ length: kept.length - nTest }, (_, i) => kept[order[nTest + i]]).sort();
  return { train: Array.from(train), test: Array.from(test) };
}

describe('random train/test split', () => {
  it('gives the parts of drawing and sorting, for kept rows in order or not', () => {
    const rand = mulberry32(99);
    for (let t = 0; t < 60; t++) {
      const n = 2 + Math.floor(rand() * 3000);
      let kept = Int32Array.from({ length: n * 2 }, (_, i) => i).filter(() => rand() < 0.6);
      if (kept.length < 2) continue;
      if (t % 3 === 0) kept = shuffledIndices(kept.length, mulberry32(t)).map((i) => kept[i]);
      const seed = Math.floor(rand() * 1000);
      const fraction = [0.2, 0.35, 0.01, 0.9][t % 4];
      const got = splitRows(kept, { fileSplit: null, seed, testFraction: fraction });
      expect({ train: Array.from(got.train), test: Array.from(got.test) }).toEqual(reference(kept, seed, fraction));
    }
  });
});
