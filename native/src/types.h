// Types the kernels and the N-API layer share. They hold no code, so they are the same in every
// instruction-set build of the kernels (see dispatch.h).
#pragma once
#include <cstddef>
#include <cstdint>

#if defined(_MSC_VER) && !defined(__clang__)
#error "lab_native needs GCC or Clang (GCC vector extensions); with MSVC the engine uses its wasm backend"
#endif

namespace lab {

struct MatView {
  const float* data;
  int ld;      // row stride of the stored matrix
  bool trans;  // use the stored matrix transposed
};

struct ConvShape {
  int batch, inH, inW, inC;
  int outH, outW, outC;
  int kH, kW, strideH, strideW, padTop, padLeft;
};

enum class Activation { Linear = 0, Relu = 1 };

enum class BinaryOp { Add = 0, Sub, Mul, Div, Max, Min, SquaredDiff };
enum class UnaryOp { Neg = 0, Abs, Square, Sqrt, Exp, Log, Log1p, Relu, Sigmoid, Softplus, Reciprocal, Tanh, Rsqrt, Step, LeakyRelu };

}  // namespace lab
