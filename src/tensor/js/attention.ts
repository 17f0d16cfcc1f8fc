/** Pure-TypeScript scaled dot-product attention with masks and grouped-query heads (see AttentionArgs). */
import type { AttentionArgs, F32 } from '../kernels.js';

/** Element offsets of query row (b, i, h) and key/value row (b, j, kvHead). */
function layout(a: AttentionArgs) {
  const { heads, kvHeads, tq, kvStride, dim } = a;
  return {
    qRow: (b: number, i: number, h: number) => ((b * tq + i) * heads + h) * dim,
    kvRow: (b: number, j: number, g: number) => ((b * kvStride + j) * kvHeads + g) * dim,
    visible: (b: number, i: number, j: number) =>
      a.mask === null || a.mask[((a.maskBatch === 1 ? 0 : b) * tq + i) * a.tk + j] !== 0,
    group: heads / kvHeads,
  };
}

export function attention(a: AttentionArgs, out: F32, lse: F32): void {
  const { batch, heads, tq, tk, dim, scale, q, k, v } = a;
  const L = layout(a);
  const s = new Float64Array(tk);
  for (let b = 0; b < batch; b++) for (let h = 0; h < heads; h++) {
    const g = Math.floor(h / L.group);
    for (let i = 0; i < tq; i++) {
      const qo = L.qRow(b, i, h);
      let max = -Infinity;
      for (let j = 0; j < tk; j++) {
        if (!L.visible(b, i, j)) { s[j] = -Infinity; continue; }
        const ko = L.kvRow(b, j, g);
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += q[qo + d] * k[ko + d];
        s[j] = dot * scale;
        if (s[j] > max) max = s[j];
      }
      const lseRow = (b * heads + h) * tq + i;
      if (max === -Infinity) {
        out.fill(0, qo, qo + dim);
        lse[lseRow] = -Infinity;
        continue;
      }
      let sum = 0;
      for (let j = 0; j < tk; j++) { s[j] = Math.exp(s[j] - max); sum += s[j]; }
      for (let d = 0; d < dim; d++) {
        let acc = 0;
        for (let j = 0; j < tk; j++) if (s[j] !== 0) acc += s[j] * v[L.kvRow(b, j, g) + d];
        out[qo + d] = acc / sum;
      }
      lse[lseRow] = max + Math.log(sum);
    }
  }
}

/**
 * With P recomputed from lse: dP_j = gO . v_j, delta = gO . O, dS_j = P_j (dP_j - delta),
 * gq = scale sum_j dS_j k_j, gk_j += scale dS_j q, gv_j += P_j gO.
 */
export function attentionBackward(a: AttentionArgs, out: F32, lse: F32, gOut: F32, gq: F32, gk: F32, gv: F32): void {
  const { batch, heads, kvHeads, tq, tk, dim, scale, q, k, v } = a;
  const L = layout(a);
  gk.fill(0, 0, batch * tk * kvHeads * dim);
  gv.fill(0, 0, batch * tk * kvHeads * dim);
  const gRow = (b: number, j: number, g: number) => ((b * tk + j) * kvHeads + g) * dim;
  for (let b = 0; b < batch; b++) for (let h = 0; h < heads; h++) {
    const g = Math.floor(h / L.group);
    for (let i = 0; i < tq; i++) {
      const qo = L.qRow(b, i, h);
      const l = lse[(b * heads + h) * tq + i];
      gq.fill(0, qo, qo + dim);
      if (l === -Infinity) continue;
      let delta = 0;
      for (let d = 0; d < dim; d++) delta += gOut[qo + d] * out[qo + d];
      for (let j = 0; j < tk; j++) {
        if (!L.visible(b, i, j)) continue;
        const ko = L.kvRow(b, j, g), go = gRow(b, j, g);
        let dot = 0, dp = 0;
        for (let d = 0; d < dim; d++) { dot += q[qo + d] * k[ko + d]; dp += gOut[qo + d] * v[ko + d]; }
        const p = Math.exp(dot * scale - l);
        const ds = p * (dp - delta) * scale;
        for (let d = 0; d < dim; d++) {
          gq[qo + d] += ds * k[ko + d];
          gk[go + d] += ds * q[qo + d];
          gv[go + d] += p * gOut[qo + d];
        }
      }
    }
  }
}
