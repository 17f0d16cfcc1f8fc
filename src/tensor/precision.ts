/**
 * Matrix-product precision: a scoped setting read by every GEMM-based op (matmul, linear, conv,
 * convTranspose) when it runs, and kept by its backward.
 *
 *   'fp32' (default)  C = A B in float32
 *   'bf16'            C = bf16(A) bf16(B), each operand rounded to bfloat16 (8 significant bits, round to
 *                     nearest even), products summed in float32: mixed-precision training as PyTorch's
 *                     bf16 autocast does it for matmuls. On CPUs with AVX512_BF16 the native backend runs
 *                     these products at twice the fp32 FMA rate.
 *
 * Attention, norms and every other op stay in float32; so do parameters, gradients and the optimizer.
 */
export type MatmulPrecision = 'fp32' | 'bf16';

let current: MatmulPrecision = 'fp32';

/** The precision GEMM-based ops use now. */
export function matmulPrecision(): MatmulPrecision {
  return current;
}

/** Runs fn with GEMM-based ops at `precision` (restored afterwards, also on a throw). */
export function withMatmulPrecision<T>(precision: MatmulPrecision, fn: () => T): T {
  if (precision !== 'fp32' && precision !== 'bf16') throw new Error(`matmul precision must be 'fp32' or 'bf16', got '${String(precision)}'`);
  const before = current;
  current = precision;
  try {
    return fn();
  } finally {
    current = before;
  }
}
