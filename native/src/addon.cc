// N-API bindings. Every function works in place on caller-owned typed arrays (zero copy) and
// checks each array's length against the shapes it is given before touching memory; every product
// of dimensions is computed with an overflow check, so a wrong shape from JavaScript throws a JS
// error instead of wrapping around to a small size. The kernels come from the instruction-set
// build dispatch.cc chose when the addon loaded.
// NAPI_MODULE_INIT makes the addon context-aware: it loads in any number of worker threads.
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "dispatch.h"
#include "pool.h"
#include "types.h"

// Raised when the JavaScript side of this addon expects a different interface (engine/native/addon.ts).
#define LAB_NATIVE_VERSION 5

namespace {

using namespace lab;

const Kernels& isa() { return *kernelChoice().kernels; }  // set whenever a function can be called

struct Call {
  napi_env env;
  const char* fn;  // the function's name, first word of every error
  size_t argc = 16;
  napi_value argv[16];
  bool failed = false;

  Call(napi_env e, napi_callback_info info, const char* name) : env(e), fn(name) {
    napi_get_cb_info(e, info, &argc, argv, nullptr, nullptr);
  }

  void fail(const std::string& msg) {
    if (!failed) napi_throw_type_error(env, nullptr, (std::string(fn) + ": " + msg).c_str());
    failed = true;
  }

  void failRange(const std::string& msg) {
    if (!failed) napi_throw_range_error(env, nullptr, (std::string(fn) + ": " + msg).c_str());
    failed = true;
  }

  // a·b, or 0 with a RangeError naming `what` when the product does not fit in size_t.
  size_t mul(size_t a, size_t b, const char* what) {
    size_t r;
    if (__builtin_mul_overflow(a, b, &r)) {
      failRange(std::string(what) + " is too large: the product of its dimensions overflows");
      return 0;
    }
    return r;
  }

  size_t mul(size_t a, size_t b, size_t c, size_t d, const char* what) { return mul(mul(a, b, what), mul(c, d, what), what); }

  size_t add(size_t a, size_t b, const char* what) {
    size_t r;
    if (__builtin_add_overflow(a, b, &r)) {
      failRange(std::string(what) + " is too large: its size overflows");
      return 0;
    }
    return r;
  }

  bool isNull(size_t i) {
    if (i >= argc) return true;
    napi_valuetype t;
    napi_typeof(env, argv[i], &t);
    return t == napi_null || t == napi_undefined;
  }

  double num(size_t i, const char* name) {
    double v = 0;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok) fail(std::string(name) + " must be a number");
    return v;
  }

  int dim(size_t i, const char* name) {
    double v = num(i, name);
    if (!failed && (v < 0 || v > 2147483647.0 || v != static_cast<double>(static_cast<int64_t>(v))))
      fail(std::string(name) + " must be a whole number ≥ 0");
    return static_cast<int>(v);
  }

  bool flag(size_t i) {
    bool b = false;
    if (i < argc) napi_get_value_bool(env, argv[i], &b);
    return b;
  }

  // A typed array of the given type holding at least `need` elements; nullptr if allowed and null.
  template <typename T>
  T* array(size_t i, napi_typedarray_type want, size_t need, const char* name, bool nullable = false) {
    if (failed) return nullptr;
    if (nullable && isNull(i)) return nullptr;
    bool is = false;
    if (i < argc) napi_is_typedarray(env, argv[i], &is);
    if (!is) {
      fail(std::string(name) + " must be a typed array");
      return nullptr;
    }
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    napi_get_typedarray_info(env, argv[i], &type, &length, &data, nullptr, nullptr);
    if (type != want) {
      const char* kind = want == napi_float32_array ? "Float32Array" : want == napi_float64_array ? "Float64Array" : "Int32Array";
      fail(std::string(name) + " must be a " + kind);
      return nullptr;
    }
    if (length < need || (need > 0 && !data)) {
      fail(std::string(name) + " is too short for the given shape");
      return nullptr;
    }
    return static_cast<T*>(data);
  }

  float* f32(size_t i, size_t need, const char* name, bool nullable = false) {
    return array<float>(i, napi_float32_array, need, name, nullable);
  }

  double* f64(size_t i, size_t need, const char* name) { return array<double>(i, napi_float64_array, need, name); }
};

// Elements a row-major stored matrix needs when viewed as rows×cols (op applied) with stride ld.
size_t span(Call& c, int rows, int cols, int ld, bool trans, const char* what) {
  int storedRows = trans ? cols : rows;
  int storedCols = trans ? rows : cols;
  if (storedRows == 0 || storedCols == 0) return 0;
  return c.add(c.mul(static_cast<size_t>(storedRows - 1), static_cast<size_t>(ld), what), static_cast<size_t>(storedCols), what);
}

// Runs a kernel with denormals flushed to zero (pool.h), turning a C++ exception (out of memory
// for scratch space, in any pool thread) into a JavaScript error: nothing may unwind through N-API.
template <typename F>
bool guarded(Call& c, F&& kernel) {
  try {
    FlushDenormals flush;  // for the kernel's duration only: JavaScript keeps IEEE denormals
    kernel();
    return true;
  } catch (const std::bad_alloc&) {
    c.failRange("out of memory for the kernel's scratch space (the shapes are too large)");
  } catch (const std::exception& e) {
    c.fail(std::string("kernel failed: ") + e.what());
  }
  return false;
}

size_t lengthOf(Call& c, size_t i) {
  size_t n = 0;
  bool is = false;
  if (i < c.argc) napi_is_typedarray(c.env, c.argv[i], &is);
  if (is) napi_get_typedarray_info(c.env, c.argv[i], nullptr, &n, nullptr, nullptr, nullptr);
  return n;
}

napi_value Undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// gemm(M, N, K, A, lda, transA, B, ldb, transB, C, ldc, accumulate)
napi_value Gemm(napi_env env, napi_callback_info info) {
  Call c(env, info, "gemm");
  int M = c.dim(0, "M"), N = c.dim(1, "N"), K = c.dim(2, "K");
  int lda = c.dim(4, "lda"), ldb = c.dim(7, "ldb"), ldc = c.dim(10, "ldc");
  bool ta = c.flag(5), tb = c.flag(8), acc = c.flag(11);
  if (!c.failed && ((ta ? lda < M : lda < K) || (tb ? ldb < K : ldb < N) || ldc < N)) c.fail("a leading dimension is too small");
  const float* A = c.f32(3, span(c, M, K, lda, ta, "A"), "A");
  const float* B = c.f32(6, span(c, K, N, ldb, tb, "B"), "B");
  float* C = c.f32(9, span(c, M, N, ldc, false, "C"), "C");
  if (c.failed || !guarded(c, [&] { isa().sgemm(M, N, K, {A, lda, ta}, {B, ldb, tb}, C, ldc, acc, 0); })) return nullptr;
  return Undefined(env);
}

Activation activation(Call& c, size_t i) {
  int a = c.dim(i, "activation");
  if (!c.failed && a != 0 && a != 1) c.fail("activation must be 0 (linear) or 1 (relu)");
  return static_cast<Activation>(a);
}

