// Rotary position embedding, rotate-half form, on [batch, t, heads, dim] (per-ISA body, see simd.h).
// out may alias x: each vector step reads both halves before writing them.

static void rope(const float* x, float* out, i64 batch, i64 t, i64 heads, i64 dim, const float* cosv, const float* sinv,
                 i64 table_batch, bool inverse) {
  const i64 half = dim / 2;
  parallel_for(batch * t, std::max<i64>(1, 16384 / std::max<i64>(heads * dim, 1)), [&](i64 lo, i64 hi) {
    for (i64 bt = lo; bt < hi; bt++) {
      const i64 b = bt / t, i = bt % t;
      const i64 tab = ((table_batch == 1 ? 0 : b) * t + i) * half;
      for (i64 h = 0; h < heads; h++) {
        const i64 o = (bt * heads + h) * dim;
        for_vectors(half, [&](i64 d, i64 c) {
          const V cs = vload_n(cosv + tab + d, c);
          const V sn = inverse ? -vload_n(sinv + tab + d, c) : vload_n(sinv + tab + d, c);
          const V x1 = vload_n(x + o + d, c), x2 = vload_n(x + o + half + d, c);
          vstore_n(out + o + d, x1 * cs - x2 * sn, c);
          vstore_n(out + o + half + d, x2 * cs + x1 * sn, c);
        });
      }
    }
  });
}
