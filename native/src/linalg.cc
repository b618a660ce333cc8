// PCA's covariance and eigensolver (see linalg.h). Compiled once per instruction set through isa_*.cc.
#include "linalg.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "gemm.h"
#include "pool.h"

namespace lab {
namespace LAB_ISA {
namespace {

constexpr int kRowBlock = 512;      // rows centred and multiplied at a time
constexpr int kFlushBlocks = 16;    // float32 partial sums cover at most 8192 rows
constexpr int kPanel = 128;         // column panel width of the blocked symmetric product

}  // namespace

void covariance(const float* x, int64_t n, int d, double* mean, double* scatter) {
  // Column means, float64, rows split across threads.
  const int parts = n >= 4096 ? 2 * poolThreads() : 1;
  std::vector<double> partial(static_cast<size_t>(parts) * d, 0.0);
  parallelForMeasured(0x5ca77e7ull + static_cast<uint64_t>(n) * d, parts, [&](int p) {
    double* acc = partial.data() + static_cast<size_t>(p) * d;
    for (int64_t i = n * p / parts; i < n * (p + 1) / parts; i++) {
      const float* row = x + i * d;
      for (int j = 0; j < d; j++) acc[j] += row[j];
    }
  });
  for (int j = 0; j < d; j++) {
    double s = 0;
    for (int p = 0; p < parts; p++) s += partial[static_cast<size_t>(p) * d + j];
    mean[j] = n > 0 ? s / n : 0;
  }
  std::vector<float> meanF(mean, mean + d);

  // Upper block triangle of XcᵀXc: panel pairs (I ≤ J) are independent tasks.
  const int panels = (d + kPanel - 1) / kPanel;
  std::vector<std::pair<int, int>> pairs;
  for (int I = 0; I < panels; I++)
    for (int J = I; J < panels; J++) pairs.emplace_back(I, J);
  std::vector<float> block(static_cast<size_t>(kRowBlock) * d);
  std::vector<float> acc(static_cast<size_t>(d) * d, 0.f);
  std::fill(scatter, scatter + static_cast<size_t>(d) * d, 0.0);
  auto flush = [&] {
    for (int I = 0; I < panels; I++)
      for (int i = I * kPanel; i < std::min(d, (I + 1) * kPanel); i++)
        for (int j = I * kPanel; j < d; j++) {
          scatter[static_cast<size_t>(i) * d + j] += acc[static_cast<size_t>(i) * d + j];
          acc[static_cast<size_t>(i) * d + j] = 0.f;
        }
  };
  int blocks = 0;
  for (int64_t r0 = 0; r0 < n; r0 += kRowBlock) {
    const int rows = static_cast<int>(std::min<int64_t>(kRowBlock, n - r0));
    for (int i = 0; i < rows; i++) {
      const float* src = x + (r0 + i) * d;
      float* dst = block.data() + static_cast<size_t>(i) * d;
      for (int j = 0; j < d; j++) dst[j] = src[j] - meanF[j];
    }
    parallelForMeasured(0xc0fa7ull + static_cast<uint64_t>(d) * 4096 + rows, static_cast<int>(pairs.size()), [&](int t) {
      const int I0 = pairs[t].first * kPanel, J0 = pairs[t].second * kPanel;
      const int pi = std::min(kPanel, d - I0), pj = std::min(kPanel, d - J0);
      sgemm(pi, pj, rows, {block.data() + I0, d, true}, {block.data() + J0, d, false},
            acc.data() + static_cast<size_t>(I0) * d + J0, d, true, 1);
    });
    if (++blocks == kFlushBlocks) {
      flush();
      blocks = 0;
    }
  }
  flush();
  for (int i = 0; i < d; i++)
    for (int j = 0; j < i; j++) scatter[static_cast<size_t>(i) * d + j] = scatter[static_cast<size_t>(j) * d + i];
}

// V(i, j) is stored at v[j*n + i] so that the hot loops walk memory contiguously and eigenvector
// j ends up in row j.
bool symmetricEigen(double* a, int n, double* values, double* vectors) {
  if (n == 0) return true;
  double* v = a;
  auto V = [&](int i, int j) -> double& { return v[static_cast<size_t>(j) * n + i]; };
  std::vector<double> d(n), e(n);
  // a is symmetric, so its storage already is Vᵀ.
  for (int j = 0; j < n; j++) d[j] = V(n - 1, j);
  for (int i = n - 1; i > 0; i--) {
    double scale = 0, h = 0;
    for (int k = 0; k < i; k++) scale += std::fabs(d[k]);
    if (scale == 0) {
      e[i] = d[i - 1];
      for (int j = 0; j < i; j++) {
        d[j] = V(i - 1, j);
        V(i, j) = 0;
        V(j, i) = 0;
      }
    } else {
      for (int k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      double f = d[i - 1];
      double g = std::sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      std::fill(e.begin(), e.begin() + i, 0.0);
      for (int j = 0; j < i; j++) {
        f = d[j];
        V(j, i) = f;
        g = e[j] + V(j, j) * f;
        double* col = &V(0, j);
        double* ed = e.data();
        const double* dd = d.data();
#pragma omp simd reduction(+ : g)
        for (int k = j + 1; k <= i - 1; k++) {
          g += col[k] * dd[k];
          ed[k] += col[k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (int j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const double hh = f / (h + h);
      for (int j = 0; j < i; j++) e[j] -= hh * d[j];
      for (int j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        double* col = &V(0, j);
#pragma omp simd
        for (int k = j; k <= i - 1; k++) col[k] -= f * e[k] + g * d[k];
        d[j] = V(i - 1, j);
        V(i, j) = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (int i = 0; i < n - 1; i++) {
    V(n - 1, i) = V(i, i);
    V(i, i) = 1;
    const double h = d[i + 1];
    double* colI1 = &V(0, i + 1);
    if (h != 0) {
      for (int k = 0; k <= i; k++) d[k] = colI1[k] / h;
      for (int j = 0; j <= i; j++) {
        double* col = &V(0, j);
        double g = 0;
#pragma omp simd reduction(+ : g)
        for (int k = 0; k <= i; k++) g += colI1[k] * col[k];
#pragma omp simd
        for (int k = 0; k <= i; k++) col[k] -= g * d[k];
      }
    }
    for (int k = 0; k <= i; k++) colI1[k] = 0;
  }
  for (int j = 0; j < n; j++) {
    d[j] = V(n - 1, j);
    V(n - 1, j) = 0;
  }
  V(n - 1, n - 1) = 1;
  e[0] = 0;

  // Implicit QL on (d, e); rotations act on columns of V = rows of the storage.
  for (int i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  double f = 0, tst1 = 0;
  const double eps = std::ldexp(1.0, -52);
  for (int l = 0; l < n; l++) {
    tst1 = std::max(tst1, std::fabs(d[l]) + std::fabs(e[l]));
    int m = l;
    while (m < n && std::fabs(e[m]) > eps * tst1) m++;
    if (m > l) {
      int iter = 0;
      do {
        if (++iter > 60) return false;
        double g = d[l];
        double p = (d[l + 1] - g) / (2 * e[l]);
        double r = std::hypot(p, 1.0);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const double dl1 = d[l + 1];
        double h = g - d[l];
        for (int i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        double c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const double el1 = e[l + 1];
        for (int i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = std::hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          double* ri = &V(0, i);
          double* rj = &V(0, i + 1);
#pragma omp simd
          for (int k = 0; k < n; k++) {
            const double hk = rj[k];
            rj[k] = s * ri[k] + c * hk;
            ri[k] = c * ri[k] - s * hk;
          }
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (std::fabs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int x, int y) { return d[x] > d[y]; });
  for (int r = 0; r < n; r++) {
    values[r] = d[order[r]];
    std::copy(&V(0, order[r]), &V(0, order[r]) + n, vectors + static_cast<size_t>(r) * n);
  }
  return true;
}

int orthonormalizeRows(float* q, int rows, int cols) {
  std::vector<double> w(static_cast<size_t>(rows) * cols);
  std::copy(q, q + w.size(), w.begin());
  int rank = 0;
  for (int i = 0; i < rows; i++) {
    double* v = w.data() + static_cast<size_t>(i) * cols;
    double before = 0;
#pragma omp simd reduction(+ : before)
    for (int k = 0; k < cols; k++) before += v[k] * v[k];
    for (int pass = 0; pass < 2; pass++) {
      for (int j = 0; j < i; j++) {
        const double* u = w.data() + static_cast<size_t>(j) * cols;
        double dot = 0;
#pragma omp simd reduction(+ : dot)
        for (int k = 0; k < cols; k++) dot += u[k] * v[k];
#pragma omp simd
        for (int k = 0; k < cols; k++) v[k] -= dot * u[k];
      }
    }
    double norm = 0;
#pragma omp simd reduction(+ : norm)
    for (int k = 0; k < cols; k++) norm += v[k] * v[k];
    norm = std::sqrt(norm);
    if (norm <= 1e-10 * std::sqrt(before) || norm == 0) {
      std::fill(v, v + cols, 0.0);
    } else {
      for (int k = 0; k < cols; k++) v[k] /= norm;
      rank++;
    }
  }
  for (size_t k = 0; k < w.size(); k++) q[k] = static_cast<float>(w[k]);
  return rank;
}

}  // namespace LAB_ISA
}  // namespace lab
