// 2-D convolution (NHWC, filters HWIO, no dilation) by im2col + GEMM, and its two gradients.
#pragma once
#include "types.h"

namespace lab {
namespace LAB_ISA {

/** y [batch, outH, outW, outC] = x [batch, inH, inW, inC] ⊛ w [kH, kW, inC, outC]. */
void conv2d(const ConvShape& s, const float* x, const float* w, float* y);

/** dx [batch, inH, inW, inC] from dy [batch, outH, outW, outC] (also conv2dTranspose's forward). */
void conv2dBackpropInput(const ConvShape& s, const float* dy, const float* w, float* dx);

/** dw [kH, kW, inC, outC] from x and dy. */
void conv2dBackpropFilter(const ConvShape& s, const float* x, const float* dy, float* dw);

}  // namespace LAB_ISA
}  // namespace lab
