// Batched matmul with transposes and tfjs' batch broadcasting (b % batchA, b % batchB).
#include <chrono>
#include <vector>
#include "blas.h"
#include "kernels.h"
#include "parallel.h"

namespace sgn {

void batch_matmul(const float* a, const float* b, float* out, int batchA, int batchB, int m, int n, int k,
                  bool transA, bool transB) {
  const int batch = std::max(batchA, batchB);
  const int lda = transA ? m : k, ldb = transB ? k : n;
  const int64_t sa = (int64_t)m * k, sb = (int64_t)k * n, so = (int64_t)m * n;
  const double flops = 2.0 * batch * m * n * k;
  if (batch >= threads() || m < 2 * threads()) {
    parallel_for(batch, flops, [&](int64_t b0, int64_t b1, int) {
      for (int64_t i = b0; i < b1; i++)
        sgemm(transA, transB, m, n, k, a + (i % batchA) * sa, lda, b + (i % batchB) * sb, ldb, 0.f, out + i * so, n);
    });
    return;
  }
  // Few large products: split each one's rows over the threads.
  for (int i = 0; i < batch; i++) {
    const float* ai = a + (i % batchA) * sa;
    const float* bi = b + (i % batchB) * sb;
    float* oi = out + i * so;
    parallel_for(m, flops / batch, [&](int64_t r0, int64_t r1, int) {
      sgemm(transA, transB, (int)(r1 - r0), n, k, transA ? ai + r0 : ai + r0 * k, lda, bi, ldb, 0.f, oi + r0 * n, n);
    });
  }
}

double sgemm_seconds(int n, int iters) {
  std::vector<float> a((size_t)n * n), b((size_t)n * n), c((size_t)n * n);
  for (size_t i = 0; i < a.size(); i++) a[i] = (float)((i * 7919) % 1000) / 1000.f, b[i] = (float)((i * 104729) % 1000) / 1000.f;
  openblas_set_num_threads(threads());
  sgemm(false, false, n, n, n, a.data(), n, b.data(), n, 0.f, c.data(), n);  // warm-up: thread start, page faults
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; i++) sgemm(false, false, n, n, n, a.data(), n, b.data(), n, 0.f, c.data(), n);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  openblas_set_num_threads(1);
  return s;
}

}  // namespace sgn
