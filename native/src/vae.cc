// The fused MLP VAE training step (see vae.h). Compiled once per instruction set through isa_*.cc.
// The arithmetic is the general path's, op for op: dense layers act(x·W + b) with ReLU masks taken
// from the layer outputs, z = μ + ε·exp(½ log σ²), the likelihood's loss on the decoder output,
// KL(q ‖ N(0, I)), the mean over the batch, then Adam on every parameter.
#include "vae.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
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
void overRows(uint64_t site, int rows, size_t work, bool serial, F&& body) {
  if (serial || poolThreads() == 1 || work < (size_t(1) << 15) || rows < 8) {
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

// Row losses −log p(x|z) (without the constant of the Gaussians) and ∂(mean loss)/∂out, one pass,
// for M rows x of the batch (the mean is over all s.M rows); serial: on the calling thread only.
void likelihoodPass(const VaeStep& s, int M, const float* x, const float* out, float* dOut, float* rowRecon,
                    const float* lvX, float* dLvX, bool serial) {
  const int d = s.d;
  const float invM = 1.f / static_cast<float>(s.M);
  // GaussianLearned: each chunk sums its rows' ∂/∂ log σ²_x into its own row of partial sums
  std::vector<float> partial(s.likelihood == VaeLikelihood::GaussianLearned ? static_cast<size_t>(maxChunks()) * d : 0, 0.f);
  overRows(11, M, static_cast<size_t>(M) * d, serial, [&](int chunk, int i0, int i1) {
    float* acc = partial.empty() ? nullptr : partial.data() + static_cast<size_t>(chunk) * d;
    for (int i = i0; i < i1; i++) {
      const size_t o = static_cast<size_t>(i) * d;
      const float* l = out + o;
      const float* t = x + o;
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

// KL(q ‖ N(0, I)) per row of M rows, and those rows' sums of VaeStep::sums (loss, recon, KL, −ELBO).
std::array<double, 4> klAndSums(const VaeStep& s, int M, const float* muA, const float* lvA, const float* rowRecon, float* rowKl) {
  const int k = s.latent;
  std::array<double, 4> sums{0, 0, 0, 0};
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
  return sums;
}

// Binds a dense layer to the parameters at `at` (W [in, o], then b [o]) and records their sizes.
void takeLayer(Layer& L, int in, int o, const VaeStep& s, size_t* size, int& at) {
  L.in = in;
  L.out = o;
  size[at] = static_cast<size_t>(in) * o;
  L.W = s.p[at++];
  size[at] = o;
  L.b = s.p[at++];
}

// ∂z → ∂μ, ∂ log σ² of n latent values (the reparameterisation z = μ + ε·σ and the KL term,
// klg = klScale / rows of the batch).
void reparamGrad(size_t n, const float* dZ, const float* eps, const float* sd, const float* muA, const float* lvA,
                 float klg, float* dMu, float* dLv) {
  for (size_t i = 0; i < n; i++) {
    dMu[i] = dZ[i] + klg * muA[i];
    dLv[i] = dZ[i] * eps[i] * sd[i] * 0.5f + klg * 0.5f * (std::exp(lvA[i]) - 1.f);
  }
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

// Rows per part when the batch is split over the pool's threads: each part runs the whole network
// on its rows with single-threaded products (one join per step instead of one per product), and
// the parts' gradients are summed. Below this many rows per part the products are too thin.
constexpr int kRowsPerPart = 32;

int batchParts(int M) {
  static const bool off = [] {  // LAB_FUSED_SPLIT=0: the whole batch at once, each product on the pool (to compare)
    const char* env = std::getenv("LAB_FUSED_SPLIT");
    return env && env[0] == '0';
  }();
  return off ? 1 : std::max(1, std::min(poolThreads(), M / kRowsPerPart));
}

void vaeTrainStep(const VaeStep& s) {
  const int M = s.M, d = s.d, k = s.latent, D = s.depth;
  const bool learned = s.likelihood == VaeLikelihood::GaussianLearned;
  const int P = vaeParamCount(D, s.likelihood);
  // Parameter sizes and the layers over the parameters, in the order of VaeStep
  std::vector<size_t> size(P);
  std::vector<Layer> enc(D), dec(D);
  Layer mu{}, lv{}, out{};
  {
    int at = 0, width = d;
    auto take = [&](Layer& L, int in, int o) { takeLayer(L, in, o, s, size.data(), at); };
    for (int i = 0; i < D; i++) take(enc[i], width, s.hidden[i]), width = s.hidden[i];
    take(mu, width, k);
    take(lv, width, k);
    width = k;
    for (int i = 0; i < D; i++) take(dec[i], width, s.hidden[D - 1 - i]), width = s.hidden[D - 1 - i];
    take(out, width, d);
    if (learned) size[at++] = d;
  }
  // One arena; per part of the batch: gradients of the parameters, activations, noise terms,
  // back-propagated gradients (sized for the largest part)
  const int parts = batchParts(M);
  const int rowsMax = (M + parts - 1) / parts;
  size_t total = 0;
  for (size_t n : size) total += n;
  size_t acts = 0;
  int widest = k;
  for (int i = 0; i < D; i++) acts += 2 * static_cast<size_t>(rowsMax) * s.hidden[i], widest = std::max(widest, s.hidden[i]);
  const size_t mk = static_cast<size_t>(rowsMax) * k, md = static_cast<size_t>(rowsMax) * d;
  const size_t perPart = total + acts + 6 * mk + 2 * md + 2 * static_cast<size_t>(rowsMax) * widest + 2 * static_cast<size_t>(rowsMax) + 64;
  if (arena.size() < perPart * parts) arena.resize(perPart * parts);
  float* const base = arena.data();  // the caller's arena (thread_local: the parts run on other threads)
  std::vector<std::vector<float*>> grads(parts, std::vector<float*>(P));
  std::vector<std::array<double, 4>> partSums(parts);
  const float* lvX = learned ? s.p[P - 1] : nullptr;

  // The network on rows [r0, r1) of the batch: forward, loss terms and backward into the part's
  // gradients (the means are over all M rows, so the parts' gradients add up to the batch's).
  auto runPart = [&](int part) {
    const int r0 = static_cast<int>(static_cast<int64_t>(M) * part / parts);
    const int r1 = static_cast<int>(static_cast<int64_t>(M) * (part + 1) / parts);
    const int m = r1 - r0;
    const bool split = parts > 1;
    const int gt = split ? 1 : 0;  // products: single-threaded inside a part, else the measured choice
    float* cur = base + perPart * part;
    auto grab = [&](size_t n) {
      float* r = cur;
      cur += n;
      return r;
    };
    std::vector<float*>& grad = grads[part];
    for (int i = 0; i < P; i++) grad[i] = grab(size[i]);
    // the layers' gradient outputs are this part's
    std::vector<Layer> penc = enc, pdec = dec;
    Layer pmu = mu, plv = lv, pout = out;
    {
      int at = 0;
      auto bind = [&](Layer& L) {
        L.dW = grad[at++];
        L.db = grad[at++];
      };
      for (auto& L : penc) bind(L);
      bind(pmu);
      bind(plv);
      for (auto& L : pdec) bind(L);
      bind(pout);
    }
    std::vector<float*> encAct(D), decAct(D);
    for (int i = 0; i < D; i++) encAct[i] = grab(static_cast<size_t>(m) * s.hidden[i]);
    for (int i = 0; i < D; i++) decAct[i] = grab(static_cast<size_t>(m) * s.hidden[D - 1 - i]);
    const size_t pk = static_cast<size_t>(m) * k, pd = static_cast<size_t>(m) * d;
    float *muA = grab(pk), *lvA = grab(pk), *sd = grab(pk), *z = grab(pk), *dMu = grab(pk), *dLv = grab(pk);
    float *outA = grab(pd), *dOut = grab(pd);
    float *g0 = grab(static_cast<size_t>(m) * widest), *g1 = grab(static_cast<size_t>(m) * widest);
    float *rowRecon = grab(m), *rowKl = grab(m);
    const float* x = s.x + static_cast<size_t>(r0) * d;
    const float* eps = s.eps + static_cast<size_t>(r0) * k;

    auto forward = [&](const Layer& L, const float* in, Activation act, float* y) {
      sgemm(m, L.out, L.in, {in, L.in, false}, {L.W, L.out, false}, y, L.out, false, gt);
      addBiasAct(y, m, L.out, L.b, act);
    };
    // Forward
    const float* h = x;
    for (int i = 0; i < D; i++) {
      forward(penc[i], h, Activation::Relu, encAct[i]);
      h = encAct[i];
    }
    const float* top = h;
    forward(pmu, top, Activation::Linear, muA);
    forward(plv, top, Activation::Linear, lvA);
    for (size_t i = 0; i < pk; i++) {
      sd[i] = std::exp(lvA[i] * 0.5f);
      z[i] = muA[i] + eps[i] * sd[i];
    }
    h = z;
    for (int i = 0; i < D; i++) {
      forward(pdec[i], h, Activation::Relu, decAct[i]);
      h = decAct[i];
    }
    forward(pout, h, Activation::Linear, outA);

    // Loss terms and ∂(mean over rows of recon + klScale·KL)
    likelihoodPass(s, m, x, outA, dOut, rowRecon, lvX, learned ? grad[P - 1] : nullptr, split);
    const float invM = 1.f / static_cast<float>(M);
    partSums[part] = klAndSums(s, m, muA, lvA, rowRecon, rowKl);

    // Backward: out layer, then the decoder's hidden layers down to ∂z
    auto backLayer = [&](const Layer& L, const float* in, const float* dY, float* dIn, const float* inAct) {
      columnSums(dY, m, L.out, L.db);
      sgemm(L.in, L.out, m, {in, L.in, true}, {dY, L.out, false}, L.dW, L.out, false, gt);
      if (dIn) {
        sgemm(m, L.in, L.out, {dY, L.out, false}, {L.W, L.out, true}, dIn, L.in, false, gt);
        if (inAct) reluMask(dIn, inAct, static_cast<size_t>(m) * L.in);
      }
    };
    const float* dY = dOut;
    float* bufs[2] = {g0, g1};
    int flip = 0;
    for (int i = D; i >= 0; i--) {
      const Layer& L = i == D ? pout : pdec[i];
      const float* in = i == 0 ? z : decAct[i - 1];
      float* dIn = bufs[flip ^= 1];
      backLayer(L, in, dY, dIn, i == 0 ? nullptr : decAct[i - 1]);
      dY = dIn;
    }
    // ∂z → ∂μ, ∂ log σ² (reparameterisation and KL)
    reparamGrad(pk, dY, eps, sd, muA, lvA, s.klScale * invM, dMu, dLv);
    // μ and log σ² heads share their input: ∂top = ∂μ·Wμᵀ + ∂lv·Wlvᵀ
    float* dTop = D > 0 ? bufs[flip ^= 1] : nullptr;
    columnSums(dMu, m, k, pmu.db);
    columnSums(dLv, m, k, plv.db);
    sgemm(pmu.in, k, m, {top, pmu.in, true}, {dMu, k, false}, pmu.dW, k, false, gt);
    sgemm(plv.in, k, m, {top, plv.in, true}, {dLv, k, false}, plv.dW, k, false, gt);
    if (dTop) {
      sgemm(m, pmu.in, k, {dMu, k, false}, {pmu.W, k, true}, dTop, pmu.in, false, gt);
      sgemm(m, plv.in, k, {dLv, k, false}, {plv.W, k, true}, dTop, plv.in, true, gt);
      reluMask(dTop, top, static_cast<size_t>(m) * pmu.in);
    }
    dY = dTop;
    for (int i = D - 1; i >= 0; i--) {
      const float* in = i == 0 ? x : encAct[i - 1];
      float* dIn = i == 0 ? nullptr : bufs[flip ^= 1];
      backLayer(penc[i], in, dY, dIn, i == 0 ? nullptr : encAct[i - 1]);
      dY = dIn;
    }
  };
  if (parts == 1) runPart(0);
  else parallelFor(parts, runPart);

  // The batch's sums and gradients: the parts', added in part order (the same on any thread)
  double sums[4] = {0, 0, 0, 0};
  for (int part = 0; part < parts; part++)
    for (int i = 0; i < 4; i++) sums[i] += partSums[part][i];
  for (int i = 0; i < 4; i++) s.sums[i] = sums[i];
  std::vector<float*>& grad = grads[0];
  if (parts > 1) {
    for (int i = 0; i < P; i++) {
      float* g = grad[i];
      parallelRange(2, size[i], 1 << 15, [&](size_t a, size_t b) {
        for (int part = 1; part < parts; part++) {
          const float* o = grads[part][i];
#pragma GCC ivdep
          for (size_t j = a; j < b; j++) g[j] += o[j];
        }
      });
    }
  }

  clipAndAdam(s, P, size.data(), grad.data());
}

}  // namespace LAB_ISA
}  // namespace lab
