// N-API bindings: every kernel reads and writes Float32Arrays that the JS side owns (the tfjs
// cpu backend's own typed arrays), so nothing is copied per call. Geometry comes as an
// Int32Array; every buffer length is checked against it before any work starts.
#include <node_api.h>
#include <algorithm>
#include <string>
#include <thread>
#include <vector>
#include "blas.h"
#include "elementwise.h"
#include "kernels.h"
#include "parallel.h"

namespace {

struct Error {
  std::string msg;
};

template <typename T>
T* typed(napi_env env, napi_value v, napi_typedarray_type want, size_t need, const char* what) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) throw Error{std::string(what) + " must be a typed array"};
  napi_typedarray_type type;
  size_t len;
  void* data;
  napi_get_typedarray_info(env, v, &type, &len, &data, nullptr, nullptr);
  if (type != want)
    throw Error{std::string(what) + (want == napi_float32_array ? " must be a Float32Array" : want == napi_float64_array ? " must be a Float64Array" : " must be an Int32Array")};
  if (len < need) throw Error{std::string(what) + " is too short (" + std::to_string(len) + " < " + std::to_string(need) + ")"};
  return static_cast<T*>(data);
}

std::vector<napi_value> args(napi_env env, napi_callback_info info, size_t n) {
  std::vector<napi_value> a(n);
  size_t got = n;
  napi_get_cb_info(env, info, &got, a.data(), nullptr, nullptr);
  if (got < n) throw Error{"expected " + std::to_string(n) + " arguments"};
  return a;
}

sgn::ConvGeom geom(napi_env env, napi_value v) {
  const int32_t* g = typed<int32_t>(env, v, napi_int32_array, 15, "geometry");
  sgn::ConvGeom c{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14]};
  for (int i = 0; i < 15; i++)
    if (g[i] < 0 || (i >= 9 && i <= 12 && g[i] < 1)) throw Error{"bad conv geometry"};
  return c;
}

size_t sz(int64_t a, int64_t b, int64_t c, int64_t d) { return (size_t)(a * b * c * d); }

// Wraps a C++ body so that errors become JS exceptions rather than aborts.
template <typename F>
napi_value guard(napi_env env, F body) {
  try {
    return body();
  } catch (const Error& e) {
    napi_throw_error(env, nullptr, e.msg.c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

enum class Conv { Fwd, BackInput, BackFilter, DwFwd, DwBackInput, DwBackFilter };

template <Conv K>
napi_value conv(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    auto a = args(env, info, 4);
    const sgn::ConvGeom g = geom(env, a[3]);
    const bool dw = K == Conv::DwFwd || K == Conv::DwBackInput || K == Conv::DwBackFilter;
    const size_t xs = sz(g.n, g.h, g.w, g.ci), ws = sz(g.kh, g.kw, g.ci, g.co);
    const size_t ys = sz(g.n, g.oh, g.ow, dw ? (int64_t)g.ci * g.co : g.co);
    // Argument order follows the kernels: (in0, in1, out).
    size_t need0, need1, need2;
    if (K == Conv::Fwd || K == Conv::DwFwd) need0 = xs, need1 = ws, need2 = ys;
    else if (K == Conv::BackInput || K == Conv::DwBackInput) need0 = ys, need1 = ws, need2 = xs;
    else need0 = xs, need1 = ys, need2 = ws;
    const float* p0 = typed<float>(env, a[0], napi_float32_array, need0, "input 0");
    const float* p1 = typed<float>(env, a[1], napi_float32_array, need1, "input 1");
    float* out = typed<float>(env, a[2], napi_float32_array, need2, "output");
    switch (K) {
      case Conv::Fwd: sgn::conv2d(g, p0, p1, out); break;
      case Conv::BackInput: sgn::conv2d_backprop_input(g, p0, p1, out); break;
      case Conv::BackFilter: sgn::conv2d_backprop_filter(g, p0, p1, out); break;
      case Conv::DwFwd: sgn::depthwise(g, p0, p1, out); break;
      case Conv::DwBackInput: sgn::depthwise_backprop_input(g, p0, p1, out); break;
      case Conv::DwBackFilter: sgn::depthwise_backprop_filter(g, p0, p1, out); break;
    }
    return nullptr;
  });
}

// batchMatMul(a, b, out, Int32Array [batchA, batchB, m, n, k, transA, transB])
napi_value batch_matmul(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    auto a = args(env, info, 4);
    const int32_t* d = typed<int32_t>(env, a[3], napi_int32_array, 7, "dims");
    const int ba = d[0], bb = d[1], m = d[2], n = d[3], k = d[4];
    if (ba < 1 || bb < 1 || m < 0 || n < 0 || k < 0) throw Error{"bad matmul dims"};
    const float* pa = typed<float>(env, a[0], napi_float32_array, (size_t)ba * m * k, "a");
    const float* pb = typed<float>(env, a[1], napi_float32_array, (size_t)bb * k * n, "b");
    float* out = typed<float>(env, a[2], napi_float32_array, (size_t)std::max(ba, bb) * m * n, "out");
    sgn::batch_matmul(pa, pb, out, ba, bb, m, n, k, d[5] != 0, d[6] != 0);
    return nullptr;
  });
}

