// LayerNorm and RMSNorm over the last axis, forward and backward (per-ISA body, see simd.h).
// Rows are split across the pool. Weight/bias gradients are column sums over rows: each fixed-size
// block of rows writes its own partial sums, which are then added in block order, so the result does
// not depend on the thread count.

// Rows per partial-sum block (a function of the shape only): at most 64 blocks.
static inline i64 norm_block_rows(i64 rows) { return std::max<i64>(32, ceil_div(rows, 64)); }

static inline float row_sum(const float* x, i64 cols) {
  V s = vset(0.0f);
  for_vectors(cols, [&](i64 i, i64 c) { s += vload_n(x + i, c); });
  return hsum(s);
}

static void layer_norm(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd, i64 rows,
                       i64 cols, float eps) {
  parallel_for(rows, row_grain(cols), [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; r++) {
      const float* xr = x + r * cols;
      float* o = out + r * cols;
      const float mu = row_sum(xr, cols) / static_cast<float>(cols);
      const V vmu = vset(mu);
      V s = vset(0.0f);
      for_vectors(cols, [&](i64 i, i64 c) { V d = vload_n(xr + i, c, mu) - vmu; s += d * d; });
      const float rs = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hsum(s)) / cols + eps));
      mean[r] = mu;
      rstd[r] = rs;
      const V vrs = vset(rs);
      for_vectors(cols, [&](i64 i, i64 c) {
        V y = (vload_n(xr + i, c) - vmu) * vrs;
        if (w) y *= vload_n(w + i, c);
        if (b) y += vload_n(b + i, c);
        vstore_n(o + i, y, c);
      });
    }
  });
}

// Sums per-block column partials [blocks, cols] (in block order) into out (float64 accumulation).
static void sum_partials(const float* part, i64 blocks, i64 cols, float* out) {
  parallel_for(cols, 4096, [&](i64 lo, i64 hi) {
    for (i64 c = lo; c < hi; c++) {
      double s = 0;
      for (i64 k = 0; k < blocks; k++) s += part[k * cols + c];
      out[c] = static_cast<float>(s);
    }
  });
}

// Runs body(r, acc) for every row r, acc being the column partials [width] of r's fixed row block
// (norm_block_rows), then adds the blocks' partials in block order; returns the totals [width].
template <class F>
static float* row_block_sums(i64 rows, i64 width, double work, F&& body) {
  const i64 br = norm_block_rows(rows), blocks = ceil_div(rows, br);
  float* part = thread_scratch(4).get(blocks * width);
  parallel_items(blocks, threads_for(work), [&](i64 blk) {
    float* acc = part + blk * width;
    if (width) std::memset(acc, 0, sizeof(float) * width);
    for (i64 r = blk * br; r < std::min(rows, (blk + 1) * br); r++) body(r, acc);
  });
  float* total = thread_scratch(5).get(width);
  sum_partials(part, blocks, width, total);
  return total;
}

static void layer_norm_backward(const float* x, const float* w, const float* mean, const float* rstd, const float* gy,
                                float* gx, float* gw, float* gb, i64 rows, i64 cols) {
  const i64 nw = gw ? cols : 0, width = nw + (gb ? cols : 0);  // column sums: [gWeight | gBias], either may be absent
  const float* total = row_block_sums(rows, width, 10.0 * rows * cols, [&](i64 r, float* acc) {
    float* bw = gw ? acc : nullptr;
    float* bb = gb ? acc + nw : nullptr;
    const float* xr = x + r * cols;
    const float* g = gy + r * cols;
    float* o = gx + r * cols;
    const V mu = vset(mean[r]), rs = vset(rstd[r]);
    V sg = vset(0.0f), sgx = vset(0.0f);
    for_vectors(cols, [&](i64 i, i64 c) {
      const V xhat = (vload_n(xr + i, c) - mu) * rs;
      const V gyv = vload_n(g + i, c);
      const V gv = w ? gyv * vload_n(w + i, c) : gyv;
      sg += gv;
      sgx += gv * xhat;
      if (bw) vstore_n(bw + i, vload_n(bw + i, c) + gyv * xhat, c);
      if (bb) vstore_n(bb + i, vload_n(bb + i, c) + gyv, c);
    });
    const V mg = vset(hsum(sg) / static_cast<float>(cols)), mgx = vset(hsum(sgx) / static_cast<float>(cols));
    for_vectors(cols, [&](i64 i, i64 c) {
      const V xhat = (vload_n(xr + i, c) - mu) * rs;
      const V gyv = vload_n(g + i, c);
      const V gv = w ? gyv * vload_n(w + i, c) : gyv;
      vstore_n(o + i, rs * (gv - mg - xhat * mgx), c);
    });
  });
  if (gw) std::memcpy(gw, total, sizeof(float) * cols);
  if (gb) std::memcpy(gb, total + nw, sizeof(float) * cols);
}

static void rms_norm(const float* x, const float* w, float* out, float* rstd, i64 rows, i64 cols, float eps) {
  parallel_for(rows, row_grain(cols), [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; r++) {
      const float* xr = x + r * cols;
      float* o = out + r * cols;
      V s = vset(0.0f);
      for_vectors(cols, [&](i64 i, i64 c) { V v = vload_n(xr + i, c); s += v * v; });
      const float rs = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hsum(s)) / cols + eps));
      rstd[r] = rs;
      const V vrs = vset(rs);
      for_vectors(cols, [&](i64 i, i64 c) {
        V y = vload_n(xr + i, c) * vrs;
        if (w) y *= vload_n(w + i, c);
        vstore_n(o + i, y, c);
      });
    }
  });
}

static void rms_norm_backward(const float* x, const float* w, const float* rstd, const float* gy, float* gx, float* gw,
                              i64 rows, i64 cols) {
  const float* total = row_block_sums(rows, gw ? cols : 0, 8.0 * rows * cols, [&](i64 r, float* acc) {  // column sums: gWeight
    float* bw = gw ? acc : nullptr;
    const float* xr = x + r * cols;
    const float* g = gy + r * cols;
    float* o = gx + r * cols;
    const V rs = vset(rstd[r]);
    V sgn = vset(0.0f);
    for_vectors(cols, [&](i64 i, i64 c) {
      const V nv = vload_n(xr + i, c) * rs;
      const V gyv = vload_n(g + i, c);
      sgn += (w ? gyv * vload_n(w + i, c) : gyv) * nv;
      if (bw) vstore_n(bw + i, vload_n(bw + i, c) + gyv * nv, c);
    });
    const V m = vset(hsum(sgn) / static_cast<float>(cols));
    for_vectors(cols, [&](i64 i, i64 c) {
      const V nv = vload_n(xr + i, c) * rs;
      const V gyv = vload_n(g + i, c);
      vstore_n(o + i, rs * ((w ? gyv * vload_n(w + i, c) : gyv) - nv * m), c);
    });
  });
  if (gw) std::memcpy(gw, total, sizeof(float) * cols);
}
