// GEMM microkernels, one per ISA, selected once at runtime (micro_kernel()), and the bfloat16 kernel and
// packers of GemmArgs::bf16 (bf16_kernel()).
//
// Register blocking (AVX2, 6 x 16): the C tile lives in 12 ymm accumulators c[r][h] (row r = 0..5,
// half h = columns 8h..8h+7). Each k step loads two 8-float vectors of the packed B panel, broadcasts
// the 6 packed A values one at a time, and issues 12 independent FMAs: 2 B loads + 6 broadcasts per
// 12 FMAs, 15 of the 16 ymm registers in use. The AVX-512 kernel uses 16-float zmm halves and twice the
// rows (12 x 32: 24 accumulators, 2 B loads per 24 FMAs that take their A values as broadcasts from
// memory), which halves the B traffic per flop; measured 10-18% faster than 6 x 32 on GEMMs whose packed B outgrows L2. The generic kernel (any
// CPU, SSE2 on x86-64) is 4 x 8 in 128-bit vectors.
#include "gemm.h"

#include <chrono>
#include <thread>

#include "cpu.h"

#if HO_X86
#include <immintrin.h>
#endif

namespace ho {

namespace {

typedef float v4f __attribute__((vector_size(16)));

// Portable bfloat16 packers (defined below; the AVX-512 ones fall back to them for awkward layouts).
void pack_a_bf16(const float* src, i64 rs, i64 ks, i64 rows, i64 kc, int mr, float* out);
void pack_b_bf16(const float* src, i64 ks, i64 cs, i64 kc, i64 cols, int nr, float* out);

v4f load4(const float* p) { v4f v; std::memcpy(&v, p, sizeof v); return v; }
void store4(float* p, v4f v) { std::memcpy(p, &v, sizeof v); }

void micro_generic(i64 kc, const float* a, const float* b, float* c, i64 ldc, float alpha, float beta,
                   const float* bias) {
  constexpr int MR = 4;
  v4f acc[MR][2] = {};
  for (i64 p = 0; p < kc; p++, a += MR, b += 8) {
    v4f b0 = load4(b), b1 = load4(b + 4);
    for (int r = 0; r < MR; r++) {
      acc[r][0] += a[r] * b0;
      acc[r][1] += a[r] * b1;
    }
  }
  for (int r = 0; r < MR; r++) {
    for (int h = 0; h < 2; h++) {
      float* cp = c + r * ldc + 4 * h;
      v4f v = alpha * acc[r][h];
      if (beta != 0) v += beta * load4(cp);
      if (bias) v += load4(bias + 4 * h);
      store4(cp, v);
    }
  }
}

#if HO_X86

#define HO_AVX2 __attribute__((target("avx2,fma")))
#define HO_AVX512 __attribute__((target("avx512f,avx2,fma")))

HO_AVX2 void micro_avx2(i64 kc, const float* a, const float* b, float* c, i64 ldc, float alpha, float beta,
                        const float* bias) {
  for (int r = 0; r < 6; r++) _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 15), _MM_HINT_T0);
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#pragma GCC unroll 4
  for (i64 p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 av;
    av = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(av, b0, c00); c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(av, b0, c10); c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(av, b0, c20); c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(av, b0, c30); c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(av, b0, c40); c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(av, b0, c50); c51 = _mm256_fmadd_ps(av, b1, c51);
    a += 6;
    b += 16;
  }
  // Epilogue: alpha, beta (C is not read when beta == 0) and bias, row by row.
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  const bool has_beta = beta != 0;
  const __m256 z = _mm256_setzero_ps();
  const __m256 bias0 = bias ? _mm256_loadu_ps(bias) : z, bias1 = bias ? _mm256_loadu_ps(bias + 8) : z;
  auto row = [&](float* cr, __m256 x0, __m256 x1) HO_AVX2 {
    x0 = _mm256_fmadd_ps(va, x0, bias0);
    x1 = _mm256_fmadd_ps(va, x1, bias1);
    if (has_beta) {
      x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr), x0);
      x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr + 8), x1);
    }
    _mm256_storeu_ps(cr, x0);
    _mm256_storeu_ps(cr + 8, x1);
  };
  row(c, c00, c01);
  row(c + ldc, c10, c11);
  row(c + 2 * ldc, c20, c21);
  row(c + 3 * ldc, c30, c31);
  row(c + 4 * ldc, c40, c41);
  row(c + 5 * ldc, c50, c51);
}

