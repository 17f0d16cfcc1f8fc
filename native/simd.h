// Portable float vectors (GCC/clang vector extensions) and vectorised math (exp, tanh, sigmoid,
// the GELU CDF) for the per-ISA kernel headers. Included inside namespace ho::<isa> by isa_generic.cc
// (SSE2 on x86-64, whatever the compiler targets elsewhere), isa_avx2.cc (AVX2 + FMA, 8 lanes) and
// isa_avx512.cc (AVX-512F, 16 lanes), so the same source compiles to each instruction set; runtime
// dispatch (simd()) picks one.
//
// Tails are processed with the same vector code on partial loads, so every element gets bit-identical
// math wherever a chunk boundary (and hence the thread count) falls.

#if defined(HO_SIMD_AVX512)
typedef float V __attribute__((vector_size(64)));
typedef int32_t VI __attribute__((vector_size(64)));
constexpr i64 W = 16;
#else
typedef float V __attribute__((vector_size(32)));
typedef int32_t VI __attribute__((vector_size(32)));
constexpr i64 W = 8;
#endif

static inline V vload(const float* p) { V v; std::memcpy(&v, p, sizeof v); return v; }
static inline void vstore(float* p, V v) { std::memcpy(p, &v, sizeof v); }
static inline V vset(float x) { return V{} + x; }
#if defined(HO_SIMD_AVX512)
// Masked loads/stores touch only lanes [0, n) (no fault past the end of a buffer).
static inline V vload_part(const float* p, i64 n, float fill) {
  return _mm512_mask_loadu_ps(vset(fill), static_cast<__mmask16>((1u << n) - 1), p);
}
static inline void vstore_part(float* p, V v, i64 n) { _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), v); }
#else
static inline V vload_part(const float* p, i64 n, float fill) {
  V v = vset(fill);
  for (i64 i = 0; i < n; i++) v[i] = p[i];
  return v;
}
static inline void vstore_part(float* p, V v, i64 n) {
  for (i64 i = 0; i < n; i++) p[i] = v[i];
}
#endif
static inline V vbits(VI x) { return (V)x; }  // same-size vector casts reinterpret the bits
static inline VI ibits(V x) { return (VI)x; }
// a > b ? a : b lane-wise; a NaN in b is dropped (as in `if (x > max) max = x`).
static inline V vmax(V a, V b) { return a > b ? a : b; }

