// One whole training step of the convolutional VAE (the default image model) in one call: gather
// the batch's pixels through the encoder's conv stages, the MLP, the decoder's upsampling stages,
// the loss, the backward pass, clipping and Adam — the same arithmetic as the general path (tfjs ops
// with registered gradients, ~180 kernel records per step) without its tape, tensors and small
// element-wise kernels. See models/model.ts (createModel, encode, decodeRaw) for the network.
#pragma once
#include <cstddef>

#include "vae.h"

namespace lab {

/**
 * The network and one batch. `vae` holds what the MLP step holds (M, d = H·W·C, latent, depth,
 * hidden, likelihood, x, eps, the scalars, parameters, moments, sums). Parameters in order (the
 * model's own): per encoder stage i conv W [3, 3, c(i), c(i+1)], b [c(i+1)] (c(0) = C); per encoder
 * hidden layer W, b; μ W, b; log σ² W, b; per decoder hidden layer W, b; dec/grid W [h, flat],
 * b [flat] (flat = the smallest map's cells × its channels); per decoder stage i conv W [3, 3,
 * c(S−i), c(S−1−i)], b; and for GaussianLearned the per-feature log σ² of p(x|z) [d].
 */
struct ConvVaeStep {
  VaeStep vae;
  int H = 0, W = 0, C = 0;          // image sides and channels; rows of x are row-major HWC
  int stages = 0;                   // conv + pool stages of the encoder (≥ 1)
  const int* channels = nullptr;    // output channels of each encoder stage, stages of them
};

/** Side of a feature map after a 2×2 'same' average pooling (odd sides round up). */
inline int pooledSide(int side) { return (side + 1) / 2; }

/** Number of parameter arrays. */
inline int convVaeParamCount(int stages, int depth, VaeLikelihood lik) {
  return 4 * stages + 4 * depth + 6 + (lik == VaeLikelihood::GaussianLearned ? 1 : 0);
}

#if defined(LAB_ISA)
namespace LAB_ISA {

/** One training step (see ConvVaeStep). */
void convVaeTrainStep(const ConvVaeStep& s);

}  // namespace LAB_ISA
#endif
}  // namespace lab
