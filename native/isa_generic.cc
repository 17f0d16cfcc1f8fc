// The portable kernel set (baseline instruction set of the compiler: SSE2 on x86-64), and simd().
#include <initializer_list>

#include "cpu.h"
#include "simd_kernels.h"
#include "threadpool.h"

namespace ho {
namespace generic {
#define HO_SIMD_NAME "generic"
#include "simd_table.inc"
#undef HO_SIMD_NAME
}  // namespace generic

const SimdKernels& simd() {
  static const SimdKernels* k = [] {
#if HO_X86
    if (active_isa() == Isa::Avx512) return &avx512::kernels;
    if (active_isa() == Isa::Avx2) return &avx2::kernels;
#endif
    return &generic::kernels;
  }();
  return *k;
}

}  // namespace ho
