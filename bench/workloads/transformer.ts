/**
 * The peer's benchmark model (../shared/peer/torch_step.py), built on our engine so both engines run
 * the same workload: a pre-LN transformer language model with learned positions, fused QKV, masked
 * scaled-dot-product attention, GELU (erf) MLP, final LayerNorm, output Linear, mean cross-entropy and
 * AdamW (lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay 0.01).
 */
import { Embedding, LayerNorm, Linear, normalInit } from '../../src/nn/layers.js';
import { Module } from '../../src/nn/module.js';
import { AdamW, ops, Rng, type Mask, type Tensor } from '../../src/tensor/index.js';

export interface TransformerSizes {
  d: number;
  heads: number;
  layers: number;
  seq: number;
  batch: number;
  vocab: number;
  /** first `prefix` positions attend causally */
  prefix: number;
  /** then each block of `block` positions attends bidirectionally inside itself and to everything before */
  block: number;
}

/** The peer's defaults. */
export const PEER_SIZES: TransformerSizes = { d: 256, heads: 4, layers: 4, seq: 256, batch: 8, vocab: 256, prefix: 64, block: 64 };

/** The peer's "unified multimodal" mask: allowed(i, j) = j <= i or (i >= prefix and j < end of i's block). */
export function unifiedMask(seq: number, prefix: number, block: number): Mask {
  const data = new Uint8Array(seq * seq);
  for (let i = 0; i < seq; i++) {
    const blockEnd = prefix + (Math.floor((i - prefix) / block) + 1) * block;
    for (let j = 0; j < seq; j++) data[i * seq + j] = j <= i || (i >= prefix && j < blockEnd) ? 1 : 0;
  }
  return { data, shape: [1, seq, seq] };
}

class Block extends Module {
  readonly ln1: LayerNorm;
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly ln2: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(readonly d: number, readonly heads: number, rng: Rng) {
    super();
    const std = 1 / Math.sqrt(d);
    this.ln1 = this.child('ln1', new LayerNorm(d));
    this.qkv = this.child('qkv', new Linear(d, 3 * d, true, rng, std));
    this.proj = this.child('proj', new Linear(d, d, true, rng, std));
    this.ln2 = this.child('ln2', new LayerNorm(d));
    this.fc1 = this.child('fc1', new Linear(d, 4 * d, true, rng, std));
    this.fc2 = this.child('fc2', new Linear(4 * d, d, true, rng, 1 / Math.sqrt(4 * d)));
  }

  forward(x: Tensor, mask: Mask): Tensor {
    const [b, t, d] = x.shape;
    const hd = d / this.heads;
    const qkv = ops.reshape(this.qkv.forward(this.ln1.forward(x)), [b, t, 3, this.heads, hd]);
    const part = (i: number) => ops.reshape(ops.slice(qkv, 2, i, i + 1), [b, t, this.heads, hd]);
    const attn = ops.attention(part(0), part(1), part(2), { mask });
    const h = ops.add(x, this.proj.forward(ops.reshape(attn, [b, t, d])));
    return ops.add(h, this.fc2.forward(ops.gelu(this.fc1.forward(this.ln2.forward(h)))));
  }
}

export class PeerTransformer extends Module {
  readonly emb: Embedding;
  readonly pos: Tensor;
  readonly blocks: Block[];
  readonly lnf: LayerNorm;
  readonly head: Linear;
  readonly mask: Mask;

  constructor(readonly s: TransformerSizes, seed = 0) {
    super();
    const rng = new Rng(seed);
    this.emb = this.child('emb', new Embedding(s.vocab, s.d, rng, 1));
    this.pos = this.param('pos', normalInit(s.seq * s.d, rng, 0.02), [s.seq, s.d]);
    this.blocks = Array.from({ length: s.layers }, (_, i) => this.child(`blocks.${i}`, new Block(s.d, s.heads, rng)));
    this.lnf = this.child('lnf', new LayerNorm(s.d));
    this.head = this.child('head', new Linear(s.d, s.vocab, true, rng, 1 / Math.sqrt(s.d)));
    this.mask = unifiedMask(s.seq, s.prefix, s.block);
  }

  /** Logits [batch, seq, vocab] for token ids [batch, seq]. */
  forward(ids: Int32Array): Tensor {
    let x = ops.add(this.emb.forward(ids, [this.s.batch, this.s.seq]), this.pos);
    for (const blk of this.blocks) x = blk.forward(x, this.mask);
    return this.head.forward(this.lnf.forward(x));
  }

  loss(ids: Int32Array, targets: Int32Array): Tensor {
    return ops.crossEntropy(this.forward(ids), targets);
  }

  /** The peer's optimiser. */
  optimizer(): AdamW {
    return new AdamW(this.parameters(), { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  }
}

/** Random token ids and targets as the peer draws them (values differ; the work is the same). */
export function randomBatch(s: TransformerSizes, seed: number): { ids: Int32Array; targets: Int32Array } {
  const rng = new Rng(seed);
  const n = s.batch * s.seq;
  return {
    ids: Int32Array.from(rng.uniform(n), (u) => Math.floor(u * s.vocab)),
    targets: Int32Array.from(rng.uniform(n), (u) => Math.floor(u * s.vocab)),
  };
}
