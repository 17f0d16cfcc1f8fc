// Runtime CPU feature detection (once per process) and the HAPLOOMNI_ISA override.
#include "cpu.h"

#include <cstdlib>
#include <cstring>

namespace ho {

static Isa detect() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  // libgcc's checks include the OS (XSAVE) support for the wider registers.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return Isa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
#endif
  return Isa::Generic;
}

Isa active_isa() {
  static const Isa isa = [] {
    Isa best = detect();
    const char* env = std::getenv("HAPLOOMNI_ISA");
    if (env && *env) {
      Isa want = best;
      if (!std::strcmp(env, "generic")) want = Isa::Generic;
      else if (!std::strcmp(env, "avx2")) want = Isa::Avx2;
      else if (!std::strcmp(env, "avx512")) want = Isa::Avx512;
      if (static_cast<int>(want) < static_cast<int>(best)) best = want;  // never above what the CPU has
    }
    return best;
  }();
  return isa;
}

bool has_avx512_bf16() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static const bool yes = active_isa() == Isa::Avx512 && __builtin_cpu_supports("avx512bf16");
  return yes;
#else
  return false;
#endif
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "generic";
  }
}

}  // namespace ho
