// Fused flash-style attention over the [batch, time, heads, dim] layout with grouped-query heads and
// an optional [maskBatch, tq, tk] mask (per-ISA body, see simd.h).
//
// Tiles are kBQ query positions x kBK keys. A tile the mask hides entirely is skipped, and a tile it
// shows entirely is not masked element by element (visibility is precomputed per call), so causal and
// block-causal masks cost about half. The tile products (Q K^T, P V, and the backward's five) run on
// the GEMM microkernel over packed panels; query heads that share a KV head are stacked into one
// block so each K/V tile is packed once for all of them.
//
// Forward: work items (batch, kv head, head subgroup, query block), online softmax over key blocks.
// Backward: work items (batch, kv head, chunk of key blocks). An item owns the dK/dV rows of its
// key blocks (no races); dQ is accumulated per item and, when the key blocks are split into several
// chunks, added up across chunks in a fixed order. Results do not depend on the thread count.

constexpr i64 kBQ = 64, kBK = 64;

struct TileMap {
  i64 nqb, nkb;
  std::vector<uint8_t> vis;  // [maskBatch, nqb, nkb]: 0 hidden, 1 fully visible, 2 partly visible
  uint8_t at(i64 mb, i64 qb, i64 kb) const { return vis.empty() ? 1 : vis[(mb * nqb + qb) * nkb + kb]; }
};

static TileMap tile_map(const AttnArgs& a) {
  TileMap t{ceil_div(a.tq, kBQ), ceil_div(a.tk, kBK), {}};
  if (!a.mask) return t;
  t.vis.resize(a.mask_batch * t.nqb * t.nkb);
  parallel_for(a.mask_batch * t.nqb, std::max<i64>(1, 65536 / (kBQ * std::max<i64>(a.tk, 1))), [&](i64 lo, i64 hi) {
    for (i64 row = lo; row < hi; row++) {
      const i64 mb = row / t.nqb, i0 = row % t.nqb * kBQ, i1 = std::min(a.tq, i0 + kBQ);
      for (i64 kb = 0; kb < t.nkb; kb++) {
        const i64 j0 = kb * kBK, j1 = std::min(a.tk, j0 + kBK);
        i64 ones = 0;
        for (i64 i = i0; i < i1; i++) {
          const uint8_t* mr = a.mask + (mb * a.tq + i) * a.tk;
          for (i64 j = j0; j < j1; j++) ones += mr[j] != 0;
        }
        t.vis[row * t.nkb + kb] = ones == 0 ? 0 : ones == (i1 - i0) * (j1 - j0) ? 1 : 2;
      }
    }
  });
  return t;
}

// Carves 64-byte-aligned sub-buffers out of one scratch allocation.
struct Carver {
  float* base;
  i64 used = 0;
  float* take(i64 n) { float* p = base + used; used += round_up(n + kPackSlack, 16); return p; }
};
static inline i64 carve_size(std::initializer_list<i64> sizes) {
  i64 s = 0;
  for (i64 n : sizes) s += round_up(n + kPackSlack, 16);
  return s;
}

// Runs the microkernel over all full tiles of C[rows, cols] (multiples of mr, nr) += / = A B.
static inline void tile_product(const MicroKernel& mk, i64 kc, const float* ap, const float* bp, float* c, i64 ldc,
                                i64 rows, i64 cols, float alpha, float beta) {
  for (i64 j = 0; j < cols; j += mk.nr)
    for (i64 i = 0; i < rows; i += mk.mr) mk.fn(kc, ap + i * kc, bp + j * kc, c + i * ldc + j, ldc, alpha, beta, nullptr);
}

// Sets masked entries of a score tile row to -inf (and the padding columns [nk, nkp)).
static inline void mask_row(float* s, const uint8_t* mrow, i64 nk, i64 nkp, bool partial) {
  if (partial)
    for (i64 j = 0; j < nk; j++)
      if (!mrow[j]) s[j] = -kInf;
  for (i64 j = nk; j < nkp; j++) s[j] = -kInf;
}

// Query rows per KV head at or below which attention takes the direct path (attention_rows).
constexpr i64 kDirectRows = 8;

