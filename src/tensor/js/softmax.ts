/** Pure-TypeScript softmax, log-softmax and fused cross-entropy over the last axis. */
import type { F32 } from '../kernels.js';

/** log sum_c exp(x[r, c]) computed stably: max + log sum exp(x - max). */
function logSumExp(x: F32, base: number, cols: number): number {
  let max = -Infinity;
  for (let c = 0; c < cols; c++) if (x[base + c] > max) max = x[base + c];
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let c = 0; c < cols; c++) s += Math.exp(x[base + c] - max);
  return max + Math.log(s);
}

export function softmax(x: F32, out: F32, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const lse = logSumExp(x, base, cols);
    for (let c = 0; c < cols; c++) {
      const z = x[base + c] - lse;
      out[base + c] = log ? z : Math.exp(z);
    }
  }
}

export function softmaxBackward(y: F32, gy: F32, gx: F32, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s = 0;
    if (log) {
      for (let c = 0; c < cols; c++) s += gy[base + c];
      for (let c = 0; c < cols; c++) gx[base + c] = gy[base + c] - Math.exp(y[base + c]) * s;
    } else {
      for (let c = 0; c < cols; c++) s += gy[base + c] * y[base + c];
      for (let c = 0; c < cols; c++) gx[base + c] = y[base + c] * (gy[base + c] - s);
    }
  }
}

export function crossEntropy(logits: F32, targets: Int32Array, rows: number, cols: number, ignoreIndex: number,
  loss: F32, lse: F32): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    lse[r] = logSumExp(logits, base, cols);
    const t = targets[r];
    if (t === ignoreIndex) { loss[r] = 0; continue; }
    if (t < 0 || t >= cols) throw new RangeError(`cross-entropy target ${t} out of range [0, ${cols}) at row ${r}`);
    loss[r] = lse[r] - logits[base + t];
  }
}

export function crossEntropyBackward(logits: F32, targets: Int32Array, lse: F32, gLoss: F32, rows: number,
  cols: number, ignoreIndex: number, gLogits: F32): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const t = targets[r];
    if (t === ignoreIndex) { gLogits.fill(0, base, base + cols); continue; }
    const g = gLoss[r];
    for (let c = 0; c < cols; c++) gLogits[base + c] = g * Math.exp(logits[base + c] - lse[r]);
    gLogits[base + t] -= g;
  }
}
