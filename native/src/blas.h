// The OpenBLAS entry points we use, declared here so the build needs only the library
// (libopenblas.so), not a particular cblas.h layout (Debian puts it under an alternatives dir).
#pragma once

extern "C" {
enum { kRowMajor = 101, kNoTrans = 111, kTrans = 112 };
void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc);
void openblas_set_num_threads(int n);
char* openblas_get_corename(void);
}

namespace sgn {
// Row-major C[m, n] = alpha * op(A) @ op(B) + beta * C with op(A) [m, k] and op(B) [k, n].
inline void sgemm(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                  float beta, float* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  cblas_sgemm(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}
}  // namespace sgn
