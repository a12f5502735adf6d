// Splitting work over the machine's cores. A fresh std::thread per call costs ~20 us, which
// is noise next to the conv/matmul calls that are large enough to be split at all.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace sgn {

// Number of worker threads (set from JS; defaults to the core count).
int threads();
void set_threads(int n);

// Runs fn(begin, end, tid) over [0, n) in up to threads() contiguous chunks; stays on the calling
// thread when `work` (roughly flops) is too small for the spawn to pay off.
inline void parallel_for(int64_t n, double work, const std::function<void(int64_t, int64_t, int)>& fn) {
  int t = (int)std::min<int64_t>(threads(), n);
  if (work < 2e5) t = 1;
  if (t <= 1) {
    if (n > 0) fn(0, n, 0);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(t - 1);
  int64_t chunk = (n + t - 1) / t;
  for (int i = 1; i < t; i++) {
    int64_t b = i * chunk, e = std::min(n, b + chunk);
    if (b < e) pool.emplace_back(fn, b, e, i);
  }
  fn(0, std::min(n, chunk), 0);
  for (auto& th : pool) th.join();
}

// A per-thread scratch buffer that only grows: large im2col buffers would otherwise be
// mmap'ed and page-faulted afresh on every call.
float* scratch(int slot, size_t floats);

// Upper bound on threads(), so per-thread scratch slots can be numbered statically.
constexpr int kMaxThreads = 16;

}  // namespace sgn
