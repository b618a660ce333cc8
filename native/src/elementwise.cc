// Element-wise and sum kernels (see elementwise.h). Compiled once per instruction set through isa_*.cc.
#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "pool.h"
#include "vmath.h"

namespace lab {
namespace LAB_ISA {
namespace {

constexpr size_t kParallelMin = size_t(1) << 16;  // below this one thread is faster

template <typename F>
void chunked(uint64_t site, size_t n, F&& body) {
  const int threads = poolThreads();
  if (threads == 1 || n < kParallelMin) {
    body(size_t(0), n);
    return;
  }
  const int chunks = threads * 2;
  parallelForMeasured(site * 0x9e3779b97f4a7c15ull + n, chunks, [&](int c) {
    size_t a = (n * c / chunks) & ~size_t(VW - 1);
    size_t b = c + 1 == chunks ? n : (n * (c + 1) / chunks) & ~size_t(VW - 1);
    body(a, b);
  });
}

template <typename T>
inline T apply(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    case BinaryOp::Max: return a != a ? a : (a > b ? a : b);  // NaN propagates, as in Math.max
    case BinaryOp::Min: return a != a ? a : (a < b ? a : b);
    case BinaryOp::SquaredDiff: return (a - b) * (a - b);
  }
  return a;
}

// Vector/scalar ops where one operand is a single value (splat).
template <BinaryOp OP>
void binaryFast(size_t a0, size_t a1, const float* a, bool aScalar, const float* b, bool bScalar, float* out) {
  const vf as = splat(a[0]), bs = splat(b[0]);
  size_t i = a0;
  for (; i + VW <= a1; i += VW) {
    vf x = aScalar ? as : loadu(a + i);
    vf y = bScalar ? bs : loadu(b + i);
    vf r;
    if constexpr (OP == BinaryOp::Max) r = x != x ? x : (x > y ? x : y);  // NaN propagates
    else if constexpr (OP == BinaryOp::Min) r = x != x ? x : (x < y ? x : y);
    else r = apply(OP, x, y);
    storeu(out + i, r);
  }
  for (; i < a1; i++) out[i] = apply(OP, aScalar ? a[0] : a[i], bScalar ? b[0] : b[i]);
}

template <BinaryOp OP>
void binaryOp(size_t n, const float* a, size_t aInner, size_t aLen, const float* b, size_t bInner, size_t bLen,
              float* out) {
  const bool aFull = aLen == n, bFull = bLen == n;
  const bool aScalar = aLen == 1, bScalar = bLen == 1;
  if ((aFull || aScalar) && (bFull || bScalar)) {
    chunked(100 + static_cast<int>(OP), n, [&](size_t s, size_t e) { binaryFast<OP>(s, e, a, aScalar, b, bScalar, out); });
    return;
  }
  // Row-wise: one operand full, the other repeats every `len` (a row) or holds one value per row.
  const bool bRow = aFull && bInner == 1 && n % bLen == 0;
  const bool aRow = bFull && aInner == 1 && n % aLen == 0;
  // one value per row of `inner` (checked product: a wrapped one would let rows run past the operand)
  size_t bSpan, aSpan;
  const bool bCol = aFull && !__builtin_mul_overflow(bLen, bInner, &bSpan) && bSpan == n;
  const bool aCol = bFull && !__builtin_mul_overflow(aLen, aInner, &aSpan) && aSpan == n;
  if (bRow || aRow) {
    const size_t w = bRow ? bLen : aLen;
    for (size_t r = 0; r < n / w; r++)
      binaryFast<OP>(0, w, bRow ? a + r * w : a, false, bRow ? b : b + r * w, false, out + r * w);
    return;
  }
  if (bCol || aCol) {
    const size_t w = bCol ? bInner : aInner;
    for (size_t r = 0; r < n / w; r++) {
      if (bCol) binaryFast<OP>(0, w, a + r * w, false, b + r, true, out + r * w);
      else binaryFast<OP>(0, w, a + r, true, b + r * w, false, out + r * w);
    }
    return;
  }
#pragma GCC ivdep
  for (size_t i = 0; i < n; i++) out[i] = apply(OP, a[(i / aInner) % aLen], b[(i / bInner) % bLen]);
}

template <UnaryOp OP>
inline vf unaryVec(vf x, float alpha) {
  switch (OP) {
    case UnaryOp::Step: return x != x ? x : (x > 0.f ? splat(1.f) : splat(alpha));  // NaN stays NaN
    case UnaryOp::LeakyRelu: return x < 0.f ? x * alpha : x;
    case UnaryOp::Neg: return -x;
    case UnaryOp::Abs: return vabs(x);
    case UnaryOp::Square: return x * x;
    case UnaryOp::Sqrt:
    case UnaryOp::Rsqrt:
      return x;  // plain loops in unaryOp (the compiler vectorises sqrt there)
    case UnaryOp::Exp: return vexp(x);
    case UnaryOp::Log: return vlog(x);
    case UnaryOp::Log1p: {
      // log1p(x) = log(1+x)·x/((1+x)−1) keeps accuracy for small x (Goldberg's trick)
      vf u = 1.f + x;
      vf d = u - 1.f;
      vf l = vlog(u);
      vf r = d == 0.f ? x : l * (x / d);
      return u == __builtin_inff() ? u : r;
    }
    case UnaryOp::Relu: return x < 0.f ? vf{} : x;  // NaN stays NaN
    case UnaryOp::Sigmoid: {
      vf e = vexp(-vabs(x));
      vf inv = 1.f / (1.f + e);
      return x >= 0 ? inv : e * inv;
    }
    case UnaryOp::Softplus: return vmax(x, vf{}) + vlog1pUnit(vexp(-vabs(x)));
    case UnaryOp::Reciprocal: return 1.f / x;
    case UnaryOp::Tanh: {
      // |x| ≥ 0.625: sign(x)·(1 − e)/(1 + e), e = exp(−2|x|); below, Cephes' odd polynomial
      // (the quotient would cancel).
      vf e = vexp(-2.f * vabs(x));
      vf t = (1.f - e) / (1.f + e);
      t = x < 0 ? -t : t;
      vf z = x * x;
      vf p = splat(-5.70498872745e-3f);
      p = p * z + 2.06390887954e-2f;
      p = p * z - 5.37397155531e-2f;
      p = p * z + 1.33314422036e-1f;
      p = p * z - 3.33332819422e-1f;
      vf small = p * z * x + x;
      return vabs(x) < 0.625f ? small : t;
    }
  }
  return x;
}

template <UnaryOp OP>
void unaryOp(size_t n, const float* x, float* out, float alpha) {
  chunked(200 + static_cast<int>(OP), n, [&](size_t s, size_t e) {
    if constexpr (OP == UnaryOp::Sqrt) {
#pragma GCC ivdep
      for (size_t i = s; i < e; i++) out[i] = std::sqrt(x[i]);
      return;
    } else if constexpr (OP == UnaryOp::Rsqrt) {
#pragma GCC ivdep
      for (size_t i = s; i < e; i++) out[i] = 1.f / std::sqrt(x[i]);
      return;
    }
    size_t i = s;
    for (; i + VW <= e; i += VW) storeu(out + i, unaryVec<OP>(loadu(x + i), alpha));
    if (i < e) {
      alignas(64) float tail[VW] = {};
      std::copy(x + i, x + e, tail);
      vf r = unaryVec<OP>(loadu(tail), alpha);
      for (size_t k = i; k < e; k++) out[k] = r[k - i];
    }
  });
}

}  // namespace

void binary(BinaryOp op, size_t n, const float* a, size_t aInner, size_t aLen, const float* b, size_t bInner,
            size_t bLen, float* out) {
  switch (op) {
#define LAB_CASE(name) \
  case BinaryOp::name: return binaryOp<BinaryOp::name>(n, a, aInner, aLen, b, bInner, bLen, out);
    LAB_CASE(Add) LAB_CASE(Sub) LAB_CASE(Mul) LAB_CASE(Div) LAB_CASE(Max) LAB_CASE(Min) LAB_CASE(SquaredDiff)
#undef LAB_CASE
  }
}

void unary(UnaryOp op, size_t n, const float* x, float* out, float alpha) {
  switch (op) {
#define LAB_CASE(name) \
  case UnaryOp::name: return unaryOp<UnaryOp::name>(n, x, out, alpha);
    LAB_CASE(Neg) LAB_CASE(Abs) LAB_CASE(Square) LAB_CASE(Sqrt) LAB_CASE(Exp) LAB_CASE(Log) LAB_CASE(Log1p)
    LAB_CASE(Relu) LAB_CASE(Sigmoid) LAB_CASE(Softplus) LAB_CASE(Reciprocal) LAB_CASE(Tanh) LAB_CASE(Rsqrt)
    LAB_CASE(Step) LAB_CASE(LeakyRelu)
#undef LAB_CASE
  }
}

void sumInner(const float* x, size_t rows, size_t inner, float* out) {
  const int threads = poolThreads();
  const int chunks = rows >= 2 && rows * inner >= kParallelMin ? std::min<int>(2 * threads, static_cast<int>(rows)) : 1;
  parallelForMeasured(0x50000ull + rows * 131 + inner, chunks, [&](int c) {
    for (size_t r = rows * c / chunks; r < rows * (c + 1) / chunks; r++) {
      const float* row = x + r * inner;
      double acc = 0;
#pragma omp simd reduction(+ : acc)
      for (size_t j = 0; j < inner; j++) acc += row[j];
      out[r] = static_cast<float>(acc);
    }
  });
}

void sumOuter(const float* x, size_t rows, size_t cols, float* out) {
  std::vector<double> acc(cols, 0.0);
  for (size_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    double* a = acc.data();
#pragma omp simd
    for (size_t j = 0; j < cols; j++) a[j] += row[j];
  }
  for (size_t j = 0; j < cols; j++) out[j] = static_cast<float>(acc[j]);
}

}  // namespace LAB_ISA
}  // namespace lab
