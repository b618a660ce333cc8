// Train/test split: the file's own (MNIST, a `split` column) or a seeded random one.
import { mulberry32, shuffledIndices } from '../core/random';

export const DEFAULT_TEST_FRACTION = 0.2;

/** Splits the kept source rows; both parts come back in ascending row order. */
export function splitRows(
  kept: Int32Array,
  opts: { fileSplit: Uint8Array | null; seed: number; testFraction: number },
): { train: Int32Array; test: Int32Array } {
  if (opts.fileSplit) {
    const split = opts.fileSplit;
    return { train: kept.filter((r) => split[r] === 0), test: kept.filter((r) => split[r] === 1) };
  }
  const order = shuffledIndices(kept.length, mulberry32(opts.seed));
  const nTest = Math.min(kept.length - 1, Math.max(1, Math.round(kept.length * opts.testFraction)));
  const test = new Int32Array(nTest);
  const train = new Int32Array(kept.length - nTest);
  for (let i = 0; i < nTest; i++) test[i] = kept[order[i]];
  for (let i = nTest; i < kept.length; i++) train[i - nTest] = kept[order[i]];
  return { train: train.sort(), test: test.sort() };
}
