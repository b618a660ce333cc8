# The addon is built for its architecture's baseline (x86-64: SSE2; arm64: ARMv8-A), never for the
# CPU of the machine that builds it, so a build or a package made anywhere runs on any CPU of the
# architecture. The wide kernels are the same sources compiled again under an AVX2 or AVX-512
# target (src/isa_avx2.cc, src/isa_avx512.cc); src/dispatch.cc picks one when the addon loads.
# arm64: atomics go through libgcc's outline helpers, which use LSE instructions only where the CPU
# has them (ARMv8.0 cores such as the Cortex-A72 lack them).
# Windows: the kernels use GCC/Clang vector extensions, which MSVC does not compile; native/build.mjs
# skips the addon there and the engine uses its wasm backend (src/types.h stops an MSVC build early).
{
  "targets": [
    {
      "target_name": "lab_native",
      "sources": ["src/addon.cc", "src/dispatch.cc", "src/pool.cc", "src/isa_base.cc"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-fopenmp-simd"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-fopenmp-simd"],
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES"
      },
      "conditions": [
        ["OS=='linux'", { "ldflags": ["-pthread"] }],
        ["target_arch=='x64'", {
          "sources": ["src/isa_avx2.cc", "src/isa_avx512.cc"],
          "cflags_cc": ["-march=x86-64", "-mtune=generic"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-march=x86-64", "-mtune=generic"] }
        }],
        ["target_arch=='arm64' and OS=='linux'", {
          "cflags_cc": ["-march=armv8-a", "-moutline-atomics"]
        }]
      ]
    }
  ]
}