// The forward for very few query rows (KV-cache decode): every (batch, head) item takes each of its
// query rows through the scores s_j = scale q.k_j of the visible keys (direct dot products, no
// packing), p_j = exp(s_j - max s), and out = sum_j p_j v_j / sum_j p_j. Keys past tk are never read.
static void attention_rows(const AttnArgs& a, float* out, float* lse, int threads) {
  const i64 H = a.heads, G = H / a.kv_heads, D = a.dim, kv_row = a.kv_heads * D;
  parallel_items(a.batch * H, threads, [&](i64 item) {
    const i64 b = item / H, h = item % H, mb = a.mask_batch == 1 ? 0 : b;
    const float* kbase = a.k + b * a.kv_stride * kv_row + h / G * D;
    const float* vbase = a.v + b * a.kv_stride * kv_row + h / G * D;
    float* s = thread_scratch(2).get(a.tk);
    for (i64 i = 0; i < a.tq; i++) {
      const float* q = a.q + ((b * a.tq + i) * H + h) * D;
      const uint8_t* mrow = a.mask ? a.mask + (mb * a.tq + i) * a.tk : nullptr;
      float mx = -kInf;
      for (i64 j = 0; j < a.tk; j++) {
        if (mrow && !mrow[j]) { s[j] = -kInf; continue; }
        const float* kr = kbase + j * kv_row;
        V acc = vset(0.0f);
        for_vectors(D, [&](i64 d, i64 c) { acc += vload_n(q + d, c) * vload_n(kr + d, c); });
        s[j] = a.scale * hsum(acc);
        mx = std::max(mx, s[j]);
      }
      float* o = out + ((b * a.tq + i) * H + h) * D;
      const i64 li = (b * H + h) * a.tq + i;
      if (mx == -kInf) {
        std::memset(o, 0, sizeof(float) * D);
        lse[li] = -kInf;
        continue;
      }
      const V vm = vset(mx);
      V sum = vset(0.0f);
      for_vectors(a.tk, [&](i64 j, i64 c) {
        const V p = vexp(vload_n(s + j, c, -kInf) - vm);
        sum += p;
        vstore_n(s + j, p, c);
      });
      const float l = hsum(sum);
      // One slice of W dims at a time over all keys, in four register accumulators (independent FMA
      // chains). Masked keys have p_j = 0 and in-range V rows are finite, so they add nothing.
      const V inv = vset(1.0f / l);
      for_vectors(D, [&](i64 d, i64 c) {
        V acc[4] = {vset(0.0f), vset(0.0f), vset(0.0f), vset(0.0f)};
        const float* vr = vbase + d;
        i64 j = 0;
        for (; j + 4 <= a.tk; j += 4)
          for (int u = 0; u < 4; u++) acc[u] += s[j + u] * vload_n(vr + (j + u) * kv_row, c);
        for (; j < a.tk; j++) acc[0] += s[j] * vload_n(vr + j * kv_row, c);
        vstore_n(o + d, ((acc[0] + acc[1]) + (acc[2] + acc[3])) * inv, c);
      });
      lse[li] = mx + std::log(l);
    }
  });
}

