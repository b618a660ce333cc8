// The fused conv VAE training step (see conv_vae.h). Compiled once per instruction set through
// isa_unit.h, after conv.cc and vae.cc, whose kernels and helpers (overImages, overRows,
// likelihoodPass, reluMask, columnSums, klAndSums, clipAndAdam) it composes. The arithmetic is the
// general path's, op for op: per encoder stage relu(conv3×3 'same'(x) + b) then 2×2 'same' average
// pooling; dense layers as in vae.cc; dec/grid relu(h·W + b) viewed as the smallest map; per decoder
// stage nearest ×2 upsampling cropped to the stage's size, then conv3×3 'same' + b (relu except the
// last); the likelihood, KL, mean over the batch, backward, clipping and Adam. ReLU masks are read
// from the layer outputs (as tf.relu's gradient is: output > 0 ⇔ input > 0).
#include "conv_vae.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "conv.h"
#include "gemm.h"
#include "kernels.h"
#include "pool.h"

namespace lab {
namespace LAB_ISA {
namespace {

thread_local std::vector<float> convArena;

struct ConvLayer {
  ConvShape shape;  // 3×3, stride 1, padding 1 ('same')
  const float* W;
  const float* b;
  float* dW;
  float* db;
};

ConvShape sameConv(int M, int h, int w, int inC, int outC) { return {M, h, w, inC, h, w, outC, 3, 3, 1, 1, 1, 1}; }

// y += b per channel (y: pixels × C), then ReLU if asked; in chunks of pixels across the pool.
void biasAct(uint64_t site, float* y, int pixels, int C, const float* b, bool relu) {
  overRows(site, pixels, static_cast<size_t>(pixels) * C, false, [&](int, int p0, int p1) {
    for (int p = p0; p < p1; p++) {
      float* row = y + static_cast<size_t>(p) * C;
      if (relu) {
#pragma omp simd
        for (int c = 0; c < C; c++) row[c] = std::max(row[c] + b[c], 0.f);
      } else {
#pragma omp simd
        for (int c = 0; c < C; c++) row[c] += b[c];
      }
    }
  });
}

// reluMask over pixels × C, in chunks across the pool.
void reluMaskPar(uint64_t site, float* g, const float* a, int pixels, int C) {
  overRows(site, pixels, static_cast<size_t>(pixels) * C, false, [&](int, int p0, int p1) {
    reluMask(g + static_cast<size_t>(p0) * C, a + static_cast<size_t>(p0) * C, static_cast<size_t>(p1 - p0) * C);
  });
}

// Sums of g (pixels × C) per channel: the bias gradient of a convolution. Each chunk sums its
// pixels into its own row of partials; the rows are then added in order.
void channelSums(uint64_t site, const float* g, int pixels, int C, float* out) {
  std::vector<float> partial(static_cast<size_t>(maxChunks()) * C, 0.f);
  overRows(site, pixels, static_cast<size_t>(pixels) * C, false, [&](int chunk, int p0, int p1) {
    float* acc = partial.data() + static_cast<size_t>(chunk) * C;
    for (int p = p0; p < p1; p++) {
      const float* row = g + static_cast<size_t>(p) * C;
#pragma omp simd
      for (int c = 0; c < C; c++) acc[c] += row[c];
    }
  });
  std::fill(out, out + C, 0.f);
  for (size_t r = 0; r * C < partial.size(); r++)
    for (int c = 0; c < C; c++) out[c] += partial[r * C + c];
}

// The gradient of nearest ×2 upsampling cropped to [th, tw]: each source cell of x [M, sh, sw, C]
// gets the sum of dy [M, th, tw, C] over the (up to four) cells copied from it.
void upsampleGrad(int M, int sh, int sw, int th, int tw, int C, const float* dy, float* dx) {
  overRows(31, M, static_cast<size_t>(M) * th * tw * C, false, [&](int, int b0, int b1) {
    for (int b = b0; b < b1; b++) {
      const float* dyb = dy + static_cast<size_t>(b) * th * tw * C;
      float* dxb = dx + static_cast<size_t>(b) * sh * sw * C;
      std::fill(dxb, dxb + static_cast<size_t>(sh) * sw * C, 0.f);
      for (int r = 0; r < th; r++)
        for (int c = 0; c < tw; c++) {
          const float* __restrict src = dyb + (static_cast<size_t>(r) * tw + c) * C;
          float* __restrict dst = dxb + (static_cast<size_t>(r / 2) * sw + c / 2) * C;
#pragma omp simd
          for (int k = 0; k < C; k++) dst[k] += src[k];
        }
    }
  });
}

}  // namespace

void convVaeTrainStep(const ConvVaeStep& cs) {
  const VaeStep& s = cs.vae;
  const int M = s.M, d = s.d, k = s.latent, D = s.depth, S = cs.stages;
  const bool learned = s.likelihood == VaeLikelihood::GaussianLearned;
  const int P = convVaeParamCount(S, D, s.likelihood);
  // Feature-map sides (input down to the smallest map) and channels c(0) = C … c(S)
  std::vector<int> sh(S + 1), sw(S + 1), ch(S + 1);
  sh[0] = cs.H, sw[0] = cs.W, ch[0] = cs.C;
  for (int i = 0; i < S; i++) sh[i + 1] = pooledSide(sh[i]), sw[i + 1] = pooledSide(sw[i]), ch[i + 1] = cs.channels[i];
  const int flat = sh[S] * sw[S] * ch[S];
  auto cells = [&](int level, int c) { return static_cast<size_t>(M) * sh[level] * sw[level] * c; };

  // Parameter sizes and layers, in ConvVaeStep's order
  std::vector<size_t> size(P);
  std::vector<ConvLayer> encConv(S), decConv(S);
  std::vector<Layer> enc(D), dec(D);
  Layer mu{}, lv{}, grid{};
  int at = 0;
  auto takeConv = [&](ConvLayer& L, ConvShape shape) {
    L.shape = shape;
    size[at] = static_cast<size_t>(9) * shape.inC * shape.outC;
    L.W = s.p[at++];
    size[at] = shape.outC;
    L.b = s.p[at++];
  };
  auto take = [&](Layer& L, int in, int o) { takeLayer(L, in, o, s, size.data(), at); };
  for (int i = 0; i < S; i++) takeConv(encConv[i], sameConv(M, sh[i], sw[i], ch[i], ch[i + 1]));
  int width = flat;
  for (int i = 0; i < D; i++) take(enc[i], width, s.hidden[i]), width = s.hidden[i];
  take(mu, width, k);
  take(lv, width, k);
  width = k;
  for (int i = 0; i < D; i++) take(dec[i], width, s.hidden[D - 1 - i]), width = s.hidden[D - 1 - i];
  take(grid, width, flat);
  // decoder stage i: map at level S−i with c(S−i) channels → upsampled to level S−1−i → c(S−1−i)
  for (int i = 0; i < S; i++) takeConv(decConv[i], sameConv(M, sh[S - 1 - i], sw[S - 1 - i], ch[S - i], ch[S - 1 - i]));
  if (learned) size[at++] = d;

  // One arena: parameter gradients, activations, two gradient buffers as large as the largest map
  size_t total = 0;
  for (size_t n : size) total += n;
  size_t acts = 0, widest = std::max<size_t>(static_cast<size_t>(M) * std::max(k, flat), static_cast<size_t>(M) * d);
  for (int i = 0; i < S; i++) {
    acts += cells(i, ch[i + 1]) + cells(i + 1, ch[i + 1]);       // encoder: conv output, pooled
    acts += cells(S - 1 - i, ch[S - i]) + cells(S - 1 - i, ch[S - 1 - i]);  // decoder: upsampled, conv output
    widest = std::max({widest, cells(i, ch[i + 1]), cells(S - 1 - i, ch[S - i]), cells(i, ch[i])});
  }
  for (int i = 0; i < D; i++) acts += 2 * static_cast<size_t>(M) * s.hidden[i], widest = std::max(widest, static_cast<size_t>(M) * s.hidden[i]);
  const size_t mk = static_cast<size_t>(M) * k;
  const size_t need = total + acts + 6 * mk + static_cast<size_t>(M) * flat + static_cast<size_t>(M) * d + 2 * widest + 2 * static_cast<size_t>(M) + 64;
  if (convArena.size() < need) convArena.resize(need);
  float* cur = convArena.data();
  auto grab = [&](size_t n) {
    float* r = cur;
    cur += n;
    return r;
  };
  std::vector<float*> grad(P);
  for (int i = 0; i < P; i++) grad[i] = grab(size[i]);
  at = 0;
  for (auto& L : encConv) L.dW = grad[at++], L.db = grad[at++];
  for (auto& L : enc) L.dW = grad[at++], L.db = grad[at++];
  mu.dW = grad[at++], mu.db = grad[at++];
  lv.dW = grad[at++], lv.db = grad[at++];
  for (auto& L : dec) L.dW = grad[at++], L.db = grad[at++];
  grid.dW = grad[at++], grid.db = grad[at++];
  for (auto& L : decConv) L.dW = grad[at++], L.db = grad[at++];

  std::vector<float*> convOut(S), pooled(S), upIn(S), decOut(S), encAct(D), decAct(D);
  for (int i = 0; i < S; i++) convOut[i] = grab(cells(i, ch[i + 1])), pooled[i] = grab(cells(i + 1, ch[i + 1]));
  for (int i = 0; i < D; i++) encAct[i] = grab(static_cast<size_t>(M) * s.hidden[i]);
  for (int i = 0; i < D; i++) decAct[i] = grab(static_cast<size_t>(M) * s.hidden[D - 1 - i]);
  float* gridA = grab(static_cast<size_t>(M) * flat);
  for (int i = 0; i < S; i++) {
    upIn[i] = grab(cells(S - 1 - i, ch[S - i]));
    decOut[i] = grab(cells(S - 1 - i, ch[S - 1 - i]));  // the last is the decoder's output, M×d
  }
  float *muA = grab(mk), *lvA = grab(mk), *sd = grab(mk), *z = grab(mk), *dMu = grab(mk), *dLv = grab(mk);
  float* dOut = grab(static_cast<size_t>(M) * d);
  float *g0 = grab(widest), *g1 = grab(widest);
  float *rowRecon = grab(M), *rowKl = grab(M);

  // Forward: encoder stages
  const float* map = s.x;
  for (int i = 0; i < S; i++) {
    const ConvShape& cv = encConv[i].shape;
    conv2d(cv, map, encConv[i].W, convOut[i]);
    biasAct(21, convOut[i], M * sh[i] * sw[i], ch[i + 1], encConv[i].b, true);
    const ConvShape pool{M, sh[i], sw[i], ch[i + 1], sh[i + 1], sw[i + 1], ch[i + 1], 2, 2, 2, 2, 0, 0};
    avgPool(pool, convOut[i], pooled[i]);
    map = pooled[i];
  }
  // the MLP, the heads, z
  const float* h = map;
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
  const float* gridIn = h;
  denseForward(M, grid.in, flat, gridIn, grid.W, grid.b, Activation::Relu, gridA);
  // decoder stages: upsample (gather) then convolve
  std::vector<int32_t> half(std::max(cs.H, cs.W));
  for (size_t r = 0; r < half.size(); r++) half[r] = static_cast<int32_t>(r / 2);
  map = gridA;
  for (int i = 0; i < S; i++) {
    const int from = S - i, to = S - 1 - i;
    const ConvShape up{M, sh[from], sw[from], ch[from], sh[to], sw[to], ch[from], 1, 1, 1, 1, 0, 0};
    gatherPixels(up, half.data(), half.data(), map, upIn[i]);
    conv2d(decConv[i].shape, upIn[i], decConv[i].W, decOut[i]);
    biasAct(22, decOut[i], M * sh[to] * sw[to], ch[to], decConv[i].b, i < S - 1);
    map = decOut[i];
  }
  const float* outA = decOut[S - 1];

  // Loss terms and ∂(mean over rows of recon + klScale·KL)
  const float* lvX = learned ? s.p[P - 1] : nullptr;
  likelihoodPass(s, M, s.x, outA, dOut, rowRecon, lvX, learned ? grad[P - 1] : nullptr, false);
  const std::array<double, 4> sums = klAndSums(s, M, muA, lvA, rowRecon, rowKl);
  for (int i = 0; i < 4; i++) s.sums[i] = sums[i];
  const float invM = 1.f / static_cast<float>(M);

  // Backward through the decoder stages: g0 holds ∂(upsampled map), g1 ∂(the stage's input map)
  float* dY = dOut;
  for (int i = S - 1; i >= 0; i--) {
    const int from = S - i, to = S - 1 - i;
    ConvLayer& L = decConv[i];
    if (i < S - 1) reluMaskPar(23, dY, decOut[i], M * sh[to] * sw[to], ch[to]);
    channelSums(24, dY, M * sh[to] * sw[to], ch[to], L.db);
    conv2dBackpropFilter(L.shape, upIn[i], dY, L.dW);
    conv2dBackpropInput(L.shape, dY, L.W, g0);
    upsampleGrad(M, sh[from], sw[from], sh[to], sw[to], ch[from], g0, g1);
    dY = g1;
  }
  // the grid layer (ReLU) and the decoder's hidden layers down to ∂z
  reluMaskPar(25, g1, gridA, M, flat);
  auto backLayer = [&](const Layer& L, const float* in, const float* dYl, float* dIn, const float* inAct) {
    columnSums(dYl, M, L.out, L.db);
    sgemm(L.in, L.out, M, {in, L.in, true}, {dYl, L.out, false}, L.dW, L.out, false);
    if (dIn) {
      sgemm(M, L.in, L.out, {dYl, L.out, false}, {L.W, L.out, true}, dIn, L.in, false);
      if (inAct) reluMask(dIn, inAct, static_cast<size_t>(M) * L.in);
    }
  };
  float* bufs[2] = {g0, g1};
  int flip = 1;  // dY is in g1
  for (int i = D; i >= 0; i--) {
    const Layer& L = i == D ? grid : dec[i];
    const float* in = i == 0 ? z : decAct[i - 1];
    float* dIn = bufs[flip ^= 1];
    backLayer(L, in, dY, dIn, i == 0 ? nullptr : decAct[i - 1]);
    dY = dIn;
  }
  // ∂z → ∂μ, ∂ log σ² (reparameterisation and KL)
  reparamGrad(mk, dY, s.eps, sd, muA, lvA, s.klScale * invM, dMu, dLv);
  // μ and log σ² heads share their input: ∂top = ∂μ·Wμᵀ + ∂lv·Wlvᵀ (ReLU'd when it is a hidden layer)
  float* dTop = bufs[flip ^= 1];
  columnSums(dMu, M, k, mu.db);
  columnSums(dLv, M, k, lv.db);
  sgemm(mu.in, k, M, {top, mu.in, true}, {dMu, k, false}, mu.dW, k, false);
  sgemm(lv.in, k, M, {top, lv.in, true}, {dLv, k, false}, lv.dW, k, false);
  sgemm(M, mu.in, k, {dMu, k, false}, {mu.W, k, true}, dTop, mu.in, false);
  sgemm(M, lv.in, k, {dLv, k, false}, {lv.W, k, true}, dTop, lv.in, true);
  if (D > 0) reluMask(dTop, top, static_cast<size_t>(M) * mu.in);
  dY = dTop;
  for (int i = D - 1; i >= 0; i--) {
    const float* in = i == 0 ? pooled[S - 1] : encAct[i - 1];
    float* dIn = bufs[flip ^= 1];
    backLayer(enc[i], in, dY, dIn, i == 0 ? nullptr : encAct[i - 1]);
    dY = dIn;
  }
  // Backward through the encoder stages: dY is ∂(pooled map); the other buffer takes ∂(conv output)
  for (int i = S - 1; i >= 0; i--) {
    ConvLayer& L = encConv[i];
    float* dConv = dY == g0 ? g1 : g0;
    const ConvShape pool{M, sh[i], sw[i], ch[i + 1], sh[i + 1], sw[i + 1], ch[i + 1], 2, 2, 2, 2, 0, 0};
    avgPoolGrad(pool, dY, dConv);
    reluMaskPar(26, dConv, convOut[i], M * sh[i] * sw[i], ch[i + 1]);
    channelSums(27, dConv, M * sh[i] * sw[i], ch[i + 1], L.db);
    const float* in = i == 0 ? s.x : pooled[i - 1];
    conv2dBackpropFilter(L.shape, in, dConv, L.dW);
    if (i > 0) {
      float* dIn = dConv == g0 ? g1 : g0;
      conv2dBackpropInput(L.shape, dConv, L.W, dIn);
      dY = dIn;
    }
  }

  clipAndAdam(s, P, size.data(), grad.data());
}

}  // namespace LAB_ISA
}  // namespace lab
