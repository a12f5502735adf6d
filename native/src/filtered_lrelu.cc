// StyleGAN3's filtered leaky ReLU (NVIDIA's filtered_lrelu) as one kernel, and its gradient wrt
// x: what NVIDIA fuses into one CUDA kernel, here row by row so the up-sampled intermediate (4x
// the input at up 2) never exists as a whole.
//
// Both directions are the same pipeline of two FIR "stages", each a gather
//   out[o] = sum_k K[k] src[s],  p = o * down + k - off,  s = p / up  (p % up == 0, 0 <= s < n)
// along H and W (separable taps, or a 2-D kernel), with an element-wise step between them:
//   forward:  x + b -> stage(up, pad, ku) -> lrelu * gain, clamp -> stage(fd, down) -> y
//   gradient: dy -> stage(up = down, flipped kd) -> * act'(forward intermediate, recomputed)
//             -> stage(down = up, flipped ku) -> dx
// Work is split over (image, block of 8, 16 or 32 channels, band of output rows). Each unit walks
// its output rows in order and keeps the rows it reuses in small ring buffers: a stage's source
// rows after its horizontal pass (separable) or as loaded (2-D). Rows hold CB channels per pixel,
// so the inner loops are vector FMAs over channels, as NHWC allows; blocks narrower than 32 keep
// the few-channel layers of small networks (16-25 channels) from computing empty lanes.
#include <algorithm>
#include <cstring>
#include <vector>
#include "kernels.h"
#include "parallel.h"
#include "simd.h"

