// A persistent thread pool: std::thread workers plus the calling thread. Jobs are elastic: a job is a
// set of tasks claimed one by one from a shared counter, and once every task has been claimed the
// caller closes the job, so a worker that has not started yet (its core busy elsewhere) simply skips
// it instead of holding the caller up. Idle workers spin briefly (back-to-back kernel calls from
// JavaScript are common), then sleep on a condition variable so they do not steal the core from
// JavaScript. Nested parallel calls run inline.
#pragma once

#include "common.h"

namespace ho {

// Threads the pool uses (>= 1): the available cores (sched_getaffinity), or env HAPLOOMNI_THREADS.
// Inside a parallel task it is 1.
int num_threads();
// Resizes the pool (n >= 1).
void set_num_threads(int n);

// Work (roughly: floating-point operations) below which a kernel runs on the calling thread. Handing a
// job to the pool costs about a microsecond while the workers spin, tens of microseconds when they must
// be woken or are descheduled on a busy machine; 2^20 flops is 10-20 us of one core.
constexpr double kParallelWork = 1 << 20;

// Elements of pure data movement (copies, adds, reductions: a few bytes each at 10-25 GB/s) per chunk
// of a split: 2^17 elements is 20-50 us of one core.
constexpr i64 kMoveGrain = 1 << 17;

// The threads worth using for `work` flops: 1 below kParallelWork, else the pool size.
inline int threads_for(double work) { return work < kParallelWork ? 1 : num_threads(); }

// Runs fn(ctx, task) for every task in [0, ntasks) on the caller and up to max_threads - 1 workers,
// and returns when all are done. Which thread runs which task is not fixed.
void parallel_tasks(i64 ntasks, int max_threads, void (*fn)(void* ctx, i64 task), void* ctx);

// Calls f(item) for every item in [0, n), handed out dynamically (uneven work, noisy neighbours);
// at most `nthreads` threads.
template <class F>
void parallel_items(i64 n, int nthreads, F&& f) {
  if (n <= 0) return;
  if (n == 1 || nthreads <= 1 || num_threads() <= 1) {
    for (i64 i = 0; i < n; i++) f(i);
    return;
  }
  parallel_tasks(n, nthreads, [](void* c, i64 i) { (*static_cast<F*>(c))(i); }, &f);
}

// Splits [0, n) into contiguous chunks of at least `grain` items (a few per thread, for balance) and
// calls f(lo, hi) for each. Chunk boundaries depend on the thread count, so f must compute each item
// independently of where its chunk starts.
template <class F>
void parallel_for(i64 n, i64 grain, F&& f) {
  if (n <= 0) return;
  const int t = num_threads();
  const i64 chunks = std::min<i64>(t == 1 ? 1 : 4 * t, std::max<i64>(1, n / std::max<i64>(grain, 1)));
  if (chunks <= 1) { f(i64(0), n); return; }
  parallel_items(chunks, t, [&](i64 c) { f(n * c / chunks, n * (c + 1) / chunks); });
}

}  // namespace ho
