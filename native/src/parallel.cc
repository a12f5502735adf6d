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
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_ = &fn;
      n_ = n;
      chunks_ = chunks;
      next_.store(0);
      done_.store(0);
      gen_.fetch_add(1);
    }
    cv_.notify_all();
    work(0);
    // Chunks other threads claimed are short; wait for them without sleeping.
    while (done_.load(std::memory_order_acquire) < chunks_) std::this_thread::yield();
  }

 private:
  void work(int tid) {
    for (;;) {
      const int c = next_.fetch_add(1);
      if (c >= chunks_) return;
      const int64_t b = n_ * c / chunks_, e = n_ * (c + 1) / chunks_;
      if (b < e) (*fn_)(b, e, tid);
      done_.fetch_add(1, std::memory_order_release);
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
  std::atomic<int> next_{0}, done_{0};
  const std::function<void(int64_t, int64_t, int)>* fn_ = nullptr;
  int64_t n_ = 0;
  int chunks_ = 0;
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
