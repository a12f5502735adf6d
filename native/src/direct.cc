// Direct (stride 1 or 2) convolution for NHWC with output channels in multiples of two vectors: a
// register-blocked kernel (R output pixels of a row x 2 vectors of output channels in
// accumulators; one weight load per 2 R FMAs) with no im2col buffer and no packing, which is
// where im2col + sgemm loses most on StyleGAN's narrow layers (32-128 channels).
#include <algorithm>
#include <cstring>
#include "kernels.h"
#include "parallel.h"
#include "simd.h"

namespace sgn {
namespace {

#if defined(__AVX512F__)
constexpr int R = 12;   // pixels per block: 2 R accumulators + 2 weights + 1 broadcast <= 32 registers
#else
constexpr int R = 6;    // 16 registers
#endif
constexpr int CB = 2 * VL;  // output channels per block

// y[px .. px+N) x [cb, cb + CB) of one output row; xrow points at the (padded) input pixel under
// output pixel 0 for tap (0, 0); rows of the padded input are `xstride` floats apart and
// neighbouring output pixels' windows `ps` floats (stride x ci).
template <int N>
inline void block(const float* xrow, int64_t xstride, int64_t ps, const float* w, float* y, int kh, int kw, int ci, int co) {
  vec acc[N][2];
  for (int r = 0; r < N; r++) acc[r][0] = acc[r][1] = vec{};
  for (int ky = 0; ky < kh; ky++) {
    for (int kx = 0; kx < kw; kx++) {
      const float* xs = xrow + ky * xstride + (int64_t)kx * ci;
      const float* ws = w + (int64_t)(ky * kw + kx) * ci * co;
      for (int c = 0; c < ci; c++) {
        const vec w0 = load(ws + (int64_t)c * co), w1 = load(ws + (int64_t)c * co + VL);
#pragma GCC unroll 16
        for (int r = 0; r < N; r++) {
          const float xv = xs[r * ps + c];
          acc[r][0] += xv * w0;
          acc[r][1] += xv * w1;
        }
      }
    }
  }
  for (int r = 0; r < N; r++) {
    store(y + (int64_t)r * co, acc[r][0]);
    store(y + (int64_t)r * co + VL, acc[r][1]);
  }
}

template <int N>
void tail(int n, const float* xrow, int64_t xstride, int64_t ps, const float* w, float* y, int kh, int kw, int ci, int co) {
  if constexpr (N > 0) {
    if (n == N) return block<N>(xrow, xstride, ps, w, y, kh, kw, ci, co);
    tail<N - 1>(n, xrow, xstride, ps, w, y, kh, kw, ci, co);
  }
}

}  // namespace

bool conv2d_direct_applies(const ConvGeom& g) {
  return g.sh <= 2 && g.sw <= 2 && g.dh == 1 && g.dw == 1 && g.co % CB == 0 && (g.kh > 1 || g.kw > 1);
}

void conv2d_direct(const ConvGeom& g, const float* x, const float* w, float* y) {
  // Zero-padded copy of the input when the conv pads, so the kernel never tests bounds.
  const int hp = std::max(g.h + g.pt, (g.oh - 1) * g.sh + g.kh), wp = std::max(g.w + g.pl, (g.ow - 1) * g.sw + g.kw);
  const bool pad = g.pt || g.pl || hp != g.h || wp != g.w;
  const float* xp = x;
  if (pad) {
    float* buf = scratch(2 * kMaxThreads, (size_t)g.n * hp * wp * g.ci);
    parallel_for((int64_t)g.n * hp, (double)g.n * hp * wp * g.ci, [&](int64_t r0, int64_t r1, int) {
      for (int64_t r = r0; r < r1; r++) {
        const int64_t n = r / hp;
        const int iy = (int)(r % hp) - g.pt;
        float* dst = buf + r * wp * g.ci;
        std::memset(dst, 0, sizeof(float) * wp * g.ci);
        if (iy < 0 || iy >= g.h) continue;
        const int cols = std::min(g.w, wp - g.pl);
        std::memcpy(dst + (int64_t)g.pl * g.ci, x + ((n * g.h + iy) * g.w) * g.ci, sizeof(float) * cols * g.ci);
      }
    });
    xp = buf;
  }
  const int cblocks = g.co / CB;
  const int64_t rows = (int64_t)g.n * g.oh;
  const double flops = 2.0 * rows * g.ow * g.kh * g.kw * g.ci * g.co;
  const int64_t xstride = (int64_t)wp * g.ci, ps = (int64_t)g.sw * g.ci;
  parallel_for(rows * cblocks, flops, [&](int64_t t0, int64_t t1, int) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t row = t / cblocks;
      const int cb = (int)(t % cblocks) * CB;
      const int64_t n = row / g.oh;
      const int oy = (int)(row % g.oh);
      const float* xrow = xp + (n * hp + (int64_t)oy * g.sh) * xstride;
      float* yrow = y + row * g.ow * g.co + cb;
      const float* wb = w + cb;
      int ox = 0;
      for (; ox + R <= g.ow; ox += R) block<R>(xrow + (int64_t)ox * ps, xstride, ps, wb, yrow + (int64_t)ox * g.co, g.kh, g.kw, g.ci, g.co);
      if (ox < g.ow) tail<R - 1>(g.ow - ox, xrow + (int64_t)ox * ps, xstride, ps, wb, yrow + (int64_t)ox * g.co, g.kh, g.kw, g.ci, g.co);
    }
  });
}

}  // namespace sgn
