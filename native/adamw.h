// One AdamW step (decoupled weight decay, bias-corrected moments) over a flat parameter buffer
// (per-ISA body, see simd.h).

static void adamw(float* p, const float* grad, float* m, float* v, i64 n, float lr, float beta1, float beta2, float eps,
                  float wd, double step, float grad_scale) {
  const float c1 = static_cast<float>(1.0 - std::pow(static_cast<double>(beta1), step));
  const float c2 = static_cast<float>(1.0 - std::pow(static_cast<double>(beta2), step));
  const float omb1 = static_cast<float>(1.0 - beta1), omb2 = static_cast<float>(1.0 - beta2);
  parallel_for(n, kElementGrain / 2, [&](i64 lo, i64 hi) {
    for_vectors(hi - lo, [&](i64 i, i64 c) {
      const i64 o = lo + i;
      const V g = vload_n(grad + o, c) * grad_scale;
      const V mv = beta1 * vload_n(m + o, c) + omb1 * g;
      const V vv = beta2 * vload_n(v + o, c) + omb2 * (g * g);
      const V pv = vload_n(p + o, c);
      vstore_n(m + o, mv, c);
      vstore_n(v + o, vv, c);
      vstore_n(p + o, pv - lr * (wd * pv + (mv / c1) / (vsqrt(vv / c2) + eps)), c);
    });
  });
}
