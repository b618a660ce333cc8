// BLIS-style GEMM: op(B) is packed into NR-wide panels and op(A) into MR-tall panels (so any
// transposition costs only the packing), and an MR×NR register-blocked micro-kernel does the
// arithmetic. Threads split C into column (or row) strips, each with its own packing buffers.
// Compiled once per instruction set through isa_*.cc (MR, NR and the vector type come from simd.h).
#include "gemm.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "pool.h"
#include "simd.h"

namespace lab {
namespace LAB_ISA {
namespace {

constexpr int KC = 256;        // depth of one packed block (B panel KC×NR stays in L1)
constexpr int MC = MR * 16;    // rows of A per packed block (fits L2 with KC)
constexpr int NC = NR * 64;    // columns of B per packed block

struct Scratch {
  std::vector<float> a, b;
  float* alignedA(size_t n) { return align(a, n); }
  float* alignedB(size_t n) { return align(b, n); }
  static float* align(std::vector<float>& v, size_t n) {
    if (v.size() < n + 16) v.resize(n + 16);
    uintptr_t p = reinterpret_cast<uintptr_t>(v.data());
    return reinterpret_cast<float*>((p + 63) & ~uintptr_t(63));
  }
};

thread_local Scratch scratch;

inline float at(const MatView& m, int r, int c) {
  return m.trans ? m.data[static_cast<size_t>(c) * m.ld + r] : m.data[static_cast<size_t>(r) * m.ld + c];
}

// Packs rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) as MR-row panels, k-major, zero-padded.
void packA(const MatView& A, int i0, int mc, int p0, int kc, float* out) {
  for (int ir = 0; ir < mc; ir += MR) {
    int m = std::min(MR, mc - ir);
    float* dst = out + static_cast<size_t>(ir) * kc;
    if (A.trans) {
      // op(A)(i, k) = A[k][i]: MR consecutive floats per k.
      for (int k = 0; k < kc; k++) {
        const float* src = A.data + static_cast<size_t>(p0 + k) * A.ld + i0 + ir;
        int i = 0;
        for (; i < m; i++) dst[k * MR + i] = src[i];
        for (; i < MR; i++) dst[k * MR + i] = 0.f;
      }
    } else {
      // Stores in order, loads across the MR stored rows (see packB's transposed case).
      const float* rows[MR];
      for (int i = 0; i < MR; i++) rows[i] = A.data + static_cast<size_t>(i0 + ir + std::min(i, m - 1)) * A.ld + p0;
      for (int k = 0; k < kc; k++) {
        float* d = dst + k * MR;
#pragma GCC unroll 16
        for (int i = 0; i < MR; i++) d[i] = rows[i][k];
        for (int i = m; i < MR; i++) d[i] = 0.f;
      }
    }
  }
}

// Packs depth [p0, p0+kc) × columns [j0, j0+nc) of op(B) as NR-column panels, zero-padded.
void packB(const MatView& B, int p0, int kc, int j0, int nc, float* out) {
  for (int jr = 0; jr < nc; jr += NR) {
    int n = std::min(NR, nc - jr);
    float* dst = out + static_cast<size_t>(jr) * kc;
    if (!B.trans) {
      for (int k = 0; k < kc; k++) {
        const float* src = B.data + static_cast<size_t>(p0 + k) * B.ld + j0 + jr;
        if (n == NR) {
          std::memcpy(dst + k * NR, src, NR * sizeof(float));
        } else {
          int j = 0;
          for (; j < n; j++) dst[k * NR + j] = src[j];
          for (; j < NR; j++) dst[k * NR + j] = 0.f;
        }
      }
    } else {
      // op(B)(k, j) = B[j][k]. Stores in order (one NR-wide row of the panel per k) and loads
      // across the panel's NR stored rows, whose cache lines stay in L1 for 16 consecutive k.
      // (Walking each stored row instead scatters every store to another line: 5× slower.)
      const float* rows[NR];
      for (int j = 0; j < NR; j++) rows[j] = B.data + static_cast<size_t>(j0 + jr + std::min(j, n - 1)) * B.ld + p0;
      for (int k = 0; k < kc; k++) {
        float* d = dst + k * NR;
#pragma GCC unroll 32
        for (int j = 0; j < NR; j++) d[j] = rows[j][k];
        for (int j = n; j < NR; j++) d[j] = 0.f;
      }
    }
  }
}

// C[m×n] (+)= Apanel·Bpanel over depth kc; m ≤ MR, n ≤ NR.
void microKernel(int kc, const float* __restrict a, const float* __restrict b, float* c, int ldc, int m, int n,
                 bool accumulate) {
  vf c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) {
    c0[i] = vf{};
    c1[i] = vf{};
  }
  for (int k = 0; k < kc; k++) {
    const vf b0 = *reinterpret_cast<const vf*>(b + k * NR);
    const vf b1 = *reinterpret_cast<const vf*>(b + k * NR + VW);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      const float av = a[k * MR + i];
      c0[i] += av * b0;
      c1[i] += av * b1;
    }
  }
  if (m == MR && n == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      float* row = c + static_cast<size_t>(i) * ldc;
      if (accumulate) {
        storeu(row, loadu(row) + c0[i]);
        storeu(row + VW, loadu(row + VW) + c1[i]);
      } else {
        storeu(row, c0[i]);
        storeu(row + VW, c1[i]);
      }
    }
    return;
  }
  alignas(64) float tile[MR * NR];
  for (int i = 0; i < MR; i++) {
    *reinterpret_cast<vf*>(tile + i * NR) = c0[i];
    *reinterpret_cast<vf*>(tile + i * NR + VW) = c1[i];
  }
  for (int i = 0; i < m; i++) {
    float* row = c + static_cast<size_t>(i) * ldc;
    for (int j = 0; j < n; j++) row[j] = accumulate ? row[j] + tile[i * NR + j] : tile[i * NR + j];
  }
}