// Transposes the 8x8 block held in r[0..7] (row q -> column q).
HO_AVX2 inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20); r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20); r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31); r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31); r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// A panels of 6 rows (AVX2 kernel) or 12 rows (AVX-512 kernel). Rows contiguous in k: 8 k-steps at a
// time through 8x8 transposes of 8-row groups (missing rows zero), each k-step's group stored as 8
// floats of which the next store overwrites the excess. Transposed A (rows contiguous): 8 + 4 float
// copies per k-step, likewise overlapping. Other layouts: portable loop.
HO_AVX2 void pack_a_avx2(const float* src, i64 rs, i64 ks, i64 rows, i64 kc, int mr, float* dst) {
  for (i64 i0 = 0; i0 < rows; i0 += mr, dst += kc * mr) {
    const i64 h = std::min<i64>(mr, rows - i0);
    if ((mr == 6 || mr == 12) && h == mr && ks == 1) {
      const float* s = src + i0 * rs;
      i64 p = 0;
      for (; p + 8 <= kc; p += 8) {
        for (int g = 0; g < mr; g += 8) {  // rows g .. min(g + 8, mr)
          __m256 r[8];
          for (int q = 0; q < 8; q++) r[q] = g + q < mr ? _mm256_loadu_ps(s + (g + q) * rs + p) : _mm256_setzero_ps();
          transpose8(r);
          if (mr - g >= 8) {
            for (int c = 0; c < 8; c++) _mm256_storeu_ps(dst + (p + c) * mr + g, r[c]);
          } else if (g == 0) {  // mr == 6: the last 2 floats of each store are overwritten by the next
            for (int c = 0; c < 8; c++) _mm256_storeu_ps(dst + (p + c) * mr, r[c]);
          } else {  // mr == 12, rows 8..11
            for (int c = 0; c < 8; c++) _mm_storeu_ps(dst + (p + c) * mr + g, _mm256_castps256_ps128(r[c]));
          }
        }
      }
      for (; p < kc; p++)
        for (int q = 0; q < mr; q++) dst[p * mr + q] = s[q * rs + p];
    } else if (mr == 6 && rs == 1 && i0 + 8 <= rows) {
      for (i64 p = 0; p < kc; p++) _mm256_storeu_ps(dst + p * 6, _mm256_loadu_ps(src + p * ks + i0));
    } else if (mr == 12 && rs == 1 && h == 12) {
      for (i64 p = 0; p < kc; p++) {
        _mm256_storeu_ps(dst + p * 12, _mm256_loadu_ps(src + p * ks + i0));
        _mm_storeu_ps(dst + p * 12 + 8, _mm_loadu_ps(src + p * ks + i0 + 8));
      }
    } else {
      pack_a_generic(src + i0 * rs, rs, ks, h, kc, mr, dst);
    }
  }
}

