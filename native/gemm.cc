// GEMM driver, BLIS-style: per k block, B's rows are packed into kc x nr panels (shared by all
// threads), then work units (batch item, block of rows, block of columns) are handed out dynamically;
// each unit packs its rows of A into mr x kc panels and runs the microkernel over the tiles. When
// the whole packed B is small, it is packed in one go and each unit runs all the k blocks. A single
// product large in every dimension is instead cut into one slab of rows or columns per thread, each slab
// a 1-thread GEMM; a batch of many items with small B of their own runs whole items as the tasks, each
// one as a 1-thread GEMM.
// Products with very few rows or columns (matrix-vector like) take lean unpacked paths (gemv.h).
#include "gemm.h"

#include "simd_kernels.h"
#include "threadpool.h"

namespace ho {

namespace {

// Blocking: a kc x nr B panel stays in L1 while the mc x kc A block (<= 96 KiB) streams from L2.
// With the AVX2 kernel (nr 16) the panel is 16 KiB; with the AVX-512 one (12 x 32) it is 32 KiB of a
// 48 KiB L1 (Sapphire Rapids), yet KC 128 (47-68% of peak) and 192 (46-65%) ran no faster there than
// 256 (47-75%) over four alternating rounds of the three large bench shapes.
constexpr i64 KC = 256;
constexpr i64 MC_MAX = 96;
constexpr i64 NC_MAX = 2048;
// Packed B for one batch group is capped at this many floats (larger batches are done in groups).
constexpr i64 kPackedBLimit = 4 << 20;
// Packed B up to this many floats (1 MiB) is packed whole, and each unit runs all k blocks.
constexpr i64 kKInside = 256 << 10;
// A batch of at least this many items per thread, each with at most kItemPackedB floats of packed B
// (512 KiB, a quarter of an L2), runs one item per task.
constexpr i64 kItemTasksPerThread = 3;
constexpr i64 kItemPackedB = 128 << 10;
// A single product whose m, n and k are all at least this large is cut into one slab per thread.
constexpr i64 kSlabMin = 256;

// C = beta C + bias for k == 0 (alpha A B is an empty sum).
void scale_only(const GemmArgs& g) {
  for (i64 t = 0; t < g.batch; t++) {
    for (i64 i = 0; i < g.m; i++) {
      float* c = g.c + t * g.stride_c + i * g.ldc;
      for (i64 j = 0; j < g.n; j++) {
        float v = g.beta != 0 ? g.beta * c[j] : 0.0f;
        c[j] = g.bias ? v + g.bias[j] : v;
      }
    }
  }
}

}  // namespace

void pack_a_generic(const float* src, i64 rs, i64 ks, i64 rows, i64 kc, int mr, float* dst) {
  for (i64 i0 = 0; i0 < rows; i0 += mr, dst += kc * mr) {
    const i64 h = std::min<i64>(mr, rows - i0);
    if (rs == 1) {  // op(A) column-contiguous (transposed A): each k step is h consecutive floats
      for (i64 p = 0; p < kc; p++) {
        const float* s = src + p * ks + i0;
        float* d = dst + p * mr;
        for (i64 r = 0; r < h; r++) d[r] = s[r];
        for (i64 r = h; r < mr; r++) d[r] = 0.0f;
      }
    } else {
      for (i64 r = 0; r < h; r++) {
        const float* s = src + (i0 + r) * rs;
        float* d = dst + r;
        if (ks == 1) for (i64 p = 0; p < kc; p++) d[p * mr] = s[p];
        else for (i64 p = 0; p < kc; p++) d[p * mr] = s[p * ks];
      }
      for (i64 r = h; r < mr; r++)
        for (i64 p = 0; p < kc; p++) dst[p * mr + r] = 0.0f;
    }
  }
}

void pack_b_generic(const float* src, i64 ks, i64 cs, i64 kc, i64 cols, int nr, float* dst) {
  for (i64 j0 = 0; j0 < cols; j0 += nr, dst += kc * nr) {
    const i64 w = std::min<i64>(nr, cols - j0);
    if (cs == 1) {  // rows of op(B) contiguous
      for (i64 p = 0; p < kc; p++) {
        const float* s = src + p * ks + j0;
        float* d = dst + p * nr;
        if (w == nr) std::memcpy(d, s, sizeof(float) * nr);
        else {
          for (i64 j = 0; j < w; j++) d[j] = s[j];
          for (i64 j = w; j < nr; j++) d[j] = 0.0f;
        }
      }
    } else {  // transposed B: read each column of op(B) contiguously, write with stride nr
      for (i64 j = 0; j < w; j++) {
        const float* s = src + (j0 + j) * cs;
        float* d = dst + j;
        if (ks == 1) for (i64 p = 0; p < kc; p++) d[p * nr] = s[p];
        else for (i64 p = 0; p < kc; p++) d[p * nr] = s[p * ks];
      }
      for (i64 j = w; j < nr; j++)
        for (i64 p = 0; p < kc; p++) dst[p * nr + j] = 0.0f;
    }
  }
}

void micro_tile(const MicroKernel& mk, i64 kc, const float* ap, const float* bp, float* c, i64 ldc, i64 rows,
                i64 cols, float alpha, float beta, const float* bias) {
  if (rows == mk.mr && cols == mk.nr) {
    mk.fn(kc, ap, bp, c, ldc, alpha, beta, bias);
    return;
  }
  if (cols == mk.nr && mk.rows_fn && mk.rows_fn(kc, ap, bp, c, ldc, rows, alpha, beta, bias)) return;
  alignas(64) float tmp[12 * 32];
  mk.fn(kc, ap, bp, tmp, mk.nr, 1.0f, 0.0f, nullptr);
  for (i64 r = 0; r < rows; r++) {
    float* cr = c + r * ldc;
    for (i64 j = 0; j < cols; j++) {
      float v = alpha * tmp[r * mk.nr + j];
      if (beta != 0) v += beta * cr[j];
      if (bias) v += bias[j];
      cr[j] = v;
    }
  }
}

void gemm(const GemmArgs& g) {
  if (g.m <= 0 || g.n <= 0 || g.batch <= 0) return;
  if (g.k <= 0) { scale_only(g); return; }
  // Element (i, p) of op(A) is a[i * ars + p * aks]; element (p, j) of op(B) is b[p * bks + j * bcs].
  const i64 ars = g.trans_a ? 1 : g.lda, aks = g.trans_a ? g.lda : 1;
  const i64 bks = g.trans_b ? 1 : g.ldb, bcs = g.trans_b ? g.ldb : 1;
  const int threads = threads_for(2.0 * g.m * g.n * g.k * g.batch);

  // Matrix-vector-like products take lean fp32 paths; bf16 ones always take the packed path below, whose
  // packers round.
  if (!g.bf16 && g.m <= 4 && g.n * g.k >= 4096) {
    simd().gemm_rows(g, threads);
    return;
  }
  if (!g.bf16 && g.n <= 4 && g.m * g.k >= 4096) {
    simd().gemm_cols(g, threads);
    return;
  }

  const MicroKernel& mk = g.bf16 ? bf16_kernel() : micro_kernel();
  const i64 MR = mk.mr, NR = mk.nr, KP = mk.kpack;
  const i64 m = g.m, n = g.n, k = g.k;
  const i64 nkb = ceil_div(k, KC * KP);  // a k block is KC packed slots (bf16 pairs: 2 KC k steps, the same bytes)
  const i64 kcb = round_up(ceil_div(k, nkb), 8);  // balanced k blocks (the last may be shorter)
  const i64 kcb_slots = ceil_div(kcb, KP);
  const i64 npad = round_up(n, NR);
  const bool shared_b = g.stride_b == 0;

  // Many batch items, each with its own small B (a convolution's im2col columns, per-head products):
  // one item per task, each packing its own B on the core that uses it (where the packed panels stay in
  // L2) instead of packing every item's B in a shared phase and reading it back from the other core.
  if (!shared_b && threads > 1 && g.batch >= kItemTasksPerThread * threads && nkb * kcb_slots * npad <= kItemPackedB) {
    parallel_items(g.batch, threads, [&](i64 t) {
      GemmArgs one = g;
      one.batch = 1;
      one.a += t * g.stride_a;
      one.b += t * g.stride_b;
      one.c += t * g.stride_c;
      gemm(one);  // inside a task: runs on this thread alone
    });
    return;
  }
  // One slab per thread: the larger of m and n is cut into `threads` slabs of whole panels, each a
  // single-threaded GEMM of its own (own packing, no barriers, nothing shared between cores); the operand
  // along the other dimension is packed by every thread, a cost of order 1 / max(m, n) of the work. On
  // 2 threads of an AMD Zen 5 the shared-B units lose about a quarter of their speed to the per-k-block
  // barriers and to reading panels packed on the other core: slabs took the three large bench shapes from
  // 292-302 / 283-291 / 249-253 to 311-338 / 355-361 / 310-335 GFLOP/s (2 x 2 alternating runs of
  // bench:engine, 423-447 GFLOP/s peak). Small products stay on the shared units, where dynamic hand-out
  // absorbs a worker that joins late: with slabs for every product of at least 512 rows or columns, the
  // tiny preset's training step (k or n of 128-192) ran 0.44 against 0.39 s/step, its caller waiting on
  // the other slab for 29% of its own slab's time.
  if (threads > 1 && g.batch == 1 && std::min({m, n, k}) >= kSlabMin && std::max(m, n) >= threads * kSlabMin) {
    const bool by_cols = n >= m;
    parallel_items(threads, threads, [&](i64 s) {
      GemmArgs one = g;
      if (by_cols) {
        const i64 panels = ceil_div(n, NR), j0 = panels * s / threads * NR, j1 = std::min(n, panels * (s + 1) / threads * NR);
        one.n = j1 - j0;
        one.b += j0 * bcs;
        one.c += j0;
        if (g.bias) one.bias += j0;
      } else {
        const i64 panels = ceil_div(m, MR), i0 = panels * s / threads * MR, i1 = std::min(m, panels * (s + 1) / threads * MR);
        one.m = i1 - i0;
        one.a += i0 * ars;
        one.c += i0 * g.ldc;
      }
      if (one.m > 0 && one.n > 0) gemm(one);  // inside a task: runs on this thread alone
    });
    return;
  }
  const i64 group = shared_b ? g.batch : std::max<i64>(1, std::min<i64>(g.batch, kPackedBLimit / (kcb_slots * npad)));

  // Units: (batch item, row block, column block), enough of them to balance the threads.
  const i64 mpanels = ceil_div(m, MR), npanels = ceil_div(n, NR);
  i64 nic = ceil_div(m, MC_MAX), njc = ceil_div(n, NC_MAX);
  while (threads > 1 && group * nic * njc < 3 * threads) {
    const bool ic_ok = mpanels / (nic + 1) >= 4, jc_ok = npanels / (njc + 1) >= 4;
    if (ic_ok && (!jc_ok || mpanels * njc * NR >= npanels * nic * MR)) nic++;
    else if (jc_ok) njc++;
    else break;
  }
  // Equal shares: with few units, a count that is not a multiple of the threads leaves one idle at
  // the end (11 units on 2 threads lose about 9%).
  while (threads > 1 && group * nic * njc % threads != 0 && group * nic * njc < 8 * threads && mpanels / (nic + 1) >= 2) nic++;

  // Loop order (BLIS): k block outermost, so the packed kc x n block of B (<= 1 MiB at KC 256, n 1024)
  // is written once and then read by every row block while it is still in L2. When all of packed B
  // is small (kKInside), it is packed at once instead and each unit runs every k block itself: its
  // C tile stays in its core's cache, and there is one barrier instead of two per k block.
  const i64 kb_size = kcb_slots * npad;  // packed op(B) slots of one k block, one batch item
  const bool k_inside = nkb > 1 && (shared_b ? 1 : group) * nkb * kb_size <= kKInside;
  const i64 blocks_packed = k_inside ? nkb : 1;
  float* bpack = thread_scratch(1).get((shared_b ? 1 : group) * blocks_packed * kb_size + kPackSlack);
  for (i64 t0 = 0; t0 < g.batch; t0 += group) {
    const i64 gb = std::min(group, g.batch - t0);
    const i64 packs = shared_b ? 1 : gb;
    for (i64 q0 = 0; q0 < k; q0 += kcb * blocks_packed) {
      // Phase 1: pack the k blocks of op(B) this pass needs, every batch item in the group, split by (item, block, panel).
      const i64 pack_tasks = packs * blocks_packed * npanels;
      const i64 pack_grain = threads == 1 ? pack_tasks : std::max<i64>(1, 64 * 1024 / (kcb_slots * NR));
      parallel_for(pack_tasks, pack_grain, [&](i64 lo, i64 hi) {
        for (i64 task = lo; task < hi;) {
          const i64 t = task / (blocks_packed * npanels), kb = task / npanels % blocks_packed, jp = task % npanels;
          const i64 run = std::min(hi - task, npanels - jp);  // consecutive panels of one item and block
          const i64 p0 = q0 + kb * kcb, kc = std::min(kcb, k - p0);
          const float* src = g.b + (t0 + t) * g.stride_b + p0 * bks + jp * NR * bcs;
          mk.pack_b(src, bks, bcs, kc, std::min(run * NR, n - jp * NR), static_cast<int>(NR),
                    bpack + (t * blocks_packed + kb) * kb_size + jp * ceil_div(kc, KP) * NR);
          task += run;
        }
      });
      // Phase 2: the units, each over the k blocks packed in this pass.
      parallel_items(gb * nic * njc, threads, [&](i64 u) {
        const i64 t = u / (nic * njc), ic = u / njc % nic, jc = u % njc;
        const i64 i0 = mpanels * ic / nic * MR, i1 = std::min(m, mpanels * (ic + 1) / nic * MR);
        const i64 j0 = npanels * jc / njc * NR, j1 = std::min(n, npanels * (jc + 1) / njc * NR);
        if (i0 >= i1 || j0 >= j1) return;
        const float* a = g.a + (t0 + t) * g.stride_a;
        float* c = g.c + (t0 + t) * g.stride_c;
        float* apack = thread_scratch(0).get(round_up(i1 - i0, MR) * kcb_slots + kPackSlack);
        for (i64 kb = 0; kb < blocks_packed && q0 + kb * kcb < k; kb++) {
          const i64 p0 = q0 + kb * kcb, kc = std::min(kcb, k - p0), slots = ceil_div(kc, KP);
          const bool first = p0 == 0;
          const float* bblock = bpack + ((shared_b ? 0 : t) * blocks_packed + kb) * kb_size;
          mk.pack_a(a + i0 * ars + p0 * aks, ars, aks, i1 - i0, kc, static_cast<int>(MR), apack);
          // No software prefetch of the next B panel: the packed block is in L2 already, and the loop of
          // prefetches cost more than it saved (1-2% of a one-thread 512 x 1024 x 512 product).
          for (i64 j = j0; j < j1; j += NR) {
            const float* bp = bblock + (j / NR) * slots * NR;
            const float* bias = first && g.bias ? g.bias + j : nullptr;
            for (i64 i = i0; i < i1; i += MR) {
              micro_tile(mk, slots, apack + (i - i0) * slots, bp, c + i * g.ldc + j, g.ldc, std::min(MR, i1 - i),
                         std::min(NR, j1 - j), g.alpha, first ? g.beta : 1.0f, bias);
            }
          }
        }
      });
    }
  }
}

}  // namespace ho
