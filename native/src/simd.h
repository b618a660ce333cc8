// Vector width and register blocking of the instruction set this unit is compiled for. The kernel
// sources are compiled once per instruction set (isa_*.cc set LAB_ISA, LAB_VW, LAB_MR and the
// target); GCC/Clang vector extensions keep one source for AVX-512, AVX2 and 128-bit SIMD.
#pragma once

#if !defined(LAB_ISA) || !defined(LAB_VW) || !defined(LAB_MR) || !defined(LAB_ISA_ID) || !defined(LAB_ISA_NAME)
#error "kernel sources are compiled through an instruction-set unit (isa_*.cc), not on their own"
#endif

namespace lab {
namespace LAB_ISA {

constexpr int VW = LAB_VW;  // floats per vector
constexpr int MR = LAB_MR;  // rows per GEMM micro-tile: MR×2 accumulators + 2 B vectors fit the registers
constexpr const char* kIsaId = LAB_ISA_ID;
constexpr const char* kIsa = LAB_ISA_NAME;

constexpr int NR = 2 * VW;  // columns per micro-tile

typedef float vf __attribute__((vector_size(VW * 4)));
// The same vector type for loads/stores at any float alignment.
typedef float vfu __attribute__((vector_size(VW * 4), aligned(4)));

inline vf loadu(const float* p) { return *reinterpret_cast<const vfu*>(p); }
inline void storeu(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }

}  // namespace LAB_ISA
}  // namespace lab