namespace sgn {

namespace {


// CB channels as NV vectors of W floats (W <= the machine's vector).
template <int CB>
struct Lanes {
  static constexpr int W = CB < VL ? CB : VL;
  static constexpr int NV = CB / W;
  typedef float V __attribute__((vector_size(W * 4)));
  typedef float U __attribute__((vector_size(W * 4), aligned(4)));
  static V ld(const float* p) { return *reinterpret_cast<const U*>(p); }
  static void st(float* p, V v) { *reinterpret_cast<U*>(p) = v; }
};

struct Tap {
  int s, k;  // source index, filter tap
};

// Taps of each output index along one axis, CSR: t[start[o] .. start[o + 1]).
struct Taps {
  std::vector<Tap> t;
  std::vector<int> start;
  int span = 1;  // most source indices one output reads (ring buffer slots - 1)
  Taps(int n_out, int n_src, int kn, int up, int down, int off) : start(n_out + 1) {
    for (int o = 0; o < n_out; o++) {
      start[o] = (int)t.size();
      for (int k = 0; k < kn; k++) {
        const int p = o * down + k - off;
        if (p < 0 || p % up) continue;
        if (p / up < n_src) t.push_back({p / up, k});
      }
      span = std::max(span, (int)t.size() - start[o]);
    }
    start[n_out] = (int)t.size();
  }
  const Tap* begin(int o) const { return t.data() + start[o]; }
  const Tap* end(int o) const { return t.data() + start[o + 1]; }
};

// One FIR stage: kernel k (separable taps [kw], or [kh, kw]) and the taps along both axes.
struct Stage {
  const float* k;
  bool sep;
  int kh, kw;
  Taps rows, cols;
  Stage(const float* k_, bool sep_, int kh_, int kw_, int out_h, int src_h, int out_w, int src_w, int up, int down, int off_y,
        int off_x)
      : k(k_), sep(sep_), kh(kh_), kw(kw_), rows(out_h, src_h, kh_, up, down, off_y), cols(out_w, src_w, kw_, up, down, off_x) {}
  int out_w() const { return (int)cols.start.size() - 1; }
};

// dst[o] (+)= sum over cols taps of k[t.k] src[t.s], o < out_w; rows are [width][CB].
template <int CB, bool kAcc>
void hpass(const float* src, const float* k, const Taps& cols, int out_w, float* dst) {
  using L = Lanes<CB>;
  for (int o = 0; o < out_w; o++) {
    typename L::V a[L::NV];
    for (int q = 0; q < L::NV; q++) a[q] = kAcc ? L::ld(dst + o * CB + q * L::W) : typename L::V{};
    for (const Tap* t = cols.begin(o); t != cols.end(o); t++) {
      const float kv = k[t->k];
      const float* s = src + t->s * CB;
      for (int q = 0; q < L::NV; q++) a[q] += L::ld(s + q * L::W) * kv;
    }
    for (int q = 0; q < L::NV; q++) L::st(dst + o * CB + q * L::W, a[q]);
  }
}

// dst[o] = sum_t w[t] rows[t][o] over width o < n (a column of the separable pass).
template <int CB>
void vpass(const float* const* rows, const float* w, int nt, int n, float* dst) {
  using L = Lanes<CB>;
  for (int o = 0; o < n; o++) {
    typename L::V a[L::NV] = {};
    for (int t = 0; t < nt; t++) {
      const float* s = rows[t] + o * CB;
      for (int q = 0; q < L::NV; q++) a[q] += L::ld(s + q * L::W) * w[t];
    }
    for (int q = 0; q < L::NV; q++) L::st(dst + o * CB + q * L::W, a[q]);
  }
}

// Rows of a stage's source, kept in `slots` ring slots: after the horizontal pass when the
// stage is separable (width = stage output width), else as loaded (width = source width).
template <int CB>
struct RowRing {
  float* buf;
  int slots, width;
  std::vector<int> tag;
  RowRing(float* b, int s, int w) : buf(b), slots(s), width(w), tag(s, -1) {}
  template <class F>
  const float* get(int r, F&& fill) {
    float* row = buf + (size_t)(r % slots) * width * CB;
    if (tag[r % slots] != r) {
      fill(r, row);
      tag[r % slots] = r;
    }
    return row;
  }
};

// One stage's output row `o` into dst ([out_w][CB]), from ring rows (which the ring fills).
template <int CB, class Fill>
void stage_row(const Stage& st, RowRing<CB>& ring, int o, Fill&& fill, float* dst) {
  const int ow = st.out_w();
  const Tap* t0 = st.rows.begin(o);
  const int nt = (int)(st.rows.end(o) - t0);
  if (st.sep) {
    const float* rows[64];
    float w[64];
    for (int t = 0; t < nt; t++) {
      rows[t] = ring.get(t0[t].s, fill);
      w[t] = st.k[t0[t].k];
    }
    vpass<CB>(rows, w, nt, ow, dst);
  } else {
    if (nt == 0) std::memset(dst, 0, sizeof(float) * ow * CB);
    for (int t = 0; t < nt; t++) {
      const float* row = ring.get(t0[t].s, fill);
      const float* krow = st.k + t0[t].k * st.kw;
      if (t == 0) hpass<CB, false>(row, krow, st.cols, ow, dst);
      else hpass<CB, true>(row, krow, st.cols, ow, dst);
    }
  }
}

// Loads row r of image n, channels [c0, c0 + cn) of an NHWC tensor [.., h, w, c] into [w][CB]
// (+ bias), zero in the lanes past cn.
template <int CB>
void load_row(const float* x, const float* b, int64_t n, int h, int w, int c, int r, int c0, int cn, float* dst) {
  const float* src = x + ((n * h + r) * (int64_t)w) * c + c0;
  for (int v = 0; v < w; v++) {
    float* d = dst + v * CB;
    const float* s = src + (int64_t)v * c;
    int l = 0;
    if (cn == CB) {
      for (; l < CB; l++) d[l] = s[l] + (b ? b[c0 + l] : 0.f);
    } else {
      for (; l < cn; l++) d[l] = s[l] + (b ? b[c0 + l] : 0.f);
      for (; l < CB; l++) d[l] = 0.f;
    }
  }
}

template <int CB>
void store_row(const float* src, float* y, int64_t n, int h, int w, int c, int r, int c0, int cn) {
  float* dst = y + ((n * h + r) * (int64_t)w) * c + c0;
  for (int v = 0; v < w; v++) std::memcpy(dst + (int64_t)v * c, src + v * CB, sizeof(float) * cn);
}

// Ring slots and row width for a stage's source rows.
int ring_slots(const Stage& st) { return st.rows.span + 1; }

struct Source {
  const float* x;
  const float* b;  // or null
  int h, w;
};

// Fills ring row r of `st` from source rows (horizontal pass when separable).
template <int CB>
struct Filler {
  const Stage& st;
  const Source& src;
  const FilteredLrelu& p;
  int64_t n;
  int c0, cn;
  float* tmp;  // [src.w][CB]
  void operator()(int r, float* row) const {
    if (st.sep) {
      load_row<CB>(src.x, src.b, n, src.h, src.w, p.c, r, c0, cn, tmp);
      hpass<CB, false>(tmp, st.k, st.cols, st.out_w(), row);
    } else {
      load_row<CB>(src.x, src.b, n, src.h, src.w, p.c, r, c0, cn, row);
    }
  }
};

// Width of a ring row for a stage whose source is src_w wide.
int ring_width(const Stage& st, int src_w) { return st.sep ? st.out_w() : src_w; }

std::vector<float> flipped(const float* k, int n) {
  std::vector<float> f(k, k + n);
  std::reverse(f.begin(), f.end());
  return f;
}

// Channel blocks: 32 wide, the rest in the narrowest of 8, 16, 32 that holds it.
struct Block {
  int c0, cb;
};
std::vector<Block> channel_blocks(int c) {
  std::vector<Block> out;
  int c0 = 0;
  for (; c - c0 > 16; c0 += 32) out.push_back({c0, 32});
  if (c0 < c) out.push_back({c0, c - c0 > 8 ? 16 : 8});
  return out;
}

// Runs fn(n, block, r0, r1, tid) over images x channel blocks x bands of output rows, enough
// bands for every thread to have work (each band recomputes the rows its neighbour shares).
template <class F>
void for_units(const FilteredLrelu& p, int out_h, double work, F&& fn) {
  const std::vector<Block> blocks = channel_blocks(p.c);
  const int64_t nb = (int64_t)blocks.size(), nc = (int64_t)p.n * nb;
  const int bands = (int)std::max<int64_t>(1, std::min<int64_t>((4 * threads() + nc - 1) / nc, std::max(1, out_h / 4)));
  parallel_for(nc * bands, work, [&](int64_t u0, int64_t u1, int tid) {
    for (int64_t u = u0; u < u1; u++) {
      const int band = (int)(u % bands);
      const int64_t q = u / bands;
      fn(q / nb, blocks[q % nb], out_h * band / bands, out_h * (band + 1) / bands, tid);
    }
  });
}

// Calls f.template run<CB>() for the block's width.
template <class F>
void with_width(int cb, F&& f) {
  if (cb == 8) f.template run<8>();
  else if (cb == 16) f.template run<16>();
  else f.template run<32>();
}

// a = clamp(lrelu(a) * gain) in place; branch-free so it vectorizes (signs are random: a branch
// per element mispredicts half the time).
template <bool kClamp>
void act_rows(float* __restrict a, int64_t n, float gain, float ag, float clamp) {
  for (int64_t i = 0; i < n; i++) {
    const float v = a[i];
    float o = (v > 0.f ? v : 0.f) * gain + (v < 0.f ? v : 0.f) * ag;
    if (kClamp) o = o < -clamp ? -clamp : (o > clamp ? clamp : o);
    a[i] = o;
  }
}

// d *= act'(v): gain or slope * gain, 0 where the clamp cut the output (as bias_act's gradient).
template <bool kClamp>
void act_grad_rows(float* __restrict d, const float* __restrict pre, int64_t n, float gain, float ag, float clamp) {
  for (int64_t i = 0; i < n; i++) {
    const float v = pre[i];
    float m = v > 0.f ? gain : ag;
    if (kClamp) {
      const float o = (v > 0.f ? v : 0.f) * gain + (v < 0.f ? v : 0.f) * ag;
      m = (o > clamp || o < -clamp) ? 0.f : m;
    }
    d[i] *= m;
  }
}

// Intermediate (after the up stage) size.
int mid_h(const FilteredLrelu& p) { return p.h * p.up + p.py0 + p.py1 - p.kuh + 1; }
int mid_w(const FilteredLrelu& p) { return p.w * p.up + p.px0 + p.px1 - p.kuw + 1; }

}  // namespace

// One forward unit: rows [r0, r1) of y for image n, channels [c0, c0 + cn) in a CB-wide block.
struct ForwardUnit {
  const FilteredLrelu& p;
  const Stage &up, &dn;
  const float *x, *b;
  float* y;
  int64_t n;
  int c0, cn, r0, r1, tid;
  template <int CB>
  void run() const {
    const int aw = up.out_w();
    const float gain = p.gain, ag = p.slope * p.gain, clamp = p.clamp;
    const Source src{x, b, p.h, p.w};
    const int w1 = ring_width(up, p.w), w2 = ring_width(dn, aw);
    float* s = scratch(tid, (size_t)CB * ((size_t)ring_slots(up) * w1 + (size_t)ring_slots(dn) * w2 + p.w + (size_t)aw + p.ow));
    RowRing<CB> ring1(s, ring_slots(up), w1);
    s += (size_t)CB * ring_slots(up) * w1;
    RowRing<CB> ring2(s, ring_slots(dn), w2);
    s += (size_t)CB * ring_slots(dn) * w2;
    float* tmp = s;
    float* mtmp = tmp + (size_t)CB * p.w;
    float* out = mtmp + (size_t)CB * aw;
    const Filler<CB> fill1{up, src, p, n, c0, cn, tmp};
    // Ring-2 row u: the activated intermediate row u (after dn's horizontal pass if separable).
    auto fill2 = [&](int u, float* row) {
      float* a = dn.sep ? mtmp : row;
      stage_row(up, ring1, u, fill1, a);
      if (clamp >= 0.f) act_rows<true>(a, (int64_t)aw * CB, gain, ag, clamp);
      else act_rows<false>(a, (int64_t)aw * CB, gain, ag, clamp);
      if (dn.sep) hpass<CB, false>(a, dn.k, dn.cols, dn.out_w(), row);
    };
    for (int r = r0; r < r1; r++) {
      stage_row(dn, ring2, r, fill2, out);
      store_row<CB>(out, y, n, p.oh, p.ow, p.c, r, c0, cn);
    }
  }
};

void filtered_lrelu(const float* x, const float* b, const float* ku, const float* kd, float* y, const FilteredLrelu& p) {
  const int ah = mid_h(p), aw = mid_w(p);
  const Stage up(ku, p.ku_sep, p.kuh, p.kuw, ah, p.h, aw, p.w, p.up, 1, p.py0, p.px0);
  const Stage dn(kd, p.kd_sep, p.kdh, p.kdw, p.oh, ah, p.ow, aw, 1, p.down, 0, 0);
  const double work = (double)p.n * p.oh * p.ow * p.c * 2 * (p.up * p.up * p.kuh * p.kuw / (p.ku_sep ? p.kuw : 1) + p.kdh * p.kdw);
  for_units(p, p.oh, work, [&](int64_t n, Block blk, int r0, int r1, int tid) {
    with_width(blk.cb, ForwardUnit{p, up, dn, x, b, y, n, blk.c0, std::min(blk.cb, p.c - blk.c0), r0, r1, tid});
  });
}

// One gradient unit: rows [r0, r1) of dx.
struct GradUnit {
  const FilteredLrelu& p;
  const Stage &up, &dnT, &upT;
  const float *dy, *x, *b;
  float* dx;
  int64_t n;
  int c0, cn, r0, r1, tid;
  template <int CB>
  void run() const {
    const int aw = up.out_w();
    const float gain = p.gain, ag = p.slope * p.gain, clamp = p.clamp;
    const Source xs{x, b, p.h, p.w}, dys{dy, nullptr, p.oh, p.ow};
    const int w1 = ring_width(up, p.w), wd = ring_width(dnT, p.ow), w2 = ring_width(upT, aw);
    float* s = scratch(tid, (size_t)CB * ((size_t)ring_slots(up) * w1 + (size_t)ring_slots(dnT) * wd + (size_t)ring_slots(upT) * w2 +
                                          std::max(p.w, p.ow) + 2 * (size_t)aw + p.w));
    RowRing<CB> ring1(s, ring_slots(up), w1);
    s += (size_t)CB * ring_slots(up) * w1;
    RowRing<CB> ringd(s, ring_slots(dnT), wd);
    s += (size_t)CB * ring_slots(dnT) * wd;
    RowRing<CB> ring2(s, ring_slots(upT), w2);
    s += (size_t)CB * ring_slots(upT) * w2;
    float* tmp = s;
    float* pre = tmp + (size_t)CB * std::max(p.w, p.ow);
    float* gtmp = pre + (size_t)CB * aw;
    float* out = gtmp + (size_t)CB * aw;
    // tmp is only used inside one fill at a time (fills do not nest within one ring).
    const Filler<CB> fillx{up, xs, p, n, c0, cn, tmp};
    const Filler<CB> filld{dnT, dys, p, n, c0, cn, tmp};
    // Ring-2 row u: d(intermediate row u) = (dnT of dy) * act'(pre-activation row u).
    auto fill2 = [&](int u, float* row) {
      float* d = upT.sep ? gtmp : row;
      stage_row(dnT, ringd, u, filld, d);
      stage_row(up, ring1, u, fillx, pre);
      if (clamp >= 0.f) act_grad_rows<true>(d, pre, (int64_t)aw * CB, gain, ag, clamp);
      else act_grad_rows<false>(d, pre, (int64_t)aw * CB, gain, ag, clamp);
      if (upT.sep) hpass<CB, false>(d, upT.k, upT.cols, upT.out_w(), row);
    };
    for (int r = r0; r < r1; r++) {
      stage_row(upT, ring2, r, fill2, out);
      store_row<CB>(out, dx, n, p.h, p.w, p.c, r, c0, cn);
    }
  }
};

void filtered_lrelu_grad(const float* dy, const float* x, const float* b, const float* ku, const float* kd, float* dx,
                         const FilteredLrelu& p) {
  const int ah = mid_h(p), aw = mid_w(p);
  const std::vector<float> kuf = flipped(ku, p.ku_sep ? p.kuw : p.kuh * p.kuw);
  const std::vector<float> kdf = flipped(kd, p.kd_sep ? p.kdw : p.kdh * p.kdw);
  // The forward up stage (to recompute the activation's input), the transposed down stage on dy,
  // and the transposed up stage into dx.
  const Stage up(ku, p.ku_sep, p.kuh, p.kuw, ah, p.h, aw, p.w, p.up, 1, p.py0, p.px0);
  const Stage dnT(kdf.data(), p.kd_sep, p.kdh, p.kdw, ah, p.oh, aw, p.ow, p.down, 1, p.kdh - 1, p.kdw - 1);
  const Stage upT(kuf.data(), p.ku_sep, p.kuh, p.kuw, p.h, ah, p.w, aw, 1, p.up, p.kuh - 1 - p.py0, p.kuw - 1 - p.px0);
  const double work = (double)p.n * p.oh * p.ow * p.c * 4 * (p.up * p.up * p.kuh * p.kuw / (p.ku_sep ? p.kuw : 1) + p.kdh * p.kdw);
  for_units(p, p.h, work, [&](int64_t n, Block blk, int r0, int r1, int tid) {
    with_width(blk.cb, GradUnit{p, up, dnT, upT, dy, x, b, dx, n, blk.c0, std::min(blk.cb, p.c - blk.c0), r0, r1, tid});
  });
}

}  // namespace sgn
