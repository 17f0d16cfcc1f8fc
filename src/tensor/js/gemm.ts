/** Pure-TypeScript batched GEMM: C = alpha op(A) op(B) + beta C (+ bias). Reference, not fast. */
import type { GemmArgs } from '../kernels.js';

export function gemm(g: GemmArgs): void {
  const { m, n, k, lda, ldb, ldc, alpha, beta, bias } = g;
  // Element (i, p) of op(A) sits at i*ai + p*ap; element (p, j) of op(B) at p*bp + j*bj.
  const ai = g.transA ? 1 : lda, ap = g.transA ? lda : 1;
  const bp = g.transB ? 1 : ldb, bj = g.transB ? ldb : 1;
  const row = new Float64Array(n);
  for (let t = 0; t < g.batch; t++) {
    const a0 = g.aOffset + t * g.strideA, b0 = g.bOffset + t * g.strideB, c0 = g.cOffset + t * g.strideC;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const aip = g.a[a0 + i * ai + p * ap];
        const bRow = b0 + p * bp;
        for (let j = 0; j < n; j++) row[j] += aip * g.b[bRow + j * bj];
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
