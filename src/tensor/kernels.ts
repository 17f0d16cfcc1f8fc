/**
 * The kernel contract: every numerical routine the engine needs, on raw float32 buffers.
 *
 * Two backends implement it: `js` (pure TypeScript, the readable reference) and `native` (the C++
 * addon: SIMD, multithreaded, fused). Autograd, shapes and memory live above this line in TypeScript
 * and are shared by both, so a kernel only ever sees flat buffers plus the sizes it needs.
 *
 * Conventions
 * - All float buffers are row-major float32. A kernel writes every element of its outputs unless the
 *   doc says "accumulates" (then it adds into what is there).
 * - Sizes are element counts, never bytes. Offsets let a kernel work on part of a buffer.
 * - Index buffers are Int32Array; masks are Uint8Array with 1 = keep / may attend.
 * - Attention tensors use the [batch, time, heads, headDim] layout that linear projections produce,
 *   so no transposes are needed around attention.
 */
export type F32 = Float32Array;

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'recip' | 'square' | 'abs'
  | 'tanh' | 'sigmoid' | 'relu' | 'silu' | 'gelu' | 'gelu_tanh' | 'sin' | 'cos';

/** Batched C = alpha * op(A) @ op(B) + beta * C (+ bias[n] broadcast over rows when given). */
export interface GemmArgs {
  transA: boolean;
  transB: boolean;
  /** rows of op(A) and C */
  m: number;
  /** columns of op(B) and C */
  n: number;
  /** columns of op(A) = rows of op(B) */
  k: number;
  batch: number;
  a: F32; aOffset: number; lda: number; /** elements between batch items (0 = shared) */ strideA: number;
  b: F32; bOffset: number; ldb: number; strideB: number;
  c: F32; cOffset: number; ldc: number; strideC: number;
  alpha: number;
  /** 0 overwrites C (its old contents are ignored, even NaN); 1 accumulates. */
  beta: number;
  /** length-n vector added to every row of every C, or null. */
  bias: F32 | null;
  /** round A and B to bfloat16 before multiplying, summing in float32 (see precision.ts); default false */
  bf16?: boolean;
}

/**
 * Scaled dot-product attention over the [batch, time, heads, dim] layout with grouped-query heads:
 * query head h reads KV head floor(h / (heads / kvHeads)).
 *   S = scale * Q K^T  (masked positions -> -inf),  P = softmax(S),  O = P V
 * A query row with no visible key gets O = 0 and lse = -inf (and zero gradients).
 */
export interface AttentionArgs {
  batch: number;
  heads: number;
  kvHeads: number;
  /** query length */
  tq: number;
  /** key/value length actually used */
  tk: number;
  /** rows allocated per batch item in k and v (>= tk), so a preallocated KV cache can be read in place */
  kvStride: number;
  dim: number;
  scale: number;
  /** [batch, tq, heads, dim] */
  q: F32;
  /** [batch, kvStride, kvHeads, dim] */
  k: F32;
  v: F32;
  /** [maskBatch, tq, tk], 1 = may attend; null = every key visible */
  mask: Uint8Array | null;
  /** 1 (one mask shared by the batch) or batch */
  maskBatch: number;
}

export interface Kernels {
  readonly name: 'js' | 'native';

  /** See GemmArgs. */
  gemm(g: GemmArgs): void;

  /**
   * out[i] = a[ia] (op) b[ib] over an n-d index i of `shape`, where ia = sum_d i_d * aStrides[d]
   * (stride 0 broadcasts); same for b. `out` is contiguous with `shape`.
   */
  binary(op: BinaryOp, a: F32, aStrides: readonly number[], b: F32, bStrides: readonly number[],
    out: F32, shape: readonly number[]): void;

  /** out[i] = f(x[i]) for i < n. */
  unary(op: UnaryOp, x: F32, out: F32, n: number): void;

  /** gx[i] = gy[i] * f'(x[i]); y = f(x) is supplied for ops whose derivative is cheaper from it. */
  unaryBackward(op: UnaryOp, x: F32, y: F32, gy: F32, gx: F32, n: number): void;

  /** Gated unary (a gated MLP's act(gate) * up): out = f(a) * b, for i < n. */
  gatedUnary(op: UnaryOp, a: F32, b: F32, out: F32, n: number): void;

  /** With y = f(a): ga = g b f'(a), gb = g y (both written). */
  gatedUnaryBackward(op: UnaryOp, a: F32, b: F32, g: F32, ga: F32, gb: F32, n: number): void;

  /** out[i] = x[i] * mul + add */
  affine(x: F32, out: F32, n: number, mul: number, add: number): void;

