// The persistent worker pool behind parallel_tasks (see threadpool.h).
//
// Job protocol. Posting a job (under the mutex) sets its fields, resets the task counter `next_` and
// the finish counter `done_`, and stores `claims_ = generation << 32`. A worker joins by CAS-incrementing
// `claims_` only while it still carries the job's generation and no CLOSED bit, so a late worker can
// never join a job it did not read, nor one already closed. The caller runs tasks too; when `next_`
// is exhausted it sets CLOSED and waits until `done_` equals the number of workers that joined.
#include "threadpool.h"

#include <sched.h>
#include <sys/mman.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#if HO_X86
#include <immintrin.h>
#define HO_PAUSE() _mm_pause()
#else
#define HO_PAUSE() std::this_thread::yield()
#endif

namespace ho {

namespace {

thread_local bool t_in_parallel = false;

// How long an idle worker spins before sleeping.
constexpr auto kSpin = std::chrono::microseconds(200);
// Pause instructions the caller spins (a few microseconds) waiting for workers before it yields.
constexpr int kWaitSpins = 1024;
constexpr uint64_t kClosed = uint64_t(1) << 31;

int default_threads() {
  if (const char* env = std::getenv("HAPLOOMNI_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1) return std::min(n, 256);
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n >= 1) return n;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? static_cast<int>(hc) : 1;
}

class Pool {
 public:
  explicit Pool(int n) { start(n); }

  int size() const { return size_; }

  void resize(int n) {
    std::lock_guard<std::mutex> busy(submit_);
    stop_workers();
    start(n);
  }

  void run(i64 ntasks, int max_threads, void (*fn)(void*, i64), void* ctx) {
    std::unique_lock<std::mutex> busy(submit_, std::try_to_lock);
    if (!busy.owns_lock() || size_ <= 1) {  // another JS thread holds the pool, or no workers
      for (i64 t = 0; t < ntasks; t++) fn(ctx, t);
      return;
    }
    uint64_t gen;
    {
      std::lock_guard<std::mutex> lock(mu_);
      gen = (generation_.load(std::memory_order_relaxed) + 1) & 0xffffffff;
      fn_ = fn;
      ctx_ = ctx;
      ntasks_ = ntasks;
      max_workers_ = max_threads - 1;
      next_.store(0, std::memory_order_relaxed);
      done_.store(0, std::memory_order_relaxed);
      claims_.store(gen << 32, std::memory_order_relaxed);
      generation_.store(gen, std::memory_order_release);
    }
    if (sleeping_.load(std::memory_order_acquire) > 0) cv_.notify_all();
    t_in_parallel = true;
    for (i64 t = next_.fetch_add(1, std::memory_order_relaxed); t < ntasks; t = next_.fetch_add(1, std::memory_order_relaxed))
      fn(ctx, t);
    t_in_parallel = false;
    const uint64_t joined = claims_.fetch_or(kClosed, std::memory_order_acq_rel) & (kClosed - 1);
    // Wait for the workers that joined. A worker descheduled mid-task (a busy machine) can take a
    // while; after a short spin, yield so that it can run on this core.
    for (int spins = 0; done_.load(std::memory_order_acquire) != joined; spins++) {
      if (spins < kWaitSpins) HO_PAUSE();
      else std::this_thread::yield();
    }
  }

 private:
  void start(int n) {
    size_ = std::max(1, n);
    stop_ = false;
    // Workers start from the current generation: a job or stop posted before a worker first runs is
    // then still seen as new (joining a job checks it is still open).
    const uint64_t gen = generation_.load(std::memory_order_acquire);
    for (int t = 1; t < size_; t++) workers_.emplace_back([this, t, gen] { loop(t, gen); });
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  // Joins job `gen` if it is still open and has room; returns whether it did.
  bool join(uint64_t gen, int tid) {
    if (tid > max_workers_) return false;
    uint64_t c = claims_.load(std::memory_order_acquire);
    while ((c >> 32) == gen && !(c & kClosed)) {
      if (claims_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) return true;
    }
    return false;
  }

  void loop(int tid, uint64_t seen) {
    t_in_parallel = true;
    for (;;) {
      // Spin for a while, then sleep until the generation moves.
      auto until = std::chrono::steady_clock::now() + kSpin;
      int spins = 0;
      while (generation_.load(std::memory_order_acquire) == seen) {
        HO_PAUSE();
        if (++spins % 256 == 0 && std::chrono::steady_clock::now() > until) {
          std::unique_lock<std::mutex> lock(mu_);
          sleeping_.fetch_add(1, std::memory_order_acq_rel);
          cv_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
          sleeping_.fetch_sub(1, std::memory_order_acq_rel);
          break;
        }
      }
      void (*fn)(void*, i64);
      void* ctx;
      i64 ntasks;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
        fn = fn_; ctx = ctx_; ntasks = ntasks_;
        if (!join(seen, tid)) continue;
      }
      for (i64 t = next_.fetch_add(1, std::memory_order_relaxed); t < ntasks; t = next_.fetch_add(1, std::memory_order_relaxed))
        fn(ctx, t);
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  int size_ = 1;
  std::mutex submit_;  // one job at a time
  std::mutex mu_;      // guards the job fields below and sleeping/waking
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> claims_{0};  // generation << 32 | CLOSED | number of workers joined
  std::atomic<i64> next_{0};
  std::atomic<uint64_t> done_{0};
  std::atomic<int> sleeping_{0};
  void (*fn_)(void*, i64) = nullptr;
  void* ctx_ = nullptr;
  i64 ntasks_ = 0;
  int max_workers_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

// Never destroyed: worker threads may still be parked in the pool when the process exits.
Pool& pool() {
  static Pool* p = new Pool(default_threads());
  return *p;
}

}  // namespace

int num_threads() { return t_in_parallel ? 1 : pool().size(); }

void set_num_threads(int n) { pool().resize(n); }

void parallel_tasks(i64 ntasks, int max_threads, void (*fn)(void*, i64), void* ctx) {
  if (ntasks <= 0) return;
  if (max_threads <= 1 || ntasks == 1 || t_in_parallel) {
    for (i64 t = 0; t < ntasks; t++) fn(ctx, t);
    return;
  }
  pool().run(ntasks, max_threads, fn, ctx);
}

void* alloc_floats(i64 n) {
  const size_t bytes = static_cast<size_t>(round_up(std::max<i64>(n, 1) * 4, 64));
  constexpr size_t kHuge = size_t(2) << 20;
  void* p = bytes >= (size_t(1) << 20) ? std::aligned_alloc(kHuge, (bytes + kHuge - 1) / kHuge * kHuge)
                                        : std::aligned_alloc(64, bytes);
  if (!p) std::abort();
#ifdef MADV_HUGEPAGE
  if (bytes >= (size_t(1) << 20)) madvise(p, (bytes + kHuge - 1) / kHuge * kHuge, MADV_HUGEPAGE);
#endif
  return p;
}

Scratch& thread_scratch(int slot) {
  thread_local Scratch slots[8];
  return slots[slot];
}

}  // namespace ho
