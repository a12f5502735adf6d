// Strided element-wise kernels: one N-d loop serves broadcasting binary ops, unary ops and
// data movement (slice, tile, transpose, pad, concat), since each is "walk an output region,
// reading inputs at given strides". Dims that are contiguous in every array are merged first.
#pragma once
#include <cstdint>

namespace sgn {

enum Op : int {
  kCopy = 0, kAdd, kSub, kMul, kDiv, kMax, kMin, kSqDiff, kFill,
  kAbs = 20, kSquare, kSqrt, kRsqrt, kNeg, kStep, kExp, kLog, kRelu, kLeakyRelu, kSigmoid, kSoftplus, kTanh,
  kReciprocal, kSin, kCos,
};

inline bool is_unary(int op) { return op == kCopy || op == kFill || op >= kAbs; }
bool valid_op(int op);

// An array viewed through an offset and per-dim strides (in elements, >= 0).
struct View {
  float* p;
  int64_t off;
  int64_t strides[8];
};

// out = op(a, b) over `shape` (rank <= 8); alpha parameterises kFill/kStep/kLeakyRelu.
void nd_apply(int op, int rank, const int64_t* shape, View out, View a, View b, float alpha);

enum Reduce : int { kSum = 0, kMean, kRMax, kRMin };
// Reduces contiguous x of `shape` over the dims flagged in `reduced`; out holds the kept dims in order.
void reduce(int op, int rank, const int64_t* shape, const bool* reduced, const float* x, float* out);

}  // namespace sgn
