// PCA, choosing the algorithm by shape (m = min(n, d) is the size of the small symmetric matrix):
//   covariance  n ≥ d, d ≤ 4096: the d×d scatter matrix, exact in float64
//   gram        n < d, n ≤ 4096: the n×n Gram matrix of the centred rows, axes = Xcᵀu/‖Xcᵀu‖
//   randomized  both > 4096: subspace iteration through the data (never forms an m×m matrix)
// and the eigensolver by the number of axes wanted: the full decomposition when all (or most) are
// asked for or m is small, else block subspace iteration run to convergence (residuals ≤ 1e-5·λ₁),
// which gives the same axes as the full solver at a fraction of the cost.
import type { LatentMatrix } from '../../../shared/types';
import { eigenSymmetric, linalgEngine, matmul, scatterOf } from './linalg';
import { topEigenpairs, type SymmetricOperator } from './subspace';

export interface PcaModel {
  d: number;
  mean: Float32Array;
  /** Principal axes as rows (row i = component i), row-major: `rank` rows × d. */
  components: Float32Array;
  /** Variance along each computed component (sample variance, n − 1), largest first. */
  variances: Float64Array;
  /** Total variance of the data (all directions, exact). */
  totalVariance: number;
  explainedVarianceRatio: Float64Array;
  method: 'covariance' | 'gram' | 'randomized';
  /** 'full' eigendecomposition, or the top components by subspace iteration. */
  solver: 'full' | 'subspace';
  /** Where the linear algebra ran. */
  engine: 'native' | 'tfjs';
}

export interface PcaOptions {
  /** How many axes to compute (default: all, up to min(n − 1, d); 100 on the randomized path). */
  components?: number;
  /** Overrides the choice by shape (tests, benchmarks). */
  method?: PcaModel['method'];
}

/** Above this, the m×m matrix (m² float64) is not formed. */
const SMALL_MATRIX_MAX = 4096;
/** At or below this size the full eigendecomposition is cheap enough to always use. */
const FULL_SOLVER_MAX = 256;
const RANDOMIZED_DEFAULT_COMPONENTS = 100;

/** Flips each axis so its largest-magnitude loading is positive (a stable, documented sign). */
function fixSigns(components: Float32Array, rows: number, d: number): void {
  for (let r = 0; r < rows; r++) {
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(components[r * d + j]) > Math.abs(big)) big = components[r * d + j];
    if (big < 0) for (let j = 0; j < d; j++) components[r * d + j] = -components[r * d + j];
  }
}

/** Rows of x minus the mean (a copy). */
function centred(x: Float32Array, n: number, d: number, mean: Float64Array | Float32Array): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = x[i * d + j] - mean[j];
  return out;
}

function columnMeans(x: Float32Array, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  return mean.map((s) => s / n);
}

/** Top-k eigenpairs of a symmetric m×m matrix: full solver or subspace iteration by size. */
export function eigenTop(matrix: Float64Array, m: number, k: number): { values: Float64Array; vectors: Float64Array | Float32Array; solver: PcaModel['solver'] } {
  if (m <= FULL_SOLVER_MAX || k > m / 4) {
    const eig = eigenSymmetric(matrix, m);
    return { values: eig.values.subarray(0, k), vectors: eig.vectors.subarray(0, k * m), solver: 'full' };
  }
  const a = Float32Array.from(matrix);
  const apply: SymmetricOperator = (q, l) => matmul(l, m, m, q, false, a, false);
  const top = topEigenpairs(apply, m, k);
  return { values: top.values, vectors: top.vectors, solver: 'subspace' };
}

/** Q·Xcᵀ·Xc without forming Xc: (Q·Xᵀ − (Q·μ)1ᵀ)·X − (row sums)·μᵀ, over row blocks of X. */
function dataOperator(x: Float32Array, n: number, d: number, mean: Float64Array): SymmetricOperator {
  const mean32 = Float32Array.from(mean);
  const BLOCK = 16384;
  return (q, l) => {
    const qMean = matmul(l, 1, d, q, false, mean32, false);
    const out = new Float64Array(l * d);
    for (let r0 = 0; r0 < n; r0 += BLOCK) {
      const rows = Math.min(BLOCK, n - r0);
      const xb = x.subarray(r0 * d, (r0 + rows) * d);
      const y = matmul(l, rows, d, q, false, xb, true); // l×rows
      const rowSums = new Float64Array(l);
      for (let i = 0; i < l; i++) {
        for (let j = 0; j < rows; j++) {
          y[i * rows + j] -= qMean[i];
          rowSums[i] += y[i * rows + j];
        }
      }
      const z = matmul(l, d, rows, y, false, xb, false); // l×d
      for (let i = 0; i < l; i++) for (let j = 0; j < d; j++) out[i * d + j] += z[i * d + j] - rowSums[i] * mean[j];
    }
    return Float32Array.from(out);
  };
}