// The same for a tile at most one vector wide (n ≤ VW): half the arithmetic of the full kernel, which
// multiplies the panel's zero padding too (C with 16 columns, e.g. a convolution to 16 channels).
void microKernelNarrow(int kc, const float* __restrict a, const float* __restrict b, float* c, int ldc, int m, int n,
                       bool accumulate) {
  vf c0[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) c0[i] = vf{};
  for (int k = 0; k < kc; k++) {
    const vf b0 = *reinterpret_cast<const vf*>(b + k * NR);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) c0[i] += a[k * MR + i] * b0;
  }
  if (m == MR && n == VW) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      float* row = c + static_cast<size_t>(i) * ldc;
      storeu(row, accumulate ? loadu(row) + c0[i] : c0[i]);
    }
    return;
  }
  alignas(64) float tile[MR * VW];
  for (int i = 0; i < MR; i++) *reinterpret_cast<vf*>(tile + i * VW) = c0[i];
  for (int i = 0; i < m; i++) {
    float* row = c + static_cast<size_t>(i) * ldc;
    for (int j = 0; j < n; j++) row[j] = accumulate ? row[j] + tile[i * VW + j] : tile[i * VW + j];
  }
}

// One thread's share: rows [r0, r1) × columns [c0, c1) of C.
void gemmBlock(int r0, int r1, int c0, int c1, int K, const MatView& A, const MatView& B, float* C, int ldc,
               bool accumulate) {
  if (r1 <= r0 || c1 <= c0) return;
  if (K == 0) {
    if (!accumulate)
      for (int i = r0; i < r1; i++) std::memset(C + static_cast<size_t>(i) * ldc + c0, 0, (c1 - c0) * sizeof(float));
    return;
  }
  const int kcMax = std::min(KC, K);
  float* bp = scratch.alignedB(static_cast<size_t>(kcMax) * (NC + NR));
  float* ap = scratch.alignedA(static_cast<size_t>(kcMax) * (MC + MR));
  for (int jc = c0; jc < c1; jc += NC) {
    const int nc = std::min(NC, c1 - jc);
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = std::min(KC, K - pc);
      const bool acc = accumulate || pc > 0;
      packB(B, pc, kc, jc, nc, bp);
      for (int ic = r0; ic < r1; ic += MC) {
        const int mc = std::min(MC, r1 - ic);
        packA(A, ic, mc, pc, kc, ap);
        for (int jr = 0; jr < nc; jr += NR) {
          const int n = std::min(NR, nc - jr);
          for (int ir = 0; ir < mc; ir += MR) {
            const int m = std::min(MR, mc - ir);
            (n <= VW ? microKernelNarrow : microKernel)(kc, ap + static_cast<size_t>(ir) * kc, bp + static_cast<size_t>(jr) * kc,
                                                        C + static_cast<size_t>(ic + ir) * ldc + jc + jr, ldc, m, n, acc);
          }
        }
      }
    }
  }
}

void gemmParallel(int M, int N, int K, const MatView& A, const MatView& B, float* C, int ldc, bool accumulate,
                  int nt) {
  const int colTiles = (N + NR - 1) / NR;
  const int rowTiles = (M + MR - 1) / MR;
  // Split the dimension with more micro-tiles into 2 strips per thread (dynamic balance).
  const bool byCols = colTiles >= rowTiles;
  const int tiles = byCols ? colTiles : rowTiles;
  const int strips = std::min(tiles, nt * 2);
  parallelFor(strips, [&](int s) {
    const int t0 = static_cast<int>(static_cast<long long>(tiles) * s / strips);
    const int t1 = static_cast<int>(static_cast<long long>(tiles) * (s + 1) / strips);
    if (byCols) gemmBlock(0, M, t0 * NR, std::min(N, t1 * NR), K, A, B, C, ldc, accumulate);
    else gemmBlock(t0 * MR, std::min(M, t1 * MR), 0, N, K, A, B, C, ldc, accumulate);
  });
}

}  // namespace

void sgemm(int M, int N, int K, MatView A, MatView B, float* C, int ldc, bool accumulate, int threads) {
  if (M <= 0 || N <= 0) return;
  int nt = threads > 0 ? std::min(threads, poolThreads()) : poolThreads();
  // Below ~2 MFLOP a second thread costs more in wake-up than it saves.
  const double flops = 2.0 * M * N * K;
  if (flops < 2e6) nt = 1;
  const int colTiles = (N + NR - 1) / NR;
  const int rowTiles = (M + MR - 1) / MR;
  if (nt == 1 || (colTiles < 2 && rowTiles < 2)) {
    gemmBlock(0, M, 0, N, K, A, B, C, ldc, accumulate);
    return;
  }
  if (threads > 0) {  // the caller decided
    gemmParallel(M, N, K, A, B, C, ldc, accumulate, nt);
    return;
  }
  const uint64_t key = ((uint64_t(M) * 1000003u + uint64_t(N)) * 1000003u + uint64_t(K)) * 8u + (A.trans ? 4u : 0u) +
                       (B.trans ? 2u : 0u) + (accumulate ? 1u : 0u);
  measuredChoice(
      key, [&] { gemmParallel(M, N, K, A, B, C, ldc, accumulate, nt); },
      [&] { gemmBlock(0, M, 0, N, K, A, B, C, ldc, accumulate); });
}

}  // namespace LAB_ISA
}  // namespace lab