// B panels of nr (a multiple of 8) columns. Rows contiguous: the full panels are filled row by row,
// so that each source row is read once from left to right, with the row kPackBAhead further down
// prefetched: from L3 that packs 1.6-2x faster than panel by panel (2 MiB of B, 256-row blocks),
// which reads 128 bytes of every row per panel. Columns contiguous (transposed B): 8x8 transposes.
// Other layouts: portable loop.
constexpr i64 kPackBAhead = 4;
HO_AVX2 void pack_b_avx2(const float* src, i64 ks, i64 cs, i64 kc, i64 cols, int nr, float* dst) {
  i64 j0 = 0;
  if (cs == 1 && cols >= nr) {
    const i64 full = cols / nr;
    for (i64 p = 0; p < kc; p++) {
      const float* s = src + p * ks;
      if (p + kPackBAhead < kc)  // (no pointer past the block's rows)
        for (i64 l = 0; l < full * nr; l += 16) _mm_prefetch(reinterpret_cast<const char*>(s + kPackBAhead * ks + l), _MM_HINT_T0);
      for (i64 q = 0; q < full; q++)
        for (int c = 0; c < nr; c += 8) _mm256_store_ps(dst + q * kc * nr + p * nr + c, _mm256_loadu_ps(s + q * nr + c));
    }
    j0 = full * nr;
    dst += full * kc * nr;
  }
  for (; j0 < cols; j0 += nr, dst += kc * nr) {
    const i64 w = std::min<i64>(nr, cols - j0);
    if (w == nr && ks == 1) {
      i64 p = 0;
      for (; p + 8 <= kc; p += 8) {
        for (int c0 = 0; c0 < nr; c0 += 8) {
          __m256 r[8];
          for (int q = 0; q < 8; q++) r[q] = _mm256_loadu_ps(src + (j0 + c0 + q) * cs + p);
          transpose8(r);
          for (int c = 0; c < 8; c++) _mm256_store_ps(dst + (p + c) * nr + c0, r[c]);
        }
      }
      for (; p < kc; p++)
        for (int j = 0; j < nr; j++) dst[p * nr + j] = src[(j0 + j) * cs + p];
    } else {
      pack_b_generic(src + j0 * cs, ks, cs, kc, w, nr, dst);
    }
  }
}

// The first R rows of a 12 x 32 tile from a packed A panel of stride 12: R accumulator pairs acc[r][h];
// per k step 2 B loads and R broadcasts feed 2R FMAs. Stores rows [0, rows) only, rows <= R. R = 12 is
// the microkernel; R = 4 and 8 serve the last row panel of an m that is not a multiple of 12.
template <int R>
HO_AVX512 __attribute__((always_inline)) inline void micro_rows(i64 kc, const float* a, const float* b, float* c,
                                                               i64 ldc, i64 rows, float alpha, float beta,
                                                               const float* bias) {
  __m512 acc[R][2];
  for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
#pragma GCC unroll 2
  for (i64 p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
    for (int r = 0; r < R; r++) {
      const __m512 av = _mm512_set1_ps(a[r]);
      acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
    }
    a += 12;
    b += 32;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const __m512 z = _mm512_setzero_ps();
  const __m512 bias0 = bias ? _mm512_loadu_ps(bias) : z, bias1 = bias ? _mm512_loadu_ps(bias + 16) : z;
  for (int r = 0; r < R && r < rows; r++) {
    float* cr = c + r * ldc;
    __m512 x0 = _mm512_fmadd_ps(va, acc[r][0], bias0), x1 = _mm512_fmadd_ps(va, acc[r][1], bias1);
    if (beta != 0) {
      x0 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(cr), x0);
      x1 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(cr + 16), x1);
    }
    _mm512_storeu_ps(cr, x0);
    _mm512_storeu_ps(cr + 16, x1);
  }
}

// 12 x 32: 24 zmm accumulators (zmm0-23), the two B vectors of a k step in zmm24-25, and each A value
// fed to its two FMAs as an embedded broadcast ({1to16} memory operand), so a k step is 2 loads + 24
// FMAs with no separate broadcast instructions. In inline assembly because GCC turns the intrinsics'
// shared _mm512_set1_ps into one vbroadcastss per row. On an AMD EPYC (Zen 4), over 8 x 32 tiles of
// an L2-resident block (kc 256), it ran 95-101% of one core's FMA peak against 91-95% for the
// intrinsics version.
// The bf16 kernel is the same loop with vdpbf16ps: a slot of A (12 x 32 bits) and of B (32 x 32 bits)
// holds bfloat16 pairs of two k steps, and each instruction adds both products to the fp32 lane
// (acc[j] += a[2s] b[2s][j] + a[2s+1] b[2s+1][j]): twice the fp32 FMA's flops per instruction.
#define HO_ZERO2(i, j) "vmovaps %%zmm0, %%zmm" #i "\n\tvmovaps %%zmm0, %%zmm" #j "\n\t"
#define HO_FMA_ROW(op, off, x0, x1)                                   \
  op " " #off "(%[a])%{1to16%}, %%zmm24, %%zmm" #x0 "\n\t"           \
  op " " #off "(%[a])%{1to16%}, %%zmm25, %%zmm" #x1 "\n\t"
