// Float32 NHWC kernels over caller-owned buffers (tfjs cpu backend typed arrays).
#pragma once
#include <cstdint>

namespace sgn {

// Geometry of a 2-D convolution, as tfjs' computeConv2DInfo describes it.
struct ConvGeom {
  int n, h, w, ci;      // input
  int kh, kw, co;       // filter [kh, kw, ci, co]; for depthwise co = channel multiplier
  int oh, ow;           // output
  int sh, sw, dh, dw;   // strides, dilations
  int pt, pl;           // top/left padding
};

// Calls f(oy, ox, ky, kx) for every output pixel whose window holds input pixel (iy, ix): the
// gather form of a convolution's input gradient (no scatter, so threads may split input rows).
template <class F>
inline void for_each_window_of(const ConvGeom& g, int iy, int ix, F&& f) {
  for (int ky = 0; ky < g.kh; ky++) {
    const int ty = iy + g.pt - ky * g.dh;
    if (ty < 0 || ty % g.sh) continue;
    const int oy = ty / g.sh;
    if (oy >= g.oh) continue;
    for (int kx = 0; kx < g.kw; kx++) {
      const int tx = ix + g.pl - kx * g.dw;
      if (tx < 0 || tx % g.sw) continue;
      const int ox = tx / g.sw;
      if (ox >= g.ow) continue;
      f(oy, ox, ky, kx);
    }
  }
}

void conv2d(const ConvGeom& g, const float* x, const float* w, float* y);
// Register-blocked direct conv (direct.cc): stride 1 or 2, no dilation, co a multiple of 2 vectors.
bool conv2d_direct_applies(const ConvGeom& g);
void conv2d_direct(const ConvGeom& g, const float* x, const float* w, float* y);
void conv2d_backprop_filter_direct(const ConvGeom& g, const float* x, const float* dy, float* dw);
// Direct input gradient (any stride, one stride-1 conv per output phase): no dilation, ci a
// multiple of 2 vectors.
bool conv2d_backprop_input_direct_applies(const ConvGeom& g);
void conv2d_backprop_input_direct(const ConvGeom& g, const float* dy, const float* w, float* dx);
// out[t] = w[t]^T ([taps, ci, co] -> [taps, co, ci]), taps in reverse order when `mirror`.
void transpose_filter(const float* w, int taps, int ci, int co, bool mirror, float* out);
void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx);
void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw);

void depthwise(const ConvGeom& g, const float* x, const float* w, float* y);
void depthwise_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx);
void depthwise_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw);

// out[b] = op(A[b % batchA]) @ op(B[b % batchB]) for b < max(batchA, batchB); op(A) is [m, k].
void batch_matmul(const float* a, const float* b, float* out, int batchA, int batchB, int m, int n, int k,
                  bool transA, bool transB);

// Fused StyleGAN ops (fused.cc).
void bias_act(const float* x, const float* b, float* y, int64_t rows, int c, float alpha, float gain, float clamp);
void bias_act_grad(const float* dy, const float* x, const float* b, float* dx, int64_t rows, int c, float alpha,
                   float gain, float clamp);

struct UpFirDn {
  int n, h, w, c;        // input NHWC
  int up, down;
  int x0, x1, y0, y1;    // padding of the upsampled image (negative crops)
  int kh, kw;            // correlation kernel
  int oh, ow;            // output
};
void upfirdn2d(const float* x, const float* k, float* y, const UpFirDn& p);

// StyleGAN3's filtered_lrelu (filtered_lrelu.cc). Filters are correlation kernels with the gain
// in: separable taps [kw] (kh == kw) or 2-D [kh, kw]; at most 64 taps a side.
struct FilteredLrelu {
  int n, h, w, c;            // input NHWC
  int up, down;
  int px0, px1, py0, py1;    // padding of the upsampled image (negative crops)
  int kuh, kuw, ku_sep;      // up filter
  int kdh, kdw, kd_sep;      // down filter
  int oh, ow;                // output
  float gain, slope, clamp;  // clamp < 0: none
};
// y = filtered_lrelu(x + b); b [c].
void filtered_lrelu(const float* x, const float* b, const float* ku, const float* kd, float* y, const FilteredLrelu& p);
// dx of filtered_lrelu for dy [n, oh, ow, c] (db is the sum of dx over n, h, w).
void filtered_lrelu_grad(const float* dy, const float* x, const float* b, const float* ku, const float* kd, float* dx,
                         const FilteredLrelu& p);

// Constants as float32, as the unfused tfjs ops see them (omb = 1 - beta, c = bias corrections).
struct AdamStep {
  float lr, beta1, beta2, omb1, omb2, c1, c2, eps, clip;
};
void adam(const float* p, const float* m, const float* v, const float* g, float* po, float* mo, float* vo, int64_t n,
          const AdamStep& s);

// ADA's geometric stage on NHWC images [n, h, w, c] (augment_geom.cc): upx [iw2, w], upy [ih2, h]
// (reflect pad + 2x upsampling), bilinear sampling at theta [n, 6] (normalised affine_grid,
// align_corners=False) to [oh2, ow2], downx [w, ow2], downy [h, oh2]. transpose: y is x's shape and
// the map's transpose is applied (its gradient).
struct AugGeom {
  int n, h, w, c;
  int ih2, iw2;  // the padded, upsampled image
  int oh2, ow2;  // the sampled image
};
void augment_geom(const float* x, const double* theta, const float* upx, const float* upy, const float* downx,
                  const float* downy, float* y, const AugGeom& g, bool transpose);

// Seconds for `iters` sgemms of size n^3 with OpenBLAS' own threading (the machine's peak).
double sgemm_seconds(int n, int iters);

}  // namespace sgn
