{
  "targets": [
    {
      "target_name": "lab_native",
      "sources": ["src/addon.cc", "src/conv.cc", "src/elementwise.cc", "src/gemm.cc", "src/kernels.cc", "src/linalg.cc", "src/pool.cc"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-fopenmp-simd"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-mcpu=native", "-fno-math-errno", "-fopenmp-simd"],
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES"
      },
      "conditions": [
        ["OS=='linux'", { "ldflags": ["-pthread"] }]
      ]
    }
  ]
}