// C row = alpha acc + bias (+ beta C), then the next row.
#define HO_STORE_ROW_BETA(x0, x1)                                                                           \
  "vfmadd213ps %[bias0], %[va], %%zmm" #x0 "\n\tvfmadd231ps (%[c]), %[vb], %%zmm" #x0 "\n\t"              \
  "vmovups %%zmm" #x0 ", (%[c])\n\t"                                                                       \
  "vfmadd213ps %[bias1], %[va], %%zmm" #x1 "\n\tvfmadd231ps 64(%[c]), %[vb], %%zmm" #x1 "\n\t"            \
  "vmovups %%zmm" #x1 ", 64(%[c])\n\tadd %[ldcb], %[c]\n\t"
#define HO_STORE_ROW(x0, x1)                                                                                 \
  "vfmadd213ps %[bias0], %[va], %%zmm" #x0 "\n\tvmovups %%zmm" #x0 ", (%[c])\n\t"                         \
  "vfmadd213ps %[bias1], %[va], %%zmm" #x1 "\n\tvmovups %%zmm" #x1 ", 64(%[c])\n\tadd %[ldcb], %[c]\n\t"
#define HO_MICRO_12X32(op)                                                                                   \
  asm volatile(                                                                                              \
      "vpxord %%zmm0, %%zmm0, %%zmm0\n\tvmovaps %%zmm0, %%zmm1\n\t"                                          \
      HO_ZERO2(2, 3) HO_ZERO2(4, 5) HO_ZERO2(6, 7) HO_ZERO2(8, 9) HO_ZERO2(10, 11) HO_ZERO2(12, 13)            \
      HO_ZERO2(14, 15) HO_ZERO2(16, 17) HO_ZERO2(18, 19) HO_ZERO2(20, 21) HO_ZERO2(22, 23)                    \
      "test %[k], %[k]\n\tjle 2f\n\t"                                                                        \
      ".p2align 5\n"                                                                                        \
      "1:\n\t"                                                                                             \
      "vmovaps (%[b]), %%zmm24\n\tvmovaps 64(%[b]), %%zmm25\n\t"                                           \
      HO_FMA_ROW(op, 0, 0, 1) HO_FMA_ROW(op, 4, 2, 3) HO_FMA_ROW(op, 8, 4, 5) HO_FMA_ROW(op, 12, 6, 7)       \
      HO_FMA_ROW(op, 16, 8, 9) HO_FMA_ROW(op, 20, 10, 11) HO_FMA_ROW(op, 24, 12, 13)                         \
      HO_FMA_ROW(op, 28, 14, 15) HO_FMA_ROW(op, 32, 16, 17) HO_FMA_ROW(op, 36, 18, 19)                       \
      HO_FMA_ROW(op, 40, 20, 21) HO_FMA_ROW(op, 44, 22, 23)                                                  \
      "add $48, %[a]\n\tsub $-128, %[b]\n\tdec %[k]\n\tjnz 1b\n"                                          \
      "2:\n\t"                                                                                             \
      "test %[hb], %[hb]\n\tjz 3f\n\t"                                                                       \
      HO_STORE_ROW_BETA(0, 1) HO_STORE_ROW_BETA(2, 3) HO_STORE_ROW_BETA(4, 5) HO_STORE_ROW_BETA(6, 7)         \
      HO_STORE_ROW_BETA(8, 9) HO_STORE_ROW_BETA(10, 11) HO_STORE_ROW_BETA(12, 13) HO_STORE_ROW_BETA(14, 15)   \
      HO_STORE_ROW_BETA(16, 17) HO_STORE_ROW_BETA(18, 19) HO_STORE_ROW_BETA(20, 21) HO_STORE_ROW_BETA(22, 23) \
      "jmp 4f\n"                                                                                            \
      "3:\n\t"                                                                                             \
      HO_STORE_ROW(0, 1) HO_STORE_ROW(2, 3) HO_STORE_ROW(4, 5) HO_STORE_ROW(6, 7) HO_STORE_ROW(8, 9)          \
      HO_STORE_ROW(10, 11) HO_STORE_ROW(12, 13) HO_STORE_ROW(14, 15) HO_STORE_ROW(16, 17) HO_STORE_ROW(18, 19) \
      HO_STORE_ROW(20, 21) HO_STORE_ROW(22, 23)                                                              \
      "4:\n\t"                                                                                             \
      : [a] "+r"(a), [b] "+r"(b), [k] "+r"(kc), [c] "+r"(c)                                                   \
      : [va] "v"(va), [vb] "v"(vb), [bias0] "v"(bias0), [bias1] "v"(bias1), [ldcb] "r"(ldcb), [hb] "r"(has_beta) \
      : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", \
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21",       \
        "xmm22", "xmm23", "xmm24", "xmm25")

