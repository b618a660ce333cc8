// 2-D convolution by im2col + GEMM (see conv.h). Compiled once per instruction set through isa_*.cc.
#include "conv.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "pool.h"
#include "simd.h"

namespace lab {
namespace LAB_ISA {
namespace {

thread_local std::vector<float> colsScratch;

size_t patchSize(const ConvShape& s) { return static_cast<size_t>(s.kH) * s.kW * s.inC; }
size_t imageIn(const ConvShape& s) { return static_cast<size_t>(s.inH) * s.inW * s.inC; }
size_t imageOut(const ConvShape& s) { return static_cast<size_t>(s.outH) * s.outW * s.outC; }
size_t positions(const ConvShape& s) { return static_cast<size_t>(s.outH) * s.outW; }

// A 1×1, stride-1, unpadded convolution reads the image itself as its patch matrix.
bool pointwise(const ConvShape& s) {
  return s.kH == 1 && s.kW == 1 && s.strideH == 1 && s.strideW == 1 && s.padTop == 0 && s.padLeft == 0 &&
         s.outH == s.inH && s.outW == s.inW;
}

// cols [outH·outW, kH·kW·inC]: row p holds the (zero-padded) input patch under output position p.
void im2col(const ConvShape& s, const float* x, float* cols) {
  const size_t K = patchSize(s);
  for (int oy = 0; oy < s.outH; oy++) {
    for (int ox = 0; ox < s.outW; ox++) {
      float* row = cols + (static_cast<size_t>(oy) * s.outW + ox) * K;
      for (int ky = 0; ky < s.kH; ky++) {
        const int iy = oy * s.strideH - s.padTop + ky;
        for (int kx = 0; kx < s.kW; kx++) {
          const int ix = ox * s.strideW - s.padLeft + kx;
          float* dst = row + (static_cast<size_t>(ky) * s.kW + kx) * s.inC;
          if (iy < 0 || iy >= s.inH || ix < 0 || ix >= s.inW) std::memset(dst, 0, s.inC * sizeof(float));
          else std::memcpy(dst, x + (static_cast<size_t>(iy) * s.inW + ix) * s.inC, s.inC * sizeof(float));
        }
      }
    }
  }
}

// dx += col2im(cols): the adjoint of im2col.
void col2imAdd(const ConvShape& s, const float* cols, float* dx) {
  const size_t K = patchSize(s);
  for (int oy = 0; oy < s.outH; oy++) {
    for (int ox = 0; ox < s.outW; ox++) {
      const float* row = cols + (static_cast<size_t>(oy) * s.outW + ox) * K;
      for (int ky = 0; ky < s.kH; ky++) {
        const int iy = oy * s.strideH - s.padTop + ky;
        if (iy < 0 || iy >= s.inH) continue;
        for (int kx = 0; kx < s.kW; kx++) {
          const int ix = ox * s.strideW - s.padLeft + kx;
          if (ix < 0 || ix >= s.inW) continue;
          const float* src = row + (static_cast<size_t>(ky) * s.kW + kx) * s.inC;
          float* dst = dx + (static_cast<size_t>(iy) * s.inW + ix) * s.inC;
          for (int c = 0; c < s.inC; c++) dst[c] += src[c];
        }
      }
    }
  }
}

// Images per GEMM: enough patch rows (≥ 256) for an efficient product, at most ~4 MB of patches.
int groupSize(const ConvShape& s) {
  const size_t P = positions(s), K = patchSize(s);
  size_t g = (256 + P - 1) / P;
  g = std::min(g, std::max<size_t>(1, (size_t(1) << 20) / std::max<size_t>(1, P * K)));
  return static_cast<int>(std::max<size_t>(1, std::min<size_t>(g, s.batch)));
}

float* cols(const ConvShape& s, int images) {
  const size_t n = static_cast<size_t>(images) * positions(s) * patchSize(s);
  if (colsScratch.size() < n) colsScratch.resize(n);
  return colsScratch.data();
}

// Images split into chunks over the pool (one GEMM per image inside, single-threaded).
template <typename F>
void overImages(uint64_t site, const ConvShape& s, F&& perChunk) {
  const int chunks = std::max(1, std::min(s.batch, 2 * poolThreads()));
  const uint64_t key = site * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(s.batch) * 1000003u + imageIn(s) * 31 + imageOut(s);
  parallelForMeasured(key, chunks, [&](int c) {
    perChunk(c, static_cast<int>(static_cast<int64_t>(s.batch) * c / chunks),
             static_cast<int>(static_cast<int64_t>(s.batch) * (c + 1) / chunks));
  });
}


// Direct convolution for thin layers (few input or output channels, e.g. 1→16 or 16→1), where
// im2col + GEMM wastes most of the product's tile (N or K of a few) and its packing costs more than
// the arithmetic. Per output pixel and tap, the inner loop runs over the wider channel axis.
bool thin(const ConvShape& s) { return std::min(s.inC, s.outC) <= 4; }

// w [tap][ci][co] → wt [tap][co][ci] (so a tap's weights of one output channel are contiguous).
void swapChannels(const ConvShape& s, const float* w, float* wt) {
  const int taps = s.kH * s.kW;
  for (int t = 0; t < taps; t++)
    for (int ci = 0; ci < s.inC; ci++)
      for (int co = 0; co < s.outC; co++)
        wt[(static_cast<size_t>(t) * s.outC + co) * s.inC + ci] = w[(static_cast<size_t>(t) * s.inC + ci) * s.outC + co];
}

// Calls f(ky, kx, iy, ix) for each tap of output pixel (oy, ox) that lands inside the input.
template <typename F>
inline void taps(const ConvShape& s, int oy, int ox, F&& f) {
  for (int ky = 0; ky < s.kH; ky++) {
    const int iy = oy * s.strideH - s.padTop + ky;
    if (iy < 0 || iy >= s.inH) continue;
    for (int kx = 0; kx < s.kW; kx++) {
      const int ix = ox * s.strideW - s.padLeft + kx;
      if (ix < 0 || ix >= s.inW) continue;
      f(ky, kx, iy, ix);
    }
  }
}

// b[j] += Σ_i a[i]·m[i][j] for a of A values and b of B: through the rows of m (A×B) when B ≥ A,
// else as B dot products with the rows of mt (m transposed, B×A). One tap of the generic direct
// kernels: the forward pass (a = x, b = y) and the input gradient (a = dy, b = dx) with the
// weights' two layouts swapped.
inline void addProduct(const float* __restrict a, int A, float* __restrict b, int B, const float* m, const float* mt) {
  if (B >= A) {
    for (int i = 0; i < A; i++) {
      const float av = a[i];
      const float* __restrict row = m + static_cast<size_t>(i) * B;
#pragma omp simd
      for (int j = 0; j < B; j++) b[j] += av * row[j];
    }
  } else {
    for (int j = 0; j < B; j++) {
      const float* __restrict row = mt + static_cast<size_t>(j) * A;
      float sum = 0.f;
#pragma omp simd reduction(+ : sum)
      for (int i = 0; i < A; i++) sum += a[i] * row[i];
      b[j] += sum;
    }
  }
}

// m[i][j] += a[i]·b[j] (A×B, row-major): a tap's filter gradient in either layout.
inline void addOuter(const float* __restrict a, int A, const float* __restrict b, int B, float* m) {
  for (int i = 0; i < A; i++) {
    const float av = a[i];
    float* __restrict row = m + static_cast<size_t>(i) * B;
#pragma omp simd
    for (int j = 0; j < B; j++) row[j] += av * b[j];
  }
}

void directForward(const ConvShape& s, const float* x, const float* w, const float* wt, float* y, int b0, int b1) {
  const int inC = s.inC, outC = s.outC;
  for (int b = b0; b < b1; b++) {
    const float* xb = x + b * imageIn(s);
    float* yb = y + b * imageOut(s);
    for (int oy = 0; oy < s.outH; oy++)
      for (int ox = 0; ox < s.outW; ox++) {
        float* __restrict yp = yb + (static_cast<size_t>(oy) * s.outW + ox) * outC;
        std::fill(yp, yp + outC, 0.f);
        taps(s, oy, ox, [&](int ky, int kx, int iy, int ix) {
          const float* __restrict xp = xb + (static_cast<size_t>(iy) * s.inW + ix) * inC;
          const size_t t = static_cast<size_t>(ky) * s.kW + kx;
          // y[co] += Σ_ci x[ci]·w[t][ci][co]
          addProduct(xp, inC, yp, outC, w + t * inC * outC, wt + t * outC * inC);
        });
      }
  }
}

// The forward pass with the wider channel count W known at compile time, so each pixel's sums stay
// in registers across its taps (the generic loop above keeps them in memory: a store-to-load chain
// per tap). outC = W ≥ inC: y[co] over co; inC = W > outC: per output channel, partial sums over ci.
template <int W>
void directForwardFixed(const ConvShape& s, const float* x, const float* w, const float* wt, float* y, int b0, int b1) {
  static_assert(W % VW == 0, "W is a whole number of vectors");
  constexpr int NV = W / VW;
  const int inC = s.inC, outC = s.outC;
  for (int b = b0; b < b1; b++) {
    const float* xb = x + b * imageIn(s);
    float* yb = y + b * imageOut(s);
    for (int oy = 0; oy < s.outH; oy++)
      for (int ox = 0; ox < s.outW; ox++) {
        float* yp = yb + (static_cast<size_t>(oy) * s.outW + ox) * outC;
        if (outC == W) {
          vf acc[NV];
          for (int v = 0; v < NV; v++) acc[v] = vf{};
          taps(s, oy, ox, [&](int ky, int kx, int iy, int ix) {
            const float* __restrict xp = xb + (static_cast<size_t>(iy) * s.inW + ix) * inC;
            const float* __restrict wp = w + (static_cast<size_t>(ky) * s.kW + kx) * inC * W;
            for (int ci = 0; ci < inC; ci++) {
              const float xv = xp[ci];
#pragma GCC unroll 8
              for (int v = 0; v < NV; v++) acc[v] += xv * loadu(wp + ci * W + v * VW);
            }
          });
          for (int v = 0; v < NV; v++) storeu(yp + v * VW, acc[v]);
        } else {  // inC == W
          for (int co = 0; co < outC; co++) {
            vf part[NV];
            for (int v = 0; v < NV; v++) part[v] = vf{};
            taps(s, oy, ox, [&](int ky, int kx, int iy, int ix) {
              const float* __restrict xp = xb + (static_cast<size_t>(iy) * s.inW + ix) * W;
              const float* __restrict wr = wt + ((static_cast<size_t>(ky) * s.kW + kx) * outC + co) * W;
#pragma GCC unroll 8
              for (int v = 0; v < NV; v++) part[v] += loadu(xp + v * VW) * loadu(wr + v * VW);
            });
            for (int v = 1; v < NV; v++) part[0] += part[v];
            float sum = 0.f;
            for (int l = 0; l < VW; l++) sum += part[0][l];
            yp[co] = sum;
          }
        }
      }
  }
}

// The direct forward pass: the fixed-width kernel when the wider channel count is 1, 2 or 4 vectors.
void directForwardAny(const ConvShape& s, const float* x, const float* w, const float* wt, float* y, int b0, int b1) {
  switch (std::max(s.inC, s.outC)) {
    case VW: return directForwardFixed<VW>(s, x, w, wt, y, b0, b1);
    case 2 * VW: return directForwardFixed<2 * VW>(s, x, w, wt, y, b0, b1);
    case 4 * VW: return directForwardFixed<4 * VW>(s, x, w, wt, y, b0, b1);
    default: return directForward(s, x, w, wt, y, b0, b1);
  }
}

void directInput(const ConvShape& s, const float* dy, const float* w, const float* wt, float* dx, int b0, int b1) {
  const int inC = s.inC, outC = s.outC;
  for (int b = b0; b < b1; b++) {
    const float* dyb = dy + b * imageOut(s);
    float* dxb = dx + b * imageIn(s);
    std::fill(dxb, dxb + imageIn(s), 0.f);
    for (int oy = 0; oy < s.outH; oy++)
      for (int ox = 0; ox < s.outW; ox++) {
        const float* __restrict g = dyb + (static_cast<size_t>(oy) * s.outW + ox) * outC;
        taps(s, oy, ox, [&](int ky, int kx, int iy, int ix) {
          float* __restrict dp = dxb + (static_cast<size_t>(iy) * s.inW + ix) * inC;
          const size_t t = static_cast<size_t>(ky) * s.kW + kx;
          // dx[ci] += Σ_co g[co]·w[t][ci][co] = Σ_co g[co]·wt[t][co][ci]
          addProduct(g, outC, dp, inC, wt + t * outC * inC, w + t * inC * outC);
        });
      }
  }
}

// acc += this chunk's dw, laid out [tap][ci][co] when outC ≥ inC, else [tap][co][ci].
void directFilter(const ConvShape& s, const float* x, const float* dy, float* acc, int b0, int b1) {
  const int inC = s.inC, outC = s.outC;
  for (int b = b0; b < b1; b++) {
    const float* xb = x + b * imageIn(s);
    const float* dyb = dy + b * imageOut(s);
    for (int oy = 0; oy < s.outH; oy++)
      for (int ox = 0; ox < s.outW; ox++) {
        const float* __restrict g = dyb + (static_cast<size_t>(oy) * s.outW + ox) * outC;
        taps(s, oy, ox, [&](int ky, int kx, int iy, int ix) {
          const float* __restrict xp = xb + (static_cast<size_t>(iy) * s.inW + ix) * inC;
          float* ap = acc + (static_cast<size_t>(ky) * s.kW + kx) * inC * outC;
          if (outC >= inC) addOuter(xp, inC, g, outC, ap);  // [tap][ci][co]
          else addOuter(g, outC, xp, inC, ap);                 // [tap][co][ci]
        });
      }
  }
}

// directInput with inC = W (≥ outC) known at compile time: whole-vector updates of dx.
template <int W>
void directInputFixed(const ConvShape& s, const float* dy, const float* wt, float* dx, int b0, int b1) {
  constexpr int NV = W / VW;
  const int outC = s.outC;
  for (int b = b0; b < b1; b++) {
    const float* dyb = dy + b * imageOut(s);
    float* dxb = dx + b * imageIn(s);
    std::fill(dxb, dxb + imageIn(s), 0.f);
    for (int oy = 0; oy < s.outH; oy++)
      for (int ox = 0; ox < s.outW; ox++) {
        const float* g = dyb + (static_cast<size_t>(oy) * s.outW + ox) * outC;
        taps(s, oy, ox, [&](int ky, int kx, int iy, int ix) {
          float* dp = dxb + (static_cast<size_t>(iy) * s.inW + ix) * W;
          const float* wp = wt + (static_cast<size_t>(ky) * s.kW + kx) * outC * W;
          vf acc[NV];
          for (int v = 0; v < NV; v++) acc[v] = loadu(dp + v * VW);
          for (int co = 0; co < outC; co++) {
            const float gv = g[co];
#pragma GCC unroll 8
            for (int v = 0; v < NV; v++) acc[v] += gv * loadu(wp + co * W + v * VW);
          }
          for (int v = 0; v < NV; v++) storeu(dp + v * VW, acc[v]);
        });
      }
  }
}

// directFilter with the wider channel count W known at compile time (layouts as directFilter's).
template <int W>
void directFilterFixed(const ConvShape& s, const float* x, const float* dy, float* acc, int b0, int b1) {
  constexpr int NV = W / VW;
  const int inC = s.inC, outC = s.outC;
  for (int b = b0; b < b1; b++) {
    const float* xb = x + b * imageIn(s);
    const float* dyb = dy + b * imageOut(s);
    for (int oy = 0; oy < s.outH; oy++)
      for (int ox = 0; ox < s.outW; ox++) {
        const float* g = dyb + (static_cast<size_t>(oy) * s.outW + ox) * outC;
        taps(s, oy, ox, [&](int ky, int kx, int iy, int ix) {
          const float* xp = xb + (static_cast<size_t>(iy) * s.inW + ix) * inC;
          float* ap = acc + (static_cast<size_t>(ky) * s.kW + kx) * inC * outC;
          if (outC == W) {  // [tap][ci][co]: ar += x[ci]·g
            vf gv[NV];
            for (int v = 0; v < NV; v++) gv[v] = loadu(g + v * VW);
            for (int ci = 0; ci < inC; ci++) {
              const float xv = xp[ci];
#pragma GCC unroll 8
              for (int v = 0; v < NV; v++) storeu(ap + ci * W + v * VW, loadu(ap + ci * W + v * VW) + xv * gv[v]);
            }
          } else {  // inC == W, [tap][co][ci]: ar += g[co]·x
            vf xv[NV];
            for (int v = 0; v < NV; v++) xv[v] = loadu(xp + v * VW);
            for (int co = 0; co < outC; co++) {
              const float gc = g[co];
#pragma GCC unroll 8
              for (int v = 0; v < NV; v++) storeu(ap + co * W + v * VW, loadu(ap + co * W + v * VW) + gc * xv[v]);
            }
          }
        });
      }
  }
}

void directInputAny(const ConvShape& s, const float* dy, const float* w, const float* wt, float* dx, int b0, int b1) {
  if (s.inC >= s.outC) switch (s.inC) {
      case VW: return directInputFixed<VW>(s, dy, wt, dx, b0, b1);
      case 2 * VW: return directInputFixed<2 * VW>(s, dy, wt, dx, b0, b1);
      case 4 * VW: return directInputFixed<4 * VW>(s, dy, wt, dx, b0, b1);
      default: break;
    }
  directInput(s, dy, w, wt, dx, b0, b1);
}

void directFilterAny(const ConvShape& s, const float* x, const float* dy, float* acc, int b0, int b1) {
  switch (std::max(s.inC, s.outC)) {
    case VW: return directFilterFixed<VW>(s, x, dy, acc, b0, b1);
    case 2 * VW: return directFilterFixed<2 * VW>(s, x, dy, acc, b0, b1);
    case 4 * VW: return directFilterFixed<4 * VW>(s, x, dy, acc, b0, b1);
    default: return directFilter(s, x, dy, acc, b0, b1);
  }
}

}  // namespace

void conv2d(const ConvShape& s, const float* x, const float* w, float* y) {
  if (thin(s)) {
    std::vector<float> wt(patchSize(s) * s.outC);
    swapChannels(s, w, wt.data());
    overImages(4, s, [&](int, int b0, int b1) { directForwardAny(s, x, w, wt.data(), y, b0, b1); });
    return;
  }
  const size_t P = positions(s), K = patchSize(s);
  const int G = groupSize(s);
  overImages(1, s, [&](int, int b0, int b1) {
    for (int b = b0; b < b1; b += G) {
      const int g = std::min(G, b1 - b);
      const float* a = x + b * imageIn(s);  // pointwise: the images are the patch matrix
      if (!pointwise(s)) {
        float* c = cols(s, g);
        for (int i = 0; i < g; i++) im2col(s, x + (b + i) * imageIn(s), c + i * P * K);
        a = c;
      }
      sgemm(static_cast<int>(g * P), s.outC, static_cast<int>(K), {a, static_cast<int>(K), false}, {w, s.outC, false},
            y + b * imageOut(s), s.outC, false, 1);
    }
  });
}

void conv2dBackpropInput(const ConvShape& s, const float* dy, const float* w, float* dx) {
  if (thin(s)) {
    std::vector<float> wt(patchSize(s) * s.outC);
    swapChannels(s, w, wt.data());
    overImages(5, s, [&](int, int b0, int b1) { directInputAny(s, dy, w, wt.data(), dx, b0, b1); });
    return;
  }
  const size_t P = positions(s), K = patchSize(s);
  const int G = groupSize(s);
  overImages(2, s, [&](int, int b0, int b1) {
    for (int b = b0; b < b1; b += G) {
      const int g = std::min(G, b1 - b);
      const int rows = static_cast<int>(g * P);
      if (pointwise(s)) {  // dx = dy·wᵀ directly
        sgemm(rows, static_cast<int>(K), s.outC, {dy + b * imageOut(s), s.outC, false}, {w, s.outC, true},
              dx + b * imageIn(s), static_cast<int>(K), false, 1);
        continue;
      }
      float* c = cols(s, g);
      sgemm(rows, static_cast<int>(K), s.outC, {dy + b * imageOut(s), s.outC, false}, {w, s.outC, true}, c,
            static_cast<int>(K), false, 1);
      for (int i = 0; i < g; i++) {
        float* dxb = dx + (b + i) * imageIn(s);
        std::fill(dxb, dxb + imageIn(s), 0.f);
        col2imAdd(s, c + i * P * K, dxb);
      }
    }
  });
}

void conv2dBackpropFilter(const ConvShape& s, const float* x, const float* dy, float* dw) {
  const size_t P = positions(s), K = patchSize(s);
  const int G = groupSize(s);
  const size_t wSize = K * s.outC;
  const int chunks = std::max(1, std::min(s.batch, 2 * poolThreads()));
  std::vector<float> partial(static_cast<size_t>(chunks) * wSize, 0.f);
  if (thin(s)) {
    overImages(6, s, [&](int chunk, int b0, int b1) { directFilterAny(s, x, dy, partial.data() + static_cast<size_t>(chunk) * wSize, b0, b1); });
    std::fill(dw, dw + wSize, 0.f);
    const int taps = s.kH * s.kW;
    for (int c = 0; c < chunks; c++) {
      const float* p = partial.data() + static_cast<size_t>(c) * wSize;
      if (s.outC >= s.inC) {
        for (size_t i = 0; i < wSize; i++) dw[i] += p[i];
      } else {  // [tap][co][ci] → [tap][ci][co]
        for (int t = 0; t < taps; t++)
          for (int co = 0; co < s.outC; co++)
            for (int ci = 0; ci < s.inC; ci++)
              dw[(static_cast<size_t>(t) * s.inC + ci) * s.outC + co] += p[(static_cast<size_t>(t) * s.outC + co) * s.inC + ci];
      }
    }
    return;
  }
  overImages(3, s, [&](int chunk, int b0, int b1) {
    float* acc = partial.data() + static_cast<size_t>(chunk) * wSize;
    for (int b = b0; b < b1; b += G) {
      const int g = std::min(G, b1 - b);
      const float* a = x + b * imageIn(s);
      if (!pointwise(s)) {
        float* c = cols(s, g);
        for (int i = 0; i < g; i++) im2col(s, x + (b + i) * imageIn(s), c + i * P * K);
        a = c;
      }
      sgemm(static_cast<int>(K), s.outC, static_cast<int>(g * P), {a, static_cast<int>(K), true},
            {dy + b * imageOut(s), s.outC, false}, acc, s.outC, true, 1);
    }
  });
  std::fill(dw, dw + wSize, 0.f);
  for (int c = 0; c < chunks; c++) {
    const float* p = partial.data() + static_cast<size_t>(c) * wSize;
    for (size_t i = 0; i < wSize; i++) dw[i] += p[i];
  }
}

// Average pooling (shape as a convolution's with inC = outC = channels, k = the window): each
// output averages the window's cells inside the input (tfjs's rule for padded windows).
void avgPool(const ConvShape& s, const float* x, float* y) {
  const int C = s.inC;
  overImages(7, s, [&](int, int b0, int b1) {
    for (int b = b0; b < b1; b++) {
      const float* xb = x + b * imageIn(s);
      float* yb = y + b * imageOut(s);
      for (int oy = 0; oy < s.outH; oy++)
        for (int ox = 0; ox < s.outW; ox++) {
          float* __restrict yp = yb + (static_cast<size_t>(oy) * s.outW + ox) * C;
          std::fill(yp, yp + C, 0.f);
          int count = 0;
          taps(s, oy, ox, [&](int, int, int iy, int ix) {
            const float* __restrict xp = xb + (static_cast<size_t>(iy) * s.inW + ix) * C;
#pragma omp simd
            for (int c = 0; c < C; c++) yp[c] += xp[c];
            count++;
          });
          const float inv = count ? 1.f / static_cast<float>(count) : 0.f;
#pragma omp simd
          for (int c = 0; c < C; c++) yp[c] *= inv;
        }
    }
  });
}

// Its gradient by the definition: each output's dy spread over the window's cells inside the input,
// 1/(their count) each (tfjs's cpu and wasm kernels divide by kH·kW even where padding leaves fewer).
void avgPoolGrad(const ConvShape& s, const float* dy, float* dx) {
  const int C = s.inC;
  overImages(8, s, [&](int, int b0, int b1) {
    for (int b = b0; b < b1; b++) {
      const float* dyb = dy + b * imageOut(s);
      float* dxb = dx + b * imageIn(s);
      std::fill(dxb, dxb + imageIn(s), 0.f);
      for (int oy = 0; oy < s.outH; oy++)
        for (int ox = 0; ox < s.outW; ox++) {
          const float* __restrict g = dyb + (static_cast<size_t>(oy) * s.outW + ox) * C;
          int count = 0;
          taps(s, oy, ox, [&](int, int, int, int) { count++; });
          if (!count) continue;
          const float scale = 1.f / static_cast<float>(count);
          taps(s, oy, ox, [&](int, int, int iy, int ix) {
            float* __restrict dp = dxb + (static_cast<size_t>(iy) * s.inW + ix) * C;
#pragma omp simd
            for (int c = 0; c < C; c++) dp[c] += g[c] * scale;
          });
        }
    }
  });
}

// y[b, r, c, :] = x[b, rows[r], cols[c], :] (nearest-neighbour resizing; the caller computes the
// source rows and columns by its own rule).
void gatherPixels(const ConvShape& s, const int32_t* rows, const int32_t* cols, const float* x, float* y) {
  const int C = s.inC;
  overImages(9, s, [&](int, int b0, int b1) {
    for (int b = b0; b < b1; b++) {
      const float* xb = x + b * imageIn(s);
      float* yb = y + b * imageOut(s);
      for (int r = 0; r < s.outH; r++) {
        const float* xr = xb + static_cast<size_t>(rows[r]) * s.inW * C;
        float* yr = yb + static_cast<size_t>(r) * s.outW * C;
        for (int c = 0; c < s.outW; c++) std::memcpy(yr + static_cast<size_t>(c) * C, xr + static_cast<size_t>(cols[c]) * C, C * sizeof(float));
      }
    }
  });
}

}  // namespace LAB_ISA
}  // namespace lab
