// Fused StyleGAN ops: NVIDIA's bias_act and upfirdn2d (what its CUDA plugins fuse), and the Adam
// update with nan_to_num. Each replaces 5-15 separate tfjs kernels and their temporaries.
#include <cmath>
#include <cstring>
#include <vector>
#include "kernels.h"
#include "parallel.h"
#include "simd.h"

namespace sgn {

namespace {

// Branch-free forms so the compiler vectorizes them (a data-dependent branch per element
// mispredicts half the time on activations: 10x slower). lrelu(v) * gain = max(v, 0) * gain +
// min(v, 0) * alpha * gain.
template <bool kBias, bool kClamp>
void bias_act_rows(const float* x, const float* b, float* y, int64_t r0, int64_t r1, int c, float alpha, float gain,
                   float clamp) {
  const float ag = alpha * gain;
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    for (int i = 0; i < c; i++) {
      const float v = kBias ? xr[i] + b[i] : xr[i];
      float o = (v > 0.f ? v : 0.f) * gain + (v < 0.f ? v : 0.f) * ag;
      if (kClamp) o = o < -clamp ? -clamp : (o > clamp ? clamp : o);
      yr[i] = o;
    }
  }
}

template <bool kBias, bool kClamp>
void bias_act_grad_rows(const float* dy, const float* x, const float* b, float* dx, int64_t r0, int64_t r1, int c,
                        float alpha, float gain, float clamp) {
  const float ag = alpha * gain;
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * c;
    const float* dyr = dy + r * c;
    float* dxr = dx + r * c;
    for (int i = 0; i < c; i++) {
      const float t = kBias ? xr[i] + b[i] : xr[i];
      float g = t > 0.f ? gain : ag;
      if (kClamp) {
        const float o = (t > 0.f ? t : 0.f) * gain + (t < 0.f ? t : 0.f) * ag;
        g = (o > clamp || o < -clamp) ? 0.f : g;
      }
      dxr[i] = dyr[i] * g;
    }
  }
}

}  // namespace

// y = clamp(act(x + b) * gain, +-clamp); x [rows, c], b [c] or null; act: lrelu when alpha < 1.
void bias_act(const float* x, const float* b, float* y, int64_t rows, int c, float alpha, float gain, float clamp) {
  auto f = b ? (clamp >= 0.f ? bias_act_rows<true, true> : bias_act_rows<true, false>)
             : (clamp >= 0.f ? bias_act_rows<false, true> : bias_act_rows<false, false>);
  parallel_for(rows, (double)rows * c * 4, [&](int64_t r0, int64_t r1, int) { f(x, b, y, r0, r1, c, alpha, gain, clamp); });
}

// dx = dy * gain * (x + b > 0 ? 1 : alpha) * (|y| <= clamp), y the forward output before the
// clamp: the same factors tfjs' gradients of the unfused ops give (lrelu's slope at 0 is alpha).
void bias_act_grad(const float* dy, const float* x, const float* b, float* dx, int64_t rows, int c, float alpha,
                   float gain, float clamp) {
  auto f = b ? (clamp >= 0.f ? bias_act_grad_rows<true, true> : bias_act_grad_rows<true, false>)
             : (clamp >= 0.f ? bias_act_grad_rows<false, true> : bias_act_grad_rows<false, false>);
  parallel_for(rows, (double)rows * c * 4, [&](int64_t r0, int64_t r1, int) { f(dy, x, b, dx, r0, r1, c, alpha, gain, clamp); });
}

