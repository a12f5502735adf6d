#include "elementwise.h"
#include <cmath>
#include <cstring>
#include <vector>
#include "parallel.h"

namespace sgn {
namespace {

template <int OP>
inline float f(float a, float b, float alpha) {
  if constexpr (OP == kCopy) return a;
  if constexpr (OP == kAdd) return a + b;
  if constexpr (OP == kSub) return a - b;
  if constexpr (OP == kMul) return a * b;
  if constexpr (OP == kDiv) return a / b;
  // NaN-propagating like tfjs' JS Math.max/min.
  if constexpr (OP == kMax) return (a != a || b != b) ? NAN : (a > b ? a : b);
  if constexpr (OP == kMin) return (a != a || b != b) ? NAN : (a < b ? a : b);
  if constexpr (OP == kSqDiff) return (a - b) * (a - b);
  if constexpr (OP == kFill) return alpha;
  if constexpr (OP == kAbs) return std::fabs(a);
  if constexpr (OP == kSquare) return a * a;
  if constexpr (OP == kSqrt) return std::sqrt(a);
  if constexpr (OP == kRsqrt) return 1.f / std::sqrt(a);
  if constexpr (OP == kNeg) return -a;
  if constexpr (OP == kStep) return a != a ? NAN : (a > 0.f ? 1.f : alpha);
  if constexpr (OP == kExp) return std::exp(a);
  if constexpr (OP == kLog) return std::log(a);
  if constexpr (OP == kRelu) return a < 0.f ? 0.f : a;
  if constexpr (OP == kLeakyRelu) return a < 0.f ? alpha * a : a;
  if constexpr (OP == kSigmoid) return 1.f / (1.f + std::exp(-a));
  // tfjs' cpu softplus, with its thresholds, so results match it.
  if constexpr (OP == kSoftplus) {
    const float thr = std::log(1.1920928955078125e-7f) + 2.f;
    if (a > -thr) return a;
    if (a < thr) return std::exp(a);
    return std::log(std::exp(a) + 1.f);
  }
  if constexpr (OP == kTanh) return std::tanh(a);
  if constexpr (OP == kReciprocal) return 1.f / a;
  // In double, then rounded: the value of tfjs' cpu kernels (Math.sin on the float's value).
  if constexpr (OP == kSin) return (float)std::sin((double)a);
  if constexpr (OP == kCos) return (float)std::cos((double)a);
  return 0.f;
}

// The innermost run: the common stride patterns get their own (vectorisable) loops.
template <int OP>
void run(int64_t n, float* __restrict o, int64_t so, const float* __restrict a, int64_t sa, const float* __restrict b,
         int64_t sb, float alpha) {
  if (so == 1 && sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) o[i] = f<OP>(a[i], b[i], alpha);
  } else if (so == 1 && sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; i++) o[i] = f<OP>(a[i], bv, alpha);
  } else if (so == 1 && sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; i++) o[i] = f<OP>(av, b[i], alpha);
  } else {
    for (int64_t i = 0; i < n; i++) o[i * so] = f<OP>(a[i * sa], b[i * sb], alpha);
  }
}

struct Plan {
  int rank;
  int64_t shape[8], so[8], sa[8], sb[8];
};

// Drops size-1 dims and merges neighbours that are contiguous in all three arrays.
Plan coalesce(int rank, const int64_t* shape, const View& o, const View& a, const View& b) {
  Plan p{0, {}, {}, {}, {}};
  for (int d = 0; d < rank; d++) {
    if (shape[d] == 1) continue;
    const int k = p.rank;
    if (k > 0 && p.so[k - 1] == o.strides[d] * shape[d] && p.sa[k - 1] == a.strides[d] * shape[d] &&
        p.sb[k - 1] == b.strides[d] * shape[d]) {
      p.shape[k - 1] *= shape[d];
      p.so[k - 1] = o.strides[d], p.sa[k - 1] = a.strides[d], p.sb[k - 1] = b.strides[d];
      continue;
    }
    p.shape[k] = shape[d], p.so[k] = o.strides[d], p.sa[k] = a.strides[d], p.sb[k] = b.strides[d];
    p.rank++;
  }
  if (p.rank == 0) p.rank = 1, p.shape[0] = 1, p.so[0] = p.sa[0] = p.sb[0] = 0;
  return p;
}

