// Lean GEMM paths for very few rows or columns (matrix-vector like; per-ISA body, see simd.h): the big
// operand is streamed once without packing. Work items are fixed blocks, so every element is computed
// the same way whatever the thread count.

// Few rows (m <= 4): op(B) is streamed once. Work items are (batch item, block of columns).

static void gemm_rows(const GemmArgs& g, int threads) {
  const i64 m = g.m, n = g.n, k = g.k;
  const i64 ars = g.trans_a ? 1 : g.lda, aks = g.trans_a ? g.lda : 1;
  if (!g.trans_b) {
    // Rows of op(B) are contiguous: accumulate m rows of C over a 256-column block.
    constexpr i64 NB = 256, NV = NB / W;
    const i64 nblk = ceil_div(n, NB);
    parallel_items(g.batch * nblk, threads, [&](i64 item) {
      const i64 t = item / nblk, j0 = item % nblk * NB, w = std::min(NB, n - j0);
      const i64 nv = ceil_div(w, W), last = w - (nv - 1) * W;
      const float* a = g.a + t * g.stride_a;
      const float* b = g.b + t * g.stride_b + j0;
      V acc[4][NV];
      for (i64 i = 0; i < m; i++)
        for (i64 v = 0; v < nv; v++) acc[i][v] = vset(0.0f);
      for (i64 p = 0; p < k; p++) {
        const float* br = b + p * g.ldb;
        float av[4];
        for (i64 i = 0; i < m; i++) av[i] = a[i * ars + p * aks];
        for (i64 v = 0; v < nv; v++) {
          const V bv = vload_n(br + v * W, v == nv - 1 ? last : W);
          for (i64 i = 0; i < m; i++) acc[i][v] += av[i] * bv;
        }
      }
      for (i64 i = 0; i < m; i++) {
        float* c = g.c + t * g.stride_c + i * g.ldc + j0;
        for (i64 v = 0; v < nv; v++) {
          const i64 cnt = v == nv - 1 ? last : W;
          V out = g.alpha * acc[i][v];
          if (g.beta != 0) out += g.beta * vload_n(c + v * W, cnt);
          if (g.bias) out += vload_n(g.bias + j0 + v * W, cnt);
          vstore_n(c + v * W, out, cnt);
        }
      }
    });
  } else {
    // Columns of op(B) are contiguous rows of b: dot products with the rows of op(A).
    constexpr i64 NB = 64;
    const i64 nblk = ceil_div(n, NB);
    parallel_items(g.batch * nblk, threads, [&](i64 item) {
      const i64 t = item / nblk, j0 = item % nblk * NB, w = std::min(NB, n - j0);
      const float* a = g.a + t * g.stride_a;
      const float* rows[4];
      float* gathered = aks == 1 ? nullptr : thread_scratch(0).get(m * k);
      for (i64 i = 0; i < m; i++) {
        if (aks == 1) { rows[i] = a + i * ars; continue; }
        for (i64 p = 0; p < k; p++) gathered[i * k + p] = a[i * ars + p * aks];
        rows[i] = gathered + i * k;
      }
      for (i64 j = j0; j < j0 + w; j++) {
        const float* br = g.b + t * g.stride_b + j * g.ldb;
        V acc[4][2];
        for (i64 i = 0; i < m; i++) acc[i][0] = acc[i][1] = vset(0.0f);
        i64 p = 0;
        for (; p + 2 * W <= k; p += 2 * W) {
          const V b0 = vload(br + p), b1 = vload(br + p + W);
          for (i64 i = 0; i < m; i++) {
            acc[i][0] += vload(rows[i] + p) * b0;
            acc[i][1] += vload(rows[i] + p + W) * b1;
          }
        }
        for (; p < k; p += W) {
          const i64 cnt = std::min(W, k - p);
          const V b0 = vload_n(br + p, cnt);
          for (i64 i = 0; i < m; i++) acc[i][0] += vload_n(rows[i] + p, cnt) * b0;
        }
        for (i64 i = 0; i < m; i++) {
          float* c = g.c + t * g.stride_c + i * g.ldc;
          float v = g.alpha * hsum(acc[i][0] + acc[i][1]);
          if (g.beta != 0) v += g.beta * c[j];
          if (g.bias) v += g.bias[j];
          c[j] = v;
        }
      }
    });
  }
}

