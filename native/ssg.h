// Multimodal-norm (SSG) kernels, forward and backward (per-ISA body, see simd.h; formulas in
// src/tensor/kernels.ts): the switch s_r between the latent and condition states, the modulation of
// the normalised input, and the gated residual. The mixed states lat_k + s_r (cond_k - lat_k) are formed
// on the fly, never stored. Column sums go through norms.h's row_block_sums (fixed row blocks), so they
// do not depend on the thread count.

static inline V vsilu(V x) { return unary_v<U_SILU>(x); }
static inline V vsilu_grad(V x) { return derivative_v<U_SILU>(x, x); }  // the SiLU derivative reads x only
static inline float sigmoid1(float z) { return 1.0f / (1.0f + std::exp(-z)); }

static void ssg_switch(const float* u, const float* w, const float* b, float* s, i64 rows, i64 cols) {
  parallel_for(rows, row_grain(cols), [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; r++) {
      const float* ur = u + r * cols;
      V z = vset(0.0f);
      for_vectors(cols, [&](i64 i, i64 c) { z += (vload_n(w + cols + i, c) - vload_n(w + i, c)) * vsilu(vload_n(ur + i, c)); });
      s[r] = sigmoid1(b[1] - b[0] + hsum(z));
    }
  });
}

static void ssg_switch_backward(const float* u, const float* w, const float* s, const float* gs, float* gu, float* gw,
                                float* gb, i64 rows, i64 cols) {
  // column sums: sum_r e_r silu(u_r) [cols], then sum_r e_r
  const float* total = row_block_sums(rows, cols + 1, 8.0 * rows * cols, [&](i64 r, float* acc) {
    const float e = gs[r] * s[r] * (1.0f - s[r]);
    const V ve = vset(e);
    const float* ur = u + r * cols;
    float* o = gu + r * cols;
    acc[cols] += e;
    for_vectors(cols, [&](i64 i, i64 c) {
      const V x = vload_n(ur + i, c);
      vstore_n(acc + i, vload_n(acc + i, c) + ve * vsilu(x), c);
      vstore_n(o + i, ve * (vload_n(w + cols + i, c) - vload_n(w + i, c)) * vsilu_grad(x), c);
    });
  });
  for (i64 c = 0; c < cols; c++) { gw[c] = -total[c]; gw[cols + c] = total[c]; }
  gb[0] = -total[cols];
  gb[1] = total[cols];
}

static void ssg_modulate(const float* y, const float* w, const float* s, const float* lat, const float* cond, float* out,
                         i64 rows, i64 cols) {
  parallel_for(rows, row_grain(cols), [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; r++) {
      const V sr = vset(s[r]);
      const float* yr = y + r * cols;
      float* o = out + r * cols;
      for_vectors(cols, [&](i64 i, i64 c) {
        const V l0 = vload_n(lat + i, c), l1 = vload_n(lat + cols + i, c);
        const V shift = l0 + sr * (vload_n(cond + i, c) - l0), scale = l1 + sr * (vload_n(cond + cols + i, c) - l1);
        V a = vload_n(yr + i, c);
        if (w) a *= vload_n(w + i, c);
        vstore_n(o + i, a * (1.0f + scale) + shift, c);
      });
    }
  });
}

