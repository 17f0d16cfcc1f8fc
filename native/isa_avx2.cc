// The AVX2 + FMA kernel set: the same sources as isa_generic.cc compiled with AVX2/FMA enabled for
// every function in this file only. Reached only after runtime dispatch (simd()) has confirmed the CPU
// supports it. All library headers are included before the target region, so no inline library code
// is instantiated with AVX2 under a name that other files share.
#include <initializer_list>

#include "simd_kernels.h"
#include "threadpool.h"

#if HO_X86
#include <immintrin.h>

HO_TARGET_BEGIN("avx2,fma")
#define HO_SIMD_AVX2 1
namespace ho {
namespace avx2 {
#define HO_SIMD_NAME "avx2"
#include "simd_table.inc"
#undef HO_SIMD_NAME
}  // namespace avx2
}  // namespace ho
HO_TARGET_END
#endif