// A Float32Array argument that may be absent (null/undefined): nullptr, length 0.
float* optional_f32(napi_env env, napi_value v, size_t* len) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  *len = 0;
  if (t == napi_null || t == napi_undefined) return nullptr;
  bool is = false;
  napi_is_typedarray(env, v, &is);
  napi_typedarray_type type;
  void* data = nullptr;
  if (is) napi_get_typedarray_info(env, v, &type, len, &data, nullptr, nullptr);
  if (!is || type != napi_float32_array) throw Error{"expected a Float32Array"};
  return static_cast<float*>(data);
}

// nd(op, out, a, b, meta Int32Array [rank, outOff, aOff, bOff, shape x rank, outStrides, aStrides, bStrides], alpha)
napi_value nd(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    auto a = args(env, info, 6);
    int32_t op = 0;
    napi_get_value_int32(env, a[0], &op);
    if (!sgn::valid_op(op)) throw Error{"unknown element-wise op " + std::to_string(op)};
    const int32_t* m = typed<int32_t>(env, a[4], napi_int32_array, 4, "meta");
    const int rank = m[0];
    if (rank < 0 || rank > 8) throw Error{"rank must be 0..8"};
    typed<int32_t>(env, a[4], napi_int32_array, 4 + 4 * (size_t)rank, "meta");
    double alpha = 0;
    napi_get_value_double(env, a[5], &alpha);
    int64_t shape[8];
    bool empty = false;
    for (int d = 0; d < rank; d++) shape[d] = m[4 + d], empty |= shape[d] <= 0;
    size_t lens[3];
    float* ptrs[3];
    sgn::View views[3];
    for (int k = 0; k < 3; k++) {
      ptrs[k] = optional_f32(env, a[1 + k], &lens[k]);
      views[k].off = m[1 + k];
      int64_t last = m[1 + k];
      for (int d = 0; d < rank; d++) {
        views[k].strides[d] = m[4 + (1 + k) * rank + d];
        if (views[k].strides[d] < 0) throw Error{"negative stride"};
        last += (shape[d] - 1) * views[k].strides[d];
      }
      const bool needed = k == 0 || k == 1 ? !(k == 1 && op == sgn::kFill) : !sgn::is_unary(op);
      if (!needed) { ptrs[k] = nullptr; continue; }
      if (!ptrs[k]) throw Error{"missing operand " + std::to_string(k)};
      if (!empty && (views[k].off < 0 || last >= (int64_t)lens[k])) throw Error{"operand " + std::to_string(k) + " is too short"};
    }
    if (empty) return nullptr;
    // Unused operands alias out with zero strides, so the loop needs no special cases.
    for (int k = 1; k < 3; k++)
      if (!ptrs[k]) { ptrs[k] = ptrs[0]; views[k].off = 0; for (int d = 0; d < rank; d++) views[k].strides[d] = 0; }
    for (int k = 0; k < 3; k++) views[k].p = ptrs[k];
    sgn::nd_apply(op, rank, shape, views[0], views[1], views[2], (float)alpha);
    return nullptr;
  });
}

