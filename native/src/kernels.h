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

void conv2d(const ConvGeom& g, const float* x, const float* w, float* y);
void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx);
void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw);

void depthwise(const ConvGeom& g, const float* x, const float* w, float* y);
void depthwise_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx);
void depthwise_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw);

// out[b] = op(A[b % batchA]) @ op(B[b % batchB]) for b < max(batchA, batchB); op(A) is [m, k].
void batch_matmul(const float* a, const float* b, float* out, int batchA, int batchB, int m, int n, int k,
                  bool transA, bool transB);

// Seconds for `iters` sgemms of size n^3 with OpenBLAS' own threading (the machine's peak).
double sgemm_seconds(int n, int iters);

}  // namespace sgn
