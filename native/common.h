// Shared prelude for every native source: integer aliases, small helpers, aligned scratch buffers
// and the macros that open/close a per-ISA compilation region (see isa_avx2.cc).
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

namespace ho {

using i64 = int64_t;

inline i64 ceil_div(i64 a, i64 b) { return (a + b - 1) / b; }
inline i64 round_up(i64 a, i64 b) { return ceil_div(a, b) * b; }

constexpr float kInf = std::numeric_limits<float>::infinity();

// Allocates n floats, 64-byte aligned; buffers of 1 MiB and more are 2 MiB aligned and marked for
// transparent huge pages (fewer TLB misses when the GEMM streams packed panels). Aborts when out of
// memory.
void* alloc_floats(i64 n);

// A growable 64-byte-aligned float buffer that keeps its memory between uses, so hot kernels do not
// pay for malloc and first-touch page faults on every call. Not copyable.
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::free(data_); }
  float* get(i64 n) {
    if (n > cap_) {
      std::free(data_);
      cap_ = std::max<i64>(n, cap_ * 3 / 2);
      data_ = static_cast<float*>(alloc_floats(cap_));
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  i64 cap_ = 0;
};

// Per-thread scratch slots (index by purpose), reused across calls on the same thread. Slots 0-3 are
// used inside parallel tasks (0: GEMM A panels and gemv gathers, 2: attention tiles, 3: attention dQ),
// slots 1, 4, 5 by the calling thread around them (1: GEMM packed B, 4-5: per-call partial results).
Scratch& thread_scratch(int slot);

}  // namespace ho

// Compile the following functions for a given x86 ISA (GCC and clang). Everything between BEGIN and
// END must only be reached after runtime dispatch has confirmed the CPU supports that ISA.
#if defined(__x86_64__) || defined(__i386__)
#define HO_X86 1
#if defined(__clang__)
#define HO_TARGET_BEGIN(isa) _Pragma(HO_STR(clang attribute push(__attribute__((target(isa))), apply_to = function)))
#define HO_TARGET_END _Pragma("clang attribute pop")
#else
#define HO_TARGET_BEGIN(isa) _Pragma("GCC push_options") _Pragma(HO_STR(GCC target(isa)))
#define HO_TARGET_END _Pragma("GCC pop_options")
#endif
#define HO_STR(x) #x
#else
#define HO_X86 0
#endif
