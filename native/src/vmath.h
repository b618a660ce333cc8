// Vectorised exp and log1p on [0, 1] for the loss kernels (no libm calls in inner loops).
#pragma once
#include "simd.h"

namespace lab {
namespace LAB_ISA {

typedef int vi __attribute__((vector_size(VW * 4)));

inline vf splat(float s) { return vf{} + s; }
inline vf vmax(vf a, vf b) { return a > b ? a : b; }
inline vf vmin(vf a, vf b) { return a < b ? a : b; }
inline vf vabs(vf a) { return a < 0 ? -a : a; }

/** e^x, relative error ~2e-7; +inf above 88.72, 0 below −87.33 (no denormals). */
inline vf vexp(vf x) {
  const vf in = x;
  x = vmin(vmax(x, splat(-87.3f)), splat(88.3f));
  // x = n·ln2 + r, |r| ≤ ln2/2; round to nearest with the 1.5·2^23 trick.
  const vf magic = splat(12582912.f);
  vf n = (x * 1.44269504088896341f + magic) - magic;
  vf r = x - n * 0.693359375f;   // ln2 split in two parts for accuracy
  r = r + n * 2.12194440e-4f;
  vf p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.f;
  vi bits = (__builtin_convertvector(n, vi) + 127) << 23;
  vf y = p * (vf)bits;
  y = in > 88.72f ? splat(__builtin_inff()) : y;
  y = in < -87.33f ? vf{} : y;
  return in != in ? in : y;
}

/** log(1 + u) for u in [0, 1]: 2·atanh(s), s = u/(2+u) ≤ 1/3 (odd series, relative error < 1e-7). */
inline vf vlog1pUnit(vf u) {
  vf s = u / (u + 2.f);
  vf s2 = s * s;
  vf p = splat(2.f / 15);
  p = p * s2 + 2.f / 13;
  p = p * s2 + 2.f / 11;
  p = p * s2 + 2.f / 9;
  p = p * s2 + 2.f / 7;
  p = p * s2 + 2.f / 5;
  p = p * s2 + 2.f / 3;
  p = p * s2 + 2.f;
  return p * s;
}

/** Natural log for x > 0 (Cephes logf: x = 2^e·m, m in [√½, √2), odd-even polynomial). */
inline vf vlog(vf x) {
  vi bits = (vi)x;
  vi e = ((bits >> 23) & 0xff) - 126;
  vf m = (vf)((bits & 0x007fffff) | 0x3f000000);  // mantissa in [0.5, 1)
  vi small = m < 0.70710678f;
  m = small ? m + m : m;
  vf ef = __builtin_convertvector(small ? e - 1 : e, vf);
  m = m - 1.f;
  vf z = m * m;
  vf p = splat(7.0376836292e-2f);
  p = p * m - 1.1514610310e-1f;
  p = p * m + 1.1676998740e-1f;
  p = p * m - 1.2420140846e-1f;
  p = p * m + 1.4249322787e-1f;
  p = p * m - 1.6668057665e-1f;
  p = p * m + 2.0000714765e-1f;
  p = p * m - 2.4999993993e-1f;
  p = p * m + 3.3333331174e-1f;
  vf y = p * m * z;
  y = y + ef * -2.12194440e-4f;
  y = y - z * 0.5f;
  vf r = m + y + ef * 0.693359375f;
  // log(0) = −inf, log(negative or NaN) = NaN, log(inf) = inf
  r = x == 0.f ? splat(-__builtin_inff()) : r;
  r = x < 0.f || x != x ? splat(__builtin_nanf("")) : r;
  return x == __builtin_inff() ? x : r;
}

inline float hsum(vf v) {
  float s = 0;
  for (int i = 0; i < VW; i++) s += v[i];
  return s;
}

}  // namespace LAB_ISA
}  // namespace lab
