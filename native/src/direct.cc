// Direct convolutions for NHWC with the vector dimension (output channels of the forward conv,
// input channels of its input gradient) in multiples of two vectors: register-blocked kernels
// (R output pixels x 2 vectors of channels in accumulators; one weight load per 2 R FMAs) with
// no im2col buffer and no packing, which is where im2col + sgemm loses most on StyleGAN's narrow
// layers (32-128 channels). The input gradient of a strided conv (the transposed conv of
// StyleGAN2's upsampling layers) splits into one stride-1 conv per output phase.
#include <algorithm>
#include <cstring>
#include <vector>
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

// One filter tap: its input's offset from a pixel's window origin, and its weights [k][ldw].
struct Tap {
  int64_t off;
  const float* w;
};

// y[r][0 .. CB) = sum over taps and c < k of x[r][tap.off + c] * tap.w[c * ldw + cb .. + CB), for
// N output pixels anywhere in the batch (x[r]: pixel r's window origin, y[r]: its output).
template <int N>
inline void block(const float* const* x, float* const* y, const Tap* taps, int ntaps, int k, int64_t ldw, int cb) {
  const float* xr[N];
  for (int r = 0; r < N; r++) xr[r] = x[r];
  vec acc[N][2];
  for (int r = 0; r < N; r++) acc[r][0] = acc[r][1] = vec{};
  for (int t = 0; t < ntaps; t++) {
    const int64_t o = taps[t].off;
    const float* ws = taps[t].w + cb;
    for (int c = 0; c < k; c++) {
      const vec w0 = load(ws + (int64_t)c * ldw), w1 = load(ws + (int64_t)c * ldw + VL);
#pragma GCC unroll 16
      for (int r = 0; r < N; r++) {
        const float xv = xr[r][o + c];
        acc[r][0] += xv * w0;
        acc[r][1] += xv * w1;
      }
    }
  }
  for (int r = 0; r < N; r++) {
    store(y[r] + cb, acc[r][0]);
    store(y[r] + cb + VL, acc[r][1]);
  }
}

template <int N>
void tail(int n, const float* const* x, float* const* y, const Tap* taps, int ntaps, int k, int64_t ldw, int cb) {
  if constexpr (N > 0) {
    if (n == N) return block<N>(x, y, taps, ntaps, k, ldw, cb);
    tail<N - 1>(n, x, y, taps, ntaps, k, ldw, cb);
  }
}

// Output pixels (n, a, b), a < rows, b < cols, of one stride-1 conv over a padded input: pixel
// (n, a, b) reads its window at x0 + n x_img + a x_row + b x_col and writes y0 + n y_img + a y_row + b y_col.
struct Grid {
  int n, rows, cols;
  const float* x0;
  int64_t x_img, x_row, x_col;
  float* y0;
  int64_t y_img, y_row, y_col;
  std::vector<Tap> taps;
};

// Runs the grids (each output pixel in exactly one) for `cout` output channels, reducing over k
// input channels per tap. Tiles of R pixels run along a grid's flattened pixels when its rows are
// short (4-16 px: full tiles instead of 4-pixel tails), else within a row (tiles over two rows
// touch twice the input rows).
void run_grids(const std::vector<Grid>& grids, int k, int64_t ldw, int cout) {
  const int cblocks = cout / CB;
  std::vector<int64_t> first(grids.size() + 1, 0);  // first tile of each grid
  double flops = 0;
  for (size_t i = 0; i < grids.size(); i++) {
    const Grid& g = grids[i];
    const int64_t P = (int64_t)g.n * g.rows * g.cols;
    first[i + 1] = first[i] + (g.cols < 2 * R ? (P + R - 1) / R : (int64_t)g.n * g.rows * ((g.cols + R - 1) / R));
    flops += 2.0 * P * g.taps.size() * k * cout;
  }
  parallel_for(first.back() * cblocks, flops, [&](int64_t t0, int64_t t1, int) {
    const float* xs[R];
    float* ys[R];
    int64_t last = -1;
    int np = 0;
    size_t gi = 0;
    for (int64_t t = t0; t < t1; t++) {
      const int64_t tile = t / cblocks;
      const int cb = (int)(t % cblocks) * CB;
      while (first[gi + 1] <= tile) gi++;
      const Grid& g = grids[gi];
      if (tile != last) {
        const int64_t i = tile - first[gi];
        int64_t q0;  // first pixel, flattened over (n, a, b)
        if (g.cols < 2 * R) q0 = i * R, np = (int)std::min<int64_t>(R, (int64_t)g.n * g.rows * g.cols - q0);
        else {
          const int per_row = (g.cols + R - 1) / R, b0 = (int)(i % per_row) * R;
          q0 = i / per_row * g.cols + b0, np = std::min(R, g.cols - b0);
        }
        // Divisions once per tile (per pixel they cost as much as a 1-tap tile's FMAs).
        int64_t n = q0 / ((int64_t)g.rows * g.cols), rem = q0 % ((int64_t)g.rows * g.cols);
        int a = (int)(rem / g.cols), b = (int)(rem % g.cols);
        for (int r = 0; r < np; r++) {
          xs[r] = g.x0 + n * g.x_img + a * g.x_row + b * g.x_col;
          ys[r] = g.y0 + n * g.y_img + a * g.y_row + b * g.y_col;
          if (++b == g.cols) b = 0, ++a == g.rows && (a = 0, ++n);
        }
        last = tile;
      }
      const Tap* taps = g.taps.data();
      const int ntaps = (int)g.taps.size();
      if (np == R) block<R>(xs, ys, taps, ntaps, k, ldw, cb);
      else tail<R - 1>(np, xs, ys, taps, ntaps, k, ldw, cb);
    }
  });
}

