// ADA's geometric stage (augment.py: reflect pad, 2x upsampling with the sym6 wavelet, bilinear
// grid_sample through G_inv, low-pass and 2x downsampling) as one kernel on NHWC images, and its
// transpose (the stage is linear in the image, so the transpose is its gradient and the stage is
// the transpose's gradient). Padding and resampling are per-axis matrices that the caller builds
// (mostly zeros: only each row's or column's nonzero span is visited); the sampling positions
// come from theta per image, in double precision as the JS sampling plan computes them.
#include <algorithm>
#include <cmath>
#include <vector>
#include "kernels.h"
#include "parallel.h"

namespace sgn {
namespace {

// The nonzero span [first, last] of each row of M [r, k] (rows) or of each column (cols).
struct Spans {
  std::vector<int> lo, hi;
};
Spans row_spans(const float* m, int r, int k) {
  Spans s{std::vector<int>(r, 0), std::vector<int>(r, -1)};
  for (int i = 0; i < r; i++)
    for (int j = 0; j < k; j++)
      if (m[(size_t)i * k + j] != 0.f) {
        if (s.hi[i] < 0) s.lo[i] = j;
        s.hi[i] = j;
      }
  return s;
}
Spans col_spans(const float* m, int r, int k) {
  Spans s{std::vector<int>(k, 0), std::vector<int>(k, -1)};
  for (int i = 0; i < r; i++)
    for (int j = 0; j < k; j++)
      if (m[(size_t)i * k + j] != 0.f) {
        if (s.hi[j] < 0) s.lo[j] = i;
        s.hi[j] = i;
      }
  return s;
}

// A box of the upsampled image: rows [y0, y1], columns [x0, x1] (empty when y0 > y1).
struct Box {
  int y0, y1, x0, x1;
};

// out[o, i, off:off+len] = sum_j M[i, j] in[o, j, off:off+len] for output rows i in [i0, i1]
// (M [r, k] along the middle axis of in [outer, k, stride] into out [outer, r, stride]).
void along(const float* m, const Spans& s, int r, int k, const float* in, float* out, int outer, int stride, int i0, int i1, int off, int len) {
  for (int o = 0; o < outer; o++)
    for (int i = i0; i <= i1; i++) {
      const float* row = m + (size_t)i * k;
      const float* x = in + (size_t)o * k * stride + off;
      float* y = out + ((size_t)o * r + i) * stride + off;
      if (len <= 4) {  // along W of NHWC: a few channels per tap, summed in registers
        float acc[4] = {0, 0, 0, 0};
        for (int j = s.lo[i]; j <= s.hi[i]; j++)
          for (int t = 0; t < len; t++) acc[t] += row[j] * x[(size_t)j * stride + t];
        for (int t = 0; t < len; t++) y[t] = acc[t];
        continue;
      }
      std::fill(y, y + len, 0.f);
      for (int j = s.lo[i]; j <= s.hi[i]; j++) {
        const float a = row[j];
        const float* xj = x + (size_t)j * stride;
        for (int t = 0; t < len; t++) y[t] += a * xj[t];
      }
    }
}

// out[o, j, off:off+len] = sum_i M[i, j] in[o, i, off:off+len] over i in [lo, hi] (in is zero
// elsewhere), for every j (s: M's column spans): M^T along the middle axis.
void along_t(const float* m, const Spans& s, int r, int k, const float* in, float* out, int outer, int stride, int lo, int hi, int off, int len) {
  for (int o = 0; o < outer; o++)
    for (int j = 0; j < k; j++) {
      const float* x = in + (size_t)o * r * stride + off;
      float* y = out + ((size_t)o * k + j) * stride + off;
      const int i0 = std::max(s.lo[j], lo), i1 = std::min(s.hi[j], hi);
      if (len <= 4) {
        float acc[4] = {0, 0, 0, 0};
        for (int i = i0; i <= i1; i++)
          for (int t = 0; t < len; t++) acc[t] += m[(size_t)i * k + j] * x[(size_t)i * stride + t];
        for (int t = 0; t < len; t++) y[t] = acc[t];
        continue;
      }
      std::fill(y, y + len, 0.f);
      for (int i = i0; i <= i1; i++) {
        const float a = m[(size_t)i * k + j];
        const float* xi = x + (size_t)i * stride;
        for (int t = 0; t < len; t++) y[t] += a * xi[t];
      }
    }
}

// One output pixel's 4 corners (flat pixel indices, -1 outside) and weights, as affineSamplePlan
// computes them; x, y: the pixel's normalised position ((2j + 1) / ow2 - 1 in float32).
struct Tap {
  int idx[4];
  float w[4];
  int x0, y0;  // the top-left corner (may be outside)
};
inline Tap tap(const double* t, double x, double y, const AugGeom& g) {
  const double gx = t[0] * x + t[1] * y + t[2], gy = t[3] * x + t[4] * y + t[5];
  const double ix = ((gx + 1) * g.iw2 - 1) * 0.5, iy = ((gy + 1) * g.ih2 - 1) * 0.5;  // / 2, exactly
  const double x0 = std::floor(ix), y0 = std::floor(iy), fx = ix - x0, fy = iy - y0;
  const int xi = (int)x0, yi = (int)y0;
  const bool xa = xi >= 0 && xi < g.iw2, xb = xi + 1 >= 0 && xi + 1 < g.iw2, ya = yi >= 0 && yi < g.ih2, yb = yi + 1 >= 0 && yi + 1 < g.ih2;
  Tap r;
  r.x0 = xi, r.y0 = yi;
  r.idx[0] = ya && xa ? yi * g.iw2 + xi : -1, r.w[0] = (float)((1 - fy) * (1 - fx));
  r.idx[1] = ya && xb ? yi * g.iw2 + xi + 1 : -1, r.w[1] = (float)((1 - fy) * fx);
  r.idx[2] = yb && xa ? (yi + 1) * g.iw2 + xi : -1, r.w[2] = (float)(fy * (1 - fx));
  r.idx[3] = yb && xb ? (yi + 1) * g.iw2 + xi + 1 : -1, r.w[3] = (float)(fy * fx);
  return r;
}

struct Mats {
  Spans upx_r, upy_r, downx_r, downy_r, upx_c, upy_c, downx_c, downy_c;
};

}  // namespace

void augment_geom(const float* x, const double* theta, const float* upx, const float* upy, const float* downx,
                  const float* downy, float* y, const AugGeom& g, bool transpose) {
  const int c = g.c;
  Mats m;
  if (!transpose) {
    m.upx_r = row_spans(upx, g.iw2, g.w), m.upy_r = row_spans(upy, g.ih2, g.h);
    m.downx_r = row_spans(downx, g.w, g.ow2), m.downy_r = row_spans(downy, g.h, g.oh2);
  } else {
    m.upx_c = col_spans(upx, g.iw2, g.w), m.upy_c = col_spans(upy, g.ih2, g.h);
    m.downx_c = col_spans(downx, g.w, g.ow2), m.downy_c = col_spans(downy, g.h, g.oh2);
  }
  std::vector<double> xs(g.ow2), ys(g.oh2);
  for (int j = 0; j < g.ow2; j++) xs[j] = (float)((2.0 * j + 1) / g.ow2 - 1);
  for (int i = 0; i < g.oh2; i++) ys[i] = (float)((2.0 * i + 1) / g.oh2 - 1);
  const size_t big = (size_t)g.ih2 * g.iw2 * c, mid = (size_t)std::max(g.h * g.iw2, g.oh2 * g.w) * c, out2 = (size_t)g.oh2 * g.ow2 * c;
  const size_t taps = (size_t)g.oh2 * g.ow2;
  const double work = (double)g.n * (big * 8 + out2 * 30);
  parallel_for(g.n, work, [&](int64_t b0, int64_t b1, int tid) {
    // Scratch: the upsampled image, the half-resampled one, the sampled one, then the taps.
    float* buf = scratch(tid, big + mid + out2 + taps * sizeof(Tap) / sizeof(float) + 1);
    float *u = buf, *t1 = buf + big, *s = buf + big + mid;
    Tap* tp = reinterpret_cast<Tap*>(buf + big + mid + out2);
    for (int64_t b = b0; b < b1; b++) {
      const double* t = theta + b * 6;
      const float* xb = x + (size_t)b * g.h * g.w * c;
      float* yb = y + (size_t)b * g.h * g.w * c;
      // The taps first: only the box of the upsampled image they read is ever computed.
      Box box{g.ih2, -1, g.iw2, -1};
      for (int i = 0; i < g.oh2; i++)
        for (int j = 0; j < g.ow2; j++) {
          const Tap p = tp[(size_t)i * g.ow2 + j] = tap(t, xs[j], ys[i], g);
          if (p.idx[0] >= 0 || p.idx[1] >= 0 || p.idx[2] >= 0 || p.idx[3] >= 0) {  // the 2x2 corners, clipped (a superset of the valid ones)
            box.y0 = std::min(box.y0, std::max(p.y0, 0)), box.y1 = std::max(box.y1, std::min(p.y0 + 1, g.ih2 - 1));
            box.x0 = std::min(box.x0, std::max(p.x0, 0)), box.x1 = std::max(box.x1, std::min(p.x0 + 1, g.iw2 - 1));
          }
        }
      const int bw = box.x1 - box.x0 + 1;
      if (!transpose) {
        if (box.y0 <= box.y1) {
          along(upx, m.upx_r, g.iw2, g.w, xb, t1, g.h, c, box.x0, box.x1, 0, c);                  // [h, iw2, c] in the box's columns
          along(upy, m.upy_r, g.ih2, g.h, t1, u, 1, g.iw2 * c, box.y0, box.y1, box.x0 * c, bw * c);  // [ih2, iw2, c] in the box
        }
        for (size_t q = 0; q < taps; q++) {
          const Tap& p = tp[q];
          float* o = s + q * c;
          for (int ch = 0; ch < c; ch++) {
            double v = 0;
            for (int k = 0; k < 4; k++)
              if (p.idx[k] >= 0) v += (double)p.w[k] * u[(size_t)p.idx[k] * c + ch];
            o[ch] = (float)v;
          }
        }
        along(downx, m.downx_r, g.w, g.ow2, s, t1, g.oh2, c, 0, g.w - 1, 0, c);  // [oh2, w, c]
        along(downy, m.downy_r, g.h, g.oh2, t1, yb, 1, g.w * c, 0, g.h - 1, 0, g.w * c);
      } else {
        along_t(downy, m.downy_c, g.h, g.oh2, xb, t1, 1, g.w * c, 0, g.h - 1, 0, g.w * c);  // [oh2, w, c]
        along_t(downx, m.downx_c, g.w, g.ow2, t1, s, g.oh2, c, 0, g.w - 1, 0, c);           // [oh2, ow2, c]
        if (box.y0 <= box.y1) std::fill(u + (size_t)box.y0 * g.iw2 * c, u + (size_t)(box.y1 + 1) * g.iw2 * c, 0.f);
        for (size_t q = 0; q < taps; q++) {
          const Tap& p = tp[q];
          const float* d = s + q * c;
          for (int k = 0; k < 4; k++)
            if (p.idx[k] >= 0)
              for (int ch = 0; ch < c; ch++) u[(size_t)p.idx[k] * c + ch] += p.w[k] * d[ch];
        }
        // Outside the box the upsampled gradient is zero: both reductions stop at its edges.
        if (box.y0 <= box.y1) along_t(upy, m.upy_c, g.ih2, g.h, u, t1, 1, g.iw2 * c, box.y0, box.y1, box.x0 * c, bw * c);  // [h, iw2, c]
        along_t(upx, m.upx_c, g.iw2, g.w, t1, yb, g.h, c, box.x0, box.x1, 0, c);
      }
    }
  });
}

}  // namespace sgn
