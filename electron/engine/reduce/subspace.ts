// The k largest eigenpairs of a symmetric positive semi-definite operator by block subspace
// iteration with Rayleigh–Ritz (Rutishauser; Halko et al. §4.5 for the randomized start). The
// operator is a function, so it can be an explicit matrix (covariance, Gram) or applied through
// the data itself when the matrix would be too big to form.
import { mulberry32 } from '../core/random';
import { eigenSymmetric, matmul, orthonormalizeRows } from './linalg';

/** Rows of Q in, rows of (A·Qᵀ)ᵀ = Q·A out: l×m → l×m (A is m×m and symmetric). */
export type SymmetricOperator = (qRows: Float32Array, l: number) => Float32Array;

export interface TopEigen {
  /** Eigenvalues, largest first (k). */
  values: Float64Array;
  /** Eigenvectors as rows, k×m. */
  vectors: Float32Array;
  iterations: number;
  /** Largest residual ‖A v − λ v‖ of the k pairs, relative to λ₁. */
  residual: number;
}

export interface SubspaceOptions {
  /** Stop when every residual ‖A v − λ v‖ ≤ tol·λ₁. */
  tol?: number;
  maxIterations?: number;
  /** Extra vectors carried beyond k (speeds convergence by the gap λ_k/λ_{l+1}). */
  oversample?: number;
  seed?: number;
  /** Rayleigh–Ritz (and the convergence test) every this many iterations. */
  checkEvery?: number;
}

function gaussianRows(l: number, m: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const q = new Float32Array(l * m);
  for (let i = 0; i < q.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const t = 2 * Math.PI * rand();
    q[i] = r * Math.cos(t);
    if (i + 1 < q.length) q[i + 1] = r * Math.sin(t);
  }
  return q;
}

export function topEigenpairs(apply: SymmetricOperator, m: number, k: number, opts: SubspaceOptions = {}): TopEigen {
  const tol = opts.tol ?? 1e-5;
  const maxIterations = opts.maxIterations ?? 500;
  const checkEvery = opts.checkEvery ?? 2;
  const l = Math.min(m, k + (opts.oversample ?? Math.max(10, Math.ceil(k / 2))));
  let q = gaussianRows(l, m, opts.seed ?? 0x9ca);
  orthonormalizeRows(q, l, m);
  let values: Float64Array = new Float64Array(l);
  let residual = Infinity;
  let iterations = 0;
  while (iterations < maxIterations) {
    let z = apply(q, l);
    iterations++;
    if (iterations % checkEvery === 0 || iterations === maxIterations) {
      // Rayleigh–Ritz: T = Q A Qᵀ (l×l), T = V Λ Vᵀ; rotated Q' = Vᵀ Q and Z' = Vᵀ Z = Q' A.
      const t = matmul(l, l, m, z, false, q, true);
      const sym = new Float64Array(l * l);
      for (let i = 0; i < l; i++) for (let j = 0; j < l; j++) sym[i * l + j] = 0.5 * (t[i * l + j] + t[j * l + i]);
      const eig = eigenSymmetric(sym, l);
      const vt = Float32Array.from(eig.vectors);
      q = matmul(l, m, l, vt, false, q, false);
      z = matmul(l, m, l, vt, false, z, false);
      values = eig.values;
      residual = 0;
      const scale = Math.max(Math.abs(values[0]), 1e-30);
      for (let i = 0; i < k; i++) {
        let r = 0;
        for (let j = 0; j < m; j++) {
          const e = z[i * m + j] - values[i] * q[i * m + j];
          r += e * e;
        }
        residual = Math.max(residual, Math.sqrt(r) / scale);
      }
      if (residual <= tol) break;
    }
    orthonormalizeRows(z, l, m);
    q = z;
  }
  return { values: values.slice(0, k), vectors: q.slice(0, k * m), iterations, residual };
}
