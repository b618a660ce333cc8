// 2-D convolution by im2col + GEMM (see conv.h). Compiled once per instruction set through isa_*.cc.
#include "conv.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "pool.h"

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

}  // namespace

void conv2d(const ConvShape& s, const float* x, const float* w, float* y) {
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

}  // namespace LAB_ISA
}  // namespace lab