template <int OP>
void apply(const Plan& p, View o, View a, View b, float alpha) {
  const int inner = p.rank - 1;
  const int64_t n = p.shape[inner];
  int64_t outer = 1;
  for (int d = 0; d < inner; d++) outer *= p.shape[d];
  if (outer == 1) {
    // One run (contiguous arrays coalesce to a single dim): split the run itself over the threads.
    const int64_t so = p.so[inner], sa = p.sa[inner], sb = p.sb[inner];
    parallel_for(n, (double)n * 2, [&](int64_t i0, int64_t i1, int) {
      run<OP>(i1 - i0, o.p + o.off + i0 * so, so, a.p + a.off + i0 * sa, sa, b.p + b.off + i0 * sb, sb, alpha);
    });
    return;
  }
  parallel_for(outer, (double)outer * n * 2, [&](int64_t r0, int64_t r1, int) {
    int64_t idx[8] = {0};
    // Position of outer row r0 in the outer dims.
    int64_t rem = r0;
    for (int d = inner - 1; d >= 0; d--) idx[d] = rem % p.shape[d], rem /= p.shape[d];
    for (int64_t r = r0; r < r1; r++) {
      int64_t io = o.off, ia = a.off, ib = b.off;
      for (int d = 0; d < inner; d++) io += idx[d] * p.so[d], ia += idx[d] * p.sa[d], ib += idx[d] * p.sb[d];
      run<OP>(n, o.p + io, p.so[inner], a.p + ia, p.sa[inner], b.p + ib, p.sb[inner], alpha);
      for (int d = inner - 1; d >= 0; d--) {
        if (++idx[d] < p.shape[d]) break;
        idx[d] = 0;
      }
    }
  });
}

}  // namespace

bool valid_op(int op) { return (op >= kCopy && op <= kFill) || (op >= kAbs && op <= kCos); }

void nd_apply(int op, int rank, const int64_t* shape, View o, View a, View b, float alpha) {
  const Plan p = coalesce(rank, shape, o, a, b);
  switch (op) {
#define CASE(OP) case OP: apply<OP>(p, o, a, b, alpha); break;
    CASE(kCopy) CASE(kAdd) CASE(kSub) CASE(kMul) CASE(kDiv) CASE(kMax) CASE(kMin) CASE(kSqDiff) CASE(kFill)
    CASE(kAbs) CASE(kSquare) CASE(kSqrt) CASE(kRsqrt) CASE(kNeg) CASE(kStep) CASE(kExp) CASE(kLog) CASE(kRelu)
    CASE(kLeakyRelu) CASE(kSigmoid) CASE(kSoftplus) CASE(kTanh) CASE(kReciprocal) CASE(kSin) CASE(kCos)
#undef CASE
  }
}

namespace {

// Sum of a contiguous run in double with 8 independent lanes (a single running sum is a
// dependency chain the compiler may not reorder: one element per add latency).
double sum_run(const float* x, int64_t n) {
  double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) lane[k] += x[i + k];
  double s = 0;
  for (; i < n; i++) s += x[i];
  for (int k = 0; k < 8; k++) s += lane[k];
  return s;
}

// Sum/mean over the coalesced patterns [A, R, B], [A, R], [R, B] (A, B kept; A or B may be
// absent), on all threads: over A when there are enough rows, else each thread sums a slice of
// R into its own accumulators. Accumulates in double, as the generic path does.
bool sum_fast(int op, int r, const int64_t* dims, const bool* red, const float* x, float* out) {
  int64_t A = 1, R = 1, B = 1;
  if (r == 3 && !red[0] && red[1] && !red[2]) A = dims[0], R = dims[1], B = dims[2];
  else if (r == 2 && !red[0] && red[1]) A = dims[0], R = dims[1];
  else if (r == 2 && red[0] && !red[1]) R = dims[0], B = dims[1];
  else if (r == 1 && red[0]) R = dims[0];
  else return false;
  const double scale = op == kMean ? 1.0 / (double)R : 1.0;
  const double work = (double)A * R * B;
  if (B == 1 && A >= 2 * threads()) {
    parallel_for(A, work, [&](int64_t a0, int64_t a1, int) {
      for (int64_t a = a0; a < a1; a++) out[a] = (float)(sum_run(x + a * R, R) * scale);
    });
    return true;
  }
  if (A >= 2 * threads() || A * 64 >= R) {
    parallel_for(A, work, [&](int64_t a0, int64_t a1, int) {
      std::vector<double> acc((size_t)B);
      for (int64_t a = a0; a < a1; a++) {
        std::fill(acc.begin(), acc.end(), 0.0);
        const float* xa = x + a * R * B;
        for (int64_t i = 0; i < R; i++) {
          const float* row = xa + i * B;
          for (int64_t j = 0; j < B; j++) acc[j] += row[j];
        }
        for (int64_t j = 0; j < B; j++) out[a * B + j] = (float)(acc[j] * scale);
      }
    });
    return true;
  }
  // Few kept rows: split R into a fixed number of slices (not per thread, so the order of the
  // additions, hence the result, never depends on scheduling), then add the slices in order.
  const int64_t slices = std::min<int64_t>(R, 16);
  std::vector<double> parts((size_t)(slices * A * B), 0.0);
  parallel_for(slices, work, [&](int64_t s0, int64_t s1, int) {
    for (int64_t sl = s0; sl < s1; sl++) {
      double* acc = parts.data() + sl * A * B;
      const int64_t i0 = R * sl / slices, i1 = R * (sl + 1) / slices;
      for (int64_t a = 0; a < A; a++) {
        double* pa = acc + a * B;
        if (B == 1) {
          pa[0] += sum_run(x + a * R + i0, i1 - i0);
          continue;
        }
        for (int64_t i = i0; i < i1; i++) {
          const float* row = x + (a * R + i) * B;
          for (int64_t j = 0; j < B; j++) pa[j] += row[j];
        }
      }
    }
  });
  for (int64_t k = 0; k < A * B; k++) {
    double s = 0;
    for (int64_t sl = 0; sl < slices; sl++) s += parts[sl * A * B + k];
    out[k] = (float)(s * scale);
  }
  return true;
}

}  // namespace