// reduce(op, x, out, meta Int32Array [rank, shape x rank, reduced flags x rank])
napi_value reduce(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    auto a = args(env, info, 4);
    int32_t op = 0;
    napi_get_value_int32(env, a[0], &op);
    if (op < sgn::kSum || op > sgn::kRMin) throw Error{"unknown reduction"};
    const int32_t* m = typed<int32_t>(env, a[3], napi_int32_array, 1, "meta");
    const int rank = m[0];
    if (rank < 0 || rank > 8) throw Error{"rank must be 0..8"};
    typed<int32_t>(env, a[3], napi_int32_array, 1 + 2 * (size_t)rank, "meta");
    int64_t shape[8];
    bool red[8];
    size_t total = 1, outSize = 1;
    for (int d = 0; d < rank; d++) {
      shape[d] = m[1 + d], red[d] = m[1 + rank + d] != 0;
      if (shape[d] < 0) throw Error{"negative dim"};
      total *= shape[d];
      if (!red[d]) outSize *= shape[d];
    }
    const float* x = typed<float>(env, a[1], napi_float32_array, total, "x");
    float* out = typed<float>(env, a[2], napi_float32_array, outSize, "out");
    sgn::reduce(op, rank, shape, red, x, out);
    return nullptr;
  });
}

int32_t int_arg(napi_env env, napi_value v) {
  int32_t r = 0;
  if (napi_get_value_int32(env, v, &r) != napi_ok) throw Error{"expected an integer"};
  return r;
}

napi_value sgemm_seconds(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    auto a = args(env, info, 2);
    const int n = int_arg(env, a[0]), iters = int_arg(env, a[1]);
    if (n < 1 || n > 8192 || iters < 1) throw Error{"bad sgemm size"};
    napi_value r;
    napi_create_double(env, sgn::sgemm_seconds(n, iters), &r);
    return r;
  });
}

napi_value set_threads(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    auto a = args(env, info, 1);
    sgn::set_threads(int_arg(env, a[0]));
    return nullptr;
  });
}

napi_value get_threads(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_int32(env, sgn::threads(), &r);
  return r;
}

double num_arg(napi_env env, napi_value v) {
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok) throw Error{"expected a number"};
  return d;
}

// biasAct(x, b | null, y, rows, c, alpha, gain, clamp) (clamp < 0: none) and
// biasActGrad(dy, x, b | null, dx, rows, c, alpha, gain, clamp): the gradient takes dy first.
template <bool kGrad>
napi_value bias_act(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    constexpr int o = kGrad ? 1 : 0;  // argument offset
    auto a = args(env, info, 8 + o);
    const int64_t rows = (int64_t)num_arg(env, a[3 + o]);
    const int c = int_arg(env, a[4 + o]);
    if (rows < 0 || c < 1) throw Error{"bad biasAct shape"};
    const size_t n = (size_t)rows * c;
    size_t blen = 0;
    const float* b = optional_f32(env, a[1 + o], &blen);
    if (b && blen < (size_t)c) throw Error{"bias is too short"};
    const float* x = typed<float>(env, a[o], napi_float32_array, n, "x");
    float* out = typed<float>(env, a[2 + o], napi_float32_array, n, "output");
    const float alpha = (float)num_arg(env, a[5 + o]), gain = (float)num_arg(env, a[6 + o]), clamp = (float)num_arg(env, a[7 + o]);
    if (kGrad) sgn::bias_act_grad(typed<float>(env, a[0], napi_float32_array, n, "dy"), x, b, out, rows, c, alpha, gain, clamp);
    else sgn::bias_act(x, b, out, rows, c, alpha, gain, clamp);
    return nullptr;
  });
}