// denseForward(M, K, N, x, w, b|null, activation, y)
napi_value DenseForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "denseForward");
  int M = c.dim(0, "M"), K = c.dim(1, "K"), N = c.dim(2, "N");
  const float* x = c.f32(3, c.mul(M, K, "x (M×K)"), "x");
  const float* w = c.f32(4, c.mul(K, N, "w (K×N)"), "w");
  const float* b = c.f32(5, N, "b", true);
  Activation act = activation(c, 6);
  float* y = c.f32(7, c.mul(M, N, "y (M×N)"), "y");
  if (c.failed || !guarded(c, [&] { isa().denseForward(M, K, N, x, w, b, act, y); })) return nullptr;
  return Undefined(env);
}

// denseBackward(M, K, N, dy, x|null, w|null, y|null, activation, gScratch|null, dx|null, dw|null, db|null):
// computes the gradients whose outputs are given (dw needs x, dx needs w, relu needs y and gScratch).
napi_value DenseBackward(napi_env env, napi_callback_info info) {
  Call c(env, info, "denseBackward");
  int M = c.dim(0, "M"), K = c.dim(1, "K"), N = c.dim(2, "N");
  Activation act = activation(c, 7);
  const bool relu = act == Activation::Relu;
  const size_t mk = c.mul(M, K, "x (M×K)"), kn = c.mul(K, N, "w (K×N)"), mn = c.mul(M, N, "dy (M×N)");
  float* dx = c.f32(9, mk, "dx", true);
  float* dw = c.f32(10, kn, "dw", true);
  float* db = c.f32(11, N, "db", true);
  const float* dy = c.f32(3, mn, "dy");
  const float* x = c.f32(4, mk, "x", !dw);
  const float* w = c.f32(5, kn, "w", !dx);
  const float* y = c.f32(6, mn, "y", !relu);
  float* g = c.f32(8, mn, "gScratch", !relu);
  if (c.failed || !guarded(c, [&] { isa().denseBackward(M, K, N, dy, x, w, y, act, g, dx, dw, db); })) return nullptr;
  return Undefined(env);
}

// sigmoidBce(M, N, logits, x, rowLoss)
napi_value SigmoidBce(napi_env env, napi_callback_info info) {
  Call c(env, info, "sigmoidBce");
  int M = c.dim(0, "M"), N = c.dim(1, "N");
  const size_t mn = c.mul(M, N, "logits (M×N)");
  const float* l = c.f32(2, mn, "logits");
  const float* x = c.f32(3, mn, "x");
  float* loss = c.f32(4, M, "rowLoss");
  if (c.failed || !guarded(c, [&] { isa().sigmoidBce(M, N, l, x, loss); })) return nullptr;
  return Undefined(env);
}

// sigmoidBceGrad(M, N, logits, x, dyRow, dLogits)
napi_value SigmoidBceGrad(napi_env env, napi_callback_info info) {
  Call c(env, info, "sigmoidBceGrad");
  int M = c.dim(0, "M"), N = c.dim(1, "N");
  const size_t mn = c.mul(M, N, "logits (M×N)");
  const float* l = c.f32(2, mn, "logits");
  const float* x = c.f32(3, mn, "x");
  const float* dy = c.f32(4, M, "dyRow");
  float* dl = c.f32(5, mn, "dLogits");
  if (c.failed || !guarded(c, [&] { isa().sigmoidBceGrad(M, N, l, x, dy, dl); })) return nullptr;
  return Undefined(env);
}

// adam(p, pOut, g, m, v, lr, beta1, beta2, eps, biasCorr1, biasCorr2): m, v updated in place.
napi_value Adam(napi_env env, napi_callback_info info) {
  Call c(env, info, "adam");
  const size_t n = lengthOf(c, 0);
  const float* p = c.f32(0, n, "p");
  float* pOut = c.f32(1, n, "pOut");
  const float* g = c.f32(2, n, "g");
  float* m = c.f32(3, n, "m");
  float* v = c.f32(4, n, "v");
  float lr = static_cast<float>(c.num(5, "lr")), b1 = static_cast<float>(c.num(6, "beta1"));
  float b2 = static_cast<float>(c.num(7, "beta2")), eps = static_cast<float>(c.num(8, "epsilon"));
  float bc1 = static_cast<float>(c.num(9, "biasCorr1")), bc2 = static_cast<float>(c.num(10, "biasCorr2"));
  if (!c.failed && (bc1 <= 0 || bc2 <= 0)) c.fail("bias corrections must be positive");
  if (c.failed || !guarded(c, [&] { isa().adamStep(n, p, pOut, g, m, v, lr, b1, b2, eps, bc1, bc2); })) return nullptr;
  return Undefined(env);
}

// gatherRows(x, rows, cols, idx, out)
napi_value GatherRows(napi_env env, napi_callback_info info) {
  Call c(env, info, "gatherRows");
  int rows = c.dim(1, "rows"), cols = c.dim(2, "cols");
  const float* x = c.f32(0, c.mul(rows, cols, "x (rows×cols)"), "x");
  const size_t count = lengthOf(c, 3);
  const int32_t* idx = c.array<int32_t>(3, napi_int32_array, count, "idx");
  float* out = c.f32(4, c.mul(count, cols, "out (indices×cols)"), "out");
  if (c.failed) return nullptr;
  bool inRange = true;
  if (!guarded(c, [&] { inRange = isa().gatherRows(x, rows, cols, idx, static_cast<int64_t>(count), out); })) return nullptr;
  if (!inRange) {
    c.failRange("an index is out of range");
    return nullptr;
  }
  return Undefined(env);
}

// binary(op, a, aInner, aLen, b, bInner, bLen, out): out[i] = a[(i/aInner)%aLen] op b[(i/bInner)%bLen]
napi_value Binary(napi_env env, napi_callback_info info) {
  Call c(env, info, "binary");
  int op = c.dim(0, "op");
  if (!c.failed && op > static_cast<int>(BinaryOp::SquaredDiff)) c.fail("unknown binary op");
  size_t aInner = c.dim(2, "aInner"), aLen = c.dim(3, "aLen");
  size_t bInner = c.dim(5, "bInner"), bLen = c.dim(6, "bLen");
  const size_t n = lengthOf(c, 7);
  if (!c.failed && (aInner == 0 || bInner == 0 || aLen == 0 || bLen == 0)) c.fail("broadcast sizes must be ≥ 1");
  const float* a = c.f32(1, aLen, "a");
  const float* b = c.f32(4, bLen, "b");
  float* out = c.f32(7, n, "out");
  if (c.failed || !guarded(c, [&] { isa().binary(static_cast<BinaryOp>(op), n, a, aInner, aLen, b, bInner, bLen, out); }))
    return nullptr;
  return Undefined(env);
}

// unary(op, x, out, alpha?)
napi_value Unary(napi_env env, napi_callback_info info) {
  Call c(env, info, "unary");
  int op = c.dim(0, "op");
  if (!c.failed && op > static_cast<int>(UnaryOp::LeakyRelu)) c.fail("unknown unary op");
  const size_t n = lengthOf(c, 2);
  const float* x = c.f32(1, n, "x");
  float* out = c.f32(2, n, "out");
  const float alpha = c.isNull(3) ? 0.f : static_cast<float>(c.num(3, "alpha"));
  if (c.failed || !guarded(c, [&] { isa().unary(static_cast<UnaryOp>(op), n, x, out, alpha); })) return nullptr;
  return Undefined(env);
}

