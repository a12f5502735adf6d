{
  "targets": [
    {
      "target_name": "stylegan_native",
      "sources": ["src/addon.cc", "src/conv.cc", "src/depthwise.cc", "src/matmul.cc", "src/elementwise.cc", "src/parallel.cc", "src/fused.cc", "src/direct.cc", "src/filtered_lrelu.cc", "src/augment_geom.cc"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-O3", "-march=native", "-std=c++17", "-fno-math-errno", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-lopenblas"]
    }
  ]
}
