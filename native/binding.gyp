{
  "targets": [
    {
      "target_name": "lab_native",
      "sources": ["src/addon.cc", "src/conv.cc", "src/elementwise.cc", "src/gemm.cc", "src/kernels.cc", "src/linalg.cc", "src/pool.cc"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-fopenmp-simd"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-fno-math-errno", "-fopenmp-simd"],
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES"
      },
      "conditions": [
        ["OS=='linux'", { "ldflags": ["-pthread"] }],
        ["target_arch=='x64' or target_arch=='ia32'", {
          "cflags_cc": ["-march=native"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-march=native"] }
        }],
        ["target_arch=='arm64'", {
          "cflags_cc": ["-mcpu=native"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mcpu=native"] }
        }]
      ]
    }
  ]
}
