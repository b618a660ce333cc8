// t-SNE's grid FFTs (see tsne.h). Compiled once per instruction set through isa_*.cc. Eight rows
// or eight columns are transformed at once, one per lane of a vector of eight doubles: a column
// block is eight adjacent doubles in every row (one cache line), a row block is gathered from eight
// rows. The butterflies are fft.ts's radix-2/3/4/5 decimation in time, written on those vectors.
#include "tsne.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace lab {
namespace LAB_ISA {
namespace {

constexpr int W = 8;
typedef double vd __attribute__((vector_size(W * sizeof(double)), aligned(W * sizeof(double))));

/** The stages of the plan on n vectors (already in digit-reversed order), in place. */
void stages(vd* tr, vd* ti, int n, int sign, const FftPlanView& P) {
  const double s3 = sign * 0.8660254037844386;
  const double c51 = 0.30901699437494745, c52 = -0.8090169943749475;
  const double s51 = sign * 0.9510565162951535, s52 = sign * 0.5877852522924731;
  for (int s = 0; s < P.nStages; s++) {
    const int p = P.stages[3 * s], L = P.stages[3 * s + 1], tw = P.stages[3 * s + 2];
    const int span = p * L;
    for (int k = 0; k < L; k++) {
      const double conj = sign < 0 ? 1.0 : -1.0;
      const double w1r = P.twRe[tw + k], w1i = conj * P.twIm[tw + k];
      const double w2r = p > 2 ? P.twRe[tw + L + k] : 0, w2i = p > 2 ? conj * P.twIm[tw + L + k] : 0;
      const double w3r = p > 3 ? P.twRe[tw + 2 * L + k] : 0, w3i = p > 3 ? conj * P.twIm[tw + 2 * L + k] : 0;
      const double w4r = p > 4 ? P.twRe[tw + 3 * L + k] : 0, w4i = p > 4 ? conj * P.twIm[tw + 3 * L + k] : 0;
      for (int b = k; b < n; b += span) {
        const int i0 = b, i1 = b + L;
        const vd a0r = tr[i0], a0i = ti[i0];
        const vd x1r = tr[i1], x1i = ti[i1];
        const vd a1r = x1r * w1r - x1i * w1i, a1i = x1r * w1i + x1i * w1r;
        if (p == 2) {
          tr[i0] = a0r + a1r, ti[i0] = a0i + a1i;
          tr[i1] = a0r - a1r, ti[i1] = a0i - a1i;
          continue;
        }
        const int i2 = b + 2 * L;
        const vd x2r = tr[i2], x2i = ti[i2];
        const vd a2r = x2r * w2r - x2i * w2i, a2i = x2r * w2i + x2i * w2r;
        if (p == 3) {
          const vd sr = a1r + a2r, si = a1i + a2i;
          const vd mr = a0r - 0.5 * sr, mi = a0i - 0.5 * si;
          const vd dr = -s3 * (a1i - a2i), di = s3 * (a1r - a2r);
          tr[i0] = a0r + sr, ti[i0] = a0i + si;
          tr[i1] = mr + dr, ti[i1] = mi + di;
          tr[i2] = mr - dr, ti[i2] = mi - di;
          continue;
        }
        const int i3 = b + 3 * L;
        const vd x3r = tr[i3], x3i = ti[i3];
        const vd a3r = x3r * w3r - x3i * w3i, a3i = x3r * w3i + x3i * w3r;
        if (p == 4) {
          const vd t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
          const vd t2r = a1r + a3r, t2i = a1i + a3i;
          const vd t3r = sign < 0 ? a1i - a3i : a3i - a1i;
          const vd t3i = sign < 0 ? a3r - a1r : a1r - a3r;
          tr[i0] = t0r + t2r, ti[i0] = t0i + t2i;
          tr[i1] = t1r + t3r, ti[i1] = t1i + t3i;
          tr[i2] = t0r - t2r, ti[i2] = t0i - t2i;
          tr[i3] = t1r - t3r, ti[i3] = t1i - t3i;
          continue;
        }
        const int i4 = b + 4 * L;
        const vd x4r = tr[i4], x4i = ti[i4];
        const vd a4r = x4r * w4r - x4i * w4i, a4i = x4r * w4i + x4i * w4r;
        const vd b1r = a1r + a4r, b1i = a1i + a4i, b2r = a2r + a3r, b2i = a2i + a3i;
        const vd d1r = a1r - a4r, d1i = a1i - a4i, d2r = a2r - a3r, d2i = a2i - a3i;
        const vd m1r = a0r + c51 * b1r + c52 * b2r, m1i = a0i + c51 * b1i + c52 * b2i;
        const vd m2r = a0r + c52 * b1r + c51 * b2r, m2i = a0i + c52 * b1i + c51 * b2i;
        const vd n1r = -(s51 * d1i + s52 * d2i), n1i = s51 * d1r + s52 * d2r;
        const vd n2r = -(s52 * d1i - s51 * d2i), n2i = s52 * d1r - s51 * d2r;
        tr[i0] = a0r + b1r + b2r, ti[i0] = a0i + b1i + b2i;
        tr[i1] = m1r + n1r, ti[i1] = m1i + n1i;
        tr[i4] = m1r - n1r, ti[i4] = m1i - n1i;
        tr[i2] = m2r + n2r, ti[i2] = m2i + n2i;
        tr[i3] = m2r - n2r, ti[i3] = m2i - n2i;
      }
    }
  }
}

/** Scratch of 4n vectors, aligned, kept per thread (the JavaScript workers call in parallel). */
vd* gridScratch(int n) {
  thread_local std::vector<double> buf;  // doubles, not vd: the container's code stays baseline (isa_prelude.h)
  const size_t need = static_cast<size_t>(4 * n) * W + W;
  if (buf.size() < need) buf.assign(need, 0.0);
  auto at = reinterpret_cast<uintptr_t>(buf.data());
  at = (at + sizeof(vd) - 1) & ~static_cast<uintptr_t>(sizeof(vd) - 1);
  return reinterpret_cast<vd*>(at);
}

}  // namespace

void fftGridRows(double* re, double* im, int r0, int r1, int sign, const FftPlanView& P) {
  const int n = P.n;
  vd* tr = gridScratch(n);
  vd* ti = tr + n;
  for (int r = r0; r < r1; r += W) {
    const int w = r1 - r < W ? r1 - r : W;
    for (int t = 0; t < n; t++) {
      const size_t src = static_cast<size_t>(P.order[t]);
      vd a{}, b{};
      for (int l = 0; l < w; l++) {
        a[l] = re[static_cast<size_t>(r + l) * n + src];
        b[l] = im[static_cast<size_t>(r + l) * n + src];
      }
      tr[t] = a, ti[t] = b;
    }
    stages(tr, ti, n, sign, P);
    for (int l = 0; l < w; l++) {
      double* dr = re + static_cast<size_t>(r + l) * n;
      double* di = im + static_cast<size_t>(r + l) * n;
      for (int t = 0; t < n; t++) dr[t] = tr[t][l], di[t] = ti[t][l];
    }
  }
}

void fftGridColumns(double* re, double* im, int c0, int c1, const double* kHat, const FftPlanView& P) {
  const int n = P.n;
  vd* tr = gridScratch(n);
  vd* ti = tr + n;
  vd* ur = ti + n;
  vd* ui = ur + n;
  for (int c = c0; c < c1; c += W) {
    const int w = c1 - c < W ? c1 - c : W;
    for (int t = 0; t < n; t++) {
      const size_t src = static_cast<size_t>(P.order[t]) * n + c;
      vd a{}, b{};
      if (w == W) {
        std::memcpy(&a, re + src, sizeof(vd));
        std::memcpy(&b, im + src, sizeof(vd));
      } else {
        for (int l = 0; l < w; l++) a[l] = re[src + l], b[l] = im[src + l];
      }
      tr[t] = a, ti[t] = b;
    }
    stages(tr, ti, n, -1, P);
    // times the spectrum, read back in digit-reversed order for the inverse
    for (int t = 0; t < n; t++) {
      const int from = P.order[t];
      const double* k = kHat + static_cast<size_t>(from) * n + c;
      vd kv{};
      if (w == W) std::memcpy(&kv, k, sizeof(vd));
      else for (int l = 0; l < w; l++) kv[l] = k[l];
      ur[t] = tr[from] * kv, ui[t] = ti[from] * kv;
    }
    stages(ur, ui, n, 1, P);
    for (int t = 0; t < n; t++) {
      const size_t dst = static_cast<size_t>(t) * n + c;
      if (w == W) {
        std::memcpy(re + dst, &ur[t], sizeof(vd));
        std::memcpy(im + dst, &ui[t], sizeof(vd));
      } else {
        for (int l = 0; l < w; l++) re[dst + l] = ur[t][l], im[dst + l] = ui[t][l];
      }
    }
  }
}

void tsneAttract(const int32_t* rowStart, const int32_t* cols, const float* vals, const float* y, int i0, int i1,
                 double* attr) {
  for (int i = i0; i < i1; i++) {
    const float yx = y[2 * i], yy = y[2 * i + 1];
    float fx = 0, fy = 0;
    const int end = rowStart[i + 1];
#pragma omp simd reduction(+ : fx, fy)
    for (int e = rowStart[i]; e < end; e++) {
      const int j = cols[e];
      const float dx = yx - y[2 * j], dy = yy - y[2 * j + 1];
      const float pq = vals[e] / (1.f + dx * dx + dy * dy);
      fx += pq * dx;
      fy += pq * dy;
    }
    attr[2 * i] = fx;
    attr[2 * i + 1] = fy;
  }
}

namespace {

/** The node cell of a point and its 3 + 3 Lagrange weights (nodes at 1/6, 1/2, 5/6 of the cell). */
struct Cell {
  int bx, by;
  double wx[3], wy[3];
};

inline Cell cellOf(double px, double py, double lo0, double lo1, double inv, int nb) {
  Cell c;
  double tx = (px - lo0) * inv, ty = (py - lo1) * inv;
  int bx = static_cast<int>(std::floor(tx)), by = static_cast<int>(std::floor(ty));
  bx = bx < 0 ? 0 : bx >= nb ? nb - 1 : bx;
  by = by < 0 ? 0 : by >= nb ? nb - 1 : by;
  tx -= bx, ty -= by;
  const double ax = tx - 1.0 / 6, bxx = tx - 0.5, cxx = tx - 5.0 / 6;
  const double ay = ty - 1.0 / 6, byy = ty - 0.5, cyy = ty - 5.0 / 6;
  c.bx = bx, c.by = by;
  c.wx[0] = 4.5 * bxx * cxx, c.wx[1] = -9 * ax * cxx, c.wx[2] = 4.5 * ax * bxx;
  c.wy[0] = 4.5 * byy * cyy, c.wy[1] = -9 * ay * cyy, c.wy[2] = 4.5 * ay * byy;
  return c;
}

}  // namespace

void tsneSpread(const double* y, int i0, int i1, double lo0, double lo1, double h, int nb, double cx, double cy,
                double* g) {
  const size_t M = static_cast<size_t>(nb) * 3, MM = M * M;
  std::memset(g, 0, 4 * MM * sizeof(double));
  const double inv = 1 / h;
  for (int i = i0; i < i1; i++) {
    const double px = y[2 * i], py = y[2 * i + 1];
    const Cell c = cellOf(px, py, lo0, lo1, inv, nb);
    const double qx = px - cx, qy = py - cy, q3 = qx * qx + qy * qy;
    for (int r = 0; r < 3; r++) {
      const size_t row = (static_cast<size_t>(c.by) * 3 + r) * M + static_cast<size_t>(c.bx) * 3;
      for (int k = 0; k < 3; k++) {
        const double w = c.wy[r] * c.wx[k];
        const size_t at = row + k;
        g[at] += w;
        g[MM + at] += w * qx;
        g[2 * MM + at] += w * qy;
        g[3 * MM + at] += w * q3;
      }
    }
  }
}

double tsneInterpolate(const double* y, int i0, int i1, double lo0, double lo1, double h, int nb, int N, double cx,
                       double cy, const double* aRe, const double* aIm, const double* bRe, const double* bIm,
                       double* rep) {
  const double inv = 1 / h;
  double z = 0;
  for (int i = i0; i < i1; i++) {
    const double px = y[2 * i], py = y[2 * i + 1];
    const Cell c = cellOf(px, py, lo0, lo1, inv, nb);
    double f0 = 0, f1 = 0, f2 = 0, f3 = 0;
    for (int r = 0; r < 3; r++) {
      const size_t row = (static_cast<size_t>(c.by) * 3 + r) * N + static_cast<size_t>(c.bx) * 3;
      for (int k = 0; k < 3; k++) {
        const double w = c.wy[r] * c.wx[k];
        const size_t at = row + k;
        f0 += w * aRe[at], f1 += w * aIm[at], f2 += w * bRe[at], f3 += w * bIm[at];
      }
    }
    const double qx = px - cx, qy = py - cy;
    rep[2 * i] = qx * f0 - f1;
    rep[2 * i + 1] = qy * f0 - f2;
    z += (1 + qx * qx + qy * qy) * f0 - 2 * (qx * f1 + qy * f2) + f3;
  }
  return z;
}

}  // namespace LAB_ISA
}  // namespace lab
