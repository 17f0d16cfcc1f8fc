{
  "targets": [
    {
      "target_name": "haploomni",
      "sources": [
        "native/addon.cc",
        "native/conv.cc",
        "native/cpu.cc",
        "native/gemm.cc",
        "native/isa_avx2.cc",
        "native/isa_avx512.cc",
        "native/isa_generic.cc",
        "native/layout.cc",
        "native/microkernels.cc",
        "native/threadpool.cc"
      ],
      "cflags!": ["-fno-omit-frame-pointer", "-O2"],
      "cflags_cc!": ["-std=gnu++17", "-std=gnu++14", "-O2"],
      "cflags": ["-O3", "-fno-math-errno", "-ffp-contract=fast", "-fomit-frame-pointer", "-Wno-psabi"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-ffp-contract=fast", "-fomit-frame-pointer", "-Wno-psabi"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-fno-math-errno"]
      }
    }
  ]
}
