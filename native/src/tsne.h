// t-SNE's forces (electron/engine/reduce/tsne-fft.ts and fft.ts): the attraction along P, the
// spreading of the charges onto the node grid and the interpolation back, the 2-D FFTs of the
// node grids and the convolution with the kernel's spectrum, row and column blocks at a time. The
// JavaScript kernels call these on each of their worker threads when the addon is loaded there
// (one call = one thread: no pool here); the plan (digit-reversal order, stages, twiddles) is the
// one fft.ts made, so both paths compute the same mixed-radix transform.
#pragma once
#include <cstdint>

namespace lab {

struct FftPlanView {
  int n;
  const int32_t* order;   // order[t]: the input index read into position t
  const int32_t* stages;  // per stage: radix, length L of the transforms it combines, twiddle offset
  int nStages;
  const double* twRe;     // cos, −sin of 2π·r·k/(pL), r = 1..p−1, k = 0..L−1, stage after stage
  const double* twIm;
};

namespace LAB_ISA {

/** Rows [r0, r1) of the n×n complex grid (re, im), in place: sign −1 forward, +1 inverse (no 1/n). */
void fftGridRows(double* re, double* im, int r0, int r1, int sign, const FftPlanView& plan);

/**
 * Columns [c0, c1) of the n×n grid, in place: forward FFT, times the real spectrum kHat (n×n),
 * inverse FFT (no 1/n; kHat carries the scale).
 */
void fftGridColumns(double* re, double* im, int c0, int c1, const double* kHat, const FftPlanView& plan);

/**
 * Attractive forces Σⱼ pᵢⱼ·(yᵢ − yⱼ)/(1 + |yᵢ − yⱼ|²) of rows [i0, i1) into attr (n×2, float64), P in
 * CSR form (rowStart, cols, vals), the layout y as float32 (n×2).
 */
void tsneAttract(const int32_t* rowStart, const int32_t* cols, const float* vals, const float* y, int i0, int i1,
                 double* attr);

/**
 * Spreads the charges 1, y₁, y₂, |y|² (relative to (cx, cy)) of points [i0, i1) of y (n×2, float64)
 * onto the node grid g (4 × M × M, M = 3·nb), zeroed first; box [lo0, lo0 + nb·h] × [lo1, …].
 */
void tsneSpread(const double* y, int i0, int i1, double lo0, double lo1, double h, int nb, double cx, double cy,
                double* g);

/**
 * Interpolates the four potentials (the real and imaginary parts of the two N×N grids) back to
 * points [i0, i1) and writes their repulsion into rep (n×2); returns their share of Z.
 */
double tsneInterpolate(const double* y, int i0, int i1, double lo0, double lo1, double h, int nb, int N, double cx,
                       double cy, const double* aRe, const double* aIm, const double* bRe, const double* bIm,
                       double* rep);

}  // namespace LAB_ISA
}  // namespace lab
