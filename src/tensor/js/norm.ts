/** Pure-TypeScript LayerNorm and RMSNorm over the last axis, forward and backward. */
import type { F32 } from '../kernels.js';

export function layerNorm(x: F32, weight: F32 | null, bias: F32 | null, out: F32, mean: F32, rstd: F32,
  rows: number, cols: number, eps: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s = 0;
    for (let c = 0; c < cols; c++) s += x[base + c];
    const mu = s / cols;
    let v = 0;
    for (let c = 0; c < cols; c++) { const d = x[base + c] - mu; v += d * d; }
    const rs = 1 / Math.sqrt(v / cols + eps);
    mean[r] = mu; rstd[r] = rs;
    for (let c = 0; c < cols; c++) {
      let y = (x[base + c] - mu) * rs;
      if (weight) y *= weight[c];
      if (bias) y += bias[c];
      out[base + c] = y;
    }
  }
}

export function layerNormBackward(x: F32, weight: F32 | null, mean: F32, rstd: F32, gy: F32, gx: F32,
  gWeight: F32 | null, gBias: F32 | null, rows: number, cols: number): void {
  const gw = gWeight ? new Float64Array(cols) : null;
  const gb = gBias ? new Float64Array(cols) : null;
  for (let r = 0; r < rows; r++) {
    const base = r * cols, mu = mean[r], rs = rstd[r];
    let sg = 0, sgx = 0;
    for (let c = 0; c < cols; c++) {
      const xhat = (x[base + c] - mu) * rs;
      const g = gy[base + c] * (weight ? weight[c] : 1);
      sg += g; sgx += g * xhat;
      if (gw) gw[c] += gy[base + c] * xhat;
      if (gb) gb[c] += gy[base + c];
    }
    sg /= cols; sgx /= cols;
    for (let c = 0; c < cols; c++) {
      const xhat = (x[base + c] - mu) * rs;
      const g = gy[base + c] * (weight ? weight[c] : 1);
      gx[base + c] = rs * (g - sg - xhat * sgx);
    }
  }
  if (gWeight && gw) gWeight.set(gw);
  if (gBias && gb) gBias.set(gb);
}

export function rmsNorm(x: F32, weight: F32 | null, out: F32, rstd: F32, rows: number, cols: number, eps: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s = 0;
    for (let c = 0; c < cols; c++) s += x[base + c] * x[base + c];
    const rs = 1 / Math.sqrt(s / cols + eps);
    rstd[r] = rs;
    for (let c = 0; c < cols; c++) out[base + c] = x[base + c] * rs * (weight ? weight[c] : 1);
  }
}

export function rmsNormBackward(x: F32, weight: F32 | null, rstd: F32, gy: F32, gx: F32, gWeight: F32 | null,
  rows: number, cols: number): void {
  const gw = gWeight ? new Float64Array(cols) : null;
  for (let r = 0; r < rows; r++) {
    const base = r * cols, rs = rstd[r];
    let sgn = 0;
    for (let c = 0; c < cols; c++) {
      const n = x[base + c] * rs;
      sgn += gy[base + c] * (weight ? weight[c] : 1) * n;
      if (gw) gw[c] += gy[base + c] * n;
    }
    sgn /= cols;
    for (let c = 0; c < cols; c++) {
      const n = x[base + c] * rs;
      gx[base + c] = rs * (gy[base + c] * (weight ? weight[c] : 1) - n * sgn);
    }
  }
  if (gWeight && gw) gWeight.set(gw);
}
