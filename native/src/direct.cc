// Direct (stride 1 or 2) convolution for NHWC with output channels in multiples of two vectors: a
// register-blocked kernel (R output pixels x 2 vectors of output channels in accumulators; one
// weight load per 2 R FMAs) with no im2col buffer and no packing, which is
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

// y[q .. q+N) x [cb, cb + CB) for N output pixels (consecutive in y, anywhere in the batch): x[r]
// points at pixel r's window origin in the padded input, tap (ky, kx) is the same offset from
// every origin, and rows of the padded input are `xstride` floats apart.
template <int N>
inline void block(const float* const* x, int64_t xstride, const float* w, float* y, int kh, int kw, int ci, int co) {
  const float* xr[N];
  for (int r = 0; r < N; r++) xr[r] = x[r];
  vec acc[N][2];
  for (int r = 0; r < N; r++) acc[r][0] = acc[r][1] = vec{};
  for (int ky = 0; ky < kh; ky++) {
    for (int kx = 0; kx < kw; kx++) {
      const int64_t o = ky * xstride + (int64_t)kx * ci;
      const float* ws = w + (int64_t)(ky * kw + kx) * ci * co;
      for (int c = 0; c < ci; c++) {
        const vec w0 = load(ws + (int64_t)c * co), w1 = load(ws + (int64_t)c * co + VL);
#pragma GCC unroll 16
        for (int r = 0; r < N; r++) {
          const float xv = xr[r][o + c];
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
void tail(int n, const float* const* x, int64_t xstride, const float* w, float* y, int kh, int kw, int ci, int co) {
  if constexpr (N > 0) {
    if (n == N) return block<N>(x, xstride, w, y, kh, kw, ci, co);
    tail<N - 1>(n, x, xstride, w, y, kh, kw, ci, co);
  }
}

}  // namespace

bool conv2d_direct_applies(const ConvGeom& g) {
  return g.sh <= 2 && g.sw <= 2 && g.dh == 1 && g.dw == 1 && g.co % CB == 0 && (g.kh > 1 || g.kw > 1);
}

namespace {

// The input with its zero padding materialised ([n, hp, wp, ci], in scratch) when the conv pads,
// so kernels never test bounds; else x itself.
const float* padded_input(const ConvGeom& g, const float* x, int* hp_out, int* wp_out) {
  const int hp = std::max(g.h + g.pt, (g.oh - 1) * g.sh + g.kh), wp = std::max(g.w + g.pl, (g.ow - 1) * g.sw + g.kw);
  *hp_out = hp, *wp_out = wp;
  if (!g.pt && !g.pl && hp == g.h && wp == g.w) return x;
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
  return buf;
}

// dW tile [RC input channels] x [2 vectors of output channels] of one tap, accumulated over a
// chunk of output pixels: dw[r] += sum over the chunk of x[pixel, ci0 + r] * dy[pixel, cb .. cb + CB).
// xs[p] points at pixel p's input for this tap and ci0; dy rows are `co` floats apart.
template <int RC>
inline void wtile(const float* const* xs, int npix, const float* dy, int co, float* dw) {
  vec acc[RC][2];
  // The chunk's partial sums start at zero and are then added to dW: blocked summation, as the
  // gemm's own K blocks (a running sum over every pixel lost ~3 digits on cancelling sums).
  for (int r = 0; r < RC; r++) acc[r][0] = acc[r][1] = vec{};
  for (int p = 0; p < npix; p++) {
    const float* xr = xs[p];
    const vec d0 = load(dy + (int64_t)p * co), d1 = load(dy + (int64_t)p * co + VL);
#pragma GCC unroll 16
    for (int r = 0; r < RC; r++) {
      const float xv = xr[r];
      acc[r][0] += xv * d0;
      acc[r][1] += xv * d1;
    }
  }
  for (int r = 0; r < RC; r++) {
    float* d = dw + (int64_t)r * co;
    store(d, load(d) + acc[r][0]);
    store(d + VL, load(d + VL) + acc[r][1]);
  }
}

template <int RC>
void wtile_tail(int rc, const float* const* xs, int npix, const float* dy, int co, float* dw) {
  if constexpr (RC > 0) {
    if (rc == RC) return wtile<RC>(xs, npix, dy, co, dw);
    wtile_tail<RC - 1>(rc, xs, npix, dy, co, dw);
  }
}

}  // namespace

void conv2d_direct(const ConvGeom& g, const float* x, const float* w, float* y) {
  int hp, wp;
  const float* xp = padded_input(g, x, &hp, &wp);
  const int cblocks = g.co / CB;
  const int64_t P = (int64_t)g.n * g.oh * g.ow;
  // Tiles of R output pixels: along the flattened batch when rows are short (4-16 px: full
  // tiles instead of 4-pixel tails), else within a row (tiles over two rows touch twice the input rows).
  const bool flat = g.ow < 2 * R;
  const int per_row = (g.ow + R - 1) / R;
  const int64_t tiles = flat ? (P + R - 1) / R : (int64_t)g.n * g.oh * per_row;
  const double flops = 2.0 * P * g.kh * g.kw * g.ci * g.co;
  const int64_t xstride = (int64_t)wp * g.ci;
  parallel_for(tiles * cblocks, flops, [&](int64_t t0, int64_t t1, int) {
    const float* org[R];
    int64_t last = -1, q0 = 0;
    int np = 0;
    for (int64_t t = t0; t < t1; t++) {
      const int64_t tile = t / cblocks;
      const int cb = (int)(t % cblocks) * CB;
      if (tile != last) {
        if (flat) q0 = tile * R, np = (int)std::min<int64_t>(R, P - q0);
        else {
          const int ox0 = (int)(tile % per_row) * R;
          q0 = tile / per_row * g.ow + ox0, np = std::min(R, g.ow - ox0);
        }
        for (int r = 0; r < np; r++) {
          const int64_t q = q0 + r, n = q / ((int64_t)g.oh * g.ow), rem = q % ((int64_t)g.oh * g.ow);
          const int oy = (int)(rem / g.ow), ox = (int)(rem % g.ow);
          org[r] = xp + ((n * hp + (int64_t)oy * g.sh) * wp + (int64_t)ox * g.sw) * g.ci;
        }
        last = tile;
      }
      if (np == R) block<R>(org, xstride, w + cb, y + q0 * g.co + cb, g.kh, g.kw, g.ci, g.co);
      else tail<R - 1>(np, org, xstride, w + cb, y + q0 * g.co + cb, g.kh, g.kw, g.ci, g.co);
    }
  });
}

// dW = sum over output pixels of x(window) (outer) dy without an im2col matrix: chunks of output
// pixels, and for each tap, block of R input channels and 2 vectors of output channels a register
// tile. One pixel slice per thread (sliced_sum: deterministic for a given thread count).
void conv2d_backprop_filter_direct(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  int hp, wp;
  const float* xp = padded_input(g, x, &hp, &wp);
  const int64_t P = (int64_t)g.n * g.oh * g.ow;
  const size_t wsize = (size_t)g.kh * g.kw * g.ci * g.co;
  constexpr int PC = 64;  // pixels per chunk: their dy rows stay in L1 across all tiles
  sliced_sum(P, std::min<int64_t>(P / 128, threads()), wsize, dw, 2.0 * P * g.kh * g.kw * g.ci * g.co,
             [&](int64_t b, int64_t e, float* part, int) {
    int64_t base[PC];
    const float* xs[PC];
    for (int64_t c0 = b; c0 < e; c0 += PC) {
      const int npix = (int)std::min<int64_t>(PC, e - c0);
      // Window origins of the chunk's pixels (the divisions once per chunk, not per tap).
      for (int p = 0; p < npix; p++) {
        const int64_t q = c0 + p, n = q / ((int64_t)g.oh * g.ow), rem = q % ((int64_t)g.oh * g.ow);
        const int oy = (int)(rem / g.ow), ox = (int)(rem % g.ow);
        base[p] = ((n * hp + (int64_t)oy * g.sh) * wp + (int64_t)ox * g.sw) * g.ci;
      }
      for (int ky = 0; ky < g.kh; ky++)
        for (int kx = 0; kx < g.kw; kx++) {
          float* wtap = part + ((int64_t)ky * g.kw + kx) * g.ci * g.co;
          const int64_t tap = ((int64_t)ky * wp + kx) * g.ci;
          for (int ci0 = 0; ci0 < g.ci; ci0 += R) {
            for (int p = 0; p < npix; p++) xs[p] = xp + base[p] + tap + ci0;
            const int rc = std::min(R, g.ci - ci0);
            for (int cb = 0; cb < g.co; cb += CB)
              wtile_tail<R>(rc, xs, npix, dy + c0 * g.co + cb, g.co, wtap + (int64_t)ci0 * g.co + cb);
          }
        }
    }
  });
}

}  // namespace sgn