// covariance(x, n, d, mean, scatter): float64 column means and Σ(x−μ)(x−μ)ᵀ of an n×d matrix.
napi_value Covariance(napi_env env, napi_callback_info info) {
  Call c(env, info, "covariance");
  const double n = c.num(1, "n");
  const int d = c.dim(2, "d");
  // n may pass 2^31 (a long table); above 2^53 a double no longer counts rows exactly
  if (!c.failed && !(n >= 0 && n <= 9007199254740992.0 && n == std::floor(n))) c.fail("n must be a whole number from 0 to 2^53");
  const size_t rows = c.failed ? 0 : static_cast<size_t>(n);
  const float* x = c.f32(0, c.mul(rows, d, "x (n×d)"), "x");
  double* mean = c.f64(3, d, "mean");
  double* scatter = c.f64(4, c.mul(d, d, "scatter (d×d)"), "scatter");
  if (c.failed || !guarded(c, [&] { isa().covariance(x, static_cast<int64_t>(rows), d, mean, scatter); })) return nullptr;
  return Undefined(env);
}

// An FFT plan passed as fft.ts makes it (n, order, stages, nStages, twRe, twIm from argument `at`),
// checked so that no index it holds can reach outside the arrays.
bool planView(Call& c, size_t at, FftPlanView& plan) {
  plan.n = c.dim(at, "n");
  plan.nStages = c.dim(at + 3, "nStages");
  if (c.failed) return false;
  if (plan.n < 1) {
    c.fail("n must be ≥ 1");
    return false;
  }
  plan.order = c.array<int32_t>(at + 1, napi_int32_array, plan.n, "order");
  plan.stages = c.array<int32_t>(at + 2, napi_int32_array, c.mul(plan.nStages, 3, "stages"), "stages");
  const size_t twLen = std::min(lengthOf(c, at + 4), lengthOf(c, at + 5));
  plan.twRe = c.f64(at + 4, 0, "twRe");
  plan.twIm = c.f64(at + 5, 0, "twIm");
  if (c.failed) return false;
  for (int t = 0; t < plan.n; t++)
    if (plan.order[t] < 0 || plan.order[t] >= plan.n) {
      c.fail("order must hold indices below n");
      return false;
    }
  int64_t L = 1;
  for (int s = 0; s < plan.nStages; s++) {
    const int p = plan.stages[3 * s];
    const int64_t off = plan.stages[3 * s + 2];
    if (p < 2 || p > 5 || plan.stages[3 * s + 1] != L || off < 0 || static_cast<size_t>(off + (p - 1) * L) > twLen) {
      c.fail("stages do not describe a plan for n with these twiddles");
      return false;
    }
    L *= p;
  }
  if (L != plan.n) {
    c.fail("the stages' radices do not multiply to n");
    return false;
  }
  return true;
}

// fftGridRows(re, im, n, r0, r1, sign, order, stages, nStages, twRe, twIm): rows [r0, r1) of an n×n
// complex grid transformed in place (sign −1 forward, +1 inverse without 1/n).
napi_value FftGridRows(napi_env env, napi_callback_info info) {
  Call c(env, info, "fftGridRows");
  FftPlanView plan;
  if (!planView(c, 2, plan)) return nullptr;
  const int r0 = c.dim(8, "r0"), r1 = c.dim(9, "r1");
  const double sign = c.num(10, "sign");
  const size_t nn = c.mul(plan.n, plan.n, "the grid (n×n)");
  double* re = c.f64(0, nn, "re");
  double* im = c.f64(1, nn, "im");
  if (!c.failed && (r0 > r1 || r1 > plan.n)) c.failRange("rows must satisfy 0 ≤ r0 ≤ r1 ≤ n");
  if (!c.failed && sign != 1 && sign != -1) c.fail("sign must be −1 or 1");
  if (c.failed || !guarded(c, [&] { isa().fftGridRows(re, im, r0, r1, static_cast<int>(sign), plan); })) return nullptr;
  return Undefined(env);
}

// fftGridColumns(re, im, n, c0, c1, kHat, order, stages, nStages, twRe, twIm): columns [c0, c1) of an
// n×n complex grid: forward FFT, times kHat (real n×n), inverse FFT, in place.
napi_value FftGridColumns(napi_env env, napi_callback_info info) {
  Call c(env, info, "fftGridColumns");
  FftPlanView plan;
  if (!planView(c, 2, plan)) return nullptr;
  const int c0 = c.dim(8, "c0"), c1 = c.dim(9, "c1");
  const size_t nn = c.mul(plan.n, plan.n, "the grid (n×n)");
  double* re = c.f64(0, nn, "re");
  double* im = c.f64(1, nn, "im");
  const double* kHat = c.f64(10, nn, "kHat");
  if (!c.failed && (c0 > c1 || c1 > plan.n)) c.failRange("columns must satisfy 0 ≤ c0 ≤ c1 ≤ n");
  if (c.failed || !guarded(c, [&] { isa().fftGridColumns(re, im, c0, c1, kHat, plan); })) return nullptr;
  return Undefined(env);
}

// tsneAttract(rowStart, cols, vals, y Float32Array (n×2), i0, i1, attr Float64Array (n×2)): t-SNE's
// attraction of rows [i0, i1) along P (CSR); every column index is checked against n.
napi_value TsneAttract(napi_env env, napi_callback_info info) {
  Call c(env, info, "tsneAttract");
  const int i0 = c.dim(4, "i0"), i1 = c.dim(5, "i1");
  const size_t n = lengthOf(c, 3) / 2;
  if (!c.failed && (i0 > i1 || static_cast<size_t>(i1) > n)) c.failRange("rows must satisfy 0 ≤ i0 ≤ i1 ≤ n");
  const int32_t* rowStart = c.array<int32_t>(0, napi_int32_array, static_cast<size_t>(i1) + 1, "rowStart");
  const float* y = c.f32(3, 2 * n, "y");
  double* attr = c.f64(6, 2 * static_cast<size_t>(i1), "attr");
  if (c.failed) return nullptr;
  for (int i = i0; i < i1; i++)
    if (rowStart[i] < 0 || rowStart[i + 1] < rowStart[i]) {
      c.fail("rowStart must be non-negative and non-decreasing");
      return nullptr;
    }
  const size_t nnz = static_cast<size_t>(rowStart[i1]);
  const int32_t* cols = c.array<int32_t>(1, napi_int32_array, nnz, "cols");
  const float* vals = c.f32(2, nnz, "vals");
  if (c.failed) return nullptr;
  uint32_t worst = 0;  // one pass, vectorised: every index below n (negative ones wrap above)
  for (size_t e = static_cast<size_t>(rowStart[i0]); e < nnz; e++) worst = std::max(worst, static_cast<uint32_t>(cols[e]));
  if (rowStart[i1] > rowStart[i0] && worst >= n) {
    c.failRange("cols must hold row indices below n");
    return nullptr;
  }
  if (!guarded(c, [&] { isa().tsneAttract(rowStart, cols, vals, y, i0, i1, attr); })) return nullptr;
  return Undefined(env);
}

