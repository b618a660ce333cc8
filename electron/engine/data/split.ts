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
  // the rows drawn for the test split, marked and then read off in the order of `kept` (ascending
  // when it is, as prepareTable's is: the same parts as sorting the drawn rows, in linear time)
  const isTest = new Uint8Array(kept.length);
  for (let i = 0; i < nTest; i++) isTest[order[i]] = 1;
  const test = new Int32Array(nTest);
  const train = new Int32Array(kept.length - nTest);
  for (let p = 0, a = 0, b = 0; p < kept.length; p++) {
    if (isTest[p]) test[b++] = kept[p];
    else train[a++] = kept[p];
  }
  const ascending = kept.every((r, p) => p === 0 || kept[p - 1] < r);
  return ascending ? { train, test } : { train: train.sort(), test: test.sort() };
}
