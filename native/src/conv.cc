// Dense 2-D convolution as im2col + OpenBLAS sgemm (NHWC input, HWIO filter), with its two
// gradients. The filter [kh, kw, ci, co] is already the [K, co] matrix of the gemm, K = kh*kw*ci.
#include <cstring>
#include "blas.h"
#include "kernels.h"
#include "parallel.h"

namespace sgn {
namespace {

// Rows of im2col per gemm: ~512 KiB of col keeps the packed block in L2.
int64_t block_rows(int64_t k) { return std::max<int64_t>(32, (1 << 17) / std::max<int64_t>(k, 1)); }

bool is_pointwise(const ConvGeom& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h && g.ow == g.w;
}

// col[r - r0, :] = the receptive field of output pixel r, zero outside the image.
void im2col(const ConvGeom& g, const float* x, int64_t r0, int64_t r1, float* col) {
  const int64_t K = (int64_t)g.kh * g.kw * g.ci;
  const size_t bytes = sizeof(float) * g.ci;
  for (int64_t r = r0; r < r1; r++) {
    const int64_t n = r / ((int64_t)g.oh * g.ow), rem = r % ((int64_t)g.oh * g.ow);
    const int oy = (int)(rem / g.ow), ox = (int)(rem % g.ow);
    float* dst = col + (r - r0) * K;
    for (int ky = 0; ky < g.kh; ky++) {
      const int iy = oy * g.sh - g.pt + ky * g.dh;
      for (int kx = 0; kx < g.kw; kx++, dst += g.ci) {
        const int ix = ox * g.sw - g.pl + kx * g.dw;
        if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) std::memset(dst, 0, bytes);
        else std::memcpy(dst, x + ((n * g.h + iy) * g.w + ix) * g.ci, bytes);
      }
    }
  }
}

// dx[n, iy, :, :] for input rows [q0, q1) (q = n*h + iy) gathered from dcol [P, K]: each input
// pixel sums the columns of the output pixels whose receptive fields hold it. A gather rather
// than a scatter, so threads split the input rows without races.
void col2im_rows(const ConvGeom& g, const float* dcol, int64_t q0, int64_t q1, float* dx) {
  const int64_t K = (int64_t)g.kh * g.kw * g.ci;
  for (int64_t q = q0; q < q1; q++) {
    const int64_t n = q / g.h;
    const int iy = (int)(q % g.h);
    for (int ix = 0; ix < g.w; ix++) {
      float* out = dx + (q * g.w + ix) * g.ci;
      std::memset(out, 0, sizeof(float) * g.ci);
      for_each_window_of(g, iy, ix, [&](int oy, int ox, int ky, int kx) {
        const float* src = dcol + ((n * g.oh + oy) * g.ow + ox) * K + ((int64_t)ky * g.kw + kx) * g.ci;
        for (int c = 0; c < g.ci; c++) out[c] += src[c];
      });
    }
  }
}

}  // namespace

void conv2d(const ConvGeom& g, const float* x, const float* w, float* y) {
  const int64_t P = (int64_t)g.n * g.oh * g.ow, K = (int64_t)g.kh * g.kw * g.ci;
  const double flops = 2.0 * P * K * g.co;
  if (is_pointwise(g)) {
    parallel_for(P, flops, [&](int64_t b, int64_t e, int) {
      sgemm(false, false, (int)(e - b), g.co, (int)K, x + b * K, (int)K, w, g.co, 0.f, y + b * g.co, g.co);
    });
    return;
  }
  if (conv2d_direct_applies(g)) return conv2d_direct(g, x, w, y);
  const int64_t br = block_rows(K);
  parallel_for(P, flops, [&](int64_t b, int64_t e, int tid) {
    float* col = scratch(tid, (size_t)(br * K));
    for (int64_t r = b; r < e; r += br) {
      const int64_t rows = std::min(br, e - r);
      im2col(g, x, r, r + rows, col);
      sgemm(false, false, (int)rows, g.co, (int)K, col, (int)K, w, g.co, 0.f, y + r * g.co, g.co);
    }
  });
}

void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const int64_t P = (int64_t)g.n * g.oh * g.ow, K = (int64_t)g.kh * g.kw * g.ci;
  const double flops = 2.0 * P * K * g.co;
  if (is_pointwise(g)) {
    parallel_for(P, flops, [&](int64_t b, int64_t e, int) {
      sgemm(false, true, (int)(e - b), (int)K, g.co, dy + b * g.co, g.co, w, g.co, 0.f, dx + b * K, (int)K);
    });
    return;
  }
  if (conv2d_backprop_input_direct_applies(g)) return conv2d_backprop_input_direct(g, dy, w, dx);
  if (g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1) {
    // Stride 1: dx is the 'full' conv of dy with the kernel rotated by 180 degrees and in/out
    // swapped, i.e. the forward path (im2col + sgemm) with no P x K intermediate.
    const int64_t taps = (int64_t)g.kh * g.kw;
    float* wr = scratch(2 * kMaxThreads + 1, (size_t)(taps * g.ci * g.co));
    transpose_filter(w, (int)taps, g.ci, g.co, true, wr);
    const ConvGeom t{g.n, g.oh, g.ow, g.co, g.kh, g.kw, g.ci, g.h, g.w, 1, 1, 1, 1, g.kh - 1 - g.pt, g.kw - 1 - g.pl};
    conv2d(t, dy, wr, dx);
    return;
  }
  // dcol [P, K] = dy [P, co] @ W^T, then each input pixel gathers its taps from dcol.
  float* dcol = scratch(2 * kMaxThreads, (size_t)(P * K));
  parallel_for(P, flops, [&](int64_t b, int64_t e, int) {
    sgemm(false, true, (int)(e - b), (int)K, g.co, dy + b * g.co, g.co, w, g.co, 0.f, dcol + b * K, (int)K);
  });
  parallel_for((int64_t)g.n * g.h, (double)P * K, [&](int64_t b, int64_t e, int) { col2im_rows(g, dcol, b, e, dx); });
}

void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  // The register-tiled kernel wins up to 256 input channels (measured A/B, interleaved: 1.45-2.3x
  // at 128, 1.1-1.3x at 256); at 512 the im2col gemm is faster.
  if (conv2d_direct_applies(g) && g.ci <= 256) return conv2d_backprop_filter_direct(g, x, dy, dw);
  const int64_t P = (int64_t)g.n * g.oh * g.ow, K = (int64_t)g.kh * g.kw * g.ci;
  const double flops = 2.0 * P * K * g.co;
  const int64_t br = block_rows(K);
  // One slice of the output pixels per thread, each into its own dW: the result depends on the
  // thread count, never on scheduling. (More slices only add zeroing and adding of partial dWs.)
  const int64_t slices = std::min<int64_t>(P / 128, threads());
  sliced_sum(P, slices, (size_t)(K * g.co), dw, flops, [&](int64_t b, int64_t e, float* part, int tid) {
    if (is_pointwise(g)) {
      sgemm(true, false, (int)K, g.co, (int)(e - b), x + b * K, (int)K, dy + b * g.co, g.co, 1.f, part, g.co);
      return;
    }
    float* col = scratch(tid, (size_t)(br * K));
    for (int64_t r = b; r < e; r += br) {
      const int64_t rows = std::min(br, e - r);
      im2col(g, x, r, r + rows, col);
      sgemm(true, false, (int)K, g.co, (int)rows, col, (int)K, dy + r * g.co, g.co, 1.f, part, g.co);
    }
  });
}

}  // namespace sgn