void reduce(int op, int rank, const int64_t* shape, const bool* reduced, const float* x, float* out) {
  // Merge neighbouring dims of the same kind; the out stride of a reduced dim is 0.
  int64_t dims[8], ostr[8];
  bool red[8];
  int r = 0;
  for (int d = 0; d < rank; d++) {
    if (shape[d] == 1) continue;
    if (r > 0 && red[r - 1] == reduced[d]) { dims[r - 1] *= shape[d]; continue; }
    dims[r] = shape[d], red[r] = reduced[d], r++;
  }
  int64_t total = 1, outSize = 1;
  for (int d = 0; d < r; d++) total *= dims[d], outSize *= red[d] ? 1 : dims[d];
  for (int d = r - 1, s = 1; d >= 0; d--) {
    ostr[d] = red[d] ? 0 : s;
    if (!red[d]) s *= dims[d];
  }
  const bool isMax = op == kRMax, isMin = op == kRMin;
  if (total == 0) {
    const float v = op == kMean ? NAN : isMax ? -INFINITY : isMin ? INFINITY : 0.f;
    for (int64_t i = 0; i < outSize; i++) out[i] = v;
    return;
  }
  if (r == 0) { out[0] = x[0]; return; }
  if (!isMax && !isMin && r <= 3 && sum_fast(op, r, dims, red, x, out)) return;
  // Sums accumulate in double, as tfjs' JS reductions do, so long sums that cancel agree with it.
  std::vector<double> acc(isMax || isMin ? 0 : outSize, 0.0);
  if (isMax || isMin) for (int64_t i = 0; i < outSize; i++) out[i] = isMax ? -INFINITY : INFINITY;
  const int inner = r - 1;
  const int64_t n = dims[inner];
  int64_t idx[8] = {0};
  for (int64_t base = 0; base < total; base += n) {
    int64_t io = 0;
    for (int d = 0; d < inner; d++) io += idx[d] * ostr[d];
    const float* xs = x + base;
    if (isMax || isMin) {
      float* o = out + io;
      if (red[inner]) {
        float m = *o;
        for (int64_t i = 0; i < n; i++) m = (isMax ? xs[i] > m : xs[i] < m) || xs[i] != xs[i] ? xs[i] : m;
        *o = m;
      } else {
        for (int64_t i = 0; i < n; i++) o[i] = (isMax ? xs[i] > o[i] : xs[i] < o[i]) || xs[i] != xs[i] ? xs[i] : o[i];
      }
    } else if (red[inner]) {
      double s = 0;
      for (int64_t i = 0; i < n; i++) s += xs[i];
      acc[io] += s;
    } else {
      double* o = acc.data() + io;
      for (int64_t i = 0; i < n; i++) o[i] += xs[i];
    }
    for (int d = inner - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
  if (isMax || isMin) return;
  const double count = op == kMean ? (double)(total / outSize) : 1.0;
  for (int64_t i = 0; i < outSize; i++) out[i] = (float)(acc[i] / count);
}

}  // namespace sgn