template <bool kBf16>
HO_AVX512 __attribute__((always_inline)) inline void micro_12x32(i64 kc, const float* a, const float* b, float* c,
                                                                i64 ldc, float alpha, float beta, const float* bias) {
  for (int r = 0; r < 12; r++) {  // every line of the C rows (32 floats span two or three)
    const char* row = reinterpret_cast<const char*>(c + r * ldc);
    _mm_prefetch(row, _MM_HINT_T0);
    _mm_prefetch(row + 64, _MM_HINT_T0);
    _mm_prefetch(row + 127, _MM_HINT_T0);
  }
  const __m512 z = _mm512_setzero_ps(), va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const __m512 bias0 = bias ? _mm512_loadu_ps(bias) : z, bias1 = bias ? _mm512_loadu_ps(bias + 16) : z;
  const i64 ldcb = ldc * static_cast<i64>(sizeof(float)), has_beta = beta != 0;  // beta == 0 never reads C
  if constexpr (kBf16) HO_MICRO_12X32("vdpbf16ps");
  else HO_MICRO_12X32("vfmadd231ps");
}
#undef HO_ZERO2
#undef HO_FMA_ROW
#undef HO_STORE_ROW_BETA
#undef HO_STORE_ROW
#undef HO_MICRO_12X32

HO_AVX512 void micro_avx512(i64 kc, const float* a, const float* b, float* c, i64 ldc, float alpha, float beta,
                            const float* bias) {
  micro_12x32<false>(kc, a, b, c, ldc, alpha, beta, bias);
}
HO_AVX512 void micro_bf16_avx512(i64 kc, const float* a, const float* b, float* c, i64 ldc, float alpha, float beta,
                                 const float* bias) {
  micro_12x32<true>(kc, a, b, c, ldc, alpha, beta, bias);
}

#define HO_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,avx2,fma")))