static void attention(const AttnArgs& a, float* out, float* lse) {
  if (a.batch == 0 || a.tq == 0 || a.heads == 0) return;
  // Q K^T and P V: 4 flops per (query, key, dim) of every head.
  const int threads = threads_for(4.0 * a.batch * a.heads * a.tq * a.tk * a.dim);
  if (a.tq * (a.heads / a.kv_heads) <= kDirectRows) {
    attention_rows(a, out, lse, threads);
    return;
  }
  const MicroKernel& mk = micro_kernel();
  const i64 MR = mk.mr, NR = mk.nr, H = a.heads, KVH = a.kv_heads, G = H / KVH, D = a.dim;
  const i64 Dp = round_up(D, NR), BKp = round_up(kBK, NR);
  const TileMap tiles = tile_map(a);
  const i64 qlen_max = std::min(a.tq, kBQ);
  const i64 HS = std::max<i64>(1, std::min<i64>(G, 128 / qlen_max)), nhs = ceil_div(G, HS);
  const i64 Rmax = HS * qlen_max, Rpmax = round_up(Rmax, MR);
  const i64 items = a.batch * KVH * nhs * tiles.nqb;
  const i64 kv_row = KVH * D;
  parallel_items(items, threads, [&](i64 item) {
    const i64 qb = item % tiles.nqb, hs = item / tiles.nqb % nhs, g = item / (tiles.nqb * nhs) % KVH;
    const i64 b = item / (tiles.nqb * nhs * KVH);
    const i64 i0 = qb * kBQ, ql = std::min(kBQ, a.tq - i0), h0 = g * G + hs * HS, nh = std::min(HS, G - hs * HS);
    const i64 R = nh * ql, Rp = round_up(R, MR), mb = a.mask_batch == 1 ? 0 : b;
    Carver cv{thread_scratch(2).get(carve_size({Rmax * D, Rpmax * D, Rpmax * BKp, Rpmax * kBK, D * BKp, kBK * Dp,
                                                Rpmax * Dp, Rmax, Rmax}))};
    float *Qc = cv.take(Rmax * D), *Qp = cv.take(Rpmax * D), *S = cv.take(Rpmax * BKp), *Pp = cv.take(Rpmax * kBK);
    float *Kp = cv.take(D * BKp), *Vp = cv.take(kBK * Dp), *O = cv.take(Rpmax * Dp), *mx = cv.take(Rmax);
    float* l = cv.take(Rmax);
    // Rows r = hh * ql + ii: head h0 + hh, query position i0 + ii.
    for (i64 r = 0; r < R; r++)
      std::memcpy(Qc + r * D, a.q + ((b * a.tq + i0 + r % ql) * H + h0 + r / ql) * D, sizeof(float) * D);
    mk.pack_a(Qc, D, 1, R, D, static_cast<int>(MR), Qp);
    std::memset(O, 0, sizeof(float) * Rp * Dp);
    for (i64 r = 0; r < R; r++) { mx[r] = -kInf; l[r] = 0.0f; }
    const float* kbase = a.k + (b * a.kv_stride * KVH + g) * D;
    const float* vbase = a.v + (b * a.kv_stride * KVH + g) * D;
    for (i64 kb = 0; kb < tiles.nkb; kb++) {
      const uint8_t vis = tiles.at(mb, qb, kb);
      if (vis == 0) continue;
      const i64 j0 = kb * kBK, nk = std::min(kBK, a.tk - j0), nkp = round_up(nk, NR);
      mk.pack_b(kbase + j0 * kv_row, 1, kv_row, D, nk, static_cast<int>(NR), Kp);
      tile_product(mk, D, Qp, Kp, S, nkp, Rp, nkp, a.scale, 0.0f);
      for (i64 r = 0; r < R; r++) {
        float* s = S + r * nkp;
        mask_row(s, vis == 2 ? a.mask + (mb * a.tq + i0 + r % ql) * a.tk + j0 : nullptr, nk, nkp, vis == 2);
        const float mnew = std::max(mx[r], row_max(s, nkp));
        if (mnew == -kInf) { std::memset(s, 0, sizeof(float) * nkp); continue; }
        const float alpha = std::exp(mx[r] - mnew);
        const V vm = vset(mnew);
        V sum = vset(0.0f);
        for_vectors(nkp, [&](i64 j, i64 c) {
          const V p = vexp(vload_n(s + j, c, -kInf) - vm);
          sum += p;
          vstore_n(s + j, p, c);
        });
        l[r] = l[r] * alpha + hsum(sum);
        mx[r] = mnew;
        if (alpha != 1.0f) {
          float* o = O + r * Dp;
          for_vectors(Dp, [&](i64 d, i64 c) { vstore_n(o + d, vload_n(o + d, c) * alpha, c); });
        }
      }
      mk.pack_a(S, nkp, 1, R, nk, static_cast<int>(MR), Pp);
      mk.pack_b(vbase + j0 * kv_row, kv_row, 1, nk, D, static_cast<int>(NR), Vp);
      tile_product(mk, nk, Pp, Vp, O, Dp, Rp, Dp, 1.0f, 1.0f);
    }
    for (i64 r = 0; r < R; r++) {
      const i64 h = h0 + r / ql, i = i0 + r % ql;
      float* o = out + ((b * a.tq + i) * H + h) * D;
      const i64 li = (b * H + h) * a.tq + i;
      if (l[r] == 0.0f) {
        std::memset(o, 0, sizeof(float) * D);
        lse[li] = -kInf;
        continue;
      }
      const V inv = vset(1.0f / l[r]);
      const float* orow = O + r * Dp;
      for_vectors(D, [&](i64 d, i64 c) { vstore_n(o + d, vload_n(orow + d, c) * inv, c); });
      lse[li] = mx[r] + std::log(l[r]);
    }
  });
}