// tsneSpread(y Float64Array (n×2), i0, i1, lo0, lo1, h, nb, cx, cy, g Float64Array (4·(3nb)²)).
napi_value TsneSpread(napi_env env, napi_callback_info info) {
  Call c(env, info, "tsneSpread");
  const int i0 = c.dim(1, "i0"), i1 = c.dim(2, "i1"), nb = c.dim(6, "nb");
  const double lo0 = c.num(3, "lo0"), lo1 = c.num(4, "lo1"), h = c.num(5, "h"), cx = c.num(7, "cx"), cy = c.num(8, "cy");
  if (!c.failed && (i0 > i1 || nb < 1 || !(h > 0))) c.failRange("need 0 ≤ i0 ≤ i1, nb ≥ 1 and h > 0");
  const double* y = c.f64(0, 2 * static_cast<size_t>(i1), "y");
  const size_t M = static_cast<size_t>(nb) * 3;
  double* g = c.f64(9, c.mul(4, c.mul(M, M, "the node grid"), "the node grid"), "g");
  if (c.failed || !guarded(c, [&] { isa().tsneSpread(y, i0, i1, lo0, lo1, h, nb, cx, cy, g); })) return nullptr;
  return Undefined(env);
}

// tsneInterpolate(y, i0, i1, lo0, lo1, h, nb, N, cx, cy, aRe, aIm, bRe, bIm, rep) → the rows' share of Z.
napi_value TsneInterpolate(napi_env env, napi_callback_info info) {
  Call c(env, info, "tsneInterpolate");
  const int i0 = c.dim(1, "i0"), i1 = c.dim(2, "i1"), nb = c.dim(6, "nb"), N = c.dim(7, "N");
  const double lo0 = c.num(3, "lo0"), lo1 = c.num(4, "lo1"), h = c.num(5, "h"), cx = c.num(8, "cx"), cy = c.num(9, "cy");
  if (!c.failed && (i0 > i1 || nb < 1 || !(h > 0) || N < 3 * nb)) c.failRange("need 0 ≤ i0 ≤ i1, nb ≥ 1, h > 0 and N ≥ 3·nb");
  const double* y = c.f64(0, 2 * static_cast<size_t>(i1), "y");
  const size_t NN = c.mul(N, N, "the grid (N×N)");
  const double* aRe = c.f64(10, NN, "aRe");
  const double* aIm = c.f64(11, NN, "aIm");
  const double* bRe = c.f64(12, NN, "bRe");
  const double* bIm = c.f64(13, NN, "bIm");
  double* rep = c.f64(14, 2 * static_cast<size_t>(i1), "rep");
  double z = 0;
  if (c.failed || !guarded(c, [&] { z = isa().tsneInterpolate(y, i0, i1, lo0, lo1, h, nb, N, cx, cy, aRe, aIm, bRe, bIm, rep); })) return nullptr;
  napi_value out;
  napi_create_double(env, z, &out);
  return out;
}

// symmetricEigen(a, n, values, vectors) → converged; a (n×n, symmetric) is overwritten.
napi_value SymmetricEigen(napi_env env, napi_callback_info info) {
  Call c(env, info, "symmetricEigen");
  const int n = c.dim(1, "n");
  const size_t nn = c.mul(n, n, "a (n×n)");
  double* a = c.f64(0, nn, "a");
  double* values = c.f64(2, n, "values");
  double* vectors = c.f64(3, nn, "vectors");
  bool converged = false;
  if (c.failed || !guarded(c, [&] { converged = isa().symmetricEigen(a, n, values, vectors); })) return nullptr;
  napi_value ok;
  napi_get_boolean(env, converged, &ok);
  return ok;
}

// orthonormalizeRows(q, rows, cols) → rank
napi_value OrthonormalizeRows(napi_env env, napi_callback_info info) {
  Call c(env, info, "orthonormalizeRows");
  const int rows = c.dim(1, "rows"), cols = c.dim(2, "cols");
  float* q = c.f32(0, c.mul(rows, cols, "q (rows×cols)"), "q");
  int r = 0;
  if (c.failed || !guarded(c, [&] { r = isa().orthonormalizeRows(q, rows, cols); })) return nullptr;
  napi_value rank;
  napi_create_int32(env, r, &rank);
  return rank;
}

// Sizes of a convolution's three tensors, each checked for overflow.
struct ConvSizes {
  size_t in, out, filter;
};

// Shape of a convolution from an Int32Array [batch, inH, inW, inC, outH, outW, outC, kH, kW,
// strideH, strideW, padTop, padLeft]; false (with a thrown error) when it is not one. Besides the
// tensors' sizes, the kernels index with int arithmetic: the last window's row and column
// ((out−1)·stride + k), a patch (kH·kW·inC) and an image's output positions (outH·outW) must fit.
bool convShape(Call& c, size_t i, ConvShape& s, ConvSizes& sizes) {
  const int32_t* v = c.array<int32_t>(i, napi_int32_array, 13, "shape");
  if (!v) return false;
  s = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]};
  for (int k = 0; k < 11; k++)
    if (v[k] < (k == 0 ? 0 : 1)) {
      c.fail("convolution sizes must be positive");
      return false;
    }
  if (s.padTop < 0 || s.padLeft < 0 || int64_t(s.padTop) >= int64_t(s.kH) + s.inH || int64_t(s.padLeft) >= int64_t(s.kW) + s.inW) {
    c.fail("convolution padding out of range");
    return false;
  }
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  if (int64_t(s.outH - 1) * s.strideH + s.kH > kIntMax || int64_t(s.outW - 1) * s.strideW + s.kW > kIntMax ||
      int64_t(s.kH) * s.kW * s.inC > kIntMax || int64_t(s.outH) * s.outW > kIntMax) {
    c.failRange("convolution too large: its windows or patches overflow the kernels' indices");
    return false;
  }
  sizes.in = c.mul(s.batch, s.inH, s.inW, s.inC, "the input (batch×inH×inW×inC)");
  sizes.out = c.mul(s.batch, s.outH, s.outW, s.outC, "the output (batch×outH×outW×outC)");
  sizes.filter = c.mul(s.kH, s.kW, s.inC, s.outC, "the filter (kH×kW×inC×outC)");
  return !c.failed;
}

// conv2d(shape, x, w, y) | conv2dBackpropInput(shape, dy, w, dx) | conv2dBackpropFilter(shape, x, dy, dw)
napi_value Conv2d(napi_env env, napi_callback_info info) {
  Call c(env, info, "conv2d");
  ConvShape s;
  ConvSizes n;
  if (!convShape(c, 0, s, n)) return nullptr;
  const float* x = c.f32(1, n.in, "x");
  const float* w = c.f32(2, n.filter, "w");
  float* y = c.f32(3, n.out, "y");
  if (c.failed || !guarded(c, [&] { isa().conv2d(s, x, w, y); })) return nullptr;
  return Undefined(env);
}

napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  Call c(env, info, "conv2dBackpropInput");
  ConvShape s;
  ConvSizes n;
  if (!convShape(c, 0, s, n)) return nullptr;
  const float* dy = c.f32(1, n.out, "dy");
  const float* w = c.f32(2, n.filter, "w");
  float* dx = c.f32(3, n.in, "dx");
  if (c.failed || !guarded(c, [&] { isa().conv2dBackpropInput(s, dy, w, dx); })) return nullptr;
  return Undefined(env);
}

napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  Call c(env, info, "conv2dBackpropFilter");
  ConvShape s;
  ConvSizes n;
  if (!convShape(c, 0, s, n)) return nullptr;
  const float* x = c.f32(1, n.in, "x");
  const float* dy = c.f32(2, n.out, "dy");
  float* dw = c.f32(3, n.filter, "dw");
  if (c.failed || !guarded(c, [&] { isa().conv2dBackpropFilter(s, x, dy, dw); })) return nullptr;
  return Undefined(env);
}

