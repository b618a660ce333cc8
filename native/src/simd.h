// Vector width and register blocking for the machine the addon is compiled on (-march=native at
// install time). GCC/Clang vector extensions keep one source for AVX-512, AVX2 and 128-bit SIMD.
#pragma once

namespace lab {

#if defined(__AVX512F__)
constexpr int VW = 16;  // floats per vector (zmm)
constexpr int MR = 12;  // rows per micro-tile: 12×2 accumulators + 2 B vectors of 32 registers
constexpr const char* kIsa = "AVX-512";
#elif defined(__AVX2__) || defined(__AVX__)
constexpr int VW = 8;   // ymm, 16 registers
constexpr int MR = 6;
constexpr const char* kIsa = "AVX2";
#elif defined(__aarch64__)
constexpr int VW = 4;   // NEON, 32 registers
constexpr int MR = 12;
constexpr const char* kIsa = "NEON";
#else
constexpr int VW = 4;   // SSE, 16 registers
constexpr int MR = 6;
constexpr const char* kIsa = "SSE";
#endif

constexpr int NR = 2 * VW;  // columns per micro-tile

typedef float vf __attribute__((vector_size(VW * 4)));
// The same vector type for loads/stores at any float alignment.
typedef float vfu __attribute__((vector_size(VW * 4), aligned(4)));

inline vf loadu(const float* p) { return *reinterpret_cast<const vfu*>(p); }
inline void storeu(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }

}  // namespace lab
