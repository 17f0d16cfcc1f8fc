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
 * The timestep does not enter; the block uses gate on its residual branch.
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

  /** x [..., tokens, dim] -> normalised, modulated x and the gate, both shaped like x. */
  forward(x: Tensor): { out: Tensor; gate: Tensor } {
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.dim) throw new Error(`MultiModalNorm(${this.dim}): input [${x.shape.join(', ')}] must be [..., tokens, ${this.dim}]`);
    let y: Tensor, switchInput: Tensor;
    if (this.mode === 'rmsnorm') {
      const n = ops.rmsNorm(x, null, this.eps);
      y = ops.mul(n, this.weight);
      switchInput = n;
    } else {
      y = ops.layerNorm(x, this.weight, this.bias, this.eps);
      switchInput = x;
    }
    const s = ops.softmax(this.indicator.forward(ops.silu(switchInput)));
    // [s0, s1] @ [SSG_L; SSG_C] over the flattened (3 * dim) rows mixes all three at once.
    const states = ops.concat([ops.reshape(this.SSG_L, [1, 3 * this.dim]), ops.reshape(this.SSG_C, [1, 3 * this.dim])], 0);
    const mixed = ops.matmul(s, states);
    const d = this.dim;
    const shift = ops.slice(mixed, -1, 0, d), scale = ops.slice(mixed, -1, d, 2 * d), gate = ops.slice(mixed, -1, 2 * d, 3 * d);
    return { out: ops.add(ops.mul(y, ops.addScalar(scale, 1)), shift), gate };
  }
}
