// Splitting work over the machine's cores with a persistent pool. Work is cut into a few
// chunks per thread that threads claim from an atomic counter, and the calling thread claims
// chunks too: on a busy machine a worker that is not scheduled in time simply gets fewer chunks
// instead of stalling the call (spawning threads per call cost milliseconds under load).
#pragma once
#include <cstdint>
#include <functional>

namespace sgn {

// Number of threads that work (set from JS; defaults to the core count).
int threads();
void set_threads(int n);

// Upper bound on threads(), so per-thread scratch slots can be numbered statically.
constexpr int kMaxThreads = 16;

// Runs fn(begin, end, tid) over chunks of [0, n); a given tid never runs two chunks at once, so
// tid-indexed scratch is safe. Stays on the calling thread (tid 0) when `work` (roughly flops)
// is too small for sharing to pay off.
void parallel_for(int64_t n, double work, const std::function<void(int64_t, int64_t, int)>& fn);

// A sum of partial results of n floats over [0, total): the range is cut into `slices`
// (<= kMaxThreads) fixed, equal slices, fn(begin, end, part, tid) adds one slice's terms into its
// own zeroed `part` (slice 0's is `out` itself), and the parts are then added into out in slice
// order, so the result never depends on which thread ran which slice.
void sliced_sum(int64_t total, int64_t slices, size_t n, float* out, double work,
                const std::function<void(int64_t, int64_t, float*, int)>& fn);

// A per-thread scratch buffer that only grows: large im2col buffers would otherwise be
// mmap'ed and page-faulted afresh on every call.
float* scratch(int slot, size_t floats);

}  // namespace sgn
