// Elementwise kernels (per-ISA body, see simd.h): unary ops and their derivatives, broadcasting
// binary ops over strided n-d operands, affine, axpy. Large arrays are split across the pool.

// Op codes, in the order of UnaryOp / BinaryOp in src/tensor/kernels.ts.
enum UnaryCode { U_NEG, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_RECIP, U_SQUARE, U_ABS, U_TANH, U_SIGMOID, U_RELU,
                 U_SILU, U_GELU, U_GELU_TANH, U_SIN, U_COS };
enum BinaryCode { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN };

// Elements per chunk of math-heavy elementwise work (exp, GELU, ...: ~1 ns each); data-movement
// kernels (binary, affine, axpy) use kMoveGrain.
constexpr i64 kElementGrain = 1 << 15;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
constexpr float kSqrt2OverPi = 0.79788456080286536f;

template <int OP>
static inline V unary_v(V x) {
  switch (OP) {
    case U_NEG: return -x;
    case U_EXP: return vexp(x);
    case U_LOG: return vlibm<flog>(x);
    case U_SQRT: return vsqrt(x);
    case U_RSQRT: return 1.0f / vsqrt(x);
    case U_RECIP: return 1.0f / x;
    case U_SQUARE: return x * x;
    case U_ABS: return vabs(x);
    case U_TANH: return vtanh(x);
    case U_SIGMOID: return vsigmoid(x);
    case U_RELU: return x > 0.0f ? x : vset(0.0f);
    case U_SILU: return x * vsigmoid(x);
    case U_GELU: return 0.5f * x * vgelu_cdf2(x);
    // 0.5 (1 + tanh(u)) = sigmoid(2u): same function, no cancellation for negative x.
    case U_GELU_TANH: return x * vsigmoid(2.0f * kSqrt2OverPi * (x + 0.044715f * x * x * x));
    case U_SIN: return vlibm<fsin>(x);
    default: return vlibm<fcos>(x);
  }
}

// f'(x) from x and y = f(x).
template <int OP>
static inline V derivative_v(V x, V y) {
  switch (OP) {
    case U_NEG: return vset(-1.0f);
    case U_EXP: return y;
    case U_LOG: return 1.0f / x;
    case U_SQRT: return 0.5f / y;
    case U_RSQRT: return -0.5f * y / x;
    case U_RECIP: return -y * y;
    case U_SQUARE: return 2.0f * x;
    case U_ABS: return x > 0.0f ? vset(1.0f) : (x < 0.0f ? vset(-1.0f) : vset(0.0f));
    case U_TANH: return 1.0f - y * y;
    case U_SIGMOID: return y * (1.0f - y);
    case U_RELU: return x > 0.0f ? vset(1.0f) : vset(0.0f);
    case U_SILU: { V s = vsigmoid(x); return s * (1.0f + x * (1.0f - s)); }
    case U_GELU: {  // Phi(x) + x phi(x)
      V hi, lo;
      vhalf_square(x, hi, lo);
      return 0.5f * vgelu_cdf2(x) + x * kInvSqrt2Pi * vexp_hl(hi, lo);
    }
    case U_GELU_TANH: {
      // with s = sigmoid(2u) = 0.5 (1 + tanh u): f' = s + 2 x s (1 - s) u'(x), all taken at x capped to
      // +-10, where the second term is already below 1e-35 (uncapped, x^3 overflows and inf * 0 = NaN).
      V xc = x > 10.0f ? vset(10.0f) : x;
      xc = xc < -10.0f ? vset(-10.0f) : xc;
      V s = vsigmoid(2.0f * kSqrt2OverPi * (xc + 0.044715f * xc * xc * xc));
      return s + 2.0f * xc * s * (1.0f - s) * kSqrt2OverPi * (1.0f + 3.0f * 0.044715f * xc * xc);
    }
    case U_SIN: return vlibm<fcos>(x);
    default: return -vlibm<fsin>(x);
  }
}

template <int OP>
static void unary_op(const float* x, float* y, i64 n) {
  parallel_for(n, kElementGrain, [&](i64 lo, i64 hi) {
    for_vectors(hi - lo, [&](i64 i, i64 c) { vstore_n(y + lo + i, unary_v<OP>(vload_n(x + lo + i, c)), c); });
  });
}

