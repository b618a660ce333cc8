// PCA of a streamed dataset's training rows, in passes over the chunks, never holding the rows:
//   covariance  (d ≤ 4096 and the d×d matrix fits a quarter of the budget): one pass; each chunk's
//               mean and scatter matrix (float64) are merged into the running ones (Chan et al.'s
//               pairwise update), then the same eigensolver as in memory: the same result up to
//               rounding.
//   randomized  otherwise: block power iteration from a seeded Gaussian start, one pass per
//               iteration, each applying Xcᵀ·Xc to the l = k + 10 vectors through the chunks
//               (memory: l×d), then Rayleigh–Ritz on the l×l projection.
import type { DuckDBConnection } from '@duckdb/node-api';
import { memoryBudget } from '../data/budget';
import { mulberry32 } from '../core/random';
import { eigenSymmetric, matmul, orthonormalizeRows, scatterOf } from '../reduce/linalg';
import { eigenTop, finishPca, type PcaModel } from '../reduce/pca';
import { readBlocks, type Block } from './chunks';
import { streamConnect } from './duck';
import { collectBetweenChunks } from './gc';
import type { StreamedData } from './types';

export interface StreamPcaOptions {
  components?: number;
  method?: 'covariance' | 'randomized';
  /** Power iterations of the randomized method. */
  passes?: number;
  /** Called after each block: the fraction done and what is happening. */
  progress?: (fraction: number, message: string) => void;
  check?: () => void;
}

const COVARIANCE_MAX_D = 4096;
const OVERSAMPLE = 10;

/** Every training row of the stream, block by block. */
async function* trainBlocks(conn: DuckDBConnection, s: StreamedData, check?: () => void): AsyncGenerator<Block> {
  yield* readBlocks(conn, s.source.relation, s.plan, { split: 'train', blockRows: s.chunkRows, check, labels: false });
}

/** Merges a chunk's mean and scatter into the running ones (pairwise update, float64). */
function merge(acc: { n: number; mean: Float64Array; scatter: Float64Array }, nb: number, mb: Float64Array, sb: Float64Array, d: number): void {
  const na = acc.n;
  const n = na + nb;
  const delta = new Float64Array(d);
  for (let j = 0; j < d; j++) delta[j] = mb[j] - acc.mean[j];
  const w = (na * nb) / n;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) acc.scatter[i * d + j] += sb[i * d + j] + delta[i] * delta[j] * w;
  }
  for (let j = 0; j < d; j++) acc.mean[j] += (delta[j] * nb) / n;
  acc.n = n;
}

export function streamedPcaMethod(d: number): 'covariance' | 'randomized' {
  return d <= COVARIANCE_MAX_D && d * d * 8 * 2 <= memoryBudget().bytes / 4 ? 'covariance' : 'randomized';
}