// 32 bf16 of [bf16(lo[0..15]), bf16(hi[0..15])] reordered to the 16 words (lo[j], hi[j]): bfloat16
// pairs of two k steps, column (or row) j in word j.
HO_AVX512_BF16 inline __m512i bf16_interleave(__m512 lo, __m512 hi) {
  const __m512i order = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                                         21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  return _mm512_permutexvar_epi16(order, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
}

// bfloat16 A panels (12 rows; see pack_a_bf16). Rows contiguous in k: per 8-row group and 16 k steps,
// each row's 16 floats become 8 words (slots) and an 8 x 8 transpose of words gives each slot's 8 rows.
// Transposed A (each k step's rows contiguous): per slot, the two k steps' 12 rows interleaved.
HO_AVX512_BF16 void pack_a_bf16_avx512(const float* src, i64 rs, i64 ks, i64 rows, i64 kc, int mr, float* out) {
  const i64 slots = (kc + 1) / 2;
  for (i64 i0 = 0; i0 < rows; i0 += mr, out += slots * mr) {
    const i64 h = std::min<i64>(mr, rows - i0);
    if (mr == 12 && h == 12 && ks == 1) {
      const float* s = src + i0 * rs;
      i64 p = 0;
      for (; p + 16 <= kc; p += 16) {
        for (int g = 0; g < 12; g += 8) {
          __m256 r[8];
          for (int q = 0; q < 8; q++)
            r[q] = g + q < 12 ? _mm256_castsi256_ps((__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(s + (g + q) * rs + p))) : _mm256_setzero_ps();
          transpose8(r);  // r[c] = slot p / 2 + c of rows g .. g + 7
          float* d = out + (p / 2) * 12 + g;
          if (g == 0) for (int c = 0; c < 8; c++) _mm256_storeu_ps(d + c * 12, r[c]);
          else for (int c = 0; c < 8; c++) _mm_storeu_ps(d + c * 12, _mm256_castps256_ps128(r[c]));
        }
      }
      if (p < kc) pack_a_bf16(s + p, rs, 1, 12, kc - p, 12, out + (p / 2) * 12);  // p even: the remaining slots
    } else if (mr == 12 && rs == 1) {
      const __mmask16 rowmask = static_cast<__mmask16>((1u << h) - 1);
      for (i64 q = 0; q < slots; q++) {
        const float* s0 = src + 2 * q * ks + i0;
        const __m512 lo = _mm512_maskz_loadu_ps(rowmask, s0);
        const __m512 hi = 2 * q + 1 < kc ? _mm512_maskz_loadu_ps(rowmask, s0 + ks) : _mm512_setzero_ps();
        _mm512_mask_storeu_epi32(out + q * 12, 0x0fff, bf16_interleave(lo, hi));  // rows h..11 are zero
      }
    } else {
      pack_a_bf16(src + i0 * rs, rs, ks, h, kc, mr, out);
    }
  }
}

// bfloat16 B panels (32 columns; see pack_b_bf16). Rows contiguous: per slot, the two k steps' 32
// columns interleaved. Columns contiguous (transposed B): per 8 columns and 16 k steps, each column's
// 16 floats become 8 words and an 8 x 8 transpose of words gives each slot's 8 columns.
HO_AVX512_BF16 void pack_b_bf16_avx512(const float* src, i64 ks, i64 cs, i64 kc, i64 cols, int nr, float* out) {
  const i64 slots = (kc + 1) / 2;
  for (i64 j0 = 0; j0 < cols; j0 += nr, out += slots * nr) {
    const i64 w = std::min<i64>(nr, cols - j0);
    if (nr == 32 && cs == 1) {
      const __mmask16 m0 = static_cast<__mmask16>(w >= 16 ? 0xffff : (1u << w) - 1);
      const __mmask16 m1 = static_cast<__mmask16>(w >= 32 ? 0xffff : w <= 16 ? 0 : (1u << (w - 16)) - 1);
      for (i64 q = 0; q < slots; q++) {
        const float* s0 = src + 2 * q * ks + j0;
        const bool pair = 2 * q + 1 < kc;
        const __m512 a0 = _mm512_maskz_loadu_ps(m0, s0), a1 = _mm512_maskz_loadu_ps(m1, s0 + 16);
        const __m512 b0 = pair ? _mm512_maskz_loadu_ps(m0, s0 + ks) : _mm512_setzero_ps();
        const __m512 b1 = pair ? _mm512_maskz_loadu_ps(m1, s0 + ks + 16) : _mm512_setzero_ps();
        _mm512_store_si512(out + q * 32, bf16_interleave(a0, b0));
        _mm512_store_si512(out + q * 32 + 16, bf16_interleave(a1, b1));
      }
    } else if (nr == 32 && w == 32 && ks == 1) {
      i64 p = 0;
      for (; p + 16 <= kc; p += 16) {
        for (int c0 = 0; c0 < 32; c0 += 8) {
          __m256 r[8];
          for (int c = 0; c < 8; c++)
            r[c] = _mm256_castsi256_ps((__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(src + (j0 + c0 + c) * cs + p)));
          transpose8(r);  // r[q] = slot p / 2 + q of columns c0 .. c0 + 7
          for (int q = 0; q < 8; q++) _mm256_store_ps(out + (p / 2 + q) * 32 + c0, r[q]);
        }
      }
      if (p < kc) pack_b_bf16(src + j0 * cs + p, 1, cs, kc - p, 32, 32, out + (p / 2) * 32);
    } else {
      pack_b_bf16(src + j0 * cs, ks, cs, kc, w, nr, out);
    }
  }
}

HO_AVX512 void micro4_avx512(i64 kc, const float* a, const float* b, float* c, i64 ldc, i64 rows, float alpha,
                             float beta, const float* bias) {
  micro_rows<4>(kc, a, b, c, ldc, rows, alpha, beta, bias);
}
HO_AVX512 void micro8_avx512(i64 kc, const float* a, const float* b, float* c, i64 ldc, i64 rows, float alpha,
                             float beta, const float* bias) {
  micro_rows<8>(kc, a, b, c, ldc, rows, alpha, beta, bias);
}

// Up to 8 rows of a 12 x 32 tile with the 4- or 8-row kernel; 9-11 rows are left to the full kernel.
bool micro_rows_avx512(i64 kc, const float* a, const float* b, float* c, i64 ldc, i64 rows, float alpha, float beta,
                       const float* bias) {
  if (rows <= 4) micro4_avx512(kc, a, b, c, ldc, rows, alpha, beta, bias);
  else if (rows <= 8) micro8_avx512(kc, a, b, c, ldc, rows, alpha, beta, bias);
  else return false;
  return true;
}

// Independent FMA chains for the peak measurement: 12 accumulators cover FMA latency x throughput
// (4 cycles x 2 pipes on Zen 3). Returns the number of FMA instructions issued per vector lane group.
HO_AVX2 i64 fma_chains_avx2(i64 iters, float* sink) {
  __m256 acc[12];
  for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (i64 it = 0; it < iters; it++) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  }
  __m256 s = acc[0];
  for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, acc[i]);
  *sink = _mm256_cvtss_f32(s);
  return iters * 12 * 16;
}

