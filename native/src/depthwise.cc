// Depthwise 2-D convolution (NHWC, filter [kh, kw, ci, mul]) and its gradients. Memory-bound,
// so direct loops with the channel loop innermost (contiguous, auto-vectorised).
#include <cstring>
#include "kernels.h"
#include "parallel.h"

namespace sgn {

void depthwise(const ConvGeom& g, const float* x, const float* w, float* y) {
  const int m = g.co, co = g.ci * m;
  const double work = 2.0 * g.n * g.oh * g.ow * g.kh * g.kw * co;
  parallel_for((int64_t)g.n * g.oh, work, [&](int64_t b, int64_t e, int) {
    for (int64_t row = b; row < e; row++) {
      const int64_t n = row / g.oh;
      const int oy = (int)(row % g.oh);
      for (int ox = 0; ox < g.ow; ox++) {
        float* out = y + (row * g.ow + ox) * co;
        std::memset(out, 0, sizeof(float) * co);
        for (int ky = 0; ky < g.kh; ky++) {
          const int iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int kx = 0; kx < g.kw; kx++) {
            const int ix = ox * g.sw - g.pl + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            const float* xp = x + ((n * g.h + iy) * g.w + ix) * g.ci;
            const float* wp = w + ((int64_t)ky * g.kw + kx) * co;
            if (m == 1) {
              for (int c = 0; c < g.ci; c++) out[c] += xp[c] * wp[c];
            } else {
              for (int c = 0; c < g.ci; c++)
                for (int q = 0; q < m; q++) out[c * m + q] += xp[c] * wp[c * m + q];
            }
          }
        }
      }
    }
  });
}

void depthwise_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const int m = g.co, co = g.ci * m;
  const double work = 2.0 * g.n * g.oh * g.ow * g.kh * g.kw * co;
  // Gather: each input pixel sums dy over the output pixels whose windows hold it.
  parallel_for((int64_t)g.n * g.h, work, [&](int64_t b, int64_t e, int) {
    for (int64_t q = b; q < e; q++) {
      const int64_t n = q / g.h;
      const int iy = (int)(q % g.h);
      for (int ix = 0; ix < g.w; ix++) {
        float* out = dx + (q * g.w + ix) * g.ci;
        std::memset(out, 0, sizeof(float) * g.ci);
        for_each_window_of(g, iy, ix, [&](int oy, int ox, int ky, int kx) {
          const float* dp = dy + ((n * g.oh + oy) * g.ow + ox) * co;
          const float* wp = w + ((int64_t)ky * g.kw + kx) * co;
          if (m == 1) {
            for (int c = 0; c < g.ci; c++) out[c] += dp[c] * wp[c];
          } else {
            for (int c = 0; c < g.ci; c++) {
              float s = 0.f;
              for (int k = 0; k < m; k++) s += dp[c * m + k] * wp[c * m + k];
              out[c] += s;
            }
          }
        });
      }
    }
  });
}

void depthwise_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const int m = g.co, co = g.ci * m;
  const size_t wsize = (size_t)g.kh * g.kw * co;
  const double work = 2.0 * g.n * g.oh * g.ow * g.kh * g.kw * co;
  // Fixed slices of the output rows, each into its own dW, added in order (deterministic, as conv.cc).
  const int64_t rows = (int64_t)g.n * g.oh;
  sliced_sum(rows, std::min<int64_t>(rows, kMaxThreads), wsize, dw, work, [&](int64_t b, int64_t e, float* part, int) {
    for (int64_t row = b; row < e; row++) {
      const int64_t n = row / g.oh;
      const int oy = (int)(row % g.oh);
      for (int ox = 0; ox < g.ow; ox++) {
        const float* dp = dy + (row * g.ow + ox) * co;
        for (int ky = 0; ky < g.kh; ky++) {
          const int iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int kx = 0; kx < g.kw; kx++) {
            const int ix = ox * g.sw - g.pl + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            const float* xp = x + ((n * g.h + iy) * g.w + ix) * g.ci;
            float* wp = part + ((int64_t)ky * g.kw + kx) * co;
            if (m == 1) {
              for (int c = 0; c < g.ci; c++) wp[c] += xp[c] * dp[c];
            } else {
              for (int c = 0; c < g.ci; c++)
                for (int q = 0; q < m; q++) wp[c * m + q] += xp[c] * dp[c * m + q];
            }
          }
        }
      }
    }
  });
}

}  // namespace sgn
