// A model's objective over every test row of a streamed dataset, read in chunks: each chunk's
// per-row means weighted by its rows, so the result is the mean over the whole test split, as
// evaluateModel gives for a split in memory.
import type { LossValues } from '../../../shared/types';
import { asData } from '../data/dataset';
import { evaluateModel } from '../models/evaluate';
import type { Model } from '../models/model';
import { splitRows } from '../models/rows';
import { readBlocks } from './chunks';
import { streamConnect } from './duck';
import { collectBetweenChunks } from './gc';
import type { StreamedData } from './types';

export async function evaluateStreamed(model: Model, s: StreamedData, seed: number, check?: () => void): Promise<LossValues> {
  const conn = await streamConnect();
  const keys = ['loss', 'recon', 'kl', 'mmd', 'negElbo'] as const;
  const sums = { loss: 0, recon: 0, kl: 0, mmd: 0, negElbo: 0 };
  let n = 0;
  /** Which terms the model has (null ones stay null). */
  let terms: LossValues | null = null;
  try {
    for await (const b of readBlocks(conn, s.source.relation, s.plan, { split: 'test', blockRows: s.chunkRows, check, labels: model.spec.classes > 0 })) {
      if (b.n === 0) continue;
      // the seed moves with the rows already scored, so no two chunks draw the same noise
      const v = await evaluateModel(model, splitRows({ x: asData(b.x), n: b.n, labels: b.labels, rowIds: b.rowIds }, model.spec.inputDim, model.spec.classes), seed + n);
      terms ??= v;
      for (const k of keys) sums[k] += (v[k] ?? 0) * b.n;
      n += b.n;
      collectBetweenChunks();
    }
  } finally {
    conn.closeSync();
  }
  const mean = (k: (typeof keys)[number]) => (terms && terms[k] !== null ? sums[k] / Math.max(1, n) : null);
  return { loss: mean('loss') ?? NaN, recon: mean('recon') ?? NaN, kl: mean('kl'), mmd: mean('mmd'), negElbo: mean('negElbo') };
}
