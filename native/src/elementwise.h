// Element-wise kernels for the tfjs ops models use most (float32): binary ops with the common
// broadcasts, and unary math. Broadcasting is described per operand as (inner, len): element i of
// the output reads operand[(i / inner) % len] — covers same shape, scalars, rows and columns.
#pragma once
#include <cstddef>

#include "types.h"

namespace lab {
namespace LAB_ISA {

void binary(BinaryOp op, size_t n, const float* a, size_t aInner, size_t aLen, const float* b, size_t bInner,
            size_t bLen, float* out);

/** alpha: Step's value for x ≤ 0, LeakyRelu's slope; ignored by the other ops. */
void unary(UnaryOp op, size_t n, const float* x, float* out, float alpha = 0.f);

/** out[r] = Σ_j x[r·inner + j] for r < rows (float64 accumulation). */
void sumInner(const float* x, size_t rows, size_t inner, float* out);

/** out[j] = Σ_r x[r·cols + j] for j < cols (float64 accumulation). */
void sumOuter(const float* x, size_t rows, size_t cols, float* out);

}  // namespace LAB_ISA
}  // namespace lab
