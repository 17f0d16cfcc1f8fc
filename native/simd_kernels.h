// The table of kernels compiled once per instruction set (isa_generic.cc, isa_avx2.cc, isa_avx512.cc) and the
// runtime choice between them (simd()).
#pragma once

#include "common.h"
#include "gemm.h"

namespace ho {

struct AttnArgs {
  i64 batch, heads, kv_heads, tq, tk, kv_stride, dim;
  float scale;
  const float *q, *k, *v;
  const uint8_t* mask;  // [mask_batch, tq, tk] or null
  i64 mask_batch;
};

struct SimdKernels {
  const char* name;
  void (*gemm_rows)(const GemmArgs& g, int threads);  // m <= 4
  void (*gemm_cols)(const GemmArgs& g, int threads);  // n <= 4
  void (*unary)(int op, const float* x, float* y, i64 n);
  void (*unary_backward)(int op, const float* x, const float* y, const float* gy, float* gx, i64 n);
  void (*gated_unary)(int op, const float* a, const float* b, float* out, i64 n);
  void (*gated_unary_backward)(int op, const float* a, const float* b, const float* g, float* ga, float* gb, i64 n);
  void (*binary)(int op, const float* a, const i64* a_strides, const float* b, const i64* b_strides, float* out,
                 const i64* shape, int rank);
  void (*affine)(const float* x, float* y, i64 n, float mul, float add);
  void (*axpy)(float alpha, const float* x, float* y, i64 n);
  void (*softmax)(const float* x, float* y, i64 rows, i64 cols, bool log);
  void (*softmax_backward)(const float* y, const float* gy, float* gx, i64 rows, i64 cols, bool log);
  void (*cross_entropy)(const float* logits, const int32_t* targets, i64 rows, i64 cols, int32_t ignore, float* loss,
                        float* lse);
  void (*cross_entropy_backward)(const float* logits, const int32_t* targets, const float* lse, const float* gloss,
                                 i64 rows, i64 cols, int32_t ignore, float* glogits);
  void (*layer_norm)(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd, i64 rows,
                     i64 cols, float eps);
  void (*layer_norm_backward)(const float* x, const float* w, const float* mean, const float* rstd, const float* gy,
                              float* gx, float* gw, float* gb, i64 rows, i64 cols);
  void (*rms_norm)(const float* x, const float* w, float* out, float* rstd, i64 rows, i64 cols, float eps);
  void (*rms_norm_backward)(const float* x, const float* w, const float* rstd, const float* gy, float* gx, float* gw,
                            i64 rows, i64 cols);
  void (*ssg_switch)(const float* u, const float* w, const float* b, float* s, i64 rows, i64 cols);
  void (*ssg_switch_backward)(const float* u, const float* w, const float* s, const float* gs, float* gu, float* gw,
                              float* gb, i64 rows, i64 cols);
  void (*ssg_modulate)(const float* y, const float* w, const float* s, const float* lat, const float* cond, float* out,
                       i64 rows, i64 cols);
  void (*ssg_modulate_backward)(const float* y, const float* w, const float* s, const float* lat, const float* cond,
                                const float* g, float* gy, float* gw, float* gs, float* glat, float* gcond, i64 rows,
                                i64 cols);
  void (*ssg_gated_add)(const float* x, const float* f, const float* s, const float* lat, const float* cond, float* out,
                        i64 rows, i64 cols);
  void (*ssg_gated_add_backward)(const float* f, const float* s, const float* lat, const float* cond, const float* g,
                                 float* gf, float* gs, float* glat, float* gcond, i64 rows, i64 cols);
  void (*attention)(const AttnArgs& a, float* out, float* lse);
  void (*attention_backward)(const AttnArgs& a, const float* out, const float* lse, const float* gout, float* gq,
                             float* gk, float* gv);
  void (*rope)(const float* x, float* out, i64 batch, i64 t, i64 heads, i64 dim, const float* cosv, const float* sinv,
               i64 table_batch, bool inverse);
  void (*adamw)(float* p, const float* grad, float* m, float* v, i64 n, float lr, float beta1, float beta2, float eps,
                float wd, double step, float grad_scale);
};

// The kernels for the active ISA (AVX-512, AVX2 or generic).
const SimdKernels& simd();

namespace generic { extern const SimdKernels kernels; }
#if HO_X86
namespace avx2 { extern const SimdKernels kernels; }
namespace avx512 { extern const SimdKernels kernels; }
#endif

}  // namespace ho