HO_AVX512 i64 fma_chains_avx512(i64 iters, float* sink) {
  __m512 acc[12];
  for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (i64 it = 0; it < iters; it++) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 12; i++) s = _mm512_add_ps(s, acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);
  *sink = lanes[0] + lanes[15];
  return iters * 12 * 32;
}

#endif  // HO_X86

// bfloat16 packing (MicroKernel::kpack 2): slot s of a row (A) or column (B) is the 32-bit word
// bf16(x[2s]) | bf16(x[2s + 1]) << 16, the last slot of an odd kc holding 0 for its second half.
inline uint32_t bf16_pair(float lo, float hi) { return bf16_bits(lo) | bf16_bits(hi) << 16; }

// Panels of mr rows: slot-major, then row (as pack_a_generic with slots for k steps).
void pack_a_bf16(const float* src, i64 rs, i64 ks, i64 rows, i64 kc, int mr, float* out) {
  uint32_t* dst = reinterpret_cast<uint32_t*>(out);
  const i64 pairs = kc / 2, slots = (kc + 1) / 2;
  for (i64 i0 = 0; i0 < rows; i0 += mr, dst += slots * mr) {
    const i64 h = std::min<i64>(mr, rows - i0);
    if (rs == 1) {  // op(A) column-contiguous: each k step is h consecutive floats
      for (i64 q = 0; q < slots; q++) {
        const float* s0 = src + 2 * q * ks + i0;
        const float* s1 = s0 + ks;
        for (i64 r = 0; r < h; r++) dst[q * mr + r] = q < pairs ? bf16_pair(s0[r], s1[r]) : bf16_bits(s0[r]);
        for (i64 r = h; r < mr; r++) dst[q * mr + r] = 0;
      }
    } else {
      for (i64 r = 0; r < mr; r++) {
        if (r >= h) {
          for (i64 q = 0; q < slots; q++) dst[q * mr + r] = 0;
          continue;
        }
        const float* s = src + (i0 + r) * rs;
        for (i64 q = 0; q < pairs; q++) dst[q * mr + r] = bf16_pair(s[2 * q * ks], s[(2 * q + 1) * ks]);
        if (kc & 1) dst[pairs * mr + r] = bf16_bits(s[(kc - 1) * ks]);
      }
    }
  }
}

// Panels of nr columns: slot-major, then column. A B panel's columns are laid out as an A panel's rows,
// so this is pack_a_bf16 reading column j of op(B) as row j.
void pack_b_bf16(const float* src, i64 ks, i64 cs, i64 kc, i64 cols, int nr, float* out) {
  pack_a_bf16(src, cs, ks, cols, kc, nr, out);
}

