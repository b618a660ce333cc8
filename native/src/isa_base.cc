// The kernels for the architecture's baseline (x86-64: SSE2; arm64: NEON, part of ARMv8-A;
// elsewhere: portable vector code). Always safe: dispatch.cc falls back to it on any CPU.
#include "isa_prelude.h"

#define LAB_ISA base
#define LAB_ISA_ID "baseline"
#if defined(__x86_64__)
#define LAB_VW 4  // xmm
#define LAB_MR 6  // 16 registers
#define LAB_ISA_NAME "SSE2"
#elif defined(__aarch64__)
#define LAB_VW 4   // NEON
#define LAB_MR 12  // 32 registers
#define LAB_ISA_NAME "NEON"
#else
#define LAB_VW 4
#define LAB_MR 6
#define LAB_ISA_NAME "generic"
#endif

#include "isa_unit.h"
