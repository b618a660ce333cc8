// Which build of the kernels runs. The kernel sources are compiled once per instruction set
// (isa_base.cc for the architecture's baseline, isa_avx2.cc and isa_avx512.cc on x86-64), each
// into its own namespace and each exporting a table of entry points; when the addon loads,
// dispatch.cc picks the widest build this CPU and operating system support (or the one
// LAB_NATIVE_ISA names), so one binary is correct on any CPU of its architecture.
#pragma once
#include <string>
#include <vector>

#include "conv_vae.h"
#include "tsne.h"
#include "types.h"
#include "vae.h"

namespace lab {

struct Kernels {
  const char* id;    // LAB_NATIVE_ISA's name for it: baseline, avx2, avx512
  const char* name;  // what the backend detail shows: SSE2, NEON, generic, AVX2, AVX-512
  int vectorWidth;   // floats per vector register

  // gemm.h … linalg.h describe each one.
  void (*sgemm)(int M, int N, int K, MatView A, MatView B, float* C, int ldc, bool accumulate, int threads);
  void (*denseForward)(int M, int K, int N, const float* x, const float* w, const float* b, Activation act, float* y);
  void (*denseBackward)(int M, int K, int N, const float* dy, const float* x, const float* w, const float* y,
                        Activation act, float* gScratch, float* dx, float* dw, float* db);
  void (*sigmoidBce)(int M, int N, const float* logits, const float* x, float* rowLoss);
  void (*sigmoidBceGrad)(int M, int N, const float* logits, const float* x, const float* dyRow, float* dLogits);
  void (*adamStep)(size_t n, const float* p, float* pOut, const float* g, float* m, float* v, float lr, float beta1,
                   float beta2, float eps, float biasCorr1, float biasCorr2);
  bool (*gatherRows)(const float* x, int64_t rows, int64_t cols, const int32_t* idx, int64_t count, float* out);
  void (*binary)(BinaryOp op, size_t n, const float* a, size_t aInner, size_t aLen, const float* b, size_t bInner,
                 size_t bLen, float* out);
  void (*unary)(UnaryOp op, size_t n, const float* x, float* out, float alpha);
  void (*sumInner)(const float* x, size_t rows, size_t inner, float* out);
  void (*sumOuter)(const float* x, size_t rows, size_t cols, float* out);
  void (*covariance)(const float* x, int64_t n, int d, double* mean, double* scatter);
  bool (*symmetricEigen)(double* a, int n, double* values, double* vectors);
  int (*orthonormalizeRows)(float* q, int rows, int cols);
  void (*conv2d)(const ConvShape& s, const float* x, const float* w, float* y);
  void (*conv2dBackpropInput)(const ConvShape& s, const float* dy, const float* w, float* dx);
  void (*conv2dBackpropFilter)(const ConvShape& s, const float* x, const float* dy, float* dw);
  void (*vaeTrainStep)(const VaeStep& s);
  void (*avgPool)(const ConvShape& s, const float* x, float* y);
  void (*avgPoolGrad)(const ConvShape& s, const float* dy, float* dx);
  void (*gatherPixels)(const ConvShape& s, const int32_t* rows, const int32_t* cols, const float* x, float* y);
  void (*fftGridRows)(double* re, double* im, int r0, int r1, int sign, const FftPlanView& plan);
  void (*fftGridColumns)(double* re, double* im, int c0, int c1, const double* kHat, const FftPlanView& plan);
  void (*tsneAttract)(const int32_t* rowStart, const int32_t* cols, const float* vals, const float* y, int i0, int i1,
                      double* attr);
  void (*tsneSpread)(const double* y, int i0, int i1, double lo0, double lo1, double h, int nb, double cx, double cy,
                     double* g);
  double (*tsneInterpolate)(const double* y, int i0, int i1, double lo0, double lo1, double h, int nb, int N, double cx,
                            double cy, const double* aRe, const double* aIm, const double* bRe, const double* bIm,
                            double* rep);
  void (*convVaeTrainStep)(const ConvVaeStep& s);
};

// Each instruction-set unit defines its table (declared for the units this target compiles).
namespace base { extern const Kernels table; }
#if defined(__x86_64__)
namespace avx2 { extern const Kernels table; }
namespace avx512 { extern const Kernels table; }
#endif

struct KernelChoice {
  const Kernels* kernels = nullptr;       // null: LAB_NATIVE_ISA asked for something unusable
  std::string error;                      // why kernels is null
  bool forced = false;                    // chosen by LAB_NATIVE_ISA rather than by detection
  std::vector<const Kernels*> available;  // builds this CPU can run, narrowest first
};

/** The process-wide choice, made on first use from the CPU and LAB_NATIVE_ISA. */
const KernelChoice& kernelChoice();

}  // namespace lab
