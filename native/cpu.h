// Runtime CPU dispatch: which instruction-set level this process uses.
#pragma once

namespace ho {

enum class Isa { Generic = 0, Avx2 = 1, Avx512 = 2 };

// The best level the CPU (and OS) supports, lowered by env HAPLOOMNI_ISA=generic|avx2|avx512 if set.
// Decided once, on first call.
Isa active_isa();
const char* isa_name(Isa isa);
// Whether the active level is AVX-512 and the CPU has its bfloat16 dot products (AVX512_BF16).
bool has_avx512_bf16();

}  // namespace ho
