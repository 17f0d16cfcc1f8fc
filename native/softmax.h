// Row-wise softmax / log-softmax and fused cross-entropy, forward and backward (per-ISA body, see
// simd.h). Rows are independent and split across the pool.

static inline i64 row_grain(i64 cols) { return std::max<i64>(1, 16384 / std::max<i64>(cols, 1)); }

// Maximum of a row; NaN entries are skipped, as in the js reference (they still poison the sum).
static inline float row_max(const float* x, i64 cols) {
  V m = vset(-kInf);
  for_vectors(cols, [&](i64 i, i64 c) { m = vmax(m, vload_n(x + i, c, -kInf)); });
  return hmax(m);
}

// log sum_c exp(x_c), computed as max + log sum exp(x - max); -inf for an all -inf row.
static inline float row_logsumexp(const float* x, i64 cols) {
  const float mx = row_max(x, cols);
  if (mx == -kInf) return -kInf;
  V s0 = vset(0.0f), s1 = vset(0.0f);
  const V vm = vset(mx);
  i64 i = 0;
  for (; i + 2 * W <= cols; i += 2 * W) {
    s0 += vexp(vload(x + i) - vm);
    s1 += vexp(vload(x + i + W) - vm);
  }
  for (; i < cols; i += W) {
    const i64 c = std::min(W, cols - i);
    s0 += vexp(vload_n(x + i, c, -kInf) - vm);
  }
  return static_cast<float>(mx + std::log(static_cast<double>(hsum(s0 + s1))));
}

static void softmax(const float* x, float* out, i64 rows, i64 cols, bool log) {
  parallel_for(rows, row_grain(cols), [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; r++) {
      const float* xr = x + r * cols;
      float* o = out + r * cols;
      const V lse = vset(row_logsumexp(xr, cols));
      for_vectors(cols, [&](i64 i, i64 c) {
        const V z = vload_n(xr + i, c) - lse;
        vstore_n(o + i, log ? z : vexp(z), c);
      });
    }
  });
}

static void softmax_backward(const float* y, const float* gy, float* gx, i64 rows, i64 cols, bool log) {
  parallel_for(rows, row_grain(cols), [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; r++) {
      const float* yr = y + r * cols;
      const float* g = gy + r * cols;
      float* o = gx + r * cols;
      V acc = vset(0.0f);
      if (log) {
        for_vectors(cols, [&](i64 i, i64 c) { acc += vload_n(g + i, c); });
        const V s = vset(hsum(acc));
        for_vectors(cols, [&](i64 i, i64 c) { vstore_n(o + i, vload_n(g + i, c) - vexp(vload_n(yr + i, c)) * s, c); });
      } else {
        for_vectors(cols, [&](i64 i, i64 c) { acc += vload_n(g + i, c) * vload_n(yr + i, c); });
        const V s = vset(hsum(acc));
        for_vectors(cols, [&](i64 i, i64 c) { vstore_n(o + i, vload_n(yr + i, c) * (vload_n(g + i, c) - s), c); });
      }
    }
  });
}

// Targets were range-checked by the binding.
static void cross_entropy(const float* logits, const int32_t* targets, i64 rows, i64 cols, int32_t ignore,
                          float* loss, float* lse) {
  parallel_for(rows, row_grain(cols), [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; r++) {
      const float* x = logits + r * cols;
      lse[r] = row_logsumexp(x, cols);
      const int32_t t = targets[r];
      loss[r] = t == ignore ? 0.0f : lse[r] - x[t];
    }
  });
}

static void cross_entropy_backward(const float* logits, const int32_t* targets, const float* lse, const float* gloss,
                                   i64 rows, i64 cols, int32_t ignore, float* glogits) {
  parallel_for(rows, row_grain(cols), [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; r++) {
      const float* x = logits + r * cols;
      float* o = glogits + r * cols;
      const int32_t t = targets[r];
      if (t == ignore) { std::memset(o, 0, sizeof(float) * cols); continue; }
      const V g = vset(gloss[r]), l = vset(lse[r]);
      for_vectors(cols, [&](i64 i, i64 c) { vstore_n(o + i, g * vexp(vload_n(x + i, c) - l), c); });
      o[t] -= gloss[r];
    }
  });
}
