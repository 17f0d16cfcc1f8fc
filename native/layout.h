// Data-movement and reduction kernels that need no per-ISA code: strided copy, index select/add,
// reductions, im2col/col2im.
#pragma once

#include "common.h"

namespace ho {

void copy(const i64* shape, int rank, const float* src, const i64* src_strides, float* dst, const i64* dst_strides,
          bool accumulate);
void index_select(const float* x, i64 outer, i64 n, i64 inner, const int32_t* idx, i64 m, float* out);
void index_add(const float* gy, i64 outer, i64 n, i64 inner, const int32_t* idx, i64 m, float* gx);
void reduce(bool max, const float* x, float* out, i64 outer, i64 n, i64 inner);
double sum_squares(const float* x, i64 n);

// Convolution geometry lifted to 3-d (a 2-d problem has depth 1, kernel 1, stride 1, padding 0).
struct ConvGeom {
  i64 channels, in[3], kernel[3], stride[3], pad[3], out[3];
};
void im2col(const float* x, const ConvGeom& g, float* cols);
void col2im(const float* cols, const ConvGeom& g, float* x);

}  // namespace ho