  /** y[i] += alpha * x[i] (accumulates into y) */
  axpy(alpha: number, x: F32, y: F32, n: number): void;

  /** out[o, i] = sum_j x[o, j, i] (or max_j) for x viewed as [outer, n, inner]. */
  reduce(op: 'sum' | 'max', x: F32, out: F32, outer: number, n: number, inner: number): void;

  /** sum_i x[i]^2, accumulated in float64. */
  sumSquares(x: F32, n: number): number;

  /**
   * General strided copy over an n-d index of `shape`:
   * dst[dstOffset + sum i_d dstStrides[d]] (=|+=) src[srcOffset + sum i_d srcStrides[d]].
   * Used for permute, slice, concat, stack, pad and their backwards.
   */
  copy(shape: readonly number[], src: F32, srcOffset: number, srcStrides: readonly number[],
    dst: F32, dstOffset: number, dstStrides: readonly number[], accumulate: boolean): void;

  /** For x viewed as [outer, n, inner]: out[o, j, :] = x[o, idx[j], :] for j < idx.length. */
  indexSelect(x: F32, outer: number, n: number, inner: number, idx: Int32Array, out: F32): void;

  /** Gradient of indexSelect (scatter-add, accumulates): gx[o, idx[j], :] += gy[o, j, :]. */
  indexAdd(gy: F32, outer: number, n: number, inner: number, idx: Int32Array, gx: F32): void;

  /** Row-wise softmax (or log-softmax when log) of x viewed as [rows, cols]. */
  softmax(x: F32, out: F32, rows: number, cols: number, log: boolean): void;

  /**
   * Gradient from the forward output y:
   * softmax: gx = y * (gy - sum(gy * y));  log-softmax: gx = gy - exp(y) * sum(gy).
   */
  softmaxBackward(y: F32, gy: F32, gx: F32, rows: number, cols: number, log: boolean): void;

  /**
   * Fused cross-entropy on logits [rows, cols]: loss[r] = lse(x_r) - x_r[t_r], with
   * lse[r] = log sum_c exp(x_rc) saved for the backward. Rows whose target is ignoreIndex get
   * loss 0 (lse is still written).
   */
  crossEntropy(logits: F32, targets: Int32Array, rows: number, cols: number, ignoreIndex: number,
    loss: F32, lse: F32): void;

  /** gLogits[r, c] = gLoss[r] * (softmax(x_r)_c - [c == t_r]); zero rows for ignored targets. */
  crossEntropyBackward(logits: F32, targets: Int32Array, lse: F32, gLoss: F32, rows: number, cols: number,
    ignoreIndex: number, gLogits: F32): void;

  /**
   * LayerNorm over the last axis of x [rows, cols]:
   * out = (x - mean) * rstd * weight + bias, rstd = 1 / sqrt(var + eps) (biased variance).
   * weight/bias may be null (no affine). Saves mean and rstd per row.
   */
  layerNorm(x: F32, weight: F32 | null, bias: F32 | null, out: F32, mean: F32, rstd: F32,
    rows: number, cols: number, eps: number): void;

  /**
   * With xhat = (x - mean) * rstd and g = gy * weight:
   * gx = rstd * (g - mean_c(g) - xhat * mean_c(g * xhat));
   * gWeight[c] = sum_r gy * xhat, gBias[c] = sum_r gy (written, not accumulated; skipped when null).
   */
  layerNormBackward(x: F32, weight: F32 | null, mean: F32, rstd: F32, gy: F32, gx: F32,
    gWeight: F32 | null, gBias: F32 | null, rows: number, cols: number): void;

  /** RMSNorm: out = x * rstd * weight, rstd = 1 / sqrt(mean(x^2) + eps). weight may be null. */
  rmsNorm(x: F32, weight: F32 | null, out: F32, rstd: F32, rows: number, cols: number, eps: number): void;

  /**
   * With n = x * rstd and g = gy * weight: gx = rstd * (g - n * mean_c(g * n));
   * gWeight[c] = sum_r gy * n (written; skipped when null).
   */
  rmsNormBackward(x: F32, weight: F32 | null, rstd: F32, gy: F32, gx: F32, gWeight: F32 | null,
    rows: number, cols: number): void;

  /**
   * Multimodal-norm (SSG) switch, per row r of u [rows, cols] with w [2, cols], b [2]:
   *   s_r = softmax(z_r)[1] = sigmoid(z_r1 - z_r0),  z_rk = b_k + sum_c w_kc silu(u_rc)
   * the weight of the condition state (1 - s_r weighs the latent state). Writes s [rows].
   */
  ssgSwitch(u: F32, w: F32, b: F32, s: F32, rows: number, cols: number): void;

