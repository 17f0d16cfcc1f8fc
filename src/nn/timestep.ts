/**
 * Timestep conditioning of the generation head (reference §1.3, diffusers' Timesteps + TimestepEmbedding).
 */
import { fromBuffer, ops, type Rng, type Tensor } from '../tensor/index.js';
import { Linear } from './layers.js';
import { Module } from './module.js';

const f32 = Math.fround;

/**
 * diffusers `get_timestep_embedding(t, dim, flip_sin_to_cos=True, downscale_freq_shift=0)`:
 *   w_i = exp(-ln(10000) i / (dim/2)),  out = [cos(t w_i), sin(t w_i)],  i < dim/2.
 * The exponent, the frequency and t * w_i are rounded to float32 at each step, as diffusers computes them.
 * Returns [batch, dim] (a constant: timesteps carry no gradient).
 */
export function timestepSinusoid(timesteps: ArrayLike<number>, dim: number): Tensor {
  const half = Math.floor(dim / 2);
  const freqs = new Float32Array(half);
  const negLogMaxPeriod = f32(-Math.log(10000));
  for (let i = 0; i < half; i++) freqs[i] = f32(Math.exp(f32(f32(negLogMaxPeriod * i) / half)));
  const out = new Float32Array(timesteps.length * dim); // an odd dim leaves the last column 0 (diffusers pads)
  for (let b = 0; b < timesteps.length; b++) {
    const t = f32(timesteps[b]);
    for (let i = 0; i < half; i++) {
      const angle = f32(t * freqs[i]);
      out[b * dim + i] = Math.cos(angle);
      out[b * dim + half + i] = Math.sin(angle);
    }
  }
  return fromBuffer(out, [timesteps.length, dim]);
}

/** TimestepEmbedding: linear_2(silu(linear_1(x))), in -> dim -> dim. */
export class TimestepEmbedding extends Module {
  readonly linear_1: Linear;
  readonly linear_2: Linear;
  constructor(inDim: number, dim: number, rng: Rng, std = 0.02) {
    super();
    this.linear_1 = this.child('linear_1', new Linear(inDim, dim, true, rng, std));
    this.linear_2 = this.child('linear_2', new Linear(dim, dim, true, rng, std));
  }
  forward(x: Tensor): Tensor {
    return this.linear_2.forward(ops.silu(this.linear_1.forward(x)));
  }
}
