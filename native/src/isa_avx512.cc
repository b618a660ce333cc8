// The kernels for AVX-512 (F, DQ, BW, VL; zmm, 32 registers): chosen at load time on CPUs and
// operating systems that support them. Only the kernels get the target (see isa_prelude.h).
#if defined(__x86_64__)
#include "isa_prelude.h"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")
#endif

#define LAB_ISA avx512
#define LAB_ISA_ID "avx512"
#define LAB_ISA_NAME "AVX-512"
#define LAB_VW 16
#define LAB_MR 12  // 12×2 accumulators + 2 B vectors of 32 registers
#include "isa_unit.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
