/** Pure-TypeScript batched GEMM: C = alpha op(A) op(B) + beta C (+ bias). Reference, not fast. */
import type { GemmArgs } from '../kernels.js';

const roundWord = new Float32Array(1);
const roundBits = new Uint32Array(roundWord.buffer);

/**
 * x rounded to the nearest bfloat16 (ties to even): the upper 16 bits of its float32 pattern after
 * adding 0x7fff + (bit 16); NaN stays NaN.
 */
export function roundToBf16(x: number): number {
  roundWord[0] = x;
  const u = roundBits[0];
  if ((u & 0x7fffffff) > 0x7f800000) return x;
  roundBits[0] = ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) << 16;
  return roundWord[0];
}

export function gemm(g: GemmArgs): void {
  const { m, n, k, lda, ldb, ldc, alpha, beta, bias } = g;
  // Element (i, p) of op(A) sits at i*ai + p*ap; element (p, j) of op(B) at p*bp + j*bj.
  const ai = g.transA ? 1 : lda, ap = g.transA ? lda : 1;
  const bp = g.transB ? 1 : ldb, bj = g.transB ? ldb : 1;
  // bf16: the operands rounded once up front (bfloat16 values are exact in float32), the loop as in fp32.
  const A = g.bf16 ? g.a.map(roundToBf16) : g.a, B = g.bf16 ? g.b.map(roundToBf16) : g.b;
  const row = new Float64Array(n);
  for (let t = 0; t < g.batch; t++) {
    const a0 = g.aOffset + t * g.strideA, b0 = g.bOffset + t * g.strideB, c0 = g.cOffset + t * g.strideC;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const aip = A[a0 + i * ai + p * ap];
        const bRow = b0 + p * bp;
        for (let j = 0; j < n; j++) row[j] += aip * B[bRow + j * bj];
      }
      const cRow = c0 + i * ldc;
      for (let j = 0; j < n; j++) {
        let v = alpha * row[j];
        if (beta !== 0) v += beta * g.c[cRow + j];
        if (bias) v += bias[j];
        g.c[cRow + j] = v;
      }
    }
  }
}
