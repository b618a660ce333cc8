// The kernels for AVX2 with FMA (ymm, 16 registers): chosen at load time on CPUs that have both.
// Only the kernels get the target; the rest of the addon stays baseline (see isa_prelude.h).
#if defined(__x86_64__)
#include "isa_prelude.h"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

#define LAB_ISA avx2
#define LAB_ISA_ID "avx2"
#define LAB_ISA_NAME "AVX2"
#define LAB_VW 8
#define LAB_MR 6
#include "isa_unit.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