// Without a bfloat16 kernel: the fp32 kernel's panels, each value then rounded to bfloat16 in place.
void round_to_bf16(float* x, i64 n) {
  for (i64 i = 0; i < n; i++) {
    const uint32_t u = bf16_bits(x[i]) << 16;
    std::memcpy(&x[i], &u, sizeof u);
  }
}
void pack_a_rounded(const float* src, i64 rs, i64 ks, i64 rows, i64 kc, int mr, float* dst) {
  micro_kernel().pack_a(src, rs, ks, rows, kc, mr, dst);
  round_to_bf16(dst, round_up(rows, mr) * kc);
}
void pack_b_rounded(const float* src, i64 ks, i64 cs, i64 kc, i64 cols, int nr, float* dst) {
  micro_kernel().pack_b(src, ks, cs, kc, cols, nr, dst);
  round_to_bf16(dst, round_up(cols, nr) * kc);
}

i64 fma_chains_generic(i64 iters, float* sink) {
  v4f acc[8];
  for (int i = 0; i < 8; i++) acc[i] = v4f{} + static_cast<float>(i);
  for (i64 it = 0; it < iters; it++) {
    for (int i = 0; i < 8; i++) acc[i] = acc[i] * 0.999999f + 1e-7f;
  }
  v4f s = acc[0];
  for (int i = 1; i < 8; i++) s += acc[i];
  *sink = s[0];
  return iters * 8 * 8;  // mul + add counted as two flops
}

// Flops done by `iters` iterations of the active ISA's FMA chains.
i64 fma_chains(i64 iters, float* sink) {
#if HO_X86
  if (active_isa() == Isa::Avx512) return fma_chains_avx512(iters, sink);
  if (active_isa() == Isa::Avx2) return fma_chains_avx2(iters, sink);
#endif
  return fma_chains_generic(iters, sink);
}

}  // namespace

const MicroKernel& micro_kernel() {
  static const MicroKernel mk = [] {
#if HO_X86
    switch (active_isa()) {
      case Isa::Avx512: return MicroKernel{12, 32, 1, micro_avx512, micro_rows_avx512, pack_a_avx2, pack_b_avx2, "avx512 12x32"};
      case Isa::Avx2: return MicroKernel{6, 16, 1, micro_avx2, nullptr, pack_a_avx2, pack_b_avx2, "avx2 6x16"};
      default: break;
    }
#endif
    return MicroKernel{4, 8, 1, micro_generic, nullptr, pack_a_generic, pack_b_generic, "generic 4x8"};
  }();
  return mk;
}

const MicroKernel& bf16_kernel() {
  static const MicroKernel mk = [] {
#if HO_X86
    if (has_avx512_bf16()) return MicroKernel{12, 32, 2, micro_bf16_avx512, nullptr, pack_a_bf16_avx512, pack_b_bf16_avx512, "avx512-bf16 12x32"};
#endif
    const MicroKernel& f = micro_kernel();
    return MicroKernel{f.mr, f.nr, 1, f.fn, f.rows_fn, pack_a_rounded, pack_b_rounded, "fp32 kernel, operands rounded to bf16"};
  }();
  return mk;
}

double peak_gflops(int threads, double ms) {
  // Dedicated threads rather than the pool, so all of them run the chains at the same time.
  using clock = std::chrono::steady_clock;
  threads = std::max(1, std::min(threads, 1024));
  std::vector<double> rate(threads, 0.0);
  std::vector<float> sink(threads * 16, 0.0f);
  auto body = [&](int tid, double run_ms) {
    const auto t0 = clock::now();
    const auto until = t0 + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double, std::milli>(run_ms));
    i64 flops = 0;
    auto t1 = t0;
    do {
      flops += fma_chains(20000, &sink[tid * 16]);
      t1 = clock::now();
    } while (t1 < until);
    rate[tid] = flops / std::chrono::duration<double>(t1 - t0).count() / 1e9;
  };
  auto run = [&](double run_ms) {
    std::vector<std::thread> others;
    for (int t = 1; t < threads; t++) others.emplace_back(body, t, run_ms);
    body(0, run_ms);
    for (auto& t : others) t.join();
  };
  run(std::min(ms, 20.0));  // let clocks settle
  run(ms);
  double total = 0;
  for (double r : rate) total += r;
  return total;
}

}  // namespace ho