// upfirdn2d on NHWC: zero-upsample by `up`, pad [x0, x1, y0, y1] (negative crops), correlate
// with k [kh, kw], keep every `down`-th pixel. Each output pixel gathers only the taps that land
// on real (not inserted-zero, not padding) input pixels, from per-row and per-column tap lists
// built once per call, so the inner loop is a plain channel AXPY.
void upfirdn2d(const float* x, const float* k, float* y, const UpFirDn& p) {
  const int c = p.c;
  struct Tap { int in, k; };
  // Taps of output column ox: cols[ox * kw + t] for t < ncols[ox].
  std::vector<Tap> cols((size_t)p.ow * p.kw);
  std::vector<int> ncols(p.ow, 0);
  for (int ox = 0; ox < p.ow; ox++)
    for (int j = 0; j < p.kw; j++) {
      const int ux = ox * p.down + j - p.x0;
      if (ux < 0 || ux >= p.w * p.up || ux % p.up) continue;
      cols[(size_t)ox * p.kw + ncols[ox]++] = {ux / p.up, j};
    }
  parallel_for((int64_t)p.n * p.oh, (double)p.n * p.oh * p.ow * c * p.kh * p.kw * 2 / (p.up * p.up), [&](int64_t q0, int64_t q1, int) {
    Tap rows[64];
    for (int64_t q = q0; q < q1; q++) {
      const int64_t n = q / p.oh;
      const int oy = (int)(q % p.oh);
      int nrows = 0;
      for (int i = 0; i < p.kh && nrows < 64; i++) {
        const int uy = oy * p.down + i - p.y0;
        if (uy < 0 || uy >= p.h * p.up || uy % p.up) continue;
        rows[nrows++] = {uy / p.up, i};
      }
      for (int ox = 0; ox < p.ow; ox++) {
        float* out = y + (q * p.ow + ox) * c;
        const Tap* ct = cols.data() + (size_t)ox * p.kw;
        // Channels in groups of 2 vectors held in registers over all taps, then the rest.
        int ch = 0;
        for (; ch + 2 * VL <= c; ch += 2 * VL) {
          vec a0{}, a1{};
          for (int a = 0; a < nrows; a++) {
            const float* xrow = x + (n * p.h + rows[a].in) * (int64_t)p.w * c + ch;
            const float* krow = k + rows[a].k * p.kw;
            for (int b = 0; b < ncols[ox]; b++) {
              const float kv = krow[ct[b].k];
              const float* in = xrow + (int64_t)ct[b].in * c;
              a0 += load(in) * kv;
              a1 += load(in + VL) * kv;
            }
          }
          store(out + ch, a0);
          store(out + ch + VL, a1);
        }
        if (ch == c) continue;
        std::memset(out + ch, 0, sizeof(float) * (c - ch));
        for (int a = 0; a < nrows; a++) {
          const float* xrow = x + (n * p.h + rows[a].in) * (int64_t)p.w * c;
          const float* krow = k + rows[a].k * p.kw;
          for (int b = 0; b < ncols[ox]; b++) {
            const float kv = krow[ct[b].k];
            const float* in = xrow + (int64_t)ct[b].in * c;
            for (int j = ch; j < c; j++) out[j] += in[j] * kv;
          }
        }
      }
    }
  });
}

// One Adam step per element with NVIDIA's nan_to_num(grad, 0, +-clip) first (clip <= 0: none):
// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr (m / c1) / (sqrt(v / c2) + eps).
void adam(const float* p, const float* m, const float* v, const float* g, float* po, float* mo, float* vo, int64_t n,
          const AdamStep& s) {
  parallel_for(n, (double)n * 12, [&](int64_t i0, int64_t i1, int) {
    for (int64_t i = i0; i < i1; i++) {
      float gi = g[i];
      if (s.clip > 0.f) gi = gi != gi ? 0.f : std::fmin(std::fmax(gi, -s.clip), s.clip);
      const float mi = m[i] * s.beta1 + gi * s.omb1;
      const float vi = v[i] * s.beta2 + gi * gi * s.omb2;
      mo[i] = mi;
      vo[i] = vi;
      po[i] = p[i] - (mi / s.c1) / (std::sqrt(vi / s.c2) + s.eps) * s.lr;
    }
  });
}

}  // namespace sgn
