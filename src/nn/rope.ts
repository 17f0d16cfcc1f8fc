/**
 * Rotary position embedding tables (rotate-half convention, cos = cat(f, f)):
 *   inv_freq_i = 1 / theta^(2i / d),  angle(p, i) = p * inv_freq_i,  i < d/2.
 * Like the reference (transformers' Qwen2 rotary embedding), inv_freq and the angle are formed in
 * float32; cos/sin are then taken of that float32 angle.
 */
import type { RopeTable } from '../tensor/index.js';

const f32 = Math.fround;

/** inv_freq_i = 1 / theta^(float32(2i) / d), each step rounded to float32. */
export function ropeInverseFrequencies(headDim: number, theta: number): Float32Array {
  const half = headDim / 2;
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) out[i] = f32(1 / f32(theta ** f32((2 * i) / headDim)));
  return out;
}

/**
 * cos/sin of angle = float32(position * inv_freq) for positions [batch, t] (row-major); a table with
 * batch 1 serves every sequence of a batch.
 */
export function ropeTable(positions: Int32Array, batch: number, t: number, headDim: number, theta: number): RopeTable {
  if (positions.length !== batch * t) throw new Error(`ropeTable: ${positions.length} positions for batch ${batch} x ${t}`);
  const invFreq = ropeInverseFrequencies(headDim, theta);
  const half = headDim / 2;
  const cos = new Float32Array(batch * t * half), sin = new Float32Array(batch * t * half);
  for (let r = 0; r < batch * t; r++) {
    const p = positions[r];
    for (let i = 0; i < half; i++) {
      const angle = f32(p * invFreq[i]);
      cos[r * half + i] = Math.cos(angle);
      sin[r * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin, batch, t, dim: headDim };
}
