// N-API bindings: validates every argument (count, type, integer ranges, and that each buffer is large
// enough for the elements the kernel will touch), then calls the kernel on the typed arrays' memory in
// place (zero copy; byte offsets respected). Errors are thrown as JS TypeError/RangeError naming the
// kernel and the argument.
#include <node_api.h>

#include <cstdio>
#include <string>
#include <type_traits>

#include "cpu.h"
#include "gemm.h"
#include "layout.h"
#include "simd_kernels.h"
#include "threadpool.h"

namespace ho {
namespace {

template <class T>
struct Buf {
  T* p = nullptr;
  i64 len = 0;
};

// Reads and checks the arguments of one kernel call. After the first failure a JS exception is
// pending, every further accessor returns a harmless default and ok() is false.
class Args {
 public:
  Args(napi_env env, napi_callback_info info, const char* kernel, size_t expected) : env_(env), kernel_(kernel) {
    size_t argc = kMax;
    napi_get_cb_info(env, info, &argc, argv_, nullptr, nullptr);
    if (argc != expected) fail(false, "expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc));
  }

  bool ok() const { return ok_; }

  Buf<float> f32(size_t i, const char* name, bool nullable = false) { return typed<float>(i, name, napi_float32_array, "Float32Array", nullable); }
  Buf<int32_t> i32(size_t i, const char* name) { return typed<int32_t>(i, name, napi_int32_array, "Int32Array", false); }
  Buf<uint8_t> u8(size_t i, const char* name, bool nullable) { return typed<uint8_t>(i, name, napi_uint8_array, "Uint8Array", nullable); }

  double num(size_t i, const char* name) {
    double v = 0;
    if (ok_ && napi_get_value_double(env_, argv_[i], &v) != napi_ok) fail(false, std::string("argument '") + name + "' must be a number");
    return v;
  }

  // An integer in [lo, 2^53).
  i64 integer(size_t i, const char* name, i64 lo = 0) {
    const double v = num(i, name);
    if (ok_ && !(std::floor(v) == v && v >= static_cast<double>(lo) && v < 9007199254740992.0))
      fail(true, std::string("argument '") + name + "' must be an integer >= " + std::to_string(lo) + ", got " + fmt(v));
    return ok_ ? static_cast<i64>(v) : 0;
  }

  bool boolean(size_t i, const char* name) {
    bool v = false;
    if (ok_ && napi_get_value_bool(env_, argv_[i], &v) != napi_ok) fail(false, std::string("argument '") + name + "' must be a boolean");
    return v;
  }

  // A JS array of integers (each >= lo) with at most 16 entries.
  std::vector<i64> ints(size_t i, const char* name, i64 lo) {
    std::vector<i64> out;
    if (!ok_) return out;
    bool is_array = false;
    napi_is_array(env_, argv_[i], &is_array);
    uint32_t n = 0;
    if (!is_array || napi_get_array_length(env_, argv_[i], &n) != napi_ok) {
      fail(false, std::string("argument '") + name + "' must be an array of integers");
      return out;
    }
    if (n > 16) { fail(true, std::string("argument '") + name + "' has " + std::to_string(n) + " axes; at most 16 are supported"); return out; }
    for (uint32_t k = 0; k < n && ok_; k++) {
      napi_value e;
      double v = 0;
      napi_get_element(env_, argv_[i], k, &e);
      if (napi_get_value_double(env_, e, &v) != napi_ok || !(std::floor(v) == v && v >= lo && std::fabs(v) < 9007199254740992.0))
        fail(true, std::string("argument '") + name + "[" + std::to_string(k) + "]' must be an integer >= " + std::to_string(lo));
      out.push_back(static_cast<i64>(v));
    }
    return out;
  }

  // Requires elements [lo, hi] of `b` (an inclusive index range) to exist; empty ranges (hi < lo) pass.
  template <class T>
  void needs(const Buf<T>& b, const char* name, i64 lo, i64 hi) {
    if (!ok_ || hi < lo) return;
    if (lo < 0 || hi >= b.len)
      fail(true, std::string("'") + name + "' is too small: the call reads elements " + std::to_string(lo) + ".." +
                     std::to_string(hi) + " but it has " + std::to_string(b.len));
  }
  template <class T>
  void needs_len(const Buf<T>& b, const char* name, i64 n) { needs(b, name, 0, n - 1); }

  // Fails with a RangeError when cond is false. msg is a string, or a callable returning one so that
  // the message is only built on failure (the checks run on every kernel call).
  template <class M>
  void check(bool cond, M&& msg) {
    if (ok_ && !cond) {
      if constexpr (std::is_invocable_v<M>) fail(true, msg());
      else fail(true, msg);
    }
  }

 private:
  static constexpr size_t kMax = 32;

  static std::string fmt(double v) {
    char s[64];
    std::snprintf(s, sizeof s, "%.17g", v);
    return s;
  }

  template <class T>
  Buf<T> typed(size_t i, const char* name, napi_typedarray_type want, const char* type_name, bool nullable) {
    Buf<T> b;
    if (!ok_) return b;
    if (nullable) {
      napi_valuetype vt;
      napi_typeof(env_, argv_[i], &vt);
      if (vt == napi_null || vt == napi_undefined) return b;
    }
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    // napi_get_typedarray_info fails (napi_invalid_arg) for anything that is not a typed array.
    if (napi_get_typedarray_info(env_, argv_[i], &type, &length, &data, nullptr, nullptr) != napi_ok || type != want) {
      fail(false, std::string("argument '") + name + "' must be a " + type_name + (nullable ? " or null" : ""));
      return b;
    }
    b.p = static_cast<T*>(data);  // already adjusted by the view's byte offset
    b.len = static_cast<i64>(length);
    return b;
  }

  void fail(bool range, const std::string& msg) {
    if (!ok_) return;
    ok_ = false;
    const std::string full = std::string("haploomni native ") + kernel_ + ": " + msg;
    if (range) napi_throw_range_error(env_, nullptr, full.c_str());
    else napi_throw_type_error(env_, nullptr, full.c_str());
  }

  napi_env env_;
  const char* kernel_;
  napi_value argv_[kMax] = {};
  bool ok_ = true;
};

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value number(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

// Largest element offset of an affine index with the given (non-negative) strides.
i64 span(const std::vector<i64>& shape, const std::vector<i64>& strides, i64* lo) {
  i64 hi = 0, low = 0;
  for (size_t d = 0; d < shape.size(); d++) {
    if (shape[d] == 0) { *lo = 0; return -1; }
    const i64 e = strides[d] * (shape[d] - 1);
    if (e > 0) hi += e; else low += e;
  }
  *lo = low;
  return hi;
}

// gemm(transA, transB, m, n, k, batch, a, aOffset, lda, strideA, b, bOffset, ldb, strideB,
//      c, cOffset, ldc, strideC, alpha, beta, bias, bf16)
napi_value Gemm(napi_env env, napi_callback_info info) {
  Args x(env, info, "gemm", 22);
  GemmArgs g{};
  g.trans_a = x.boolean(0, "transA");
  g.trans_b = x.boolean(1, "transB");
  g.m = x.integer(2, "m");
  g.n = x.integer(3, "n");
  g.k = x.integer(4, "k");
  g.batch = x.integer(5, "batch");
  auto a = x.f32(6, "a");
  const i64 ao = x.integer(7, "aOffset");
  g.lda = x.integer(8, "lda");
  g.stride_a = x.integer(9, "strideA");
  auto b = x.f32(10, "b");
  const i64 bo = x.integer(11, "bOffset");
  g.ldb = x.integer(12, "ldb");
  g.stride_b = x.integer(13, "strideB");
  auto c = x.f32(14, "c");
  const i64 co = x.integer(15, "cOffset");
  g.ldc = x.integer(16, "ldc");
  g.stride_c = x.integer(17, "strideC");
  g.alpha = static_cast<float>(x.num(18, "alpha"));
  g.beta = static_cast<float>(x.num(19, "beta"));
  auto bias = x.f32(20, "bias", true);
  g.bf16 = x.boolean(21, "bf16");
  if (!x.ok()) return nullptr;
  if (g.m == 0 || g.n == 0 || g.batch == 0) return undefined(env);
  const i64 ars = g.trans_a ? 1 : g.lda, aks = g.trans_a ? g.lda : 1;
  const i64 bks = g.trans_b ? 1 : g.ldb, bcs = g.trans_b ? g.ldb : 1;
  if (g.k > 0) {
    x.needs(a, "a", ao, ao + (g.batch - 1) * g.stride_a + (g.m - 1) * ars + (g.k - 1) * aks);
    x.needs(b, "b", bo, bo + (g.batch - 1) * g.stride_b + (g.k - 1) * bks + (g.n - 1) * bcs);
  }
  x.check(g.ldc >= g.n, [&] { return "ldc " + std::to_string(g.ldc) + " is smaller than n " + std::to_string(g.n); });
  x.check(g.batch == 1 || g.stride_c >= (g.m - 1) * g.ldc + g.n,
          [&] { return "strideC " + std::to_string(g.stride_c) + " makes batch items of C overlap"; });
  x.needs(c, "c", co, co + (g.batch - 1) * g.stride_c + (g.m - 1) * g.ldc + g.n - 1);
  if (bias.p) x.needs_len(bias, "bias", g.n);
  if (!x.ok()) return nullptr;
  g.a = a.p ? a.p + ao : nullptr;
  g.b = b.p ? b.p + bo : nullptr;
  g.c = c.p + co;
  g.bias = bias.p;
  gemm(g);
  return undefined(env);
}

// binary(op, a, aStrides, b, bStrides, out, shape)
napi_value Binary(napi_env env, napi_callback_info info) {
  Args x(env, info, "binary", 7);
  const i64 op = x.integer(0, "op");
  auto a = x.f32(1, "a");
  auto as = x.ints(2, "aStrides", 0);
  auto b = x.f32(3, "b");
  auto bs = x.ints(4, "bStrides", 0);
  auto out = x.f32(5, "out");
  auto shape = x.ints(6, "shape", 0);
  x.check(op <= 5, [&] { return "unknown binary op code " + std::to_string(op); });
  x.check(as.size() == shape.size() && bs.size() == shape.size(), "strides must have one entry per axis of shape");
  if (!x.ok()) return nullptr;
  i64 total = 1, lo = 0;
  for (i64 s : shape) total *= s;
  if (total == 0) return undefined(env);
  x.needs(a, "a", 0, span(shape, as, &lo));
  x.needs(b, "b", 0, span(shape, bs, &lo));
  x.needs_len(out, "out", total);
  if (!x.ok()) return nullptr;
  simd().binary(static_cast<int>(op), a.p, as.data(), b.p, bs.data(), out.p, shape.data(), static_cast<int>(shape.size()));
  return undefined(env);
}

// unary(op, x, out, n)
napi_value Unary(napi_env env, napi_callback_info info) {
  Args x(env, info, "unary", 4);
  const i64 op = x.integer(0, "op");
  auto in = x.f32(1, "x");
  auto out = x.f32(2, "out");
  const i64 n = x.integer(3, "n");
  x.check(op <= 15, [&] { return "unknown unary op code " + std::to_string(op); });
  x.needs_len(in, "x", n);
  x.needs_len(out, "out", n);
  if (!x.ok()) return nullptr;
  simd().unary(static_cast<int>(op), in.p, out.p, n);
  return undefined(env);
}

// unaryBackward(op, x, y, gy, gx, n)
napi_value UnaryBackward(napi_env env, napi_callback_info info) {
  Args x(env, info, "unaryBackward", 6);
  const i64 op = x.integer(0, "op");
  auto in = x.f32(1, "x");
  auto y = x.f32(2, "y");
  auto gy = x.f32(3, "gy");
  auto gx = x.f32(4, "gx");
  const i64 n = x.integer(5, "n");
  x.check(op <= 15, [&] { return "unknown unary op code " + std::to_string(op); });
  x.needs_len(in, "x", n);
  x.needs_len(y, "y", n);
  x.needs_len(gy, "gy", n);
  x.needs_len(gx, "gx", n);
  if (!x.ok()) return nullptr;
  simd().unary_backward(static_cast<int>(op), in.p, y.p, gy.p, gx.p, n);
  return undefined(env);
}

// gatedUnary(op, a, b, out, n)
napi_value GatedUnary(napi_env env, napi_callback_info info) {
  Args x(env, info, "gatedUnary", 5);
  const i64 op = x.integer(0, "op");
  auto a = x.f32(1, "a");
  auto b = x.f32(2, "b");
  auto out = x.f32(3, "out");
  const i64 n = x.integer(4, "n");
  x.check(op <= 15, [&] { return "unknown unary op code " + std::to_string(op); });
  x.needs_len(a, "a", n);
  x.needs_len(b, "b", n);
  x.needs_len(out, "out", n);
  if (!x.ok()) return nullptr;
  simd().gated_unary(static_cast<int>(op), a.p, b.p, out.p, n);
  return undefined(env);
}

// gatedUnaryBackward(op, a, b, g, ga, gb, n)
napi_value GatedUnaryBackward(napi_env env, napi_callback_info info) {
  Args x(env, info, "gatedUnaryBackward", 7);
  const i64 op = x.integer(0, "op");
  auto a = x.f32(1, "a");
  auto b = x.f32(2, "b");
  auto g = x.f32(3, "g");
  auto ga = x.f32(4, "ga");
  auto gb = x.f32(5, "gb");
  const i64 n = x.integer(6, "n");
  x.check(op <= 15, [&] { return "unknown unary op code " + std::to_string(op); });
  x.needs_len(a, "a", n);
  x.needs_len(b, "b", n);
  x.needs_len(g, "g", n);
  x.needs_len(ga, "ga", n);
  x.needs_len(gb, "gb", n);
  if (!x.ok()) return nullptr;
  simd().gated_unary_backward(static_cast<int>(op), a.p, b.p, g.p, ga.p, gb.p, n);
  return undefined(env);
}

// affine(x, out, n, mul, add)
napi_value Affine(napi_env env, napi_callback_info info) {
  Args x(env, info, "affine", 5);
  auto in = x.f32(0, "x");
  auto out = x.f32(1, "out");
  const i64 n = x.integer(2, "n");
  const float mul = static_cast<float>(x.num(3, "mul")), add = static_cast<float>(x.num(4, "add"));
  x.needs_len(in, "x", n);
  x.needs_len(out, "out", n);
  if (!x.ok()) return nullptr;
  simd().affine(in.p, out.p, n, mul, add);
  return undefined(env);
}

// axpy(alpha, x, y, n)
napi_value Axpy(napi_env env, napi_callback_info info) {
  Args x(env, info, "axpy", 4);
  const float alpha = static_cast<float>(x.num(0, "alpha"));
  auto in = x.f32(1, "x");
  auto y = x.f32(2, "y");
  const i64 n = x.integer(3, "n");
  x.needs_len(in, "x", n);
  x.needs_len(y, "y", n);
  if (!x.ok()) return nullptr;
  simd().axpy(alpha, in.p, y.p, n);
  return undefined(env);
}

// reduce(isMax, x, out, outer, n, inner)
napi_value Reduce(napi_env env, napi_callback_info info) {
  Args x(env, info, "reduce", 6);
  const bool is_max = x.boolean(0, "isMax");
  auto in = x.f32(1, "x");
  auto out = x.f32(2, "out");
  const i64 outer = x.integer(3, "outer"), n = x.integer(4, "n"), inner = x.integer(5, "inner");
  x.needs_len(in, "x", outer * n * inner);
  x.needs_len(out, "out", outer * inner);
  if (!x.ok()) return nullptr;
  reduce(is_max, in.p, out.p, outer, n, inner);
  return undefined(env);
}

// sumSquares(x, n) -> number
napi_value SumSquares(napi_env env, napi_callback_info info) {
  Args x(env, info, "sumSquares", 2);
  auto in = x.f32(0, "x");
  const i64 n = x.integer(1, "n");
  x.needs_len(in, "x", n);
  if (!x.ok()) return nullptr;
  return number(env, sum_squares(in.p, n));
}

// copy(shape, src, srcOffset, srcStrides, dst, dstOffset, dstStrides, accumulate)
napi_value Copy(napi_env env, napi_callback_info info) {
  Args x(env, info, "copy", 8);
  auto shape = x.ints(0, "shape", 0);
  auto src = x.f32(1, "src");
  const i64 so = x.integer(2, "srcOffset");
  auto ss = x.ints(3, "srcStrides", -(i64(1) << 52));
  auto dst = x.f32(4, "dst");
  const i64 dof = x.integer(5, "dstOffset");
  auto ds = x.ints(6, "dstStrides", -(i64(1) << 52));
  const bool acc = x.boolean(7, "accumulate");
  x.check(ss.size() == shape.size() && ds.size() == shape.size(), "strides must have one entry per axis of shape");
  if (!x.ok()) return nullptr;
  i64 lo = 0;
  i64 hi = span(shape, ss, &lo);
  if (hi < 0) return undefined(env);  // empty
  x.needs(src, "src", so + lo, so + hi);
  hi = span(shape, ds, &lo);
  x.needs(dst, "dst", dof + lo, dof + hi);
  if (!x.ok()) return nullptr;
  copy(shape.data(), static_cast<int>(shape.size()), src.p + so, ss.data(), dst.p + dof, ds.data(), acc);
  return undefined(env);
}

// Shared checks of indexSelect / indexAdd: every index in [0, n).
bool check_indices(Args& x, const Buf<int32_t>& idx, i64 n) {
  for (i64 j = 0; j < idx.len && x.ok(); j++)
    if (idx.p[j] < 0 || idx.p[j] >= n)
      x.check(false, [&] { return "index " + std::to_string(idx.p[j]) + " out of range [0, " + std::to_string(n) + ") at position " +
                         std::to_string(j); });
  return x.ok();
}

// indexSelect(x, outer, n, inner, idx, out)
napi_value IndexSelect(napi_env env, napi_callback_info info) {
  Args x(env, info, "indexSelect", 6);
  auto in = x.f32(0, "x");
  const i64 outer = x.integer(1, "outer"), n = x.integer(2, "n"), inner = x.integer(3, "inner");
  auto idx = x.i32(4, "idx");
  auto out = x.f32(5, "out");
  x.needs_len(in, "x", outer * n * inner);
  x.needs_len(out, "out", outer * idx.len * inner);
  if (!x.ok() || !check_indices(x, idx, n)) return nullptr;
  index_select(in.p, outer, n, inner, idx.p, idx.len, out.p);
  return undefined(env);
}

// indexAdd(gy, outer, n, inner, idx, gx)
napi_value IndexAdd(napi_env env, napi_callback_info info) {
  Args x(env, info, "indexAdd", 6);
  auto gy = x.f32(0, "gy");
  const i64 outer = x.integer(1, "outer"), n = x.integer(2, "n"), inner = x.integer(3, "inner");
  auto idx = x.i32(4, "idx");
  auto gx = x.f32(5, "gx");
  x.needs_len(gy, "gy", outer * idx.len * inner);
  x.needs_len(gx, "gx", outer * n * inner);
  if (!x.ok() || !check_indices(x, idx, n)) return nullptr;
  index_add(gy.p, outer, n, inner, idx.p, idx.len, gx.p);
  return undefined(env);
}

// softmax(x, out, rows, cols, log)
napi_value Softmax(napi_env env, napi_callback_info info) {
  Args x(env, info, "softmax", 5);
  auto in = x.f32(0, "x");
  auto out = x.f32(1, "out");
  const i64 rows = x.integer(2, "rows"), cols = x.integer(3, "cols");
  const bool log = x.boolean(4, "log");
  x.needs_len(in, "x", rows * cols);
  x.needs_len(out, "out", rows * cols);
  if (!x.ok()) return nullptr;
  simd().softmax(in.p, out.p, rows, cols, log);
  return undefined(env);
}

// softmaxBackward(y, gy, gx, rows, cols, log)
napi_value SoftmaxBackward(napi_env env, napi_callback_info info) {
  Args x(env, info, "softmaxBackward", 6);
  auto y = x.f32(0, "y");
  auto gy = x.f32(1, "gy");
  auto gx = x.f32(2, "gx");
  const i64 rows = x.integer(3, "rows"), cols = x.integer(4, "cols");
  const bool log = x.boolean(5, "log");
  x.needs_len(y, "y", rows * cols);
  x.needs_len(gy, "gy", rows * cols);
  x.needs_len(gx, "gx", rows * cols);
  if (!x.ok()) return nullptr;
  simd().softmax_backward(y.p, gy.p, gx.p, rows, cols, log);
  return undefined(env);
}

bool check_targets(Args& x, const Buf<int32_t>& t, i64 rows, i64 cols, i64 ignore) {
  for (i64 r = 0; r < rows && x.ok(); r++) {
    const i64 v = t.p[r];
    if (v != ignore && (v < 0 || v >= cols))
      x.check(false, [&] { return "cross-entropy target " + std::to_string(v) + " out of range [0, " + std::to_string(cols) +
                         ") at row " + std::to_string(r); });
  }
  return x.ok();
}

// crossEntropy(logits, targets, rows, cols, ignoreIndex, loss, lse)
napi_value CrossEntropy(napi_env env, napi_callback_info info) {
  Args x(env, info, "crossEntropy", 7);
  auto logits = x.f32(0, "logits");
  auto targets = x.i32(1, "targets");
  const i64 rows = x.integer(2, "rows"), cols = x.integer(3, "cols");
  const i64 ignore = x.integer(4, "ignoreIndex", INT32_MIN);
  auto loss = x.f32(5, "loss");
  auto lse = x.f32(6, "lse");
  x.needs_len(logits, "logits", rows * cols);
  x.needs_len(targets, "targets", rows);
  x.needs_len(loss, "loss", rows);
  x.needs_len(lse, "lse", rows);
  if (!x.ok() || !check_targets(x, targets, rows, cols, ignore)) return nullptr;
  simd().cross_entropy(logits.p, targets.p, rows, cols, static_cast<int32_t>(ignore), loss.p, lse.p);
  return undefined(env);
}

// crossEntropyBackward(logits, targets, lse, gLoss, rows, cols, ignoreIndex, gLogits)
napi_value CrossEntropyBackward(napi_env env, napi_callback_info info) {
  Args x(env, info, "crossEntropyBackward", 8);
  auto logits = x.f32(0, "logits");
  auto targets = x.i32(1, "targets");
  auto lse = x.f32(2, "lse");
  auto gloss = x.f32(3, "gLoss");
  const i64 rows = x.integer(4, "rows"), cols = x.integer(5, "cols");
  const i64 ignore = x.integer(6, "ignoreIndex", INT32_MIN);
  auto glogits = x.f32(7, "gLogits");
  x.needs_len(logits, "logits", rows * cols);
  x.needs_len(targets, "targets", rows);
  x.needs_len(lse, "lse", rows);
  x.needs_len(gloss, "gLoss", rows);
  x.needs_len(glogits, "gLogits", rows * cols);
  if (!x.ok() || !check_targets(x, targets, rows, cols, ignore)) return nullptr;
  simd().cross_entropy_backward(logits.p, targets.p, lse.p, gloss.p, rows, cols, static_cast<int32_t>(ignore), glogits.p);
  return undefined(env);
}

// layerNorm(x, weight, bias, out, mean, rstd, rows, cols, eps)
napi_value LayerNorm(napi_env env, napi_callback_info info) {
  Args x(env, info, "layerNorm", 9);
  auto in = x.f32(0, "x");
  auto w = x.f32(1, "weight", true);
  auto b = x.f32(2, "bias", true);
  auto out = x.f32(3, "out");
  auto mean = x.f32(4, "mean");
  auto rstd = x.f32(5, "rstd");
  const i64 rows = x.integer(6, "rows"), cols = x.integer(7, "cols");
  const float eps = static_cast<float>(x.num(8, "eps"));
  x.needs_len(in, "x", rows * cols);
  if (w.p) x.needs_len(w, "weight", cols);
  if (b.p) x.needs_len(b, "bias", cols);
  x.needs_len(out, "out", rows * cols);
  x.needs_len(mean, "mean", rows);
  x.needs_len(rstd, "rstd", rows);
  if (!x.ok()) return nullptr;
  simd().layer_norm(in.p, w.p, b.p, out.p, mean.p, rstd.p, rows, cols, eps);
  return undefined(env);
}

// layerNormBackward(x, weight, mean, rstd, gy, gx, gWeight, gBias, rows, cols)
napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  Args x(env, info, "layerNormBackward", 10);
  auto in = x.f32(0, "x");
  auto w = x.f32(1, "weight", true);
  auto mean = x.f32(2, "mean");
  auto rstd = x.f32(3, "rstd");
  auto gy = x.f32(4, "gy");
  auto gx = x.f32(5, "gx");
  auto gw = x.f32(6, "gWeight", true);
  auto gb = x.f32(7, "gBias", true);
  const i64 rows = x.integer(8, "rows"), cols = x.integer(9, "cols");
  x.needs_len(in, "x", rows * cols);
  if (w.p) x.needs_len(w, "weight", cols);
  x.needs_len(mean, "mean", rows);
  x.needs_len(rstd, "rstd", rows);
  x.needs_len(gy, "gy", rows * cols);
  x.needs_len(gx, "gx", rows * cols);
  if (gw.p) x.needs_len(gw, "gWeight", cols);
  if (gb.p) x.needs_len(gb, "gBias", cols);
  if (!x.ok()) return nullptr;
  simd().layer_norm_backward(in.p, w.p, mean.p, rstd.p, gy.p, gx.p, gw.p, gb.p, rows, cols);
  return undefined(env);
}

// rmsNorm(x, weight, out, rstd, rows, cols, eps)
napi_value RmsNorm(napi_env env, napi_callback_info info) {
  Args x(env, info, "rmsNorm", 7);
  auto in = x.f32(0, "x");
  auto w = x.f32(1, "weight", true);
  auto out = x.f32(2, "out");
  auto rstd = x.f32(3, "rstd");
  const i64 rows = x.integer(4, "rows"), cols = x.integer(5, "cols");
  const float eps = static_cast<float>(x.num(6, "eps"));
  x.needs_len(in, "x", rows * cols);
  if (w.p) x.needs_len(w, "weight", cols);
  x.needs_len(out, "out", rows * cols);
  x.needs_len(rstd, "rstd", rows);
  if (!x.ok()) return nullptr;
  simd().rms_norm(in.p, w.p, out.p, rstd.p, rows, cols, eps);
  return undefined(env);
}

// rmsNormBackward(x, weight, rstd, gy, gx, gWeight, rows, cols)
napi_value RmsNormBackward(napi_env env, napi_callback_info info) {
  Args x(env, info, "rmsNormBackward", 8);
  auto in = x.f32(0, "x");
  auto w = x.f32(1, "weight", true);
  auto rstd = x.f32(2, "rstd");
  auto gy = x.f32(3, "gy");
  auto gx = x.f32(4, "gx");
  auto gw = x.f32(5, "gWeight", true);
  const i64 rows = x.integer(6, "rows"), cols = x.integer(7, "cols");
  x.needs_len(in, "x", rows * cols);
  if (w.p) x.needs_len(w, "weight", cols);
  x.needs_len(rstd, "rstd", rows);
  x.needs_len(gy, "gy", rows * cols);
  x.needs_len(gx, "gx", rows * cols);
  if (gw.p) x.needs_len(gw, "gWeight", cols);
  if (!x.ok()) return nullptr;
  simd().rms_norm_backward(in.p, w.p, rstd.p, gy.p, gx.p, gw.p, rows, cols);
  return undefined(env);
}

// ssgSwitch(u, w, b, s, rows, cols)
napi_value SsgSwitch(napi_env env, napi_callback_info info) {
  Args x(env, info, "ssgSwitch", 6);
  auto u = x.f32(0, "u");
  auto w = x.f32(1, "w");
  auto b = x.f32(2, "b");
  auto s = x.f32(3, "s");
  const i64 rows = x.integer(4, "rows"), cols = x.integer(5, "cols");
  x.needs_len(u, "u", rows * cols);
  x.needs_len(w, "w", 2 * cols);
  x.needs_len(b, "b", 2);
  x.needs_len(s, "s", rows);
  if (!x.ok()) return nullptr;
  simd().ssg_switch(u.p, w.p, b.p, s.p, rows, cols);
  return undefined(env);
}

// ssgSwitchBackward(u, w, s, gs, gu, gw, gb, rows, cols)
napi_value SsgSwitchBackward(napi_env env, napi_callback_info info) {
  Args x(env, info, "ssgSwitchBackward", 9);
  auto u = x.f32(0, "u");
  auto w = x.f32(1, "w");
  auto s = x.f32(2, "s");
  auto gs = x.f32(3, "gs");
  auto gu = x.f32(4, "gu");
  auto gw = x.f32(5, "gw");
  auto gb = x.f32(6, "gb");
  const i64 rows = x.integer(7, "rows"), cols = x.integer(8, "cols");
  x.needs_len(u, "u", rows * cols);
  x.needs_len(w, "w", 2 * cols);
  x.needs_len(s, "s", rows);
  x.needs_len(gs, "gs", rows);
  x.needs_len(gu, "gu", rows * cols);
  x.needs_len(gw, "gw", 2 * cols);
  x.needs_len(gb, "gb", 2);
  if (!x.ok()) return nullptr;
  simd().ssg_switch_backward(u.p, w.p, s.p, gs.p, gu.p, gw.p, gb.p, rows, cols);
  return undefined(env);
}

// ssgModulate(y, weight, s, lat, cond, out, rows, cols)
napi_value SsgModulate(napi_env env, napi_callback_info info) {
  Args x(env, info, "ssgModulate", 8);
  auto y = x.f32(0, "y");
  auto w = x.f32(1, "weight", true);
  auto s = x.f32(2, "s");
  auto lat = x.f32(3, "lat");
  auto cond = x.f32(4, "cond");
  auto out = x.f32(5, "out");
  const i64 rows = x.integer(6, "rows"), cols = x.integer(7, "cols");
  x.needs_len(y, "y", rows * cols);
  if (w.p) x.needs_len(w, "weight", cols);
  x.needs_len(s, "s", rows);
  x.needs_len(lat, "lat", 3 * cols);
  x.needs_len(cond, "cond", 3 * cols);
  x.needs_len(out, "out", rows * cols);
  if (!x.ok()) return nullptr;
  simd().ssg_modulate(y.p, w.p, s.p, lat.p, cond.p, out.p, rows, cols);
  return undefined(env);
}

// ssgModulateBackward(y, weight, s, lat, cond, g, gy, gWeight, gs, gLat, gCond, rows, cols)
napi_value SsgModulateBackward(napi_env env, napi_callback_info info) {
  Args x(env, info, "ssgModulateBackward", 13);
  auto y = x.f32(0, "y");
  auto w = x.f32(1, "weight", true);
  auto s = x.f32(2, "s");
  auto lat = x.f32(3, "lat");
  auto cond = x.f32(4, "cond");
  auto g = x.f32(5, "g");
  auto gy = x.f32(6, "gy");
  auto gw = x.f32(7, "gWeight", true);
  auto gs = x.f32(8, "gs");
  auto glat = x.f32(9, "gLat");
  auto gcond = x.f32(10, "gCond");
  const i64 rows = x.integer(11, "rows"), cols = x.integer(12, "cols");
  x.needs_len(y, "y", rows * cols);
  if (w.p) x.needs_len(w, "weight", cols);
  x.needs_len(s, "s", rows);
  x.needs_len(lat, "lat", 3 * cols);
  x.needs_len(cond, "cond", 3 * cols);
  x.needs_len(g, "g", rows * cols);
  x.needs_len(gy, "gy", rows * cols);
  if (gw.p) x.needs_len(gw, "gWeight", cols);
  x.needs_len(gs, "gs", rows);
  x.needs_len(glat, "gLat", 3 * cols);
  x.needs_len(gcond, "gCond", 3 * cols);
  if (!x.ok()) return nullptr;
  simd().ssg_modulate_backward(y.p, w.p, s.p, lat.p, cond.p, g.p, gy.p, gw.p, gs.p, glat.p, gcond.p, rows, cols);
  return undefined(env);
}

// ssgGatedAdd(x, f, s, lat, cond, out, rows, cols)
napi_value SsgGatedAdd(napi_env env, napi_callback_info info) {
  Args x(env, info, "ssgGatedAdd", 8);
  auto in = x.f32(0, "x");
  auto f = x.f32(1, "f");
  auto s = x.f32(2, "s");
  auto lat = x.f32(3, "lat");
  auto cond = x.f32(4, "cond");
  auto out = x.f32(5, "out");
  const i64 rows = x.integer(6, "rows"), cols = x.integer(7, "cols");
  x.needs_len(in, "x", rows * cols);
  x.needs_len(f, "f", rows * cols);
  x.needs_len(s, "s", rows);
  x.needs_len(lat, "lat", 3 * cols);
  x.needs_len(cond, "cond", 3 * cols);
  x.needs_len(out, "out", rows * cols);
  if (!x.ok()) return nullptr;
  simd().ssg_gated_add(in.p, f.p, s.p, lat.p, cond.p, out.p, rows, cols);
  return undefined(env);
}

// ssgGatedAddBackward(f, s, lat, cond, g, gf, gs, gLat, gCond, rows, cols)
napi_value SsgGatedAddBackward(napi_env env, napi_callback_info info) {
  Args x(env, info, "ssgGatedAddBackward", 11);
  auto f = x.f32(0, "f");
  auto s = x.f32(1, "s");
  auto lat = x.f32(2, "lat");
  auto cond = x.f32(3, "cond");
  auto g = x.f32(4, "g");
  auto gf = x.f32(5, "gf");
  auto gs = x.f32(6, "gs");
  auto glat = x.f32(7, "gLat");
  auto gcond = x.f32(8, "gCond");
  const i64 rows = x.integer(9, "rows"), cols = x.integer(10, "cols");
  x.needs_len(f, "f", rows * cols);
  x.needs_len(s, "s", rows);
  x.needs_len(lat, "lat", 3 * cols);
  x.needs_len(cond, "cond", 3 * cols);
  x.needs_len(g, "g", rows * cols);
  x.needs_len(gf, "gf", rows * cols);
  x.needs_len(gs, "gs", rows);
  x.needs_len(glat, "gLat", 3 * cols);
  x.needs_len(gcond, "gCond", 3 * cols);
  if (!x.ok()) return nullptr;
  simd().ssg_gated_add_backward(f.p, s.p, lat.p, cond.p, g.p, gf.p, gs.p, glat.p, gcond.p, rows, cols);
  return undefined(env);
}

// The 13 leading arguments shared by attention and attentionBackward:
// batch, heads, kvHeads, tq, tk, kvStride, dim, scale, q, k, v, mask, maskBatch
bool attn_args(Args& x, AttnArgs& a) {
  a.batch = x.integer(0, "batch");
  a.heads = x.integer(1, "heads", 1);
  a.kv_heads = x.integer(2, "kvHeads", 1);
  a.tq = x.integer(3, "tq");
  a.tk = x.integer(4, "tk");
  a.kv_stride = x.integer(5, "kvStride");
  a.dim = x.integer(6, "dim", 1);
  a.scale = static_cast<float>(x.num(7, "scale"));
  auto q = x.f32(8, "q");
  auto k = x.f32(9, "k");
  auto v = x.f32(10, "v");
  auto mask = x.u8(11, "mask", true);
  a.mask_batch = x.integer(12, "maskBatch", 1);
  if (!x.ok()) return false;
  x.check(a.heads % a.kv_heads == 0,
          [&] { return "heads " + std::to_string(a.heads) + " is not a multiple of kvHeads " + std::to_string(a.kv_heads); });
  x.check(a.kv_stride >= a.tk,
          [&] { return "kvStride " + std::to_string(a.kv_stride) + " is smaller than tk " + std::to_string(a.tk); });
  x.check(!mask.p || a.mask_batch == 1 || a.mask_batch == a.batch,
          [&] { return "maskBatch must be 1 or batch (" + std::to_string(a.batch) + "), got " + std::to_string(a.mask_batch); });
  x.needs_len(q, "q", a.batch * a.tq * a.heads * a.dim);
  x.needs_len(k, "k", a.batch * a.kv_stride * a.kv_heads * a.dim);
  x.needs_len(v, "v", a.batch * a.kv_stride * a.kv_heads * a.dim);
  if (mask.p) x.needs_len(mask, "mask", a.mask_batch * a.tq * a.tk);
  a.q = q.p; a.k = k.p; a.v = v.p; a.mask = mask.p;
  return x.ok();
}

// attention(...13 shared..., out, lse)
napi_value Attention(napi_env env, napi_callback_info info) {
  Args x(env, info, "attention", 15);
  AttnArgs a{};
  if (!attn_args(x, a)) return nullptr;
  auto out = x.f32(13, "out");
  auto lse = x.f32(14, "lse");
  x.needs_len(out, "out", a.batch * a.tq * a.heads * a.dim);
  x.needs_len(lse, "lse", a.batch * a.heads * a.tq);
  if (!x.ok()) return nullptr;
  simd().attention(a, out.p, lse.p);
  return undefined(env);
}

// attentionBackward(...13 shared..., out, lse, gOut, gq, gk, gv)
napi_value AttentionBackward(napi_env env, napi_callback_info info) {
  Args x(env, info, "attentionBackward", 19);
  AttnArgs a{};
  if (!attn_args(x, a)) return nullptr;
  auto out = x.f32(13, "out");
  auto lse = x.f32(14, "lse");
  auto gout = x.f32(15, "gOut");
  auto gq = x.f32(16, "gq");
  auto gk = x.f32(17, "gk");
  auto gv = x.f32(18, "gv");
  const i64 qsize = a.batch * a.tq * a.heads * a.dim, kvsize = a.batch * a.tk * a.kv_heads * a.dim;
  x.needs_len(out, "out", qsize);
  x.needs_len(lse, "lse", a.batch * a.heads * a.tq);
  x.needs_len(gout, "gOut", qsize);
  x.needs_len(gq, "gq", qsize);
  x.needs_len(gk, "gk", kvsize);
  x.needs_len(gv, "gv", kvsize);
  if (!x.ok()) return nullptr;
  simd().attention_backward(a, out.p, lse.p, gout.p, gq.p, gk.p, gv.p);
  return undefined(env);
}

// rope(x, out, batch, t, heads, dim, cos, sin, tableBatch, inverse)
napi_value Rope(napi_env env, napi_callback_info info) {
  Args x(env, info, "rope", 10);
  auto in = x.f32(0, "x");
  auto out = x.f32(1, "out");
  const i64 batch = x.integer(2, "batch"), t = x.integer(3, "t"), heads = x.integer(4, "heads"), dim = x.integer(5, "dim");
  auto cosv = x.f32(6, "cos");
  auto sinv = x.f32(7, "sin");
  const i64 tb = x.integer(8, "tableBatch", 1);
  const bool inverse = x.boolean(9, "inverse");
  x.check(dim % 2 == 0, [&] { return "dim must be even, got " + std::to_string(dim); });
  x.check(tb == 1 || tb == batch,
          [&] { return "tableBatch must be 1 or batch (" + std::to_string(batch) + "), got " + std::to_string(tb); });
  x.needs_len(in, "x", batch * t * heads * dim);
  x.needs_len(out, "out", batch * t * heads * dim);
  x.needs_len(cosv, "cos", tb * t * (dim / 2));
  x.needs_len(sinv, "sin", tb * t * (dim / 2));
  if (!x.ok()) return nullptr;
  simd().rope(in.p, out.p, batch, t, heads, dim, cosv.p, sinv.p, tb, inverse);
  return undefined(env);
}

// Reads inDims, kernel, stride, padding, outDims (arguments first..first+4) into a 3-d geometry.
bool conv_geom(Args& x, size_t first, i64 channels, ConvGeom& g) {
  auto in = x.ints(first, "inDims", 0);
  auto kernel = x.ints(first + 1, "kernel", 1);
  auto stride = x.ints(first + 2, "stride", 1);
  auto pad = x.ints(first + 3, "padding", 0);
  auto out = x.ints(first + 4, "outDims", 0);
  if (!x.ok()) return false;
  const size_t r = in.size();
  x.check((r == 2 || r == 3) && kernel.size() == r && stride.size() == r && pad.size() == r && out.size() == r,
          "inDims, kernel, stride, padding and outDims must all have rank 2 or 3");
  if (!x.ok()) return false;
  g.channels = channels;
  const size_t lift = 3 - r;
  for (size_t d = 0; d < 3; d++) {
    const bool real = d >= lift;
    g.in[d] = real ? in[d - lift] : 1;
    g.kernel[d] = real ? kernel[d - lift] : 1;
    g.stride[d] = real ? stride[d - lift] : 1;
    g.pad[d] = real ? pad[d - lift] : 0;
    g.out[d] = real ? out[d - lift] : 1;
  }
  return true;
}

i64 geom_in(const ConvGeom& g) { return g.channels * g.in[0] * g.in[1] * g.in[2]; }
i64 geom_cols(const ConvGeom& g) {
  return g.channels * g.kernel[0] * g.kernel[1] * g.kernel[2] * g.out[0] * g.out[1] * g.out[2];
}

// im2col(x, xOffset, channels, inDims, kernel, stride, padding, outDims, cols)
napi_value Im2col(napi_env env, napi_callback_info info) {
  Args x(env, info, "im2col", 9);
  auto in = x.f32(0, "x");
  const i64 xo = x.integer(1, "xOffset"), channels = x.integer(2, "channels");
  ConvGeom g{};
  if (!conv_geom(x, 3, channels, g)) return nullptr;
  auto cols = x.f32(8, "cols");
  x.needs(in, "x", xo, xo + geom_in(g) - 1);
  x.needs_len(cols, "cols", geom_cols(g));
  if (!x.ok()) return nullptr;
  im2col(in.p + xo, g, cols.p);
  return undefined(env);
}

// col2im(cols, channels, inDims, kernel, stride, padding, outDims, x, xOffset)
napi_value Col2im(napi_env env, napi_callback_info info) {
  Args x(env, info, "col2im", 9);
  auto cols = x.f32(0, "cols");
  const i64 channels = x.integer(1, "channels");
  ConvGeom g{};
  if (!conv_geom(x, 2, channels, g)) return nullptr;
  auto out = x.f32(7, "x");
  const i64 xo = x.integer(8, "xOffset");
  x.needs_len(cols, "cols", geom_cols(g));
  x.needs(out, "x", xo, xo + geom_in(g) - 1);
  if (!x.ok()) return nullptr;
  col2im(cols.p, g, out.p + xo);
  return undefined(env);
}

// adamw(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step, gradScale)
napi_value Adamw(napi_env env, napi_callback_info info) {
  Args x(env, info, "adamw", 12);
  auto p = x.f32(0, "param");
  auto g = x.f32(1, "grad");
  auto m = x.f32(2, "m");
  auto v = x.f32(3, "v");
  const i64 n = x.integer(4, "n");
  const double lr = x.num(5, "lr"), b1 = x.num(6, "beta1"), b2 = x.num(7, "beta2"), eps = x.num(8, "eps");
  const double wd = x.num(9, "weightDecay"), step = x.num(10, "step"), gs = x.num(11, "gradScale");
  x.check(step >= 1, "step must be >= 1");
  x.needs_len(p, "param", n);
  x.needs_len(g, "grad", n);
  x.needs_len(m, "m", n);
  x.needs_len(v, "v", n);
  if (!x.ok()) return nullptr;
  simd().adamw(p.p, g.p, m.p, v.p, n, static_cast<float>(lr), static_cast<float>(b1), static_cast<float>(b2),
               static_cast<float>(eps), static_cast<float>(wd), step, static_cast<float>(gs));
  return undefined(env);
}

// peakGflops(threads, ms) -> measured fp32 FMA GFLOP/s
napi_value PeakGflops(napi_env env, napi_callback_info info) {
  Args x(env, info, "peakGflops", 2);
  const i64 threads = x.integer(0, "threads", 1);
  const double ms = x.num(1, "ms");
  x.check(ms > 0 && ms <= 60000, "ms must be in (0, 60000]");
  if (!x.ok()) return nullptr;
  return number(env, peak_gflops(static_cast<int>(std::min<i64>(threads, 1024)), ms));
}

// setThreads(n)
napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args x(env, info, "setThreads", 1);
  const i64 n = x.integer(0, "n", 1);
  x.check(n <= 1024, "n must be <= 1024");
  if (!x.ok()) return nullptr;
  set_num_threads(static_cast<int>(n));
  return undefined(env);
}

// info() -> { isa, microkernel, bf16Microkernel, simd, threads }
napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, isa_name(active_isa()), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "isa", v);
  napi_create_string_utf8(env, micro_kernel().name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "microkernel", v);
  napi_create_string_utf8(env, bf16_kernel().name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "bf16Microkernel", v);
  napi_create_string_utf8(env, simd().name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "simd", v);
  napi_set_named_property(env, obj, "threads", number(env, num_threads()));
  return obj;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
#define HO_FN(name, fn) {name, nullptr, fn, nullptr, nullptr, nullptr, napi_enumerable, nullptr}
      HO_FN("gemm", Gemm), HO_FN("binary", Binary), HO_FN("unary", Unary), HO_FN("unaryBackward", UnaryBackward),
      HO_FN("gatedUnary", GatedUnary), HO_FN("gatedUnaryBackward", GatedUnaryBackward),
      HO_FN("affine", Affine), HO_FN("axpy", Axpy), HO_FN("reduce", Reduce), HO_FN("sumSquares", SumSquares),
      HO_FN("copy", Copy), HO_FN("indexSelect", IndexSelect), HO_FN("indexAdd", IndexAdd), HO_FN("softmax", Softmax),
      HO_FN("softmaxBackward", SoftmaxBackward), HO_FN("crossEntropy", CrossEntropy),
      HO_FN("crossEntropyBackward", CrossEntropyBackward), HO_FN("layerNorm", LayerNorm),
      HO_FN("layerNormBackward", LayerNormBackward), HO_FN("rmsNorm", RmsNorm), HO_FN("rmsNormBackward", RmsNormBackward),
      HO_FN("ssgSwitch", SsgSwitch), HO_FN("ssgSwitchBackward", SsgSwitchBackward), HO_FN("ssgModulate", SsgModulate),
      HO_FN("ssgModulateBackward", SsgModulateBackward), HO_FN("ssgGatedAdd", SsgGatedAdd),
      HO_FN("ssgGatedAddBackward", SsgGatedAddBackward),
      HO_FN("attention", Attention), HO_FN("attentionBackward", AttentionBackward), HO_FN("rope", Rope),
      HO_FN("im2col", Im2col), HO_FN("col2im", Col2im), HO_FN("adamw", Adamw), HO_FN("peakGflops", PeakGflops),
      HO_FN("setThreads", SetThreads), HO_FN("info", Info),
#undef HO_FN
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace
}  // namespace ho

NAPI_MODULE_INIT() { return ho::Init(env, exports); }
