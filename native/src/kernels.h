// Fused training kernels: dense forward/backward, Bernoulli loss on logits, Adam, row gather.
#pragma once
#include <cstddef>
#include <cstdint>

#include "types.h"

namespace lab {
namespace LAB_ISA {

/** y (M×N) = act(y + b) in place, row by row; b may be null. */
void addBiasAct(float* y, int M, int N, const float* b, Activation act);

/** y (M×N) = act(x (M×K) · w (K×N) + b). b may be null. */
void denseForward(int M, int K, int N, const float* x, const float* w, const float* b, Activation act, float* y);

/**
 * Gradients of y = act(x·w + b) given dy, each computed only when its output is not null:
 * with g = dy ⊙ act'(y) (written to gScratch for relu), dw = xᵀ·g, db = Σ_rows g, dx = g·wᵀ.
 */
void denseBackward(int M, int K, int N, const float* dy, const float* x, const float* w, const float* y,
                   Activation act, float* gScratch, float* dx, float* dw, float* db);

/** Per row: Σ_j softplus(l) − x·l (= −log Bernoulli(x | sigmoid(l))). */
void sigmoidBce(int M, int N, const float* logits, const float* x, float* rowLoss);

/** Gradient of the above w.r.t. the logits: dl = (sigmoid(l) − x)·dyRow. */
void sigmoidBceGrad(int M, int N, const float* logits, const float* x, const float* dyRow, float* dLogits);

/** One Adam step (tfjs/PyTorch formula): pOut = p − lr·m̂/(√v̂ + ε); m, v in place; pOut may be p. */
void adamStep(size_t n, const float* p, float* pOut, const float* g, float* m, float* v, float lr, float beta1,
              float beta2, float eps, float biasCorr1, float biasCorr2);

/** out[i, :] = x[idx[i], :]; returns false if an index is out of range. */
bool gatherRows(const float* x, int64_t rows, int64_t cols, const int32_t* idx, int64_t count, float* out);

}  // namespace LAB_ISA
}  // namespace lab
