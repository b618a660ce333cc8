// Fused training kernels (see kernels.h). Compiled once per instruction set through isa_*.cc.
#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "pool.h"
#include "vmath.h"

namespace lab {
namespace LAB_ISA {
namespace {

// Splits [0, n) into chunks of at least `grain` over the pool (when measured to pay off).
template <typename F>
void parallelRange(uint64_t site, size_t n, size_t grain, F&& body) {
  const int threads = poolThreads();
  if (threads == 1 || n < 2 * grain) {
    body(size_t(0), n);
    return;
  }
  const int chunks = static_cast<int>(std::min<size_t>(threads * 2, n / grain));
  parallelForMeasured(site * 0x9e3779b97f4a7c15ull + n, chunks, [&](int c) {
    size_t a = n * c / chunks, b = n * (c + 1) / chunks;
    // keep vector-aligned chunk starts
    a &= ~size_t(VW - 1);
    if (c + 1 < chunks) b &= ~size_t(VW - 1);
    body(a, b);
  });
}

}  // namespace

void addBiasAct(float* y, int M, int N, const float* b, Activation act) {
  if (!b && act == Activation::Linear) return;
  for (int i = 0; i < M; i++) {
    float* row = y + static_cast<size_t>(i) * N;
    int j = 0;
    for (; j + VW <= N; j += VW) {
      vf v = loadu(row + j);
      if (b) v += loadu(b + j);
      if (act == Activation::Relu) v = v < 0.f ? vf{} : v;  // NaN stays NaN, as in tf.relu
      storeu(row + j, v);
    }
    for (; j < N; j++) {
      float v = row[j] + (b ? b[j] : 0.f);
      row[j] = act == Activation::Relu && v < 0.f ? 0.f : v;
    }
  }
}

void denseForward(int M, int K, int N, const float* x, const float* w, const float* b, Activation act, float* y) {
  sgemm(M, N, K, {x, K, false}, {w, N, false}, y, N, false);
  addBiasAct(y, M, N, b, act);
}

void denseBackward(int M, int K, int N, const float* dy, const float* x, const float* w, const float* y,
                   Activation act, float* gScratch, float* dx, float* dw, float* db) {
  const float* g = dy;
  if (act == Activation::Relu) {
    const size_t n = static_cast<size_t>(M) * N;
#pragma GCC ivdep
    for (size_t i = 0; i < n; i++) gScratch[i] = y[i] > 0.f ? dy[i] : 0.f;
    g = gScratch;
  }
  if (db) {
    std::fill(db, db + N, 0.f);
    for (int i = 0; i < M; i++) {
      const float* row = g + static_cast<size_t>(i) * N;
      int j = 0;
      for (; j + VW <= N; j += VW) storeu(db + j, loadu(db + j) + loadu(row + j));
      for (; j < N; j++) db[j] += row[j];
    }
  }
  if (dw) sgemm(K, N, M, {x, K, true}, {g, N, false}, dw, N, false);
  if (dx) sgemm(M, K, N, {g, N, false}, {w, N, true}, dx, K, false);
}

void sigmoidBce(int M, int N, const float* logits, const float* x, float* rowLoss) {
  const int chunks = M >= 64 ? 2 * poolThreads() : 1;
  parallelForMeasured(2 * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(M) * N, chunks, [&](int c) {
    const int i0 = static_cast<int>(int64_t(M) * c / chunks), i1 = static_cast<int>(int64_t(M) * (c + 1) / chunks);
    for (int i = i0; i < i1; i++) {
      const size_t o = static_cast<size_t>(i) * N;
      vf acc{};
      int j = 0;
      for (; j + VW <= N; j += VW) {
        vf l = loadu(logits + o + j), t = loadu(x + o + j);
        // max(l, 0) − x·l + log(1 + e^−|l|): stable for any l
        acc += (l < 0.f ? vf{} : l) - t * l + vlog1pUnit(vexp(-vabs(l)));
      }
      float s = hsum(acc);
      for (; j < N; j++) {
        const float l = logits[o + j];
        s += std::max(l, 0.f) - x[o + j] * l + std::log1p(std::exp(-std::fabs(l)));
      }
      rowLoss[i] = s;
    }
  });
}

void sigmoidBceGrad(int M, int N, const float* logits, const float* x, const float* dyRow, float* dLogits) {
  for (int i = 0; i < M; i++) {
    const size_t o = static_cast<size_t>(i) * N;
    const vf d = splat(dyRow[i]);
    int j = 0;
    for (; j + VW <= N; j += VW) {
      vf l = loadu(logits + o + j);
      vf e = vexp(-vabs(l));
      vf inv = 1.f / (1.f + e);
      vf sig = l >= 0.f ? inv : e * inv;
      storeu(dLogits + o + j, (sig - loadu(x + o + j)) * d);
    }
    for (; j < N; j++) {
      const float l = logits[o + j];
      const float e = std::exp(-std::fabs(l));
      const float sig = l >= 0 ? 1.f / (1.f + e) : e / (1.f + e);
      dLogits[o + j] = (sig - x[o + j]) * dyRow[i];
    }
  }
}

void adamStep(size_t n, const float* p, float* pOut, const float* g, float* m, float* v, float lr, float beta1,
              float beta2, float eps, float biasCorr1, float biasCorr2) {
  const float c1 = 1.f / biasCorr1, c2 = 1.f / biasCorr2;
  // A plain loop the compiler vectorises (sqrt included: we build with -fno-math-errno). Each
  // element is read before it is written, so pOut == p is safe despite the ivdep.
  parallelRange(1, n, 1 << 15, [&](size_t a, size_t b) {
#pragma GCC ivdep
    for (size_t i = a; i < b; i++) {
      const float mNew = m[i] * beta1 + g[i] * (1.f - beta1);
      const float vNew = v[i] * beta2 + g[i] * g[i] * (1.f - beta2);
      m[i] = mNew;
      v[i] = vNew;
      pOut[i] = p[i] - lr * (mNew * c1) / (std::sqrt(vNew * c2) + eps);
    }
  });
}

bool gatherRows(const float* x, int64_t rows, int64_t cols, const int32_t* idx, int64_t count, float* out) {
  for (int64_t i = 0; i < count; i++)
    if (idx[i] < 0 || idx[i] >= rows) return false;
  for (int64_t i = 0; i < count; i++)
    std::memcpy(out + i * cols, x + static_cast<int64_t>(idx[i]) * cols, cols * sizeof(float));
  return true;
}

}  // namespace LAB_ISA
}  // namespace lab