// x [n, h, w, c] with `top` and `left` rows / columns of zeros in front and zeros beyond, as
// [n, hp, wp, c] (in scratch), so kernels never test bounds; x itself when nothing is added.
const float* pad_nhwc(const float* x, int n, int h, int w, int c, int top, int left, int hp, int wp) {
  if (!top && !left && hp == h && wp == w) return x;
  float* buf = scratch(2 * kMaxThreads, (size_t)n * hp * wp * c);
  parallel_for((int64_t)n * hp, (double)n * hp * wp * c, [&](int64_t r0, int64_t r1, int) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t b = r / hp;
      const int iy = (int)(r % hp) - top;
      float* dst = buf + r * wp * c;
      std::memset(dst, 0, sizeof(float) * wp * c);
      if (iy < 0 || iy >= h) continue;
      const int cols = std::min(w, wp - left);
      std::memcpy(dst + (int64_t)left * c, x + ((b * h + iy) * w) * c, sizeof(float) * cols * c);
    }
  });
  return buf;
}

// The forward conv's input padded for its windows: [n, *hp, *wp, ci].
const float* padded_input(const ConvGeom& g, const float* x, int* hp, int* wp) {
  *hp = std::max(g.h + g.pt, (g.oh - 1) * g.sh + g.kh), *wp = std::max(g.w + g.pl, (g.ow - 1) * g.sw + g.kw);
  return pad_nhwc(x, g.n, g.h, g.w, g.ci, g.pt, g.pl, *hp, *wp);
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

bool conv2d_direct_applies(const ConvGeom& g) {
  return g.sh <= 2 && g.sw <= 2 && g.dh == 1 && g.dw == 1 && g.co % CB == 0 && (g.kh > 1 || g.kw > 1);
}

void conv2d_direct(const ConvGeom& g, const float* x, const float* w, float* y) {
  int hp, wp;
  const float* xp = padded_input(g, x, &hp, &wp);
  Grid grid{g.n, g.oh, g.ow, xp, (int64_t)hp * wp * g.ci, (int64_t)g.sh * wp * g.ci, (int64_t)g.sw * g.ci,
            y, (int64_t)g.oh * g.ow * g.co, (int64_t)g.ow * g.co, g.co, {}};
  for (int ky = 0; ky < g.kh; ky++)
    for (int kx = 0; kx < g.kw; kx++) grid.taps.push_back({((int64_t)ky * wp + kx) * g.ci, w + (int64_t)(ky * g.kw + kx) * g.ci * g.co});
  run_grids({grid}, g.ci, g.co, g.co);
}

void transpose_filter(const float* w, int taps, int ci, int co, bool mirror, float* out) {
  // In 16 x 16 tiles (either side of a plain double loop strides through memory), on all threads;
  // whole tiles with fixed bounds, which the compiler unrolls (3-4x faster than bounds per element).
  const int tc = (ci + 15) / 16, to = (co + 15) / 16;
  parallel_for((int64_t)taps * tc * to, (double)taps * ci * co * 64, [&](int64_t b, int64_t e, int) {
    for (int64_t q = b; q < e; q++) {
      const int64_t t = q / (tc * to);
      const int c0 = (int)(q / to % tc) * 16, o0 = (int)(q % to) * 16;
      const float* src = w + (mirror ? taps - 1 - t : t) * ci * co + (int64_t)c0 * co + o0;  // [ci, co]
      float* dst = out + t * co * ci + (int64_t)o0 * ci + c0;                                 // [co, ci]
      if (c0 + 16 <= ci && o0 + 16 <= co) {
        for (int o = 0; o < 16; o++)
#pragma GCC unroll 16
          for (int c = 0; c < 16; c++) dst[(int64_t)o * ci + c] = src[(int64_t)c * co + o];
      } else {
        for (int c = 0; c < std::min(16, ci - c0); c++)
          for (int o = 0; o < std::min(16, co - o0); o++) dst[(int64_t)o * ci + c] = src[(int64_t)c * co + o];
      }
    }
  });
}

bool conv2d_backprop_input_direct_applies(const ConvGeom& g) {
  return g.dh == 1 && g.dw == 1 && g.ci % CB == 0;
}

// dx[n, iy, ix, :] = sum over taps (ky, kx) with oy = (iy + pt - ky) / sh whole (ox likewise) of
// dy[n, oy, ox, :] @ W[ky, kx]^T. The input pixels of one phase (py, px) = ((iy + pt) % sh,
// (ix + pl) % sw) all take the taps ky = py + j sh, kx = px + i sw: per phase a stride-1 conv of
// dy (padded by J = ceil(kh / sh) - 1 rows above, I columns left) with a (j, i) kernel, whose
// outputs are every sh-th row and sw-th column of dx. Stride 1 is the one phase: the 'full' conv
// with the kernel rotated. Weights are transposed per tap to [co, ci] (ci: the vector dimension).
void conv2d_backprop_input_direct(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const int J = (g.kh + g.sh - 1) / g.sh - 1, I = (g.kw + g.sw - 1) / g.sw - 1;
  const int hp = std::max(g.oh + J, (g.h - 1 + g.pt) / g.sh + J + 1), wp = std::max(g.ow + I, (g.w - 1 + g.pl) / g.sw + I + 1);
  const float* dyp = pad_nhwc(dy, g.n, g.oh, g.ow, g.co, J, I, hp, wp);
  float* wt = scratch(2 * kMaxThreads + 1, (size_t)g.kh * g.kw * g.ci * g.co);
  transpose_filter(w, g.kh * g.kw, g.ci, g.co, false, wt);
  std::vector<Grid> grids;
  for (int py = 0; py < g.sh; py++)
    for (int px = 0; px < g.sw; px++) {
      const int iy0 = ((py - g.pt) % g.sh + g.sh) % g.sh, ix0 = ((px - g.pl) % g.sw + g.sw) % g.sw;
      if (iy0 >= g.h || ix0 >= g.w) continue;
      const int rows = (g.h - 1 - iy0) / g.sh + 1, cols = (g.w - 1 - ix0) / g.sw + 1;
      const int qy0 = (iy0 + g.pt - py) / g.sh, qx0 = (ix0 + g.pl - px) / g.sw;
      Grid grid{g.n, rows, cols, dyp + ((int64_t)qy0 * wp + qx0) * g.co, (int64_t)hp * wp * g.co, (int64_t)wp * g.co, g.co,
                dx + ((int64_t)iy0 * g.w + ix0) * g.ci, (int64_t)g.h * g.w * g.ci, (int64_t)g.sh * g.w * g.ci, (int64_t)g.sw * g.ci, {}};
      for (int ky = py, j = 0; ky < g.kh; ky += g.sh, j++)
        for (int kx = px, i = 0; kx < g.kw; kx += g.sw, i++)
          grid.taps.push_back({((int64_t)(J - j) * wp + (I - i)) * g.co, wt + (int64_t)(ky * g.kw + kx) * g.co * g.ci});
      if (grid.taps.empty()) {  // no tap reaches this phase (stride > kernel): zeros
        for (int n = 0; n < g.n; n++)
          for (int a = 0; a < rows; a++)
            for (int b = 0; b < cols; b++) std::memset(grid.y0 + n * grid.y_img + a * grid.y_row + b * grid.y_col, 0, sizeof(float) * g.ci);
        continue;
      }
      grids.push_back(std::move(grid));
    }
  run_grids(grids, g.co, g.ci, g.ci);
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