static void attention_backward(const AttnArgs& a, const float* out, const float* lse, const float* gout, float* gq,
                               float* gk, float* gv) {
  const i64 H = a.heads, KVH = a.kv_heads, G = H / KVH, D = a.dim;
  const i64 gkv_size = a.batch * a.tk * KVH * D, gq_size = a.batch * a.tq * H * D;
  if (a.batch == 0 || H == 0) return;
  if (a.tq == 0 || a.tk == 0) {
    std::memset(gk, 0, sizeof(float) * gkv_size);
    std::memset(gv, 0, sizeof(float) * gkv_size);
    std::memset(gq, 0, sizeof(float) * gq_size);
    return;
  }
  const MicroKernel& mk = micro_kernel();
  const i64 MR = mk.mr, NR = mk.nr;
  const i64 Dp = round_up(D, NR), BKp = round_up(kBK, NR), BKm = round_up(kBK, MR);
  const TileMap tiles = tile_map(a);
  const i64 Rmax = G * std::min(a.tq, kBQ), Rpmax = round_up(Rmax, MR);
  const i64 kv_row = KVH * D;

  // The backward's five tile products: 10 flops per (query, key, dim) of every head.
  const int threads = threads_for(10.0 * a.batch * H * a.tq * a.tk * D);
  // delta = rowsum(dO * O) per (batch, head, query), laid out like lse.
  float* delta = thread_scratch(4).get(a.batch * H * a.tq);
  parallel_for(a.batch * a.tq, std::max<i64>(1, 8192 / (H * D)), [&](i64 lo, i64 hi) {
    for (i64 bi = lo; bi < hi; bi++)
      for (i64 h = 0; h < H; h++) {
        const float* o = out + (bi * H + h) * D;
        const float* go = gout + (bi * H + h) * D;
        V s = vset(0.0f);
        for_vectors(D, [&](i64 d, i64 c) { s += vload_n(o + d, c) * vload_n(go + d, c); });
        delta[(bi / a.tq * H + h) * a.tq + bi % a.tq] = hsum(s);
      }
  });

  // Key blocks of one (batch, kv head) are split into `chunks` items when there are few such pairs;
  // each chunk then writes its own dQ partial (a function of the shapes only, not of the threads).
  i64 chunks = std::min<i64>(tiles.nkb, ceil_div(8, a.batch * KVH));
  chunks = std::max<i64>(1, std::min<i64>(chunks, (16 << 20) / std::max<i64>(gq_size, 1)));
  std::vector<float> partial(chunks > 1 ? chunks * gq_size : 0);  // rare and large: not kept between calls

  parallel_items(a.batch * KVH * chunks, threads, [&](i64 item) {
    const i64 ch = item % chunks, g = item / chunks % KVH, b = item / (chunks * KVH);
    const i64 kb0 = tiles.nkb * ch / chunks, kb1 = tiles.nkb * (ch + 1) / chunks;
    const i64 mb = a.mask_batch == 1 ? 0 : b;
    Carver cv{thread_scratch(2).get(carve_size({D * BKp, D * BKp, kBK * Dp, BKm * Dp, BKm * Dp, Rmax * D, Rmax * D,
                                                Rmax, Rmax, Rpmax * D, Rpmax * D, Rpmax * BKp, Rpmax * BKp,
                                                BKm * Rmax, Rmax * Dp, BKm * Rmax, Rmax * Dp, Rpmax * kBK}))};
    float *KT = cv.take(D * BKp), *VT = cv.take(D * BKp), *KN = cv.take(kBK * Dp);
    float *dK = cv.take(BKm * Dp), *dV = cv.take(BKm * Dp), *Qc = cv.take(Rmax * D), *dOc = cv.take(Rmax * D);
    float *lr = cv.take(Rmax), *dl = cv.take(Rmax), *QA = cv.take(Rpmax * D), *dOA = cv.take(Rpmax * D);
    float *S = cv.take(Rpmax * BKp), *dP = cv.take(Rpmax * BKp), *PT = cv.take(BKm * Rmax), *dOB = cv.take(Rmax * Dp);
    float *dST = cv.take(BKm * Rmax), *QB = cv.take(Rmax * Dp), *dSA = cv.take(Rpmax * kBK);
    float* dQ = thread_scratch(3).get(tiles.nqb * Rpmax * Dp);  // [query block, row, dim]
    std::memset(dQ, 0, sizeof(float) * tiles.nqb * Rpmax * Dp);
    const float* kbase = a.k + (b * a.kv_stride * KVH + g) * D;
    const float* vbase = a.v + (b * a.kv_stride * KVH + g) * D;
    for (i64 kb = kb0; kb < kb1; kb++) {
      const i64 j0 = kb * kBK, nk = std::min(kBK, a.tk - j0), nkp = round_up(nk, NR), nkm = round_up(nk, MR);
      bool packed = false;
      std::memset(dK, 0, sizeof(float) * nkm * Dp);
      std::memset(dV, 0, sizeof(float) * nkm * Dp);
      for (i64 qb = 0; qb < tiles.nqb; qb++) {
        const uint8_t vis = tiles.at(mb, qb, kb);
        if (vis == 0) continue;
        if (!packed) {
          mk.pack_b(kbase + j0 * kv_row, 1, kv_row, D, nk, static_cast<int>(NR), KT);
          mk.pack_b(vbase + j0 * kv_row, 1, kv_row, D, nk, static_cast<int>(NR), VT);
          mk.pack_b(kbase + j0 * kv_row, kv_row, 1, nk, D, static_cast<int>(NR), KN);
          packed = true;
        }
        const i64 i0 = qb * kBQ, ql = std::min(kBQ, a.tq - i0), R = G * ql, Rp = round_up(R, MR);
        for (i64 r = 0; r < R; r++) {
          const i64 h = g * G + r / ql, i = i0 + r % ql, row = ((b * a.tq + i) * H + h) * D;
          std::memcpy(Qc + r * D, a.q + row, sizeof(float) * D);
          std::memcpy(dOc + r * D, gout + row, sizeof(float) * D);
          lr[r] = lse[(b * H + h) * a.tq + i];
          dl[r] = delta[(b * H + h) * a.tq + i];
        }
        mk.pack_a(Qc, D, 1, R, D, static_cast<int>(MR), QA);
        mk.pack_a(dOc, D, 1, R, D, static_cast<int>(MR), dOA);
        tile_product(mk, D, QA, KT, S, nkp, Rp, nkp, a.scale, 0.0f);
        tile_product(mk, D, dOA, VT, dP, nkp, Rp, nkp, 1.0f, 0.0f);
        // P = exp(S - lse) (0 where masked); dS = P (dP - delta).
        for (i64 r = 0; r < R; r++) {
          float* s = S + r * nkp;
          float* dp = dP + r * nkp;
          if (lr[r] == -kInf) {
            std::memset(s, 0, sizeof(float) * nkp);
            std::memset(dp, 0, sizeof(float) * nkp);
            continue;
          }
          mask_row(s, vis == 2 ? a.mask + (mb * a.tq + i0 + r % ql) * a.tk + j0 : nullptr, nk, nkp, vis == 2);
          const V vl = vset(lr[r]), vd = vset(dl[r]);
          for_vectors(nkp, [&](i64 j, i64 c) {
            const V p = vexp(vload_n(s + j, c, -kInf) - vl);
            vstore_n(s + j, p, c);
            vstore_n(dp + j, p * (vload_n(dp + j, c) - vd), c);
          });
        }
        // dV += P^T dO;  dK += scale dS^T Q;  dQ += scale dS K.
        mk.pack_a(S, 1, nkp, nk, R, static_cast<int>(MR), PT);
        mk.pack_b(dOc, D, 1, R, D, static_cast<int>(NR), dOB);
        tile_product(mk, R, PT, dOB, dV, Dp, nkm, Dp, 1.0f, 1.0f);
        mk.pack_a(dP, 1, nkp, nk, R, static_cast<int>(MR), dST);
        mk.pack_b(Qc, D, 1, R, D, static_cast<int>(NR), QB);
        tile_product(mk, R, dST, QB, dK, Dp, nkm, Dp, a.scale, 1.0f);
        mk.pack_a(dP, nkp, 1, R, nk, static_cast<int>(MR), dSA);
        tile_product(mk, nk, dSA, KN, dQ + qb * Rpmax * Dp, Dp, Rp, Dp, a.scale, 1.0f);
      }
      for (i64 j = 0; j < nk; j++) {
        const i64 row = ((b * a.tk + j0 + j) * KVH + g) * D;
        std::memcpy(gk + row, dK + j * Dp, sizeof(float) * D);
        std::memcpy(gv + row, dV + j * Dp, sizeof(float) * D);
      }
    }
    float* dst = chunks > 1 ? partial.data() + ch * gq_size : gq;
    for (i64 qb = 0; qb < tiles.nqb; qb++) {
      const i64 i0 = qb * kBQ, ql = std::min(kBQ, a.tq - i0);
      for (i64 r = 0; r < G * ql; r++) {
        const i64 h = g * G + r / ql, i = i0 + r % ql;
        std::memcpy(dst + ((b * a.tq + i) * H + h) * D, dQ + (qb * Rpmax + r) * Dp, sizeof(float) * D);
      }
    }
  });
  if (chunks > 1) {
    parallel_for(gq_size, kElementGrain, [&](i64 lo, i64 hi) {
      for (i64 i = lo; i < hi; i++) {
        float s = partial[i];
        for (i64 c = 1; c < chunks; c++) s += partial[c * gq_size + i];
        gq[i] = s;
      }
    });
  }
}