// upfirdn2d(x, k, y, Int32Array [n, h, w, c, up, down, x0, x1, y0, y1, kh, kw, oh, ow])
napi_value upfirdn2d(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    auto a = args(env, info, 4);
    const int32_t* g = typed<int32_t>(env, a[3], napi_int32_array, 14, "geometry");
    const sgn::UpFirDn p{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13]};
    if (p.n < 0 || p.h < 0 || p.w < 0 || p.c < 1 || p.up < 1 || p.down < 1 || p.kh < 1 || p.kw < 1 || p.kh > 64 || p.kw > 64 || p.oh < 0 || p.ow < 0)
      throw Error{"bad upfirdn2d geometry"};
    if ((int64_t)p.oh * p.down > (int64_t)p.h * p.up + p.y0 + p.y1 - p.kh + p.down || (int64_t)p.ow * p.down > (int64_t)p.w * p.up + p.x0 + p.x1 - p.kw + p.down)
      throw Error{"upfirdn2d output larger than its input allows"};
    sgn::upfirdn2d(typed<float>(env, a[0], napi_float32_array, sz(p.n, p.h, p.w, p.c), "x"),
                   typed<float>(env, a[1], napi_float32_array, (size_t)p.kh * p.kw, "kernel"),
                   typed<float>(env, a[2], napi_float32_array, sz(p.n, p.oh, p.ow, p.c), "y"), p);
    return nullptr;
  });
}

// filteredLrelu(x, b, ku, kd, y, geom, consts) and filteredLreluGrad(dy, x, b, ku, kd, dx, geom, consts):
// geom Int32Array [n, h, w, c, up, down, px0, px1, py0, py1, kuh, kuw, kuSep, kdh, kdw, kdSep, oh, ow],
// consts Float32Array [gain, slope, clamp] (clamp < 0: none).
template <bool kGrad>
napi_value filtered_lrelu(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    constexpr int o = kGrad ? 1 : 0;  // argument offset
    auto a = args(env, info, 7 + o);
    const int32_t* g = typed<int32_t>(env, a[5 + o], napi_int32_array, 18, "geometry");
    const float* k = typed<float>(env, a[6 + o], napi_float32_array, 3, "constants");
    const sgn::FilteredLrelu p{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15], g[16], g[17], k[0], k[1], k[2]};
    if (p.n < 0 || p.h < 1 || p.w < 1 || p.c < 0 || p.up < 1 || p.down < 1 || p.kuh < 1 || p.kuw < 1 || p.kdh < 1 || p.kdw < 1 ||
        p.oh < 1 || p.ow < 1)
      throw Error{"bad filteredLrelu geometry"};
    if (p.kuh > 64 || p.kuw > 64 || p.kdh > 64 || p.kdw > 64 || (p.ku_sep && p.kuh != p.kuw) || (p.kd_sep && p.kdh != p.kdw))
      throw Error{"bad filteredLrelu filter sizes"};
    const int64_t ah = (int64_t)p.h * p.up + p.py0 + p.py1 - p.kuh + 1, aw = (int64_t)p.w * p.up + p.px0 + p.px1 - p.kuw + 1;
    if (ah < p.kdh || aw < p.kdw || p.oh != (ah - p.kdh) / p.down + 1 || p.ow != (aw - p.kdw) / p.down + 1)
      throw Error{"filteredLrelu output size does not match its input"};
    const size_t xn = sz(p.n, p.h, p.w, p.c), yn = sz(p.n, p.oh, p.ow, p.c);
    const float* x = typed<float>(env, a[o], napi_float32_array, xn, "x");
    const float* b = typed<float>(env, a[1 + o], napi_float32_array, (size_t)p.c, "b");
    const float* ku = typed<float>(env, a[2 + o], napi_float32_array, p.ku_sep ? (size_t)p.kuw : (size_t)p.kuh * p.kuw, "ku");
    const float* kd = typed<float>(env, a[3 + o], napi_float32_array, p.kd_sep ? (size_t)p.kdw : (size_t)p.kdh * p.kdw, "kd");
    if (p.n == 0 || p.c == 0) return nullptr;
    if (kGrad) sgn::filtered_lrelu_grad(typed<float>(env, a[0], napi_float32_array, yn, "dy"), x, b, ku, kd,
                                        typed<float>(env, a[5], napi_float32_array, xn, "dx"), p);
    else sgn::filtered_lrelu(x, b, ku, kd, typed<float>(env, a[4], napi_float32_array, yn, "y"), p);
    return nullptr;
  });
}

