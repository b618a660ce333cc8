// The fused MLP VAE training step (see vae.h). Compiled once per instruction set through isa_*.cc.
// The arithmetic is the general path's, op for op: dense layers act(x·W + b) with ReLU masks taken
// from the layer outputs, z = μ + ε·exp(½ log σ²), the likelihood's loss on the decoder output,
// KL(q ‖ N(0, I)), the mean over the batch, then Adam on every parameter.
#include "vae.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "kernels.h"
#include "pool.h"
#include "vmath.h"

namespace lab {
namespace LAB_ISA {
namespace {

constexpr float kHalfLog2Pi = 0.91893853320467274178f;

thread_local std::vector<float> arena;

// At most this many chunks of rows per parallel loop.
int maxChunks() { return 2 * poolThreads(); }

// Runs body(chunk, i0, i1) over [0, rows) in chunks across the pool when `work` (≈ floats touched)
// makes a second thread worth waking; the choice is measured per call site, as for the products.
template <typename F>
void overRows(uint64_t site, int rows, size_t work, F&& body) {
  if (poolThreads() == 1 || work < (size_t(1) << 15) || rows < 8) {
    body(0, 0, rows);
    return;
  }
  const int chunks = std::min(rows / 4, maxChunks());
  parallelForMeasured(site * 0x9e3779b97f4a7c15ull + work, chunks, [&](int c) {
    body(c, static_cast<int>(int64_t(rows) * c / chunks), static_cast<int>(int64_t(rows) * (c + 1) / chunks));
  });
}

// g ⊙ (a > 0) in place: the ReLU's gradient, read from the layer's output as tf.relu's is.
void reluMask(float* g, const float* a, size_t n) {
#pragma GCC ivdep
  for (size_t i = 0; i < n; i++) g[i] = a[i] > 0.f ? g[i] : 0.f;
}

void columnSums(const float* g, int M, int N, float* out) {
  std::fill(out, out + N, 0.f);
  for (int i = 0; i < M; i++) {
    const float* row = g + static_cast<size_t>(i) * N;
    int j = 0;
    for (; j + VW <= N; j += VW) storeu(out + j, loadu(out + j) + loadu(row + j));
    for (; j < N; j++) out[j] += row[j];
  }
}

struct Layer {
  int in, out;
  const float* W;
  const float* b;
  float* dW;
  float* db;
};

// Row losses −log p(x|z) (without the constant of the Gaussians) and ∂(mean loss)/∂out, one pass.
void likelihoodPass(const VaeStep& s, const float* out, float* dOut, float* rowRecon, const float* lvX, float* dLvX) {
  const int M = s.M, d = s.d;
  const float invM = 1.f / static_cast<float>(M);
  // GaussianLearned: each chunk sums its rows' ∂/∂ log σ²_x into its own row of partial sums
  std::vector<float> partial(s.likelihood == VaeLikelihood::GaussianLearned ? static_cast<size_t>(maxChunks()) * d : 0, 0.f);
  overRows(11, M, static_cast<size_t>(M) * d, [&](int chunk, int i0, int i1) {
    float* acc = partial.empty() ? nullptr : partial.data() + static_cast<size_t>(chunk) * d;
    for (int i = i0; i < i1; i++) {
      const size_t o = static_cast<size_t>(i) * d;
      const float* l = out + o;
      const float* t = s.x + o;
      float* g = dOut + o;
      vf sum{};
      int j = 0;
      float tail = 0;
      switch (s.likelihood) {
        case VaeLikelihood::Bernoulli:
          for (; j + VW <= d; j += VW) {
            const vf lv = loadu(l + j), tv = loadu(t + j);
            const vf e = vexp(-vabs(lv));
            sum += (lv < 0.f ? vf{} : lv) - tv * lv + vlog1pUnit(e);
            const vf inv = 1.f / (1.f + e);
            const vf sig = lv >= 0.f ? inv : e * inv;
            storeu(g + j, (sig - tv) * invM);
          }
          for (; j < d; j++) {
            const float e = std::exp(-std::fabs(l[j]));
            tail += std::max(l[j], 0.f) - t[j] * l[j] + std::log1p(e);
            const float sig = l[j] >= 0 ? 1.f / (1.f + e) : e / (1.f + e);
            g[j] = (sig - t[j]) * invM;
          }
          break;
        case VaeLikelihood::Gaussian:
          for (; j + VW <= d; j += VW) {
            const vf r = loadu(l + j) - loadu(t + j);
            sum += r * r;
            storeu(g + j, r * invM);
          }
          for (; j < d; j++) {
            const float r = l[j] - t[j];
            tail += r * r;
            g[j] = r * invM;
          }
          break;
        case VaeLikelihood::GaussianLearned:
          for (; j < d; j++) {
            const float r = l[j] - t[j];
            const float w = std::exp(-lvX[j]);
            const float sq = r * r * w;
            tail += sq + lvX[j];
            g[j] = r * w * invM;
            acc[j] += 0.5f * (1.f - sq) * invM;
          }
          break;
      }
      const float total = hsum(sum) + tail;
      rowRecon[i] = s.likelihood == VaeLikelihood::Bernoulli ? total
                    : s.likelihood == VaeLikelihood::Gaussian ? 0.5f * total + d * kHalfLog2Pi
                                                              : 0.5f * (total + d * 2 * kHalfLog2Pi);
    }
  });
  if (dLvX) {
    std::fill(dLvX, dLvX + d, 0.f);
    for (size_t r = 0; r * d < partial.size(); r++)
      for (int j = 0; j < d; j++) dLvX[j] += partial[r * d + j];
  }
}

// KL(q ‖ N(0, I)) per row, and the batch sums of VaeStep::sums (loss, recon, KL, −ELBO).
void klAndSums(const VaeStep& s, const float* muA, const float* lvA, const float* rowRecon, float* rowKl) {
  const int M = s.M, k = s.latent;
  double sums[4] = {0, 0, 0, 0};
  for (int i = 0; i < M; i++) {
    float acc = 0;
    for (int j = 0; j < k; j++) {
      const size_t o = static_cast<size_t>(i) * k + j;
      acc += 1.f + lvA[o] - muA[o] * muA[o] - std::exp(lvA[o]);
    }
    rowKl[i] = -0.5f * acc;
    sums[0] += rowRecon[i] + rowKl[i] * s.beta;
    sums[1] += rowRecon[i];
    sums[2] += rowKl[i];
    sums[3] += rowRecon[i] + rowKl[i];
  }
  for (int i = 0; i < 4; i++) s.sums[i] = sums[i];
}

// Gradient clipping by global norm (s.clipNorm > 0), then Adam on each of the P parameters.
void clipAndAdam(const VaeStep& s, int P, const size_t* size, float* const* grad) {
  float scale = 1.f;
  if (s.clipNorm > 0) {
    double sq = 0;
    for (int i = 0; i < P; i++) {
      float part = 0;
      for (size_t j = 0; j < size[i]; j++) part += grad[i][j] * grad[i][j];
      sq += part;
    }
    const float norm = static_cast<float>(std::sqrt(sq));
    scale = std::min(1.f, s.clipNorm / std::max(norm, 1e-12f));
    if (scale < 1.f)
      for (int i = 0; i < P; i++)
        for (size_t j = 0; j < size[i]; j++) grad[i][j] *= scale;
  }
  for (int i = 0; i < P; i++)
    adamStep(size[i], s.p[i], s.pOut[i], grad[i], s.m[i], s.v[i], s.lr, s.beta1, s.beta2, s.epsilon, s.biasCorr1,
             s.biasCorr2);
}

}  // namespace

void vaeTrainStep(const VaeStep& s) {
  const int M = s.M, d = s.d, k = s.latent, D = s.depth;
  const bool learned = s.likelihood == VaeLikelihood::GaussianLearned;
  const int P = vaeParamCount(D, s.likelihood);
  // Parameter sizes, in the order of VaeStep
  std::vector<size_t> size(P);
  std::vector<Layer> enc(D), dec(D);
  Layer mu{}, lv{}, out{};
  {
    int at = 0, width = d;
    auto take = [&](Layer& L, int in, int o) {
      L.in = in;
      L.out = o;
      size[at] = static_cast<size_t>(in) * o;
      L.W = s.p[at++];
      size[at] = o;
      L.b = s.p[at++];
    };
    for (int i = 0; i < D; i++) take(enc[i], width, s.hidden[i]), width = s.hidden[i];
    take(mu, width, k);
    take(lv, width, k);
    width = k;
    for (int i = 0; i < D; i++) take(dec[i], width, s.hidden[D - 1 - i]), width = s.hidden[D - 1 - i];
    take(out, width, d);
    if (learned) size[at++] = d;
  }
  // One arena: activations, noise terms, gradients of the parameters, back-propagated gradients
  size_t total = 0;
  for (size_t n : size) total += n;
  size_t acts = 0;
  int widest = k;
  for (int i = 0; i < D; i++) acts += 2 * static_cast<size_t>(M) * s.hidden[i], widest = std::max(widest, s.hidden[i]);
  const size_t mk = static_cast<size_t>(M) * k, md = static_cast<size_t>(M) * d;
  const size_t need = total + acts + 6 * mk + 2 * md + 2 * static_cast<size_t>(M) * widest + 2 * static_cast<size_t>(M) + 64;
  if (arena.size() < need) arena.resize(need);
  float* cur = arena.data();
  auto grab = [&](size_t n) {
    float* r = cur;
    cur += n;
    return r;
  };
  std::vector<float*> grad(P);
  for (int i = 0; i < P; i++) grad[i] = grab(size[i]);
  {
    int at = 0;
    auto bind = [&](Layer& L) {
      L.dW = grad[at++];
      L.db = grad[at++];
    };
    for (auto& L : enc) bind(L);
    bind(mu);
    bind(lv);
    for (auto& L : dec) bind(L);
    bind(out);
  }
  std::vector<float*> encAct(D), decAct(D);
  for (int i = 0; i < D; i++) encAct[i] = grab(static_cast<size_t>(M) * s.hidden[i]);
  for (int i = 0; i < D; i++) decAct[i] = grab(static_cast<size_t>(M) * s.hidden[D - 1 - i]);
  float *muA = grab(mk), *lvA = grab(mk), *sd = grab(mk), *z = grab(mk), *dMu = grab(mk), *dLv = grab(mk);
  float *outA = grab(md), *dOut = grab(md);
  float *g0 = grab(static_cast<size_t>(M) * widest), *g1 = grab(static_cast<size_t>(M) * widest);
  float *rowRecon = grab(M), *rowKl = grab(M);

  // Forward
  const float* h = s.x;
  for (int i = 0; i < D; i++) {
    denseForward(M, enc[i].in, enc[i].out, h, enc[i].W, enc[i].b, Activation::Relu, encAct[i]);
    h = encAct[i];
  }
  const float* top = h;
  denseForward(M, mu.in, k, top, mu.W, mu.b, Activation::Linear, muA);
  denseForward(M, lv.in, k, top, lv.W, lv.b, Activation::Linear, lvA);
  for (size_t i = 0; i < mk; i++) {
    sd[i] = std::exp(lvA[i] * 0.5f);
    z[i] = muA[i] + s.eps[i] * sd[i];
  }
  h = z;
  for (int i = 0; i < D; i++) {
    denseForward(M, dec[i].in, dec[i].out, h, dec[i].W, dec[i].b, Activation::Relu, decAct[i]);
    h = decAct[i];
  }
  denseForward(M, out.in, d, h, out.W, out.b, Activation::Linear, outA);

  // Loss terms and ∂(mean over rows of recon + klScale·KL)
  const float* lvX = learned ? s.p[P - 1] : nullptr;
  likelihoodPass(s, outA, dOut, rowRecon, lvX, learned ? grad[P - 1] : nullptr);
  const float invM = 1.f / static_cast<float>(M);
  klAndSums(s, muA, lvA, rowRecon, rowKl);

  // Backward: out layer, then the decoder's hidden layers down to ∂z
  auto backLayer = [&](const Layer& L, const float* in, const float* dY, float* dIn, const float* inAct) {
    columnSums(dY, M, L.out, L.db);
    sgemm(L.in, L.out, M, {in, L.in, true}, {dY, L.out, false}, L.dW, L.out, false);
    if (dIn) {
      sgemm(M, L.in, L.out, {dY, L.out, false}, {L.W, L.out, true}, dIn, L.in, false);
      if (inAct) reluMask(dIn, inAct, static_cast<size_t>(M) * L.in);
    }
  };
  const float* dY = dOut;
  float* bufs[2] = {g0, g1};
  int flip = 0;
  for (int i = D; i >= 0; i--) {
    const Layer& L = i == D ? out : dec[i];
    const float* in = i == 0 ? z : decAct[i - 1];
    float* dIn = bufs[flip ^= 1];
    backLayer(L, in, dY, dIn, i == 0 ? nullptr : decAct[i - 1]);
    dY = dIn;
  }
  // ∂z → ∂μ, ∂ log σ² (reparameterisation and KL)
  const float klg = s.klScale * invM;
  for (size_t i = 0; i < mk; i++) {
    dMu[i] = dY[i] + klg * muA[i];
    dLv[i] = dY[i] * s.eps[i] * sd[i] * 0.5f + klg * 0.5f * (std::exp(lvA[i]) - 1.f);
  }
  // μ and log σ² heads share their input: ∂top = ∂μ·Wμᵀ + ∂lv·Wlvᵀ
  float* dTop = D > 0 ? bufs[flip ^= 1] : nullptr;
  columnSums(dMu, M, k, mu.db);
  columnSums(dLv, M, k, lv.db);
  sgemm(mu.in, k, M, {top, mu.in, true}, {dMu, k, false}, mu.dW, k, false);
  sgemm(lv.in, k, M, {top, lv.in, true}, {dLv, k, false}, lv.dW, k, false);
  if (dTop) {
    sgemm(M, mu.in, k, {dMu, k, false}, {mu.W, k, true}, dTop, mu.in, false);
    sgemm(M, lv.in, k, {dLv, k, false}, {lv.W, k, true}, dTop, lv.in, true);
    reluMask(dTop, top, static_cast<size_t>(M) * mu.in);
  }
  dY = dTop;
  for (int i = D - 1; i >= 0; i--) {
    const float* in = i == 0 ? s.x : encAct[i - 1];
    float* dIn = i == 0 ? nullptr : bufs[flip ^= 1];
    backLayer(enc[i], in, dY, dIn, i == 0 ? nullptr : encAct[i - 1]);
    dY = dIn;
  }

  clipAndAdam(s, P, size.data(), grad.data());
}

}  // namespace LAB_ISA
}  // namespace lab