// Pooling shapes travel as convolution shapes with inC = outC (the channels) and k = the window.
bool poolShape(Call& c, size_t i, ConvShape& s, ConvSizes& n) {
  if (!convShape(c, i, s, n)) return false;
  if (s.inC != s.outC) {
    c.fail("pooling keeps the channels: inC must equal outC");
    return false;
  }
  return true;
}

// avgPool(shape, x, y) | avgPoolGrad(shape, dy, dx)
napi_value AvgPool(napi_env env, napi_callback_info info) {
  Call c(env, info, "avgPool");
  ConvShape s;
  ConvSizes n;
  if (!poolShape(c, 0, s, n)) return nullptr;
  const float* x = c.f32(1, n.in, "x");
  float* y = c.f32(2, n.out, "y");
  if (c.failed || !guarded(c, [&] { isa().avgPool(s, x, y); })) return nullptr;
  return Undefined(env);
}

napi_value AvgPoolGrad(napi_env env, napi_callback_info info) {
  Call c(env, info, "avgPoolGrad");
  ConvShape s;
  ConvSizes n;
  if (!poolShape(c, 0, s, n)) return nullptr;
  const float* dy = c.f32(1, n.out, "dy");
  float* dx = c.f32(2, n.in, "dx");
  if (c.failed || !guarded(c, [&] { isa().avgPoolGrad(s, dy, dx); })) return nullptr;
  return Undefined(env);
}

// gatherPixels(shape, rows, cols, x, y): every source row and column must lie inside the input.
napi_value GatherPixels(napi_env env, napi_callback_info info) {
  Call c(env, info, "gatherPixels");
  ConvShape s;
  ConvSizes n;
  if (!poolShape(c, 0, s, n)) return nullptr;
  const int32_t* rows = c.array<int32_t>(1, napi_int32_array, s.outH, "rows");
  const int32_t* cols = c.array<int32_t>(2, napi_int32_array, s.outW, "cols");
  if (!rows || !cols) return nullptr;
  for (int r = 0; r < s.outH; r++)
    if (rows[r] < 0 || rows[r] >= s.inH) return c.fail("gatherPixels: a source row is outside the input"), nullptr;
  for (int k = 0; k < s.outW; k++)
    if (cols[k] < 0 || cols[k] >= s.inW) return c.fail("gatherPixels: a source column is outside the input"), nullptr;
  const float* x = c.f32(3, n.in, "x");
  float* y = c.f32(4, n.out, "y");
  if (c.failed || !guarded(c, [&] { isa().gatherPixels(s, rows, cols, x, y); })) return nullptr;
  return Undefined(env);
}

// sum(x, rows, inner, outer, out): out = Σ over the inner axis (outer false: out[rows]) or over
// the rows (outer true: out[inner]) of x viewed as rows×inner.
napi_value Sum(napi_env env, napi_callback_info info) {
  Call c(env, info, "sum");
  const size_t rows = c.dim(1, "rows"), inner = c.dim(2, "inner");
  const bool outer = c.flag(3);
  const float* x = c.f32(0, c.mul(rows, inner, "x (rows×inner)"), "x");
  float* out = c.f32(4, outer ? inner : rows, "out");
  if (c.failed || !guarded(c, [&] {
        if (outer) isa().sumOuter(x, rows, inner, out);
        else isa().sumInner(x, rows, inner, out);
      }))
    return nullptr;
  return Undefined(env);
}

// Float32Arrays from element i of a JS array of `count` of them, each with at least need[j]
// elements; false (with a thrown error naming `what`) otherwise.
bool f32List(Call& c, size_t i, const std::vector<size_t>& need, const char* what, std::vector<float*>& out) {
  if (c.failed) return false;
  bool isArray = false;
  if (i < c.argc) napi_is_array(c.env, c.argv[i], &isArray);
  uint32_t n = 0;
  if (isArray) napi_get_array_length(c.env, c.argv[i], &n);
  if (!isArray || n != need.size()) {
    c.fail(std::string(what) + " must be an array of " + std::to_string(need.size()) + " Float32Arrays");
    return false;
  }
  out.assign(need.size(), nullptr);
  for (uint32_t j = 0; j < n; j++) {
    napi_value e;
    napi_get_element(c.env, c.argv[i], j, &e);
    bool is = false;
    napi_is_typedarray(c.env, e, &is);
    napi_typedarray_type type = napi_int8_array;
    size_t length = 0;
    void* data = nullptr;
    if (is) napi_get_typedarray_info(c.env, e, &type, &length, &data, nullptr, nullptr);
    if (!is || type != napi_float32_array || length != need[j] || !data) {
      c.fail(std::string(what) + "[" + std::to_string(j) + "] must be a Float32Array of " + std::to_string(need[j]) + " elements");
      return false;
    }
    out[j] = static_cast<float*>(data);
  }
  return true;
}

// What both fused steps take after their shapes: x and the noise (arguments 2, 3), the parameter
// lists (4–7, one array of each size in `need`), the sums (8) and Adam's and clipping's scalars.
// The lists live in `a` for the call. False (with the reason thrown) when one is wrong.
struct StepLists {
  std::vector<float*> p, pOut, m, v;
};

bool stepArrays(Call& c, const double* sc, const std::vector<size_t>& need, VaeStep& s, StepLists& a) {
  s.x = c.f32(2, c.mul(s.M, s.d, "x (M×d)"), "x");
  s.eps = c.f32(3, c.mul(s.M, s.latent, "eps (M×latent)"), "eps");
  if (!f32List(c, 4, need, "params", a.p) || !f32List(c, 5, need, "paramsOut", a.pOut) || !f32List(c, 6, need, "m", a.m) ||
      !f32List(c, 7, need, "v", a.v))
    return false;
  double* sums = c.f64(8, 4, "sums");
  if (c.failed) return false;
  s.beta = static_cast<float>(sc[0]), s.klScale = static_cast<float>(sc[1]), s.lr = static_cast<float>(sc[2]);
  s.beta1 = static_cast<float>(sc[3]), s.beta2 = static_cast<float>(sc[4]), s.epsilon = static_cast<float>(sc[5]);
  s.biasCorr1 = static_cast<float>(sc[6]), s.biasCorr2 = static_cast<float>(sc[7]), s.clipNorm = static_cast<float>(sc[8]);
  if (!(s.biasCorr1 > 0 && s.biasCorr2 > 0)) c.fail("bias corrections must be positive");
  if (c.failed) return false;
  s.p = a.p.data(), s.pOut = a.pOut.data(), s.m = a.m.data(), s.v = a.v.data(), s.sums = sums;
  return true;
}

