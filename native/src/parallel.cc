#include "parallel.h"
#include <algorithm>
#include <cstring>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace sgn {
namespace {

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  void resize(int n) {
    while ((int)workers_.size() < n - 1) {
      const int tid = (int)workers_.size() + 1;
      workers_.emplace_back([this, tid] { loop(tid); });
    }
    active_ = n;
  }

  int size() const { return active_; }

  void run(int64_t n, int chunks, const std::function<void(int64_t, int64_t, int)>& fn) {
    // Claims of the last run are closed before its job is replaced and the done count reset: a
    // worker still in work() from that run must not claim (or count) a chunk of this one. (With
    // a plain fetch_add counter, such a worker's count could land before the reset and be lost:
    // the caller then spun forever, seen once in CI with the workers asleep.)
    const uint64_t g = gen_.load() + 1;  // only this caller moves gen_
    next_.store(g << 32 | kClosed);
    fn_.store(&fn);
    n_.store(n);
    chunks_.store(chunks);
    done_.store(0);
    next_.store(g << 32);
    {
      std::lock_guard<std::mutex> lock(mu_);
      gen_.store(g);
    }
    cv_.notify_all();
    work(0);
    // Chunks other threads claimed are short; wait for them without sleeping.
    while (done_.load() < chunks) std::this_thread::yield();
  }

 private:
  static constexpr uint64_t kClosed = 0xffffffffu;

  // Claims chunks of the current run until none is left: next_ holds (run << 32 | next chunk),
  // and a claim is a compare-exchange on it, so it succeeds only while the job read with it is
  // that run's (the caller closes next_ before writing a new job).
  void work(int tid) {
    uint64_t v = next_.load();
    for (;;) {
      const uint64_t c = v & 0xffffffffu;
      if (c == kClosed) return;
      const auto* fn = fn_.load();
      const int64_t n = n_.load();
      const int chunks = chunks_.load();
      if ((int64_t)c >= chunks) return;
      if (!next_.compare_exchange_weak(v, v + 1)) continue;  // v now holds the current value
      const int64_t b = n * (int64_t)c / chunks, e = n * ((int64_t)c + 1) / chunks;
      if (b < e) (*fn)(b, e, tid);
      done_.fetch_add(1);
      v = next_.load();
    }
  }

  void loop(int tid) {
    uint64_t seen = 0;
    for (;;) {
      // Back-to-back kernels are common: spin (yielding) before sleeping. 2 ms, not 50 us: between
      // a training step's kernels the JS often takes longer, and a sleeping worker woke too late
      // for 20% of the parallel calls, which then ran on the caller alone.
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(2000);
      while (gen_.load() == seen && !stop_ && std::chrono::steady_clock::now() < until) std::this_thread::yield();
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || gen_.load() != seen; });
        if (stop_) return;
        seen = gen_.load();
        if (tid >= active_) continue;
      }
      work(tid);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> gen_{0};
  // The current run's job, written only while next_ is closed (all seq_cst: a worker that reads a
  // new job before its run opens fails its claim).
  std::atomic<uint64_t> next_{kClosed};
  std::atomic<int> done_{0};
  std::atomic<const std::function<void(int64_t, int64_t, int)>*> fn_{nullptr};
  std::atomic<int64_t> n_{0};
  std::atomic<int> chunks_{0};
  int active_ = 1;
  bool stop_ = false;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int threads() { return pool().size(); }
void set_threads(int n) { pool().resize(std::max(1, std::min(n, kMaxThreads))); }

void parallel_for(int64_t n, double work, const std::function<void(int64_t, int64_t, int)>& fn) {
  if (n <= 0) return;
  const int t = threads();
  // ~1 MFLOP is ~50 us on one core: below that, waking another thread costs more than it saves.
  if (t <= 1 || n == 1 || work < 1e6) {
    fn(0, n, 0);
    return;
  }
  pool().run(n, (int)std::min<int64_t>(n, 4 * t), fn);
}

float* scratch(int slot, size_t floats) {
  static std::vector<float> buffers[2 * kMaxThreads + 2];
  std::vector<float>& v = buffers[slot];
  if (v.size() < floats) v.resize(floats);
  return v.data();
}

void sliced_sum(int64_t total, int64_t slices, size_t n, float* out, double work,
                const std::function<void(int64_t, int64_t, float*, int)>& fn) {
  slices = std::max<int64_t>(1, std::min<int64_t>(slices, kMaxThreads));
  std::vector<float*> parts((size_t)slices);
  parts[0] = out;
  for (int64_t s = 1; s < slices; s++) parts[s] = scratch(kMaxThreads + (int)s, n);
  // Each slice zeroes its own part (on its thread), and the parts are added element-wise in
  // slice order on all threads: the same bits as one thread adding them, a fraction of the time
  // where dW is large next to the work (128-channel filters at 4-8 px).
  parallel_for(slices, work, [&](int64_t s0, int64_t s1, int tid) {
    for (int64_t s = s0; s < s1; s++) {
      std::memset(parts[s], 0, n * sizeof(float));
      fn(total * s / slices, total * (s + 1) / slices, parts[s], tid);
    }
  });
  if (slices == 1) return;
  parallel_for((int64_t)n, (double)n * slices * 16, [&](int64_t b, int64_t e, int) {
    for (int64_t s = 1; s < slices; s++) {
      const float* p = parts[s];
      for (int64_t i = b; i < e; i++) out[i] += p[i];
    }
  });
}

}  // namespace sgn
