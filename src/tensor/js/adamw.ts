/** Pure-TypeScript AdamW step (decoupled weight decay, bias-corrected moments). */
import type { F32 } from '../kernels.js';

export function adamw(param: F32, grad: F32, m: F32, v: F32, n: number, lr: number, beta1: number, beta2: number,
  eps: number, weightDecay: number, step: number, gradScale: number): void {
  const c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
  for (let i = 0; i < n; i++) {
    const g = grad[i] * gradScale;
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    param[i] -= lr * (weightDecay * param[i] + (m[i] / c1) / (Math.sqrt(v[i] / c2) + eps));
  }
}