export function pcaFit(x: Float32Array, n: number, d: number, options: PcaOptions = {}): PcaModel {
  if (n < 2) throw new Error('PCA needs at least 2 rows');
  const m = Math.min(n, d);
  const maxRank = Math.min(n - 1, d);
  const method: PcaModel['method'] = options.method ?? (m > SMALL_MATRIX_MAX ? 'randomized' : n >= d ? 'covariance' : 'gram');
  const wanted = Math.max(1, Math.min(maxRank, options.components ?? (method === 'randomized' ? RANDOMIZED_DEFAULT_COMPONENTS : maxRank)));
  let mean: Float64Array;
  let totalScatter = 0;
  let values: Float64Array;
  let axes: Float32Array;
  let solver: PcaModel['solver'];
  let rank = wanted;

  if (method === 'covariance') {
    const s = scatterOf(x, n, d);
    mean = s.mean;
    for (let j = 0; j < d; j++) totalScatter += s.scatter[j * d + j];
    const eig = eigenTop(s.scatter, d, wanted);
    values = eig.values;
    axes = Float32Array.from(eig.vectors);
    solver = eig.solver;
  } else if (method === 'gram') {
    mean = columnMeans(x, n, d);
    const xc = centred(x, n, d, mean);
    const gram = Float64Array.from(matmul(n, n, d, xc, false, xc, true));
    for (let i = 0; i < n; i++) totalScatter += gram[i * n + i];
    // Axes with (numerically) zero variance carry no information and from the Gram matrix they
    // would not even be orthogonal: keep only the numerical rank.
    const eig = eigenTop(gram, n, wanted);
    const cutoff = Math.max(0, eig.values[0]) * n * 1e-7;
    while (rank > 1 && eig.values[rank - 1] <= cutoff) rank--;
    values = eig.values.subarray(0, rank);
    solver = eig.solver;
    // axis_i = Xcᵀ u_i / ‖Xcᵀ u_i‖
    axes = matmul(rank, d, n, Float32Array.from(eig.vectors.subarray(0, rank * n)), false, xc, false);
    for (let r = 0; r < rank; r++) {
      let norm = 0;
      for (let j = 0; j < d; j++) norm += axes[r * d + j] ** 2;
      norm = Math.max(Math.sqrt(norm), 1e-12);
      for (let j = 0; j < d; j++) axes[r * d + j] /= norm;
    }
  } else {
    mean = columnMeans(x, n, d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) totalScatter += (x[i * d + j] - mean[j]) ** 2;
    const top = topEigenpairs(dataOperator(x, n, d, mean), d, wanted, { tol: 1e-4, maxIterations: 60 });
    values = top.values;
    axes = top.vectors;
    solver = 'subspace';
  }

  return finishPca({ mean, totalScatter, values, axes, rank, n, d, method, solver });
}

/**
 * The model from a fit's parts: eigenvalues of the scatter matrix (largest first) and their axes
 * as rows. Shared with the streamed fit (stream/pca.ts), which gathers the same parts in passes.
 */
export function finishPca(p: {
  mean: Float64Array; totalScatter: number; values: Float64Array; axes: Float32Array; rank: number; n: number; d: number;
  method: PcaModel['method']; solver: PcaModel['solver'];
}): PcaModel {
  const { n, d, rank } = p;
  const variances = Float64Array.from(p.values.subarray(0, rank), (v) => Math.max(0, v) / (n - 1));
  const totalVariance = p.totalScatter / (n - 1);
  const components = p.axes.subarray(0, rank * d).slice();
  fixSigns(components, rank, d);
  const explainedVarianceRatio = variances.map((v) => (totalVariance > 0 ? v / totalVariance : 0));
  return {
    d, mean: Float32Array.from(p.mean), components, variances, totalVariance, explainedVarianceRatio, method: p.method, solver: p.solver, engine: linalgEngine(),
  };
}

/** Coordinates of rows of x on the first k axes: (x − mean)·Wₖᵀ. */
export function pcaTransform(model: PcaModel, x: Float32Array, n: number, k: number): LatentMatrix {
  const d = model.d;
  const xc = centred(x, n, d, model.mean);
  return matmul(n, k, d, xc, false, model.components.subarray(0, k * d), true) as LatentMatrix;
}

/** Reconstruction from the first k axes: mean + ((x − mean)·Wₖᵀ)·Wₖ. */
export function pcaReconstruct(model: PcaModel, x: Float32Array, n: number, k: number): Float32Array {
  const d = model.d;
  const w = model.components.subarray(0, k * d);
  const out = matmul(n, d, k, pcaTransform(model, x, n, k), false, w, false);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] += model.mean[j];
  return out;
}
