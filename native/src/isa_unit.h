// The body of an instruction-set unit: every kernel source, compiled in namespace lab::LAB_ISA,
// and the table of their entry points that dispatch.cc chooses from. Included by isa_*.cc after
// they set the target; nothing else includes the kernel sources.
#include "conv.cc"
#include "elementwise.cc"
#include "gemm.cc"
#include "kernels.cc"
#include "linalg.cc"
#include "tsne.cc"
#include "vae.cc"
#include "conv_vae.cc"  // after conv.cc and vae.cc: it composes their kernels and helpers

namespace lab {
namespace LAB_ISA {

extern const Kernels table;
const Kernels table = {
    kIsaId, kIsa, VW, sgemm, denseForward, denseBackward, sigmoidBce, sigmoidBceGrad, adamStep, gatherRows, binary, unary,
    sumInner, sumOuter, covariance, symmetricEigen, orthonormalizeRows, conv2d, conv2dBackpropInput, conv2dBackpropFilter,
    vaeTrainStep, avgPool, avgPoolGrad, gatherPixels, fftGridRows, fftGridColumns, tsneAttract, tsneSpread, tsneInterpolate,
    convVaeTrainStep,
};

}  // namespace LAB_ISA
}  // namespace lab
