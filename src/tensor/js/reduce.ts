/** Pure-TypeScript reductions. */
import type { F32 } from '../kernels.js';

/** out[o, i] = sum_j x[o, j, i] (or max_j) for x viewed as [outer, n, inner]; sums in float64. */
export function reduce(op: 'sum' | 'max', x: F32, out: F32, outer: number, n: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let acc = op === 'sum' ? 0 : -Infinity;
      for (let j = 0; j < n; j++) {
        const v = x[base + j * inner];
        if (op === 'sum') acc += v;
        else if (v > acc || v !== v) acc = v;
      }
      out[o * inner + i] = acc;
    }
  }
}

export function sumSquares(x: F32, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}
