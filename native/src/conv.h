// 2-D convolution (NHWC, filters HWIO, no dilation) by im2col + GEMM, and its two gradients.
#pragma once
#include <cstdint>

#include "types.h"

namespace lab {
namespace LAB_ISA {

/** y [batch, outH, outW, outC] = x [batch, inH, inW, inC] ⊛ w [kH, kW, inC, outC]. */
void conv2d(const ConvShape& s, const float* x, const float* w, float* y);

/** dx [batch, inH, inW, inC] from dy [batch, outH, outW, outC] (also conv2dTranspose's forward). */
void conv2dBackpropInput(const ConvShape& s, const float* dy, const float* w, float* dx);

/** dw [kH, kW, inC, outC] from x and dy. */
void conv2dBackpropFilter(const ConvShape& s, const float* x, const float* dy, float* dw);

/** Average pooling, shape as a convolution's with inC = outC = channels and k = the window. */
void avgPool(const ConvShape& s, const float* x, float* y);

/** Its gradient by the definition: dy / (the window's cells inside the input) to each of them. */
void avgPoolGrad(const ConvShape& s, const float* dy, float* dx);

/** y[b, r, c, :] = x[b, rows[r], cols[c], :] (nearest-neighbour resizing), inC = outC = channels. */
void gatherPixels(const ConvShape& s, const int32_t* rows, const int32_t* cols, const float* x, float* y);

}  // namespace LAB_ISA
}  // namespace lab
