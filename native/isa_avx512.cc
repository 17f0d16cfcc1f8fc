// The AVX-512 kernel set: the same sources as isa_generic.cc compiled with AVX-512F (16-float vectors,
// masked tail loads) for every function in this file only. Reached only after runtime dispatch
// (simd()) has confirmed the CPU supports it. All library headers are included before the target
// region, so no inline library code is instantiated with AVX-512 under a name that other files share.
#include <initializer_list>

#include "simd_kernels.h"
#include "threadpool.h"

#if HO_X86
#include <immintrin.h>

HO_TARGET_BEGIN("avx512f,avx2,fma")
#define HO_SIMD_AVX512 1
namespace ho {
namespace avx512 {
#define HO_SIMD_NAME "avx512"
#include "simd_table.inc"
#undef HO_SIMD_NAME
}  // namespace avx512
}  // namespace ho
HO_TARGET_END
#endif