// Lean path for very few columns (n <= 4): no packing; op(A) is streamed once. Work items are
// (batch item, block of rows).
static void gemm_cols(const GemmArgs& g, int threads) {
  const i64 m = g.m, n = g.n, k = g.k;
  const i64 bks = g.trans_b ? 1 : g.ldb, bcs = g.trans_b ? g.ldb : 1;
  auto store = [&](float* c, i64 j, float acc) {  // C(i, j) at c + j
    float v = g.alpha * acc;
    if (g.beta != 0) v += g.beta * c[j];
    if (g.bias) v += g.bias[j];
    c[j] = v;
  };
  if (!g.trans_a) {
    // Rows of op(A) are contiguous: dot products with the (gathered) columns of op(B).
    constexpr i64 MB = 64;
    const i64 nblk = ceil_div(m, MB);
    parallel_items(g.batch * nblk, threads, [&](i64 item) {
      const i64 t = item / nblk, i0 = item % nblk * MB, h = std::min(MB, m - i0);
      const float* b = g.b + t * g.stride_b;
      const float* cols[4];
      float* gathered = bks == 1 ? nullptr : thread_scratch(0).get(n * k);
      for (i64 j = 0; j < n; j++) {
        if (bks == 1) { cols[j] = b + j * bcs; continue; }
        for (i64 p = 0; p < k; p++) gathered[j * k + p] = b[p * bks + j * bcs];
        cols[j] = gathered + j * k;
      }
      for (i64 i = i0; i < i0 + h; i++) {
        const float* ar = g.a + t * g.stride_a + i * g.lda;
        V acc[4][2];
        for (i64 j = 0; j < n; j++) acc[j][0] = acc[j][1] = vset(0.0f);
        i64 p = 0;
        for (; p + 2 * W <= k; p += 2 * W) {
          const V a0 = vload(ar + p), a1 = vload(ar + p + W);
          for (i64 j = 0; j < n; j++) {
            acc[j][0] += a0 * vload(cols[j] + p);
            acc[j][1] += a1 * vload(cols[j] + p + W);
          }
        }
        for (; p < k; p += W) {
          const i64 cnt = std::min(W, k - p);
          const V a0 = vload_n(ar + p, cnt);
          for (i64 j = 0; j < n; j++) acc[j][0] += a0 * vload_n(cols[j] + p, cnt);
        }
        float* c = g.c + t * g.stride_c + i * g.ldc;
        for (i64 j = 0; j < n; j++) store(c, j, hsum(acc[j][0] + acc[j][1]));
      }
    });
  } else {
    // Columns of op(A) are contiguous (A is stored k x m): accumulate a 256-row block of each output
    // column over k, then write the block.
    constexpr i64 MB = 256, NV = MB / W;
    const i64 nblk = ceil_div(m, MB);
    parallel_items(g.batch * nblk, threads, [&](i64 item) {
      const i64 t = item / nblk, i0 = item % nblk * MB, h = std::min(MB, m - i0);
      const i64 nv = ceil_div(h, W), last = h - (nv - 1) * W;
      const float* a = g.a + t * g.stride_a + i0;
      const float* b = g.b + t * g.stride_b;
      V acc[4][NV];
      for (i64 j = 0; j < n; j++)
        for (i64 v = 0; v < nv; v++) acc[j][v] = vset(0.0f);
      for (i64 p = 0; p < k; p++) {
        const float* ar = a + p * g.lda;
        float bv[4];
        for (i64 j = 0; j < n; j++) bv[j] = b[p * bks + j * bcs];
        for (i64 v = 0; v < nv; v++) {
          const V av = vload_n(ar + v * W, v == nv - 1 ? last : W);
          for (i64 j = 0; j < n; j++) acc[j][v] += bv[j] * av;
        }
      }
      float col[MB];
      for (i64 j = 0; j < n; j++) {
        for (i64 v = 0; v < nv; v++) vstore_n(col + v * W, acc[j][v], v == nv - 1 ? last : W);
        for (i64 r = 0; r < h; r++) store(g.c + t * g.stride_c + (i0 + r) * g.ldc, j, col[r]);
      }
    });
  }
}