static void ssg_modulate_backward(const float* y, const float* w, const float* s, const float* lat, const float* cond,
                                  const float* g, float* gy, float* gw, float* gs, float* glat, float* gcond, i64 rows,
                                  i64 cols) {
  // column sums: [gWeight | gLat_0 | gCond_0 | gLat_1 | gCond_1]
  const float* total = row_block_sums(rows, 5 * cols, 12.0 * rows * cols, [&](i64 r, float* acc) {
    const float sv = s[r];
    const V sr = vset(sv), sr1 = vset(1.0f - sv);
    const float *yr = y + r * cols, *gr = g + r * cols;
    float* o = gy + r * cols;
    V gsr = vset(0.0f);
    for_vectors(cols, [&](i64 i, i64 c) {
      const V l1 = vload_n(lat + cols + i, c);
      const V d0 = vload_n(cond + i, c) - vload_n(lat + i, c), d1 = vload_n(cond + cols + i, c) - l1;
      const V scale1 = 1.0f + l1 + sr * d1;
      const V wv = w ? vload_n(w + i, c) : vset(1.0f);
      const V gv = vload_n(gr + i, c), yv = vload_n(yr + i, c), a = yv * wv, ga = gv * a;
      vstore_n(o + i, gv * wv * scale1, c);
      gsr += gv * d0 + ga * d1;
      vstore_n(acc + i, vload_n(acc + i, c) + gv * yv * scale1, c);
      vstore_n(acc + cols + i, vload_n(acc + cols + i, c) + gv * sr1, c);
      vstore_n(acc + 2 * cols + i, vload_n(acc + 2 * cols + i, c) + gv * sr, c);
      vstore_n(acc + 3 * cols + i, vload_n(acc + 3 * cols + i, c) + ga * sr1, c);
      vstore_n(acc + 4 * cols + i, vload_n(acc + 4 * cols + i, c) + ga * sr, c);
    });
    gs[r] = hsum(gsr);
  });
  if (gw) std::memcpy(gw, total, sizeof(float) * cols);
  std::memcpy(glat, total + cols, sizeof(float) * cols);
  std::memcpy(gcond, total + 2 * cols, sizeof(float) * cols);
  std::memcpy(glat + cols, total + 3 * cols, sizeof(float) * cols);
  std::memcpy(gcond + cols, total + 4 * cols, sizeof(float) * cols);
  std::memset(glat + 2 * cols, 0, sizeof(float) * cols);
  std::memset(gcond + 2 * cols, 0, sizeof(float) * cols);
}

static void ssg_gated_add(const float* x, const float* f, const float* s, const float* lat, const float* cond, float* out,
                          i64 rows, i64 cols) {
  const float *l2 = lat + 2 * cols, *c2 = cond + 2 * cols;
  parallel_for(rows, row_grain(cols), [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; r++) {
      const V sr = vset(s[r]);
      const float *xr = x + r * cols, *fr = f + r * cols;
      float* o = out + r * cols;
      for_vectors(cols, [&](i64 i, i64 c) {
        const V l = vload_n(l2 + i, c);
        vstore_n(o + i, vload_n(xr + i, c) + (l + sr * (vload_n(c2 + i, c) - l)) * vload_n(fr + i, c), c);
      });
    }
  });
}

static void ssg_gated_add_backward(const float* f, const float* s, const float* lat, const float* cond, const float* g,
                                   float* gf, float* gs, float* glat, float* gcond, i64 rows, i64 cols) {
  const float *l2 = lat + 2 * cols, *c2 = cond + 2 * cols;
  // column sums: [gLat_2 | gCond_2]
  const float* total = row_block_sums(rows, 2 * cols, 8.0 * rows * cols, [&](i64 r, float* acc) {
    const float sv = s[r];
    const V sr = vset(sv), sr1 = vset(1.0f - sv);
    const float *fr = f + r * cols, *gr = g + r * cols;
    float* o = gf + r * cols;
    V gsr = vset(0.0f);
    for_vectors(cols, [&](i64 i, i64 c) {
      const V l = vload_n(l2 + i, c), d = vload_n(c2 + i, c) - l;
      const V gv = vload_n(gr + i, c), gfv = gv * vload_n(fr + i, c);
      vstore_n(o + i, gv * (l + sr * d), c);
      gsr += gfv * d;
      vstore_n(acc + i, vload_n(acc + i, c) + gfv * sr1, c);
      vstore_n(acc + cols + i, vload_n(acc + cols + i, c) + gfv * sr, c);
    });
    gs[r] = hsum(gsr);
  });
  std::memset(glat, 0, sizeof(float) * 2 * cols);
  std::memset(gcond, 0, sizeof(float) * 2 * cols);
  std::memcpy(glat + 2 * cols, total, sizeof(float) * cols);
  std::memcpy(gcond + 2 * cols, total + cols, sizeof(float) * cols);
}
