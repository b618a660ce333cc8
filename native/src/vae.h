// One whole training step of an MLP VAE in one call: forward, loss, backward and Adam, with no
// autograd tape in between. The general path (tfjs ops with registered gradients) records ~90
// kernels per step and clones their saved inputs; for the MLP VAE, whose graph is fixed, this is
// the same arithmetic without that bookkeeping. With several threads the batch is cut into parts
// of at least 32 rows, one per thread, each run through the whole network with single-threaded
// products, and their gradients summed in part order (one join per step instead of one per
// product; LAB_FUSED_SPLIT=0 runs the whole batch at once with each product on the pool).
#pragma once
#include <cstddef>
#include <cstdint>

#include "types.h"

namespace lab {

/** The likelihood p(x|z) of the decoder's output (codes shared with the TypeScript side). */
enum class VaeLikelihood { Bernoulli = 0, Gaussian = 1, GaussianLearned = 2 };

/**
 * The network and one batch. Parameters in order: for each encoder hidden layer W [in, h], b [h];
 * μ W, b; log σ² W, b; for each decoder hidden layer W, b; output W [h, d], b [d]; and for
 * GaussianLearned the per-feature log σ² of p(x|z) [d]. Decoder widths mirror the encoder's.
 */
struct VaeStep {
  int M = 0;        // rows in the batch
  int d = 0;        // features
  int latent = 0;   // latent dimensions
  int depth = 0;    // hidden layers of the encoder (and of the decoder)
  const int* hidden = nullptr;  // encoder widths, depth of them
  VaeLikelihood likelihood = VaeLikelihood::Bernoulli;
  const float* x = nullptr;    // M×d
  const float* eps = nullptr;  // M×latent standard-normal noise
  float beta = 1;      // KL weight of the model's objective (the reported loss)
  float klScale = 1;   // KL weight the optimiser sees: β · warm-up factor
  // Adam (tfjs/PyTorch formula) and gradient clipping by global norm (0 = off)
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f, biasCorr1 = 1, biasCorr2 = 1, clipNorm = 0;
  const float* const* p = nullptr;  // parameters, in the order above
  float* const* pOut = nullptr;     // updated parameters (may be p)
  float* const* m = nullptr;        // Adam moments, updated in place
  float* const* v = nullptr;
  double* sums = nullptr;  // out: batch sums of loss (recon + β·KL), recon, KL, −ELBO (recon + KL)
};

/** Number of parameter arrays of a network with `depth` hidden layers. */
inline int vaeParamCount(int depth, VaeLikelihood lik) { return 4 * depth + 6 + (lik == VaeLikelihood::GaussianLearned ? 1 : 0); }

#if defined(LAB_ISA)
namespace LAB_ISA {

/** One training step (see VaeStep). */
void vaeTrainStep(const VaeStep& s);

}  // namespace LAB_ISA
#endif
}  // namespace lab
