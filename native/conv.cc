// im2col / col2im for 2-d and 3-d convolutions (2-d runs as 3-d with depth 1). im2col splits rows
// (channel, kernel offset) across threads; col2im accumulates, so it splits by channel (the rows of one
// channel write only that channel of x), keeping the summation order fixed.
#include "layout.h"
#include "threadpool.h"

namespace ho {

namespace {

// Calls f(row, c, kz, ky, kx) for rows [lo, hi) of the column matrix.
template <class F>
void for_rows(const ConvGeom& g, i64 lo, i64 hi, F&& f) {
  const i64 kvol = g.kernel[0] * g.kernel[1] * g.kernel[2];
  for (i64 row = lo; row < hi; row++) {
    const i64 c = row / kvol, k = row % kvol;
    f(row, c, k / (g.kernel[1] * g.kernel[2]), k / g.kernel[2] % g.kernel[1], k % g.kernel[2]);
  }
}

}  // namespace

void im2col(const float* x, const ConvGeom& g, float* cols) {
  const i64 rows = g.channels * g.kernel[0] * g.kernel[1] * g.kernel[2];
  const i64 osize = g.out[0] * g.out[1] * g.out[2];
  parallel_for(rows, std::max<i64>(1, (1 << 15) / std::max<i64>(osize, 1)), [&](i64 lo, i64 hi) {
    for_rows(g, lo, hi, [&](i64 row, i64 c, i64 kz, i64 ky, i64 kx) {
      float* o = cols + row * osize;
      for (i64 z = 0; z < g.out[0]; z++) {
        const i64 zi = z * g.stride[0] - g.pad[0] + kz;
        for (i64 y = 0; y < g.out[1]; y++, o += g.out[2]) {
          const i64 yi = y * g.stride[1] - g.pad[1] + ky;
          if (zi < 0 || zi >= g.in[0] || yi < 0 || yi >= g.in[1]) {
            std::memset(o, 0, sizeof(float) * g.out[2]);
            continue;
          }
          const float* xr = x + ((c * g.in[0] + zi) * g.in[1] + yi) * g.in[2];
          if (g.stride[2] == 1) {  // a contiguous run of x between zeros: xi = w + off for w in [w0, w1)
            const i64 off = kx - g.pad[2], w0 = std::min(g.out[2], std::max<i64>(0, -off));
            const i64 w1 = std::max(w0, std::min(g.out[2], g.in[2] - off));
            std::memset(o, 0, sizeof(float) * w0);
            std::memcpy(o + w0, xr + w0 + off, sizeof(float) * (w1 - w0));
            std::memset(o + w1, 0, sizeof(float) * (g.out[2] - w1));
            continue;
          }
          for (i64 w = 0; w < g.out[2]; w++) {
            const i64 xi = w * g.stride[2] - g.pad[2] + kx;
            o[w] = xi >= 0 && xi < g.in[2] ? xr[xi] : 0.0f;
          }
        }
      }
    });
  });
}

void col2im(const float* cols, const ConvGeom& g, float* x) {
  const i64 kvol = g.kernel[0] * g.kernel[1] * g.kernel[2];
  const i64 osize = g.out[0] * g.out[1] * g.out[2];
  parallel_for(g.channels, std::max<i64>(1, (1 << 15) / std::max<i64>(kvol * osize, 1)), [&](i64 lo, i64 hi) {
    for_rows(g, lo * kvol, hi * kvol, [&](i64 row, i64 c, i64 kz, i64 ky, i64 kx) {
      const float* s = cols + row * osize;
      for (i64 z = 0; z < g.out[0]; z++) {
        const i64 zi = z * g.stride[0] - g.pad[0] + kz;
        for (i64 y = 0; y < g.out[1]; y++, s += g.out[2]) {
          const i64 yi = y * g.stride[1] - g.pad[1] + ky;
          if (zi < 0 || zi >= g.in[0] || yi < 0 || yi >= g.in[1]) continue;
          float* xr = x + ((c * g.in[0] + zi) * g.in[1] + yi) * g.in[2];
          if (g.stride[2] == 1) {  // x[w + off] += s[w] for w in [w0, w1), as in im2col
            const i64 off = kx - g.pad[2], w0 = std::max<i64>(0, -off), w1 = std::min(g.out[2], g.in[2] - off);
            for (i64 w = w0; w < w1; w++) xr[w + off] += s[w];
            continue;
          }
          for (i64 w = 0; w < g.out[2]; w++) {
            const i64 xi = w * g.stride[2] - g.pad[2] + kx;
            if (xi >= 0 && xi < g.in[2]) xr[xi] += s[w];
          }
        }
      }
    });
  });
}

}  // namespace ho
