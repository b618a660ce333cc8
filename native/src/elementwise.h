// Element-wise kernels for the tfjs ops models use most (float32): binary ops with the common
// broadcasts, and unary math. Broadcasting is described per operand as (inner, len): element i of
// the output reads operand[(i / inner) % len] — covers same shape, scalars, rows and columns.
#pragma once
#include <cstddef>

namespace lab {

enum class BinaryOp { Add = 0, Sub, Mul, Div, Max, Min, SquaredDiff };
enum class UnaryOp { Neg = 0, Abs, Square, Sqrt, Exp, Log, Log1p, Relu, Sigmoid, Softplus, Reciprocal, Tanh, Rsqrt };

void binary(BinaryOp op, size_t n, const float* a, size_t aInner, size_t aLen, const float* b, size_t bInner,
            size_t bLen, float* out);

void unary(UnaryOp op, size_t n, const float* x, float* out);

}  // namespace lab