  /**
   * With e_r = gs_r s_r (1 - s_r): gu = e_r (w_1c - w_0c) silu'(u_rc);
   * gw[1, c] = -gw[0, c] = sum_r e_r silu(u_rc); gb[1] = -gb[0] = sum_r e_r (all written).
   */
  ssgSwitchBackward(u: F32, w: F32, s: F32, gs: F32, gu: F32, gw: F32, gb: F32, rows: number, cols: number): void;

  /**
   * Modulation by the mixed states lat, cond [3, cols] (rows shift, scale, gate), per row r:
   *   mix_k = lat_k + s_r (cond_k - lat_k);  out = y weight (1 + mix_1) + mix_0
   * weight [cols] may be null (1). Row 2 (the gate) is not read.
   */
  ssgModulate(y: F32, weight: F32 | null, s: F32, lat: F32, cond: F32, out: F32, rows: number, cols: number): void;

  /**
   * With a = y weight and d_k = cond_k - lat_k: gy = g weight (1 + mix_1); gWeight = sum_r g y (1 + mix_1)
   * (skipped when null); gs_r = sum_c g (d_0 + a d_1); gLat_k = sum_r g_k (1 - s_r), gCond_k = sum_r g_k s_r
   * with g_0 = g, g_1 = g a, row 2 zero (all written).
   */
  ssgModulateBackward(y: F32, weight: F32 | null, s: F32, lat: F32, cond: F32, g: F32, gy: F32, gWeight: F32 | null,
    gs: F32, gLat: F32, gCond: F32, rows: number, cols: number): void;

  /** Gated residual: out = x + (lat_2 + s_r (cond_2 - lat_2)) f, per row r (lat, cond [3, cols]; rows 0, 1 not read). */
  ssgGatedAdd(x: F32, f: F32, s: F32, lat: F32, cond: F32, out: F32, rows: number, cols: number): void;

  /**
   * gf = g mix_2; gs_r = sum_c g f (cond_2 - lat_2); gLat_2 = sum_r g f (1 - s_r), gCond_2 = sum_r g f s_r,
   * rows 0 and 1 zero (all written). The gradient of x is g itself.
   */
  ssgGatedAddBackward(f: F32, s: F32, lat: F32, cond: F32, g: F32, gf: F32, gs: F32, gLat: F32, gCond: F32,
    rows: number, cols: number): void;

  /** Forward attention; writes out [batch, tq, heads, dim] and lse [batch, heads, tq]. */
  attention(a: AttentionArgs, out: F32, lse: F32): void;

  /**
   * Backward attention from the forward's out and lse. gq is written; gk and gv ([batch, tk, kvHeads,
   * dim], contiguous, no kvStride) are written too.
   */
  attentionBackward(a: AttentionArgs, out: F32, lse: F32, gOut: F32, gq: F32, gk: F32, gv: F32): void;

  /**
   * Rotary embedding (rotate-half form) on x [batch, t, heads, dim], in place allowed (out may be x):
   *   out[i]       = x[i] cos_i - x[i + d/2] sin_i
   *   out[i + d/2] = x[i + d/2] cos_i + x[i] sin_i        (i < d/2)
   * cos/sin are [tableBatch, t, dim/2] (tableBatch 1 or batch). inverse rotates by -angle, which is
   * the backward.
   */
  rope(x: F32, out: F32, batch: number, t: number, heads: number, dim: number, cos: F32, sin: F32,
    tableBatch: number, inverse: boolean): void;

  /**
   * im2col for one image/volume: x [channels, ...inDims] -> cols [channels * prod(kernel), prod(outDims)].
   * Row index = (c, kernel offsets row-major); column = output position row-major. Padding reads 0.
   * inDims/kernel/stride/padding/outDims all have the same rank (2 or 3).
   */
  im2col(x: F32, xOffset: number, channels: number, inDims: readonly number[], kernel: readonly number[],
    stride: readonly number[], padding: readonly number[], outDims: readonly number[], cols: F32): void;

  /** Adjoint of im2col (accumulates into x): x[c, pos] += cols entries that read it. */
  col2im(cols: F32, channels: number, inDims: readonly number[], kernel: readonly number[],
    stride: readonly number[], padding: readonly number[], outDims: readonly number[], x: F32, xOffset: number): void;

  /**
   * One AdamW step (decoupled weight decay), for i < n, with g = grad[i] * gradScale:
   *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
   *   p -= lr * (wd * p + (m / (1 - b1^step)) / (sqrt(v / (1 - b2^step)) + eps))
   */
  adamw(param: F32, grad: F32, m: F32, v: F32, n: number, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, step: number, gradScale: number): void;
}