#if defined(__clang__)
#define HO_SWAP(v, ...) __builtin_shufflevector(v, v, __VA_ARGS__)
#else
#define HO_SWAP(v, ...) __builtin_shuffle(v, VI{__VA_ARGS__})
#endif
// Horizontal sum / max by halving: lane i combines with lane i ^ step, step = W/2, ..., 1.
#if defined(HO_SIMD_AVX512)
static inline float hsum(V v) {
  v += HO_SWAP(v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  v += HO_SWAP(v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
  v += HO_SWAP(v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  v += HO_SWAP(v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
  return v[0];
}
static inline float hmax(V v) {
  v = vmax(v, HO_SWAP(v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  v = vmax(v, HO_SWAP(v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11));
  v = vmax(v, HO_SWAP(v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
  v = vmax(v, HO_SWAP(v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
  return v[0];
}
#else
static inline float hsum(V v) {
  v += HO_SWAP(v, 4, 5, 6, 7, 0, 1, 2, 3);
  v += HO_SWAP(v, 2, 3, 0, 1, 6, 7, 4, 5);
  v += HO_SWAP(v, 1, 0, 3, 2, 5, 4, 7, 6);
  return v[0];
}
static inline float hmax(V v) {
  v = vmax(v, HO_SWAP(v, 4, 5, 6, 7, 0, 1, 2, 3));
  v = vmax(v, HO_SWAP(v, 2, 3, 0, 1, 6, 7, 4, 5));
  v = vmax(v, HO_SWAP(v, 1, 0, 3, 2, 5, 4, 7, 6));
  return v[0];
}
#endif

#if defined(HO_SIMD_AVX512)
// (the all-lanes masked form: GCC 12's _mm512_sqrt_ps trips -Wmaybe-uninitialized on its undefined source)
static inline V vsqrt(V x) { return _mm512_maskz_sqrt_ps(static_cast<__mmask16>(0xffff), x); }
#elif defined(HO_SIMD_AVX2)
static inline V vsqrt(V x) { return _mm256_sqrt_ps(x); }
#else
static inline V vsqrt(V x) {
  for (int i = 0; i < W; i++) x[i] = std::sqrt(x[i]);
  return x;
}
#endif

static inline V vabs(V x) { return vbits(ibits(x) & 0x7fffffff); }

// The common tail of vexp and vexp_hl: exp(r) * 2^n, with r the reduced argument and t = n + magic
// (n read back from t's bits): the degree-7 polynomial, then 2^n in two halves so that results down to
// the denormal range are right.
static inline V vexp_finish(V r, V t, V magic) {
  V p = vset(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const VI ni = ibits(t) - ibits(magic);
  const VI n1 = ni >> 1, n2 = ni - n1;
  return p * vbits((n1 + 127) << 23) * vbits((n2 + 127) << 23);
}

// exp(x), ~1 ulp: Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, degree-7 polynomial (Cephes),
// then scaling by 2^n in two halves so results down to the denormal range and overflow to +inf are
// right. NaN propagates.
static inline V vexp(V x) {
  x = x > 89.0f ? vset(89.0f) : x;
  x = x < -104.0f ? vset(-104.0f) : x;
  const V magic = vset(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  const V t = x * 1.44269504088896341f + magic;
  const V n = t - magic;
  V r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  return vexp_finish(r, t, magic);
}

// exp(hi + lo) for an argument carried as two floats (|lo| up to a few units), without rounding hi + lo
// to one float: the reduction r = hi - n ln2_hi is exact for |hi| >= 1 (a difference below 2 of two
// multiples of hi's quantum) and off by at most 2^-24 below, then lo joins r. Same polynomial as vexp.
static inline V vexp_hl(V hi, V lo) {
  hi = hi > 89.0f ? vset(89.0f) : hi;
  hi = hi < -104.0f ? vset(-104.0f) : hi;
  const V magic = vset(12582912.0f);
  const V t = (hi + lo) * 1.44269504088896341f + magic;
  const V n = t - magic;
  V r = hi - n * 0.693359375f;
  r = r + lo;
  r = r - n * -2.12194440e-4f;
  return vexp_finish(r, t, magic);
}

// -x^2 / 2 as hi + lo with hi exact: x^2 = xh^2 + xl (|x| + xh), where xh is |x| cut to 12 mantissa
// bits (so xh^2 is exact) and xl = |x| - xh is tiny. Rounding x^2 to one float instead would cost
// ~6e-8 x^2 relative in exp(-x^2 / 2), i.e. 5e-6 at |x| = 9. |x| is capped at 16 (exp(-128) is 0 in
// float): above that xl (|x| + xh) alone would pass exp's clamp and wrap its exponent (-inf / NaN).
static inline void vhalf_square(V x, V& hi, V& lo) {
  V ax = vabs(x);
  ax = ax > 16.0f ? vset(16.0f) : ax;
  const V xh = vbits(ibits(ax) & int32_t(0xfffff000)), xl = ax - xh;
  hi = -0.5f * (xh * xh);
  lo = -0.5f * (xl * (ax + xh));
}

// 1 / (1 + exp(-x)); exp overflow gives exactly 0 for very negative x.
static inline V vsigmoid(V x) { return 1.0f / (1.0f + vexp(-x)); }

// tanh(x): odd polynomial for |x| < 0.625 (Cephes tanhf), 1 - 2 / (exp(2|x|) + 1) above, sign restored.
static inline V vtanh(V x) {
  V ax = vabs(x);
  const V s = x * x;
  V small = vset(-5.70498872745e-3f);
  small = small * s + 2.06390887954e-2f;
  small = small * s - 5.37397155531e-2f;
  small = small * s + 1.33314422036e-1f;
  small = small * s - 3.33332819422e-1f;
  small = small * s * ax + ax;
  const V big = 1.0f - 2.0f / (vexp(2.0f * (ax > 9.0f ? vset(9.0f) : ax)) + 1.0f);
  V r = ax < 0.625f ? small : big;
  return vbits(ibits(r) | (ibits(x) & int32_t(0x80000000)));
}

// 1 + erf(x / sqrt 2) = erfc(-x / sqrt 2), the GELU CDF times two. erfc(|z|) comes from the Chebyshev
// fit t exp(-z^2 + P(t)), t = 1 / (1 + |z|/2) (Numerical Recipes erfcc, ~1.2e-7 relative), so neither
// tail cancels: GELU stays accurate relative to its value for very negative x too (unlike 1 + erf).
static inline V vgelu_cdf2(V x) {
  const V z = x * 0.70710678118654752f, az = vabs(z);
  const V t = 1.0f / (1.0f + 0.5f * az);
  V p = vset(0.17087277f);
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  // exp(-z^2 + P) = exp(-x^2 / 2 + P), the argument kept as hi + (lo + P) (vhalf_square): rounding z or
  // z^2 to float would cost ~5e-7 relative per unit of |x|.
  V hi, lo;
  vhalf_square(x, hi, lo);
  const V e = t * vexp_hl(hi, lo + p);
  return z < 0.0f ? e : 2.0f - e;
}

// Lane-wise libm for the rarely hot functions (log, sin, cos).
template <float (*F)(float)>
static inline V vlibm(V x) {
  for (int i = 0; i < W; i++) x[i] = F(x[i]);
  return x;
}
static inline float flog(float x) { return std::log(x); }
static inline float fsin(float x) { return std::sin(x); }
static inline float fcos(float x) { return std::cos(x); }

// Calls f(offset, count) over [0, n) in steps of W; the last call may have count < W.
template <class F>
static inline void for_vectors(i64 n, F&& f) {
  i64 i = 0;
  for (; i + W <= n; i += W) f(i, W);
  if (i < n) f(i, n - i);
}
static inline V vload_n(const float* p, i64 cnt, float fill = 0.0f) { return cnt == W ? vload(p) : vload_part(p, cnt, fill); }
static inline void vstore_n(float* p, V v, i64 cnt) { if (cnt == W) vstore(p, v); else vstore_part(p, v, cnt); }
