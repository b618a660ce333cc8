// Dense linear algebra for PCA: the covariance of a data matrix and a symmetric eigensolver.
#pragma once
#include <cstdint>

namespace lab {
namespace LAB_ISA {

/**
 * Column means of x (n×d, row-major) and the scatter matrix Σ (xᵢ−μ)(xᵢ−μ)ᵀ (d×d), both in float64.
 * Products run in float32 GEMM on centred row blocks and are summed in float64 every few thousand rows.
 */
void covariance(const float* x, int64_t n, int d, double* mean, double* scatter);

/**
 * Eigenpairs of the symmetric n×n matrix a (row-major, overwritten): Householder tridiagonalisation
 * then implicit QL (EISPACK tred2/tql2). values descending; vectors (n×n) hold eigenvector i in row i.
 * Returns false if QL did not converge.
 */
bool symmetricEigen(double* a, int n, double* values, double* vectors);

/**
 * Orthonormalises the rows of q (rows×cols, float32) in place by modified Gram–Schmidt in float64,
 * twice ("twice is enough"). Rows that are (numerically) dependent on earlier ones become zero.
 * Returns how many rows are non-zero.
 */
int orthonormalizeRows(float* q, int rows, int cols);

}  // namespace LAB_ISA
}  // namespace lab
