// The machine's float vector (the addon is built with -march=native at install), as a GCC
// vector extension: kernels written once for AVX-512, AVX2 or SSE widths.
#pragma once

namespace sgn {

#if defined(__AVX512F__)
constexpr int VL = 16;  // floats per vector
#elif defined(__AVX__)
constexpr int VL = 8;
#else
constexpr int VL = 4;
#endif

typedef float vec __attribute__((vector_size(VL * 4)));
typedef float vec_u __attribute__((vector_size(VL * 4), aligned(4)));

inline vec load(const float* p) { return *reinterpret_cast<const vec_u*>(p); }
inline void store(float* p, vec v) { *reinterpret_cast<vec_u*>(p) = v; }

}  // namespace sgn
