/**
 * Multimodal AdaLN, the reference's HaploOmniMultiModalNorm ("SSG", reference §3, paper Alg. 1).
 *
 * Two static learned state matrices SSG_L ("latent"/noise) and SSG_C (condition), rows
 * [shift, scale, gate], are mixed per token by a content switch:
 *   rmsnorm:   n = x / sqrt(mean(x^2) + eps),  y = weight * n,  u = n
 *   layernorm: y = LN(x; weight, bias, eps),                      u = x
 *   s = softmax(indicator(silu(u)))                               (2 entries)
 *   [shift, scale, gate] = s0 * SSG_L + s1 * SSG_C
 *   returns (y * (1 + scale) + shift, gate)
 * The timestep does not enter; the block uses gate on its residual branch: x + gate * branch.
 * The fused ops of tensor/ops/ssg.ts compute this without materialising the mixed states: `forward`
 * returns the modulated input and s1 (`mix`), and `gatedAdd` the residual x + gate * branch from it.
 */
import { ops, type Rng, type Tensor } from '../tensor/index.js';
import { filled, Linear } from './layers.js';
import { Module } from './module.js';

export type NormMode = 'rmsnorm' | 'layernorm';

export class MultiModalNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** condition state rows [shift, scale, gate], [3, dim] */
  readonly SSG_C: Tensor;
  /** latent (noise) state rows [shift, scale, gate], [3, dim] */
  readonly SSG_L: Tensor;
  /** switch logits: Linear(dim -> 2) */
  readonly indicator: Linear;

  constructor(readonly dim: number, readonly mode: NormMode, readonly eps: number, rng: Rng, std = 0.02) {
    super();
    this.weight = this.param('weight', filled(dim, 1), [dim]);
    this.bias = mode === 'layernorm' ? this.param('bias', new Float32Array(dim), [dim]) : null;
    // The reference initialises both state matrices with randn (std 1).
    this.SSG_C = this.param('SSG_C', rng.normal(3 * dim), [3, dim]);
    this.SSG_L = this.param('SSG_L', rng.normal(3 * dim), [3, dim]);
    this.indicator = this.child('indicator', new Linear(dim, 2, true, rng, std));
  }

  /** x [..., tokens, dim] -> the normalised, modulated x and each row's weight s1 of SSG_C, [..., tokens, 1]. */
  forward(x: Tensor): { out: Tensor; mix: Tensor } {
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.dim) throw new Error(`MultiModalNorm(${this.dim}): input [${x.shape.join(', ')}] must be [..., tokens, ${this.dim}]`);
    if (this.mode === 'rmsnorm') {
      const n = ops.rmsNorm(x, null, this.eps);
      const mix = ops.ssgSwitch(n, this.indicator.weight, this.indicator.bias!);
      return { out: ops.ssgModulate(n, this.weight, mix, this.SSG_L, this.SSG_C), mix };
    }
    const mix = ops.ssgSwitch(x, this.indicator.weight, this.indicator.bias!);
    return { out: ops.ssgModulate(ops.layerNorm(x, this.weight, this.bias, this.eps), null, mix, this.SSG_L, this.SSG_C), mix };
  }

  /** The gated residual x + gate * branch, gate = SSG_L[2] + mix (SSG_C[2] - SSG_L[2]), mix from `forward`. */
  gatedAdd(x: Tensor, branch: Tensor, mix: Tensor): Tensor {
    return ops.ssgGatedAdd(x, branch, mix, this.SSG_L, this.SSG_C);
  }
}