// vaeTrainStep(dims Int32Array [M, d, latent, depth, likelihood, ...hidden], scalars Float64Array
// [beta, klScale, lr, beta1, beta2, epsilon, biasCorr1, biasCorr2, clipNorm], x, eps, params,
// paramsOut, m, v, sums Float64Array(4)): one fused training step of an MLP VAE (native/src/vae.h).
napi_value VaeTrainStep(napi_env env, napi_callback_info info) {
  Call c(env, info, "vaeTrainStep");
  const size_t nDims = lengthOf(c, 0);
  const int32_t* dims = c.array<int32_t>(0, napi_int32_array, 5, "dims");
  const double* sc = c.f64(1, 9, "scalars");
  if (c.failed) return nullptr;
  VaeStep s;
  s.M = dims[0], s.d = dims[1], s.latent = dims[2], s.depth = dims[3];
  const int lik = dims[4];
  if (s.M < 1 || s.d < 1 || s.latent < 1 || s.depth < 0 || nDims != static_cast<size_t>(5 + s.depth)) c.fail("dims must be [M ≥ 1, d ≥ 1, latent ≥ 1, depth ≥ 0, likelihood, ...depth hidden widths]");
  else if (lik < 0 || lik > 2) c.fail("likelihood must be 0 (Bernoulli), 1 (Gaussian) or 2 (Gaussian, learned variance)");
  for (int i = 0; !c.failed && i < s.depth; i++)
    if (dims[5 + i] < 1) c.fail("hidden widths must be ≥ 1");
  if (c.failed) return nullptr;
  s.hidden = dims + 5;
  s.likelihood = static_cast<VaeLikelihood>(lik);
  // parameter sizes in VaeStep's order
  std::vector<size_t> need;
  int width = s.d;
  auto layer = [&](int in, int out) {
    need.push_back(c.mul(in, out, "a weight matrix"));
    need.push_back(static_cast<size_t>(out));
  };
  for (int i = 0; i < s.depth; i++) layer(width, s.hidden[i]), width = s.hidden[i];
  layer(width, s.latent);
  layer(width, s.latent);
  width = s.latent;
  for (int i = s.depth - 1; i >= 0; i--) layer(width, s.hidden[i]), width = s.hidden[i];
  layer(width, s.d);
  if (s.likelihood == VaeLikelihood::GaussianLearned) need.push_back(s.d);
  StepLists lists;
  if (!stepArrays(c, sc, need, s, lists)) return nullptr;
  if (!guarded(c, [&] { isa().vaeTrainStep(s); })) return nullptr;
  return Undefined(env);
}

// convVaeTrainStep(dims Int32Array [M, H, W, C, latent, depth, likelihood, stages, ...depth hidden
// widths, ...stages channels], scalars (as vaeTrainStep's), x, eps, params, paramsOut, m, v,
// sums Float64Array(4)): one fused training step of the conv VAE (native/src/conv_vae.h).
napi_value ConvVaeTrainStep(napi_env env, napi_callback_info info) {
  Call c(env, info, "convVaeTrainStep");
  const size_t nDims = lengthOf(c, 0);
  const int32_t* dims = c.array<int32_t>(0, napi_int32_array, 8, "dims");
  const double* sc = c.f64(1, 9, "scalars");
  if (c.failed) return nullptr;
  ConvVaeStep cs;
  VaeStep& s = cs.vae;
  s.M = dims[0], cs.H = dims[1], cs.W = dims[2], cs.C = dims[3], s.latent = dims[4], s.depth = dims[5], cs.stages = dims[7];
  const int lik = dims[6];
  if (s.M < 1 || cs.H < 1 || cs.W < 1 || cs.C < 1 || s.latent < 1 || s.depth < 0 || cs.stages < 1 ||
      nDims != static_cast<size_t>(8) + s.depth + cs.stages)
    c.fail("dims must be [M ≥ 1, H ≥ 1, W ≥ 1, C ≥ 1, latent ≥ 1, depth ≥ 0, likelihood, stages ≥ 1, ...depth hidden widths, ...stages channels]");
  else if (lik < 0 || lik > 2) c.fail("likelihood must be 0 (Bernoulli), 1 (Gaussian) or 2 (Gaussian, learned variance)");
  for (int i = 0; !c.failed && i < s.depth; i++)
    if (dims[8 + i] < 1) c.fail("hidden widths must be ≥ 1");
  for (int i = 0; !c.failed && i < cs.stages; i++)
    if (dims[8 + s.depth + i] < 1) c.fail("channels must be ≥ 1");
  if (c.failed) return nullptr;
  s.hidden = dims + 8;
  cs.channels = dims + 8 + s.depth;
  s.likelihood = static_cast<VaeLikelihood>(lik);
  // The kernels index a batch's feature maps (M·H·W·channels) and a layer's pixels with int: the
  // largest map, and the flattened smallest map, must fit.
  constexpr size_t kIntMax = static_cast<size_t>(std::numeric_limits<int>::max());
  int widestC = cs.C, h = cs.H, w = cs.W;
  for (int i = 0; i < cs.stages; i++) widestC = std::max(widestC, cs.channels[i]), h = (h + 1) / 2, w = (w + 1) / 2;
  const size_t biggest = c.mul(s.M, cs.H, cs.W, widestC, "a feature map (M×H×W×channels)");
  const size_t flatSize = c.mul(h, w, cs.channels[cs.stages - 1], 1, "the smallest map (h×w×channels)");
  s.d = 0;
  if (!c.failed && (biggest > kIntMax || c.mul(flatSize, s.M, "the smallest maps (M×flat)") > kIntMax || 9 * static_cast<size_t>(widestC) > kIntMax))
    c.failRange("images too large for the fused step: a batch's feature map must hold fewer than 2^31 values");
  if (c.failed) return nullptr;
  s.d = cs.H * cs.W * cs.C;
  const int flat = static_cast<int>(flatSize);
  // parameter sizes in ConvVaeStep's order
  std::vector<size_t> need;
  auto conv = [&](int in, int out) {
    need.push_back(c.mul(9, in, out, 1, "a convolution filter"));
    need.push_back(static_cast<size_t>(out));
  };
  auto layer = [&](int in, int out) {
    need.push_back(c.mul(in, out, "a weight matrix"));
    need.push_back(static_cast<size_t>(out));
  };
  std::vector<int> ch{cs.C};
  for (int i = 0; i < cs.stages; i++) ch.push_back(cs.channels[i]);
  for (int i = 0; i < cs.stages; i++) conv(ch[i], ch[i + 1]);
  int width = flat;
  for (int i = 0; i < s.depth; i++) layer(width, s.hidden[i]), width = s.hidden[i];
  layer(width, s.latent);
  layer(width, s.latent);
  width = s.latent;
  for (int i = s.depth - 1; i >= 0; i--) layer(width, s.hidden[i]), width = s.hidden[i];
  layer(width, flat);
  for (int i = cs.stages; i >= 1; i--) conv(ch[i], ch[i - 1]);
  if (s.likelihood == VaeLikelihood::GaussianLearned) need.push_back(s.d);
  if (c.failed) return nullptr;
  StepLists lists;
  if (!stepArrays(c, sc, need, s, lists)) return nullptr;
  if (!guarded(c, [&] { isa().convVaeTrainStep(cs); })) return nullptr;
  return Undefined(env);
}