export async function streamedPca(s: StreamedData, opts: StreamPcaOptions = {}): Promise<PcaModel> {
  const d = s.plan.d;
  const rows = s.counts.train;
  const method = opts.method ?? streamedPcaMethod(d);
  const conn = await streamConnect();
  try {
    // pass 1: the mean and (covariance) the scatter matrix, or (randomized) the total scatter
    const acc = { n: 0, mean: new Float64Array(d), scatter: new Float64Array(method === 'covariance' ? d * d : d) };
    for await (const b of trainBlocks(conn, s, opts.check)) {
      if (b.n === 0) continue;
      if (method === 'covariance') {
        const part = scatterOf(b.x, b.n, d);
        merge(acc, b.n, part.mean, part.scatter, d);
      } else {
        // per-feature sums of squares only: the trace of the scatter matrix
        const mb = new Float64Array(d);
        for (let i = 0; i < b.n; i++) for (let j = 0; j < d; j++) mb[j] += b.x[i * d + j];
        for (let j = 0; j < d; j++) mb[j] /= b.n;
        const sb = new Float64Array(d);
        for (let i = 0; i < b.n; i++) for (let j = 0; j < d; j++) sb[j] += (b.x[i * d + j] - mb[j]) ** 2;
        const na = acc.n;
        const n = na + b.n;
        for (let j = 0; j < d; j++) {
          const delta = mb[j] - acc.mean[j];
          acc.scatter[j] += sb[j] + (delta * delta * na * b.n) / n;
          acc.mean[j] += (delta * b.n) / n;
        }
        acc.n = n;
      }
      collectBetweenChunks();
      opts.progress?.(method === 'covariance' ? acc.n / rows : (0.2 * acc.n) / rows, `PCA: ${acc.n.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} training rows`);
    }
    const n = acc.n;
    if (n < 2) throw new Error('PCA needs at least 2 rows');
    const maxRank = Math.min(n - 1, d);
    if (method === 'covariance') {
      const wanted = Math.max(1, Math.min(maxRank, opts.components ?? maxRank));
      let totalScatter = 0;
      for (let j = 0; j < d; j++) totalScatter += acc.scatter[j * d + j];
      const eig = eigenTop(acc.scatter, d, wanted);
      return finishPca({ mean: acc.mean, totalScatter, values: eig.values, axes: Float32Array.from(eig.vectors), rank: wanted, n, d, method: 'covariance', solver: eig.solver });
    }
    const totalScatter = acc.scatter.reduce((a, b) => a + b, 0);
    const k = Math.max(1, Math.min(maxRank, opts.components ?? Math.min(maxRank, 100)));
    const l = Math.min(d, k + OVERSAMPLE);
    const rand = mulberry32(0x9ca);
    let q = new Float32Array(l * d);
    for (let i = 0; i < q.length; i++) q[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    orthonormalizeRows(q, l, d);
    const mean32 = Float32Array.from(acc.mean);
    const passes = opts.passes ?? 8;
    let z = new Float32Array(0);
    for (let pass = 0; pass < passes; pass++) {
      // z = Q·Xcᵀ·Xc, summed over the chunks: (X·Qᵀ − 1(μ·Qᵀ))ᵀ·X − (column sums)·μᵀ
      const qMean = matmul(1, l, d, mean32, false, q, true);
      const out = new Float64Array(l * d);
      let seen = 0;
      for await (const b of trainBlocks(conn, s, opts.check)) {
        const y = matmul(b.n, l, d, b.x, false, q, true); // n×l
        const ySum = new Float64Array(l);
        for (let i = 0; i < b.n; i++) for (let c = 0; c < l; c++) {
          y[i * l + c] -= qMean[c];
          ySum[c] += y[i * l + c];
        }
        const part = matmul(l, d, b.n, y, true, b.x, false); // l×d
        for (let c = 0; c < l; c++) for (let j = 0; j < d; j++) out[c * d + j] += part[c * d + j] - ySum[c] * acc.mean[j];
        seen += b.n;
        collectBetweenChunks();
        opts.progress?.(0.2 + (0.8 * (pass + seen / n)) / passes, `PCA (randomized): pass ${pass + 1} of ${passes}`);
      }
      z = Float32Array.from(out);
      if (pass < passes - 1) {
        q = z.slice();
        orthonormalizeRows(q, l, d);
      }
    }
    // Rayleigh–Ritz: B = Q·Xcᵀ·Xc·Qᵀ = z·Qᵀ (l×l, symmetric), B = U Λ Uᵀ, axes = Uᵀ·Q
    const bMat = matmul(l, l, d, z, false, q, true);
    const sym = new Float64Array(l * l);
    for (let i = 0; i < l; i++) for (let j = 0; j < l; j++) sym[i * l + j] = (bMat[i * l + j] + bMat[j * l + i]) / 2;
    const eig = eigenSymmetric(sym, l);
    const axes = matmul(k, d, l, Float32Array.from(eig.vectors.subarray(0, k * l)), false, q, false);
    return finishPca({ mean: acc.mean, totalScatter, values: eig.values.subarray(0, k), axes, rank: k, n, d, method: 'randomized', solver: 'subspace' });
  } finally {
    conn.closeSync();
  }
}
