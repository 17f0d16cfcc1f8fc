/**
 * Multi-head self-attention of a HaploOmni block (reference §1.1): biased q/k/v/o projections,
 * grouped-query heads (query head h reads KV head floor(h / (heads / kvHeads))), optional per-head
 * LayerNorm on q and k (eps 1e-5, before RoPE), optional RoPE, scale head_dim^-0.5, any boolean mask.
 *
 * Inference can keep keys/values in a preallocated cache [batch, capacity, kvHeads, headDim]: the new
 * rows are written at [offset, offset + T) and attention reads rows [0, offset + T) in place.
 */
import { isGradEnabled, ops, type Mask, type RopeTable, type Rng, type Tensor } from '../tensor/index.js';
import { LayerNorm, Linear } from './layers.js';
import { Module } from './module.js';

/** One layer's key/value cache, both [batch, capacity, kvHeads, headDim]. */
export interface KVSlot {
  k: Tensor;
  v: Tensor;
}

export interface AttentionContext {
  /** [batch or 1, T, keys], 1 = may attend; keys = T, or offset + T with a cache */
  mask: Mask | null;
  /** cos/sin for the T query (and new key) positions; null = no RoPE */
  rope: RopeTable | null;
  /** write this call's keys/values into `slot` at `offset` and attend over rows [0, offset + T) */
  cache?: { slot: KVSlot; offset: number };
}

export interface AttentionShape {
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  qkNorm: boolean;
}

export class SelfAttention extends Module {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly o_proj: Linear;
  readonly norm_q: LayerNorm | null;
  readonly norm_k: LayerNorm | null;

  constructor(readonly shape: AttentionShape, rng: Rng, std = 0.02) {
    super();
    const { hidden, heads, kvHeads, headDim } = shape;
    this.q_proj = this.child('q_proj', new Linear(hidden, heads * headDim, true, rng, std));
    this.k_proj = this.child('k_proj', new Linear(hidden, kvHeads * headDim, true, rng, std));
    this.v_proj = this.child('v_proj', new Linear(hidden, kvHeads * headDim, true, rng, std));
    this.o_proj = this.child('o_proj', new Linear(heads * headDim, hidden, true, rng, std));
    this.norm_q = shape.qkNorm ? this.child('norm_q', new LayerNorm(headDim, 1e-5)) : null;
    this.norm_k = shape.qkNorm ? this.child('norm_k', new LayerNorm(headDim, 1e-5)) : null;
  }

  /** x [B, T, hidden] -> [B, T, hidden] */
  forward(x: Tensor, ctx: AttentionContext): Tensor {
    const [b, t] = x.shape;
    const { heads, kvHeads, headDim } = this.shape;
    let q = ops.reshape(this.q_proj.forward(x), [b, t, heads, headDim]);
    let k = ops.reshape(this.k_proj.forward(x), [b, t, kvHeads, headDim]);
    const v = ops.reshape(this.v_proj.forward(x), [b, t, kvHeads, headDim]);
    if (this.norm_q && this.norm_k) {
      q = this.norm_q.forward(q);
      k = this.norm_k.forward(k);
    }
    if (ctx.rope) {
      q = ops.rope(q, ctx.rope);
      k = ops.rope(k, ctx.rope);
    }
    let out: Tensor;
    if (ctx.cache) {
      const { slot, offset } = ctx.cache;
      writeRows(slot.k, k, offset);
      writeRows(slot.v, v, offset);
      out = ops.attention(q, slot.k, slot.v, { mask: ctx.mask, kvLength: offset + t });
    } else {
      out = ops.attention(q, k, v, { mask: ctx.mask });
    }
    return this.o_proj.forward(ops.reshape(out, [b, t, heads * headDim]));
  }
}

/** Copies rows [B, T, ...] into cache [B, capacity, ...] at row `offset` of every batch item (inference only). */
function writeRows(cache: Tensor, rows: Tensor, offset: number): void {
  if (isGradEnabled() && rows.requiresGrad) throw new Error('the KV cache is inference-only: run cached forwards under noGrad');
  const [b, t] = rows.shape, capacity = cache.shape[1];
  const rowSize = rows.size / (b * t);
  if (cache.shape[0] !== b || cache.size / (b * capacity) !== rowSize) {
    throw new Error(`KV cache [${cache.shape.join(', ')}] does not fit keys [${rows.shape.join(', ')}]`);
  }
  if (offset + t > capacity) throw new Error(`KV cache overflow: writing rows [${offset}, ${offset + t}) into a cache of ${capacity}`);
  for (let i = 0; i < b; i++) {
    cache.data.set(rows.data.subarray(i * t * rowSize, (i + 1) * t * rowSize), (i * capacity + offset) * rowSize);
  }
}
