/**
 * The HaploOmni block (reference §1.1, §3), identical in the pre-, base- and post-decoder:
 *   (h, g1) = input_layernorm(x);           x = x + g1 * self_attn(h)
 *   (h, g2) = post_attention_layernorm(x);  x = x + g2 * mlp(h)
 * with multimodal (SSG) norms returning the residual gate alongside the normalised input.
 */
import type { Rng, Tensor } from '../tensor/index.js';
import type { HiddenAct } from './activation.js';
import { SelfAttention, type AttentionContext } from './attention.js';
import { GatedMLP } from './mlp.js';
import { Module } from './module.js';
import { MultiModalNorm, type NormMode } from './multimodal-norm.js';

/** The sizes and switches of one block (a decoder part's config, in our names). */
export interface BlockShape {
  hidden: number;
  intermediate: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  act: HiddenAct;
  normMode: NormMode;
  normEps: number;
  qkNorm: boolean;
}

export class DecoderLayer extends Module {
  readonly input_layernorm: MultiModalNorm;
  readonly self_attn: SelfAttention;
  readonly post_attention_layernorm: MultiModalNorm;
  readonly mlp: GatedMLP;

  constructor(readonly shape: BlockShape, rng: Rng, std = 0.02) {
    super();
    const { hidden } = shape;
    this.input_layernorm = this.child('input_layernorm', new MultiModalNorm(hidden, shape.normMode, shape.normEps, rng, std));
    this.self_attn = this.child('self_attn', new SelfAttention({ hidden, heads: shape.heads, kvHeads: shape.kvHeads, headDim: shape.headDim, qkNorm: shape.qkNorm }, rng, std));
    this.post_attention_layernorm = this.child('post_attention_layernorm', new MultiModalNorm(hidden, shape.normMode, shape.normEps, rng, std));
    this.mlp = this.child('mlp', new GatedMLP(hidden, shape.intermediate, shape.act, rng, std));
  }

  /** x [B, T, hidden] -> [B, T, hidden] */
  forward(x: Tensor, ctx: AttentionContext): Tensor {
    const a = this.input_layernorm.forward(x);
    x = this.input_layernorm.gatedAdd(x, this.self_attn.forward(a.out, ctx), a.mix);
    const m = this.post_attention_layernorm.forward(x);
    return this.post_attention_layernorm.gatedAdd(x, this.mlp.forward(m.out), m.mix);
  }
}