// adam(p, m, v, g, pOut, mOut, vOut, Float32Array [lr, beta1, beta2, 1 - beta1, 1 - beta2, c1, c2, eps, clip])
napi_value adam(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    auto a = args(env, info, 8);
    size_t n = 0;
    optional_f32(env, a[0], &n);
    const float* c = typed<float>(env, a[7], napi_float32_array, 9, "constants");
    const sgn::AdamStep s{c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]};
    const char* names[] = {"p", "m", "v", "g", "pOut", "mOut", "vOut"};
    float* ptr[7];
    for (int i = 0; i < 7; i++) ptr[i] = typed<float>(env, a[i], napi_float32_array, n, names[i]);
    sgn::adam(ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], ptr[5], ptr[6], (int64_t)n, s);
    return nullptr;
  });
}

// augmentGeom(x, theta Float64Array [n, 6], upx, upy, downx, downy, y, Int32Array [n, h, w, c, ih2, iw2, oh2, ow2, transpose]):
// ADA's geometric stage on NHWC x into y (the same shape), or its transpose.
napi_value augment_geom(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    auto a = args(env, info, 8);
    const int32_t* d = typed<int32_t>(env, a[7], napi_int32_array, 9, "geometry");
    const sgn::AugGeom g{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]};
    if (g.n < 0 || g.h < 1 || g.w < 1 || g.c < 1 || g.ih2 < 1 || g.iw2 < 1 || g.oh2 < 1 || g.ow2 < 1) throw Error{"bad augmentGeom geometry"};
    const size_t xs = sz(g.n, g.h, g.w, g.c);
    const float* x = typed<float>(env, a[0], napi_float32_array, xs, "x");
    const double* theta = typed<double>(env, a[1], napi_float64_array, (size_t)g.n * 6, "theta");
    const float* upx = typed<float>(env, a[2], napi_float32_array, (size_t)g.iw2 * g.w, "upx");
    const float* upy = typed<float>(env, a[3], napi_float32_array, (size_t)g.ih2 * g.h, "upy");
    const float* downx = typed<float>(env, a[4], napi_float32_array, (size_t)g.w * g.ow2, "downx");
    const float* downy = typed<float>(env, a[5], napi_float32_array, (size_t)g.h * g.oh2, "downy");
    float* y = typed<float>(env, a[6], napi_float32_array, xs, "y");
    if (g.n) sgn::augment_geom(x, theta, upx, upy, downx, downy, y, g, d[8] != 0);
    return nullptr;
  });
}

napi_value blas_core(napi_env env, napi_callback_info) {
  napi_value r;
  const char* name = openblas_get_corename();
  napi_create_string_utf8(env, name ? name : "unknown", NAPI_AUTO_LENGTH, &r);
  return r;
}

napi_value init(napi_env env, napi_value exports) {
  // Our own threads split the work; OpenBLAS runs single-threaded inside each of them.
  openblas_set_num_threads(1);
  sgn::set_threads((int)std::max(1u, std::thread::hardware_concurrency()));
  const napi_property_descriptor props[] = {
      {"conv2d", nullptr, conv<Conv::Fwd>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, conv<Conv::BackInput>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, conv<Conv::BackFilter>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"depthwiseConv2d", nullptr, conv<Conv::DwFwd>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"depthwiseBackpropInput", nullptr, conv<Conv::DwBackInput>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"depthwiseBackpropFilter", nullptr, conv<Conv::DwBackFilter>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"nd", nullptr, nd, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduce", nullptr, reduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchMatMul", nullptr, batch_matmul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgemmSeconds", nullptr, sgemm_seconds, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"biasAct", nullptr, bias_act<false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"biasActGrad", nullptr, bias_act<true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"upfirdn2d", nullptr, upfirdn2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"filteredLrelu", nullptr, filtered_lrelu<false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"filteredLreluGrad", nullptr, filtered_lrelu<true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"augmentGeom", nullptr, augment_geom, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adam", nullptr, adam, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"blasCore", nullptr, blas_core, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, set_threads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threads", nullptr, get_threads, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
