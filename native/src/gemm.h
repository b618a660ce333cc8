// Single-precision matrix product on row-major data, any transposition, multi-threaded.
#pragma once
#include "types.h"

namespace lab {
namespace LAB_ISA {

/**
 * C (M×N, row stride ldc) = op(A)·op(B) [+ C when accumulate], op(A) M×K, op(B) K×N.
 * threads: 0 = decide by measurement (one thread or the whole pool, per shape), 1 = the calling
 * thread only, n > 1 = the pool.
 */
void sgemm(int M, int N, int K, MatView A, MatView B, float* C, int ldc, bool accumulate, int threads = 0);

}  // namespace LAB_ISA
}  // namespace lab
