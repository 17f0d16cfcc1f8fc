/**
 * Multimodal-norm (SSG) kernels: the switch between the latent and condition states, the modulation
 * of the normalised input and the gated residual (formulas in kernels.ts). Column sums accumulate in
 * float64.
 */
import type { F32 } from '../kernels.js';
import { unaryDerivative, unaryFn } from './elementwise.js';

const sigmoid = unaryFn('sigmoid'), silu = unaryFn('silu'), siluDerivative = unaryDerivative('silu');
const siluGrad = (x: number) => siluDerivative(x, silu(x));

export function ssgSwitch(u: F32, w: F32, b: F32, s: F32, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    let z = b[1] - b[0];
    for (let c = 0; c < cols; c++) z += (w[cols + c] - w[c]) * silu(u[r * cols + c]);
    s[r] = sigmoid(z);
  }
}

export function ssgSwitchBackward(u: F32, w: F32, s: F32, gs: F32, gu: F32, gw: F32, gb: F32, rows: number, cols: number): void {
  const acc = new Float64Array(cols);
  let accB = 0;
  for (let r = 0; r < rows; r++) {
    const e = gs[r] * s[r] * (1 - s[r]);
    accB += e;
    for (let c = 0; c < cols; c++) {
      const x = u[r * cols + c];
      acc[c] += e * silu(x);
      gu[r * cols + c] = e * (w[cols + c] - w[c]) * siluGrad(x);
    }
  }
  for (let c = 0; c < cols; c++) { gw[c] = -acc[c]; gw[cols + c] = acc[c]; }
  gb[0] = -accB; gb[1] = accB;
}

export function ssgModulate(y: F32, weight: F32 | null, s: F32, lat: F32, cond: F32, out: F32, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const sr = s[r];
    for (let c = 0; c < cols; c++) {
      const shift = lat[c] + sr * (cond[c] - lat[c]), scale = lat[cols + c] + sr * (cond[cols + c] - lat[cols + c]);
      out[r * cols + c] = y[r * cols + c] * (weight ? weight[c] : 1) * (1 + scale) + shift;
    }
  }
}

export function ssgModulateBackward(y: F32, weight: F32 | null, s: F32, lat: F32, cond: F32, g: F32, gy: F32, gWeight: F32 | null,
  gs: F32, gLat: F32, gCond: F32, rows: number, cols: number): void {
  const gw = new Float64Array(cols), l0 = new Float64Array(cols), c0 = new Float64Array(cols), l1 = new Float64Array(cols), c1 = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const sr = s[r];
    let gsr = 0;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c, wc = weight ? weight[c] : 1;
      const d0 = cond[c] - lat[c], d1 = cond[cols + c] - lat[cols + c];
      const scale1 = 1 + lat[cols + c] + sr * d1;
      const gi = g[i], a = y[i] * wc;
      gy[i] = gi * wc * scale1;
      gw[c] += gi * y[i] * scale1;
      gsr += gi * (d0 + a * d1);
      l0[c] += gi * (1 - sr); c0[c] += gi * sr;
      l1[c] += gi * a * (1 - sr); c1[c] += gi * a * sr;
    }
    gs[r] = gsr;
  }
  if (gWeight) gWeight.set(gw);
  gLat.fill(0); gCond.fill(0);
  gLat.set(l0, 0); gLat.set(l1, cols); gCond.set(c0, 0); gCond.set(c1, cols);
}

export function ssgGatedAdd(x: F32, f: F32, s: F32, lat: F32, cond: F32, out: F32, rows: number, cols: number): void {
  const l2 = 2 * cols;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = x[r * cols + c] + (lat[l2 + c] + s[r] * (cond[l2 + c] - lat[l2 + c])) * f[r * cols + c];
  }
}

export function ssgGatedAddBackward(f: F32, s: F32, lat: F32, cond: F32, g: F32, gf: F32, gs: F32, gLat: F32, gCond: F32,
  rows: number, cols: number): void {
  const l2 = 2 * cols, l = new Float64Array(cols), k = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const sr = s[r];
    let gsr = 0;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c, d2 = cond[l2 + c] - lat[l2 + c], gfi = g[i] * f[i];
      gf[i] = g[i] * (lat[l2 + c] + sr * d2);
      gsr += gfi * d2;
      l[c] += gfi * (1 - sr); k[c] += gfi * sr;
    }
    gs[r] = gsr;
  }
  gLat.fill(0); gCond.fill(0);
  gLat.set(l, l2); gCond.set(k, l2);
}