napi_value String(napi_env env, const char* s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

napi_value Int(napi_env env, int i) {
  napi_value v;
  napi_create_int32(env, i, &v);
  return v;
}

// parsePlainLines(b, end, cols, delim, dec, isInt, block, maxRows, state) parses whole lines of
// b[state[1], end) made only of short plain numbers into block (row-major Float32, from row
// state[0]) and stops at the first line that is anything else (a longer or odder field, a ragged,
// blank or lone-'\r' line), leaving state[0] (rows) and state[1] (position) at that line's start
// for the JavaScript parser (numeric-csv-parse.ts parseLines), which decides about it. Values are
// computed exactly as parseLines computes its fast path: an integer mantissa below 2^53 and one
// correctly rounded multiply or divide by a power of ten within ±22, then the Float32 store's
// rounding. Not under FlushDenormals: Float32 denormals must stay as JavaScript stores them.
napi_value ParsePlainLines(napi_env env, napi_callback_info info) {
  Call c(env, info, "parsePlainLines");
  const size_t end = c.dim(1, "end"), cols = c.dim(2, "cols");
  const int delim = static_cast<int>(c.dim(3, "delim")), dec = static_cast<int>(c.dim(4, "dec"));
  const size_t maxRows = c.dim(7, "maxRows");
  const uint8_t* b = c.array<uint8_t>(0, napi_uint8_array, end, "b");
  const uint8_t* isInt = c.array<uint8_t>(5, napi_uint8_array, cols, "isInt");
  float* block = c.f32(6, c.mul(maxRows, cols, "block (maxRows×cols)"), "block");
  int32_t* state = c.array<int32_t>(8, napi_int32_array, 3, "state");
  if (c.failed) return nullptr;
  if (state[0] < 0 || state[1] < 0 || cols == 0) return Undefined(env);
  static const double pow10[23] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const uint64_t limit = uint64_t(1) << 53;
  size_t row = static_cast<size_t>(state[0]);
  size_t p = static_cast<size_t>(state[1]);
  std::vector<float> line(cols);
  while (row < maxRows && p < end) {
    const size_t start = p;
    size_t col = 0;
    bool ok = false;
    int ch = b[p];
    if (ch == 10 || ch == 13) break;
    for (;;) {
      bool neg = false;
      if (ch == 45) {
        neg = true;
        ch = ++p < end ? b[p] : -1;
      } else if (ch == 43) {
        ch = ++p < end ? b[p] : -1;
      }
      uint64_t m = 0;
      bool big = false;
      int digits = 0;
      while (ch >= 48 && ch <= 57) {
        if (m < limit) m = m * 10 + static_cast<uint64_t>(ch - 48);
        else big = true;
        digits++;
        ch = ++p < end ? b[p] : -1;
      }
      int power = 0;
      bool plain = true;
      if (ch == dec) {
        ch = ++p < end ? b[p] : -1;
        while (ch >= 48 && ch <= 57) {
          if (m < limit) m = m * 10 + static_cast<uint64_t>(ch - 48);
          else big = true;
          digits++;
          power--;
          ch = ++p < end ? b[p] : -1;
        }
        plain = false;
      }
      if (ch == 101 || ch == 69) break;  // exponents: the JavaScript parser
      if (digits == 0 || big || m >= limit || !(ch == delim || ch == 10 || ch == 13)) break;
      double v;
      if (isInt[col]) {
        if (!plain) break;  // a refusal: the JavaScript parser says which
        // whole numbers have no negative zero (JavaScript's 0 - m; a compiler may turn 0.0 - x into -x)
        v = neg && m != 0 ? -static_cast<double>(m) : static_cast<double>(m);
      } else {
        const double dm = static_cast<double>(m);
        if (power == 0) v = dm;
        else if (power >= -22) v = dm / pow10[-power];
        else break;
        if (neg) v = -v;
      }
      if (col >= cols) break;
      line[col++] = static_cast<float>(v);
      if (ch == delim) {
        if (col >= cols) break;  // ragged
        ch = ++p < end ? b[p] : -1;
        continue;
      }
      if (ch == 13) {
        if (p + 1 >= end || b[p + 1] != 10) break;
        p++;
      }
      p++;  // past '\n'
      ok = col == cols;
      break;
    }
    if (!ok) {
      p = start;
      break;
    }
    float* out = block + row * cols;
    for (size_t k = 0; k < cols; k++) out[k] = line[k];
    row++;
  }
  state[0] = static_cast<int32_t>(row);
  state[1] = static_cast<int32_t>(p);
  return Undefined(env);
}

// sumColumns(data, from, to, cols, k0, k1, missing, infinite, firstInfinite, min, max, sum, sumSq,
// count): numeric-csv-sink.ts sumColumns, the same operations in the same order (double sums of
// the Float32 cells, row by row), so the same bits; a baseline build has no fused multiply-add.
napi_value SumColumns(napi_env env, napi_callback_info info) {
  Call c(env, info, "sumColumns");
  const size_t from = c.dim(1, "from"), to = c.dim(2, "to"), cols = c.dim(3, "cols");
  const size_t k0 = c.dim(4, "k0"), k1 = c.dim(5, "k1");
  if (!c.failed && (from > to || k0 > k1 || k1 > cols)) c.fail("the row and column ranges must be ordered and within cols");
  const float* data = c.f32(0, c.mul(to, cols, "data (to×cols)"), "data");
  double* missing = c.f64(6, cols, "missing");
  double* infinite = c.f64(7, cols, "infinite");
  double* firstInfinite = c.f64(8, cols, "firstInfinite");
  double* mn = c.f64(9, cols, "min");
  double* mx = c.f64(10, cols, "max");
  double* sum = c.f64(11, cols, "sum");
  double* sumSq = c.f64(12, cols, "sumSq");
  double* count = c.f64(13, cols, "count");
  if (c.failed) return nullptr;
  const double inf = std::numeric_limits<double>::infinity();
  for (size_t r = from; r < to; r++) {
    const float* row = data + r * cols;
    for (size_t k = k0; k < k1; k++) {
      const double v = row[k];
      if (v != v) missing[k] += 1;
      else if (v == inf || v == -inf) {
        if (infinite[k] == 0) firstInfinite[k] = static_cast<double>(r);
        infinite[k] += 1;
      } else {
        if (v < mn[k]) mn[k] = v;
        if (v > mx[k]) mx[k] = v;
        sum[k] += v;
        sumSq[k] += v * v;
        count[k] += 1;
      }
    }
  }
  return Undefined(env);
}

// histogramColumns(data, rows, stride, k0, k1, min, max, bins, counts): stats.ts histogramColumns
// with its histogramBin, the same operations (the bin by x · (1 / width), by x / width near an edge).
napi_value HistogramColumns(napi_env env, napi_callback_info info) {
  Call c(env, info, "histogramColumns");
  const size_t rows = c.dim(1, "rows"), stride = c.dim(2, "stride"), k0 = c.dim(3, "k0"), k1 = c.dim(4, "k1");
  const size_t bins = c.dim(7, "bins");
  if (!c.failed && (k0 > k1 || k1 > stride || bins == 0)) c.fail("the column range must be ordered and within stride, with bins > 0");
  const float* data = c.f32(0, c.mul(rows, stride, "data (rows×stride)"), "data");
  const double* mn = c.f64(5, stride, "min");
  const double* mx = c.f64(6, stride, "max");
  double* counts = c.f64(8, c.mul(stride, bins, "counts (stride×bins)"), "counts");
  if (c.failed) return nullptr;
  const double inf = std::numeric_limits<double>::infinity();
  const size_t block = 512;
  for (size_t r0 = 0; r0 < rows; r0 += block) {
    const size_t r1 = std::min(rows, r0 + block);
    for (size_t k = k0; k < k1; k++) {
      const double lo = mn[k];
      const double width = (mx[k] - lo) / static_cast<double>(bins);
      const double inv = 1 / width;
      double* at = counts + k * bins;
      for (size_t r = r0; r < r1; r++) {
        const double v = data[r * stride + k];
        if (v != v || v == inf || v == -inf) continue;
        size_t b = 0;
        if (width > 0) {
          const double x = v - lo;
          const double q = x * inv;
          const double f = std::floor(q);
          const double d = q - f > 1e-9 && f + 1 - q > 1e-9 ? f : std::floor(x / width);
          const double m = std::min(static_cast<double>(bins - 1), d);
          b = m >= 0 ? static_cast<size_t>(m) : 0;  // m is a whole number in [0, bins − 1] here
        }
        at[b] += 1;
      }
    }
  }
  return Undefined(env);
}

// splitBlock(data, stride, train, test, testOut): prepare-matrix.ts splitBlockInPlace when every
// column is a feature in place (no fills): training row i (source row train[i] ≥ i) moves to row
// i of data, test row j is copied to row j of testOut, in file order, whole rows of `stride` floats.
napi_value SplitBlock(napi_env env, napi_callback_info info) {
  Call c(env, info, "splitBlock");
  const size_t stride = c.dim(1, "stride");
  const size_t nTrain = lengthOf(c, 2), nTest = lengthOf(c, 3);
  const int32_t* train = c.array<int32_t>(2, napi_int32_array, nTrain, "train");
  const int32_t* test = c.array<int32_t>(3, napi_int32_array, nTest, "test");
  float* out = c.f32(4, c.mul(nTest, stride, "testOut (test×stride)"), "testOut");
  if (c.failed) return nullptr;
  // every source row within data, and each list ascending (rows are read before they are written)
  size_t rows = 0;
  bool ordered = true;
  for (size_t i = 0; i < nTrain; i++) {
    if (train[i] < 0 || (i > 0 && train[i] <= train[i - 1]) || static_cast<size_t>(train[i]) < i) ordered = false;
    rows = std::max(rows, static_cast<size_t>(train[i]) + 1);
  }
  for (size_t j = 0; j < nTest; j++) {
    if (test[j] < 0 || (j > 0 && test[j] <= test[j - 1])) ordered = false;
    rows = std::max(rows, static_cast<size_t>(test[j]) + 1);
  }
  if (!ordered) {
    c.fail("train and test must be ascending row lists, training row i at source row ≥ i");
    return nullptr;
  }
  float* data = c.f32(0, c.mul(rows, stride, "data (rows×stride)"), "data");
  if (c.failed) return nullptr;
  const size_t bytes = stride * sizeof(float);
  for (size_t i = 0, j = 0; i < nTrain || j < nTest;) {
    const bool isTrain = j >= nTest || (i < nTrain && train[i] < test[j]);
    if (isTrain) {
      const size_t src = static_cast<size_t>(train[i]);
      if (src != i) std::memmove(data + i * stride, data + src * stride, bytes);
      i++;
    } else {
      std::memcpy(out + j * stride, data + static_cast<size_t>(test[j]) * stride, bytes);
      j++;
    }
  }
  return Undefined(env);
}

// adviseHugePages(typedArray) → whether the kernel was asked to back the array's whole 2 MB pages
// with huge pages (Linux, where transparent huge pages are on "madvise"). For a large array that
// is about to be written for the first time: with 4 KB pages every 4 KB of it is a page fault,
// which on a virtual machine costs more than writing the data (~0.7 CPU-s per 200 MB measured).
// Only advice: the contents and the array are unchanged, and false means nothing was done.
napi_value AdviseHugePages(napi_env env, napi_callback_info info) {
  Call c(env, info, "adviseHugePages");
  bool done = false;
  bool is = false;
  if (c.argc >= 1) napi_is_typedarray(env, c.argv[0], &is);
  if (!is) {
    napi_throw_type_error(env, nullptr, "adviseHugePages: the argument must be a typed array");
    return nullptr;
  }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_get_typedarray_info(env, c.argv[0], &type, &length, &data, nullptr, nullptr);
  size_t bytes = length;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: bytes *= 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: bytes *= 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: bytes *= 8; break;
    default: break;
  }
  const uintptr_t huge = uintptr_t(2) << 20;
  uintptr_t from = (reinterpret_cast<uintptr_t>(data) + huge - 1) & ~(huge - 1);
  uintptr_t to = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(huge - 1);
  if (data && to > from) done = madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE) == 0;