template <int OP>
static void unary_backward_op(const float* x, const float* y, const float* gy, float* gx, i64 n) {
  parallel_for(n, kElementGrain, [&](i64 lo, i64 hi) {
    for_vectors(hi - lo, [&](i64 i, i64 c) {
      const i64 o = lo + i;
      V d = derivative_v<OP>(vload_n(x + o, c, 1.0f), vload_n(y + o, c, 1.0f));
      vstore_n(gx + o, vload_n(gy + o, c) * d, c);
    });
  });
}

#define HO_UNARY_CASES(F, ...) \
  switch (op) { \
    case U_NEG: return F<U_NEG>(__VA_ARGS__); case U_EXP: return F<U_EXP>(__VA_ARGS__); \
    case U_LOG: return F<U_LOG>(__VA_ARGS__); case U_SQRT: return F<U_SQRT>(__VA_ARGS__); \
    case U_RSQRT: return F<U_RSQRT>(__VA_ARGS__); case U_RECIP: return F<U_RECIP>(__VA_ARGS__); \
    case U_SQUARE: return F<U_SQUARE>(__VA_ARGS__); case U_ABS: return F<U_ABS>(__VA_ARGS__); \
    case U_TANH: return F<U_TANH>(__VA_ARGS__); case U_SIGMOID: return F<U_SIGMOID>(__VA_ARGS__); \
    case U_RELU: return F<U_RELU>(__VA_ARGS__); case U_SILU: return F<U_SILU>(__VA_ARGS__); \
    case U_GELU: return F<U_GELU>(__VA_ARGS__); case U_GELU_TANH: return F<U_GELU_TANH>(__VA_ARGS__); \
    case U_SIN: return F<U_SIN>(__VA_ARGS__); default: return F<U_COS>(__VA_ARGS__); \
  }

static void unary(int op, const float* x, float* y, i64 n) { HO_UNARY_CASES(unary_op, x, y, n) }

static void unary_backward(int op, const float* x, const float* y, const float* gy, float* gx, i64 n) {
  HO_UNARY_CASES(unary_backward_op, x, y, gy, gx, n)
}

// out = f(a) * b
template <int OP>
static void gated_unary_op(const float* a, const float* b, float* out, i64 n) {
  parallel_for(n, kElementGrain, [&](i64 lo, i64 hi) {
    for_vectors(hi - lo, [&](i64 i, i64 c) { vstore_n(out + lo + i, unary_v<OP>(vload_n(a + lo + i, c)) * vload_n(b + lo + i, c), c); });
  });
}

// y = f(a): ga = g b f'(a), gb = g y
template <int OP>
static void gated_unary_backward_op(const float* a, const float* b, const float* g, float* ga, float* gb, i64 n) {
  parallel_for(n, kElementGrain, [&](i64 lo, i64 hi) {
    for_vectors(hi - lo, [&](i64 i, i64 c) {
      const i64 o = lo + i;
      const V x = vload_n(a + o, c, 1.0f), y = unary_v<OP>(x), gv = vload_n(g + o, c);
      vstore_n(gb + o, gv * y, c);
      vstore_n(ga + o, gv * vload_n(b + o, c) * derivative_v<OP>(x, y), c);
    });
  });
}

static void gated_unary(int op, const float* a, const float* b, float* out, i64 n) { HO_UNARY_CASES(gated_unary_op, a, b, out, n) }

static void gated_unary_backward(int op, const float* a, const float* b, const float* g, float* ga, float* gb, i64 n) {
  HO_UNARY_CASES(gated_unary_backward_op, a, b, g, ga, gb, n)
}
#undef HO_UNARY_CASES

template <int OP>
static inline V binary_v(V a, V b) {
  switch (OP) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    // NaN in either operand propagates (torch.maximum / torch.minimum).
    case B_MAX: return ((a != a) | (a >= b)) ? a : b;
    default: return ((a != a) | (a <= b)) ? a : b;
  }
}

