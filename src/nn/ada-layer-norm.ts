/**
 * diffusers' AdaLayerNorm(embDim, output_dim = 2 dim, chunk_dim = 1) as CogVideoX's `norm_out`:
 *   [shift, scale] = linear(silu(emb))   (in that order),   out = LN(x) * (1 + scale) + shift
 * with an affine LayerNorm (eps 1e-5); one (shift, scale) per batch item, broadcast over tokens.
 */
import { ops, type Rng, type Tensor } from '../tensor/index.js';
import { LayerNorm, Linear } from './layers.js';
import { Module } from './module.js';

export class AdaLayerNorm extends Module {
  readonly linear: Linear;
  readonly norm: LayerNorm;
  constructor(readonly embDim: number, readonly dim: number, rng: Rng, std = 0.02) {
    super();
    this.linear = this.child('linear', new Linear(embDim, 2 * dim, true, rng, std));
    this.norm = this.child('norm', new LayerNorm(dim, 1e-5));
  }
  /** x [B, T, dim], emb [B, embDim] -> [B, T, dim] */
  forward(x: Tensor, emb: Tensor): Tensor {
    const [b] = x.shape;
    const mod = ops.reshape(this.linear.forward(ops.silu(emb)), [b, 1, 2 * this.dim]);
    const shift = ops.slice(mod, -1, 0, this.dim), scale = ops.slice(mod, -1, this.dim, 2 * this.dim);
    return ops.add(ops.mul(this.norm.forward(x), ops.addScalar(scale, 1)), shift);
  }
}