#endif
  napi_value v;
  napi_get_boolean(env, done, &v);
  return v;
}

// info() → { version, isa, isaId, forced, available, threads, vectorWidth }
napi_value Info(napi_env env, napi_callback_info) {
  const KernelChoice& choice = kernelChoice();
  napi_value obj, available, forced;
  napi_create_object(env, &obj);
  napi_create_array_with_length(env, choice.available.size(), &available);
  for (size_t i = 0; i < choice.available.size(); i++) napi_set_element(env, available, static_cast<uint32_t>(i), String(env, choice.available[i]->id));
  napi_get_boolean(env, choice.forced, &forced);
  napi_set_named_property(env, obj, "version", Int(env, LAB_NATIVE_VERSION));
  napi_set_named_property(env, obj, "isa", String(env, isa().name));
  napi_set_named_property(env, obj, "isaId", String(env, isa().id));
  napi_set_named_property(env, obj, "forced", forced);
  napi_set_named_property(env, obj, "available", available);
  napi_set_named_property(env, obj, "threads", Int(env, poolThreads()));
  napi_set_named_property(env, obj, "vectorWidth", Int(env, isa().vectorWidth));
  return obj;
}

}  // namespace

NAPI_MODULE_INIT() {
  const KernelChoice& choice = kernelChoice();
  if (!choice.kernels) {  // LAB_NATIVE_ISA asked for a build this CPU cannot run: loading fails
    napi_throw_error(env, "LAB_NATIVE_ISA", choice.error.c_str());
    return nullptr;
  }
  const napi_property_descriptor props[] = {
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"adviseHugePages", nullptr, AdviseHugePages, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"parsePlainLines", nullptr, ParsePlainLines, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sumColumns", nullptr, SumColumns, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"splitBlock", nullptr, SplitBlock, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"histogramColumns", nullptr, HistogramColumns, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"denseForward", nullptr, DenseForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"denseBackward", nullptr, DenseBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sigmoidBce", nullptr, SigmoidBce, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sigmoidBceGrad", nullptr, SigmoidBceGrad, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"adam", nullptr, Adam, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gatherRows", nullptr, GatherRows, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"covariance", nullptr, Covariance, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"symmetricEigen", nullptr, SymmetricEigen, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"orthonormalizeRows", nullptr, OrthonormalizeRows, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sum", nullptr, Sum, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv2d", nullptr, Conv2d, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2dBackpropInput, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2dBackpropFilter, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"avgPool", nullptr, AvgPool, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"avgPoolGrad", nullptr, AvgPoolGrad, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gatherPixels", nullptr, GatherPixels, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"vaeTrainStep", nullptr, VaeTrainStep, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"convVaeTrainStep", nullptr, ConvVaeTrainStep, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"fftGridRows", nullptr, FftGridRows, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"fftGridColumns", nullptr, FftGridColumns, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"tsneAttract", nullptr, TsneAttract, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"tsneSpread", nullptr, TsneSpread, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"tsneInterpolate", nullptr, TsneInterpolate, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
