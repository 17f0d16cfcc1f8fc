/** Pure-TypeScript rotary position embedding (rotate-half form). */
import type { F32 } from '../kernels.js';

export function rope(x: F32, out: F32, batch: number, t: number, heads: number, dim: number, cos: F32, sin: F32,
  tableBatch: number, inverse: boolean): void {
  const half = dim / 2;
  const sign = inverse ? -1 : 1;
  for (let b = 0; b < batch; b++) for (let i = 0; i < t; i++) {
    const tab = ((tableBatch === 1 ? 0 : b) * t + i) * half;
    for (let h = 0; h < heads; h++) {
      const o = ((b * t + i) * heads + h) * dim;
      for (let d = 0; d < half; d++) {
        const c = cos[tab + d], s = sign * sin[tab + d];
        const x1 = x[o + d], x2 = x[o + d + half];
        out[o + d] = x1 * c - x2 * s;
        out[o + d + half] = x2 * c + x1 * s;
      }
    }
  }
}
