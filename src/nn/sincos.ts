/**
 * CogVideoX's fixed 3D sin-cos position table for latent patches (reference §6.5; diffusers
 * get_3d_sincos_pos_embed with spatial_interpolation_scale 1.875, temporal 1.0 for CogVideoX-2B).
 * Built in float64 and rounded to float32, like the reference buffer.
 */

/** CogVideoX-2B: spatial positions are index / 1.875, temporal index / 1. */
export const SPATIAL_INTERPOLATION = 1.875;
export const TEMPORAL_INTERPOLATION = 1.0;

/** 1-D code of width d at `pos` into out[at..at+d): [sin(pos w_i), cos(pos w_i)], w_i = 10000^(-i / (d/2)). */
function sincos1d(out: Float32Array, at: number, d: number, pos: number): void {
  const half = d / 2;
  for (let i = 0; i < half; i++) {
    const a = pos * (1 / 10000 ** (i / half));
    out[at + i] = Math.sin(a);
    out[at + half + i] = Math.cos(a);
  }
}

/**
 * Table [frames * rows * cols, dim], token index f * rows * cols + r * cols + c. Channels:
 * [0, dim/4) temporal code, then 3dim/8 column (w) code, then 3dim/8 row (h) code. dim % 16 == 0.
 */
export function sincos3dTable(dim: number, frames: number, rows: number, cols: number,
  spatialScale = SPATIAL_INTERPOLATION, temporalScale = TEMPORAL_INTERPOLATION): Float32Array {
  if (dim % 16 !== 0) throw new Error(`the 3D sin-cos table needs a width divisible by 16, got ${dim}`);
  const dt = dim / 4, ds = (3 * dim) / 8;
  const out = new Float32Array(frames * rows * cols * dim);
  for (let f = 0; f < frames; f++) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    const at = ((f * rows + r) * cols + c) * dim;
    // diffusers forms the grid positions in float32 (np.arange(..., float32) / scale).
    sincos1d(out, at, dt, Math.fround(f / temporalScale));
    sincos1d(out, at + dt, ds, Math.fround(c / spatialScale));
    sincos1d(out, at + dt + ds, ds, Math.fround(r / spatialScale));
  }
  return out;
}