// One innermost run of `len` outputs with operand strides sa, sb (vectorised when each is 0 or 1).
template <int OP>
static void binary_run(const float* a, i64 sa, const float* b, i64 sb, float* out, i64 len) {
  if ((sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
    const V va = vset(a[0]), vb = vset(b[0]);
    for_vectors(len, [&](i64 i, i64 c) {
      V x = sa ? vload_n(a + i, c, 1.0f) : va;
      V y = sb ? vload_n(b + i, c, 1.0f) : vb;
      vstore_n(out + i, binary_v<OP>(x, y), c);
    });
  } else {
    for (i64 i = 0; i < len; i += W) {
      const i64 c = std::min(W, len - i);
      V x = vset(1.0f), y = vset(1.0f);
      for (i64 l = 0; l < c; l++) { x[l] = a[(i + l) * sa]; y[l] = b[(i + l) * sb]; }
      vstore_n(out + i, binary_v<OP>(x, y), c);
    }
  }
}

// Drops unit axes and merges axes that are contiguous in every operand; returns the new rank.
static int coalesce(i64* shape, i64* s0, i64* s1, i64* s2, int rank) {
  int r = 0;
  for (int d = 0; d < rank; d++) {
    if (shape[d] == 1) continue;
    if (r > 0 && s0[r - 1] == s0[d] * shape[d] && s1[r - 1] == s1[d] * shape[d] &&
        (!s2 || s2[r - 1] == s2[d] * shape[d])) {
      shape[r - 1] *= shape[d];
      s0[r - 1] = s0[d]; s1[r - 1] = s1[d];
      if (s2) s2[r - 1] = s2[d];
      continue;
    }
    shape[r] = shape[d]; s0[r] = s0[d]; s1[r] = s1[d];
    if (s2) s2[r] = s2[d];
    r++;
  }
  return r;
}

template <int OP>
static void binary_op(const float* a, const i64* as_in, const float* b, const i64* bs_in, float* out,
                      const i64* shape_in, int rank) {
  i64 shape[16], as[16], bs[16], os[16];
  i64 total = 1;
  for (int d = rank - 1; d >= 0; d--) {
    shape[d] = shape_in[d]; as[d] = as_in[d]; bs[d] = bs_in[d]; os[d] = total;
    total *= shape_in[d];
  }
  if (total == 0) return;
  rank = coalesce(shape, as, bs, os, rank);
  if (rank == 0) { binary_run<OP>(a, 0, b, 0, out, 1); return; }
  const i64 len = shape[rank - 1], rows = total / len;
  parallel_for(rows, std::max<i64>(1, kMoveGrain / len), [&](i64 lo, i64 hi) {
    i64 idx[16];
    i64 ia = 0, ib = 0, rem = lo;
    for (int d = rank - 2; d >= 0; d--) {
      idx[d] = rem % shape[d];
      rem /= shape[d];
      ia += idx[d] * as[d]; ib += idx[d] * bs[d];
    }
    for (i64 row = lo; row < hi; row++) {
      binary_run<OP>(a + ia, as[rank - 1], b + ib, bs[rank - 1], out + row * len, len);
      for (int d = rank - 2; d >= 0; d--) {
        ia += as[d]; ib += bs[d];
        if (++idx[d] < shape[d]) break;
        ia -= as[d] * shape[d]; ib -= bs[d] * shape[d];
        idx[d] = 0;
      }
    }
  });
}

static void binary(int op, const float* a, const i64* as, const float* b, const i64* bs, float* out, const i64* shape,
                   int rank) {
  switch (op) {
    case B_ADD: return binary_op<B_ADD>(a, as, b, bs, out, shape, rank);
    case B_SUB: return binary_op<B_SUB>(a, as, b, bs, out, shape, rank);
    case B_MUL: return binary_op<B_MUL>(a, as, b, bs, out, shape, rank);
    case B_DIV: return binary_op<B_DIV>(a, as, b, bs, out, shape, rank);
    case B_MAX: return binary_op<B_MAX>(a, as, b, bs, out, shape, rank);
    default: return binary_op<B_MIN>(a, as, b, bs, out, shape, rank);
  }
}

static void affine(const float* x, float* y, i64 n, float mul, float add) {
  parallel_for(n, kMoveGrain, [&](i64 lo, i64 hi) {
    for_vectors(hi - lo, [&](i64 i, i64 c) { vstore_n(y + lo + i, vload_n(x + lo + i, c) * mul + add, c); });
  });
}

static void axpy(float alpha, const float* x, float* y, i64 n) {
  parallel_for(n, kMoveGrain, [&](i64 lo, i64 hi) {
    for_vectors(hi - lo, [&](i64 i, i64 c) {
      const i64 o = lo + i;
      vstore_n(y + o, vload_n(y + o, c) + alpha * vload_n(x + o, c), c);
    });
  });
}
