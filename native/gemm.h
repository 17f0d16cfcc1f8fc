// GEMM: the public batched/strided entry point, and the packed-panel building blocks (microkernel,
// packing) that attention reuses for its tile products.
#pragma once

#include "common.h"

namespace ho {

struct GemmArgs {
  bool trans_a, trans_b;
  i64 m, n, k, batch;
  const float* a; i64 lda, stride_a;  // pointers already include the element offset
  const float* b; i64 ldb, stride_b;
  float* c; i64 ldc, stride_c;
  float alpha, beta;
  const float* bias;  // n values or null
  // Products of A and B rounded to bfloat16 (round to nearest even), summed in fp32: the AVX512_BF16
  // dot-product kernel where the CPU has one (twice the fp32 FMA rate), else the fp32 kernel on
  // rounded operands.
  bool bf16;
};

// Batched C = alpha op(A) op(B) + beta C (+ bias); beta == 0 never reads C.
void gemm(const GemmArgs& g);

// The register-blocked inner kernel of the active ISA. It computes one full mr x nr tile
//   C[0:mr, 0:nr] (row stride ldc) = alpha * Ap Bp + (beta != 0 ? beta C : 0) + (bias ? bias[0:nr] : 0)
// from a packed A panel (kc steps of mr floats) and a packed B panel (kc steps of nr floats, 64-byte
// aligned).
using MicroFn = void (*)(i64 kc, const float* a, const float* b, float* c, i64 ldc, float alpha, float beta,
                         const float* bias);
// The same for a full-width tile with only rows < mr valid: stores rows [0, rows) at less than a full
// tile's cost, or returns false (nothing written) when it has no cheaper kernel for that many rows.
using MicroRowsFn = bool (*)(i64 kc, const float* a, const float* b, float* c, i64 ldc, i64 rows, float alpha,
                             float beta, const float* bias);
// Packs rows [0, rows) x k-steps [0, kc) of a matrix read as src[i * rs + p * ks] into panels of mr
// rows (panel-major, then p, then row); rows past `rows` up to the panel edge are zero.
using PackAFn = void (*)(const float* src, i64 rs, i64 ks, i64 rows, i64 kc, int mr, float* dst);
// Packs k-steps [0, kc) x columns [0, cols) of a matrix read as src[p * ks + j * cs] into panels of nr
// columns; columns past `cols` are zero.
using PackBFn = void (*)(const float* src, i64 ks, i64 cs, i64 kc, i64 cols, int nr, float* dst);

// Packing may write up to kPackSlack floats past the packed data, so pack buffers need that slack.
constexpr i64 kPackSlack = 16;

struct MicroKernel {
  int mr, nr;
  // k steps per packed slot: 1 (fp32 panels, one float per row or column and k step) or 2 (bf16
  // panels: each 32-bit slot holds the bfloat16 pair of k steps 2s (low half) and 2s + 1). The panels,
  // the pack functions' kc and the microkernel's kc count in slots; pack functions take source k steps.
  int kpack;
  MicroFn fn;
  MicroRowsFn rows_fn;  // null: every partial tile goes through a full tile in a buffer
  PackAFn pack_a;
  PackBFn pack_b;
  const char* name;
};
const MicroKernel& micro_kernel();
// The kernel of GemmArgs::bf16: kpack 2 on CPUs with AVX512_BF16, else the fp32 kernel with packers
// that round each value to bfloat16.
const MicroKernel& bf16_kernel();

// x rounded to the nearest bfloat16 (ties to even), as the upper 16 bits of its fp32 pattern; NaN
// stays NaN.
inline uint32_t bf16_bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (u >> 16) | 0x40u;
  return (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
}

// Portable packing (the generic kernel's, and the fallback of the SIMD ones for awkward layouts).
void pack_a_generic(const float* src, i64 rs, i64 ks, i64 rows, i64 kc, int mr, float* dst);
void pack_b_generic(const float* src, i64 ks, i64 cs, i64 kc, i64 cols, int nr, float* dst);

// Runs the microkernel on a tile that may be smaller than mr x nr (rows x cols valid).
void micro_tile(const MicroKernel& mk, i64 kc, const float* ap, const float* bp, float* c, i64 ldc, i64 rows,
                i64 cols, float alpha, float beta, const float* bias);

// Measures fp32 FMA throughput (GFLOP/s) of `threads` threads running independent FMA chains for
// about `ms` milliseconds.
double peak_gflops(int threads, double ms);

}  // namespace ho
