/**
 * The HaploOmni network (reference §1): one flat stack of P + B + Q identical blocks (pre-decoder,
 * base-decoder, post-decoder), joined by two connectors, with the vision input, the text head and the
 * video generation head around it. Module names are the reference's attribute names, so parameter
 * paths are the checkpoint keys (`model.layers.7.self_attn.q_proj.weight`, `proj_out.bias`, ...).
 *
 * This file holds the modules and the decoder stack shared by every forward; the forwards themselves
 * are in understanding.ts (text out), generation.ts (v-prediction out) and generate.ts (KV-cached decoding).
 */
import { AdaLayerNorm } from '../nn/ada-layer-norm.js';
import type { KVSlot } from '../nn/attention.js';
import { Connector } from '../nn/connector.js';
import { DecoderLayer, type BlockShape } from '../nn/decoder-layer.js';
import { Conv2d, Embedding, LayerNorm, Linear, normalInit, RMSNorm, filled } from '../nn/layers.js';
import { Module, ModuleList } from '../nn/module.js';
import { ropeTable } from '../nn/rope.js';
import { TimestepEmbedding } from '../nn/timestep.js';
import { VisionStem } from '../nn/vision-stem.js';
import { keep, ops, Rng, zeros, type Mask, type RopeTable, type Tensor } from '../tensor/index.js';
import { LATENT_PATCH, layerRanges, patchesPerSide, type DecoderPartConfig, type HaploOmniConfig } from './config.js';

/** Receives named intermediate tensors of a forward (fixture names: 'layer_out.3', 'last_hidden', ...). Copy what you keep. */
export type Trace = (name: string, value: Tensor) => void;

export type Part = 'pre' | 'base' | 'post';

/** RNG stream of the vision stem's initial weights (every other parameter draws from stream 0). */
const VISION_STEM_STREAM = 1;

function blockShape(p: DecoderPartConfig): BlockShape {
  return {
    hidden: p.hidden_size, intermediate: p.intermediate_size, heads: p.num_attention_heads, kvHeads: p.num_key_value_heads,
    headDim: p.head_dim, act: p.hidden_act, normMode: p.norm_mode, normEps: p.rms_norm_eps, qkNorm: p.use_qk_norm,
  };
}

/** `patch_embed` / `patch_embed_cogvideo`: a strided Conv2d under the child name `proj`. */
export class PatchEmbed extends Module {
  readonly proj: Conv2d;
  constructor(inChannels: number, dim: number, patch: number, bias: boolean, rng: Rng, std: number) {
    super();
    this.proj = this.child('proj', new Conv2d(inChannels, dim, patch, patch, bias, rng, std));
  }
}

/** Everything under the `model.` prefix: embeddings, vision input, the layer stack, connectors, norms. */
export class HaploOmniModel extends Module {
  readonly embed_tokens: Embedding;
  readonly patch_embed: PatchEmbed;
  /** learned position table added to every image tile / video frame, [1, n^2, Dpre] */
  readonly pre_pos_embed: Tensor;
  /** appended after every image row and after a video's last frame, [Dpre] */
  readonly image_newline: Tensor;
  /** LayerNorm over every input token (CLIP's pre-layernorm) */
  readonly pre_norm: LayerNorm;
  readonly layers: ModuleList<DecoderLayer>;
  /** base-decoder output norm (no switch) before the post connector */
  readonly norm: RMSNorm | LayerNorm;
  readonly pre_connector: Connector;
  readonly post_connector: Connector;
  readonly post_norm: LayerNorm;
  readonly post_linear: Linear;
  readonly post_scale: Tensor;
  /** config vision_stem: convolutional side branch added to patch_embed (ours; none in the reference) */
  readonly vision_stem: VisionStem | null;
  /** config token_shift: the per-channel gate g of e'_t = e_t + g ⊙ e_{t-1} on text rows, [Dpre] (ours; model/token-shift.ts) */
  readonly token_shift: Tensor | null;

  /** `stemRng` draws the vision stem's weights, so every other parameter gets the same values with or without a stem */
  constructor(c: HaploOmniConfig, rng: Rng, stemRng: Rng) {
    super();
    const std = c.initializer_range;
    const Dpre = c.pre_config.hidden_size, D = c.base_config.hidden_size, Dpost = c.post_config.hidden_size;
    const n = patchesPerSide(c);
    this.embed_tokens = this.child('embed_tokens', new Embedding(c.vocab_size, Dpre, rng, std));
    this.patch_embed = this.child('patch_embed', new PatchEmbed(3, Dpre, c.pre_config.patch_size, false, rng, std));
    this.pre_pos_embed = this.param('pre_pos_embed', normalInit(n * n * Dpre, rng, 0.02), [1, n * n, Dpre]);
    this.image_newline = this.param('image_newline', new Float32Array(Dpre), [Dpre]);
    this.pre_norm = this.child('pre_norm', new LayerNorm(Dpre, 1e-5));
    const parts = [c.pre_config, c.base_config, c.post_config];
    const blocks = parts.flatMap((p) => Array.from({ length: p.num_hidden_layers }, () => new DecoderLayer(blockShape(p), rng, std)));
    this.layers = this.child('layers', new ModuleList(blocks));
    const base = c.base_config;
    this.norm = this.child('norm', base.norm_mode === 'rmsnorm' ? new RMSNorm(D, base.rms_norm_eps) : new LayerNorm(D, base.rms_norm_eps));
    this.pre_connector = this.child('pre_connector', new Connector(Dpre, D, connectorOptions(c.pre_connector), rng, std));
    this.post_connector = this.child('post_connector', new Connector(D, Dpost, connectorOptions(c.post_connector), rng, std));
    this.post_norm = this.child('post_norm', new LayerNorm(Dpost, 1e-5));
    this.post_linear = this.child('post_linear', new Linear(Dpost, D, true, rng, std));
    this.post_scale = this.param('post_scale', filled(D, 1), [D]);
    this.vision_stem = c.vision_stem ? this.child('vision_stem', new VisionStem(c.vision_stem.channels, c.vision_stem.strides, Dpre, c.pre_config.patch_size, stemRng)) : null;
    // Starts at 0.5: half the predecessor, as in the text-binding experiment that motivated it.
    this.token_shift = c.token_shift ? this.param('token_shift', filled(Dpre, 0.5), [Dpre]) : null;
  }
}

function connectorOptions(c: HaploOmniConfig['pre_connector']) {
  return { useAffineBias: c.use_affine_bias, usePreNorm: c.use_pre_norm };
}

export interface HaploOmniOptions {
  /** parameter init seed (reference init §8); default 0 */
  seed?: number;
}

/** A per-layer key/value cache for inference: slot i is layer i's [batch, capacity, kvHeads, headDim] pair. */
export interface KVCache {
  batch: number;
  capacity: number;
  slots: KVSlot[];
}

/** Frees a KV cache's buffers. */
export function disposeKVCache(cache: KVCache): void {
  for (const s of cache.slots) {
    s.k.dispose();
    s.v.dispose();
  }
}

/** One run of the decoder stack over T query rows. */
export interface DecoderRun {
  /** [batch or 1, T, keys] */
  mask: Mask | null;
  /** RoPE positions of the T rows, [ropeBatch, T] */
  positions: Int32Array;
  ropeBatch: number;
  /** write keys/values into this cache at `offset` and attend over its first offset + T rows */
  cache?: KVCache;
  offset?: number;
  trace?: Trace;
}

/**
 * HaploOmniForConditionalGeneration: `model.*`, `lm_head`, and the generation head (top-level keys
 * time_embedding, temb_token, v2t_projector, patch_embed_cogvideo, norm_final, norm_out, proj_out).
 */
export class HaploOmni extends Module {
  readonly model: HaploOmniModel;
  readonly lm_head: Linear;
  readonly time_embedding: TimestepEmbedding;
  readonly temb_token: Linear;
  /** shared projection of the time token and the latent tokens into the pre-decoder width */
  readonly v2t_projector: Linear;
  readonly patch_embed_cogvideo: PatchEmbed;
  readonly norm_final: LayerNorm;
  readonly norm_out: AdaLayerNorm;
  readonly proj_out: Linear;

  constructor(readonly config: HaploOmniConfig, options: HaploOmniOptions = {}) {
    super();
    const rng = new Rng(options.seed ?? 0), stemRng = new Rng(options.seed ?? 0, VISION_STEM_STREAM);
    const c = config, std = c.initializer_range;
    const Dpre = c.pre_config.hidden_size, D = c.base_config.hidden_size, Dpost = c.post_config.hidden_size;
    const E = c.time_embed_dim, C = c.latent_channels, p = LATENT_PATCH;
    this.model = this.child('model', new HaploOmniModel(c, rng, stemRng));
    this.lm_head = this.child('lm_head', new Linear(D, c.vocab_size, false, rng, std));
    this.time_embedding = this.child('time_embedding', new TimestepEmbedding(Dpost, E, rng, std));
    this.temb_token = this.child('temb_token', new Linear(E, Dpost, true, rng, std));
    this.v2t_projector = this.child('v2t_projector', new Linear(Dpost, Dpre, true, rng, std));
    this.patch_embed_cogvideo = this.child('patch_embed_cogvideo', new PatchEmbed(C, Dpost, p, true, rng, std));
    this.norm_final = this.child('norm_final', new LayerNorm(Dpost, 1e-5));
    this.norm_out = this.child('norm_out', new AdaLayerNorm(E, Dpost, rng, std));
    this.proj_out = this.child('proj_out', new Linear(Dpost, p * p * C, true, rng, std));
  }

  /** RoPE table of each part for the given positions: own (attention_rope), the base table, or none (use_pe false). */
  ropeTables(positions: Int32Array, ropeBatch: number, t: number): Record<Part, RopeTable | null> {
    const c = this.config;
    const cache = new Map<string, RopeTable>();
    const table = (headDim: number, theta: number) => {
      const key = `${headDim}/${theta}`;
      let tab = cache.get(key);
      if (!tab) cache.set(key, (tab = ropeTable(positions, ropeBatch, t, headDim, theta)));
      return tab;
    };
    const base = c.base_config;
    const forPart = (p: DecoderPartConfig) => {
      if (!p.use_pe) return null;
      return p.attention_rope ? table(p.head_dim, p.rope_theta) : table(base.head_dim, base.rope_theta);
    };
    return { pre: forPart(c.pre_config), base: forPart(base), post: forPart(c.post_config) };
  }

  /**
   * The decoder stack: pre layers, pre_connector, base layers, norm + post_connector, post layers.
   * h [B, T, Dpre] (after pre_norm) -> post-decoder output [B, T, Dpost] (`last_decoder_hidden_state`).
   */
  decode(h: Tensor, run: DecoderRun): Tensor {
    const m = this.model, ranges = layerRanges(this.config);
    const tables = this.ropeTables(run.positions, run.ropeBatch, h.shape[1]);
    const trace = run.trace;
    const runPart = (part: Part, [from, to]: [number, number]) => {
      for (let i = from; i < to; i++) {
        const cache = run.cache ? { slot: run.cache.slots[i], offset: run.offset ?? 0 } : undefined;
        h = m.layers.items[i].forward(h, { mask: run.mask, rope: tables[part], cache });
        trace?.(`layer_out.${i}`, h);
      }
    };
    runPart('pre', ranges.pre);
    trace?.('pre_out', h);
    h = m.pre_connector.forward(h);
    trace?.('after_pre_connector', h);
    runPart('base', ranges.base);
    trace?.('base_out', h);
    h = m.post_connector.forward(m.norm.forward(h));
    trace?.('after_post_connector', h);
    runPart('post', ranges.post);
    trace?.('post_out', h);
    return h;
  }

  /** Text head: last_hidden = post_linear(post_norm(h)) * post_scale, logits = lm_head(last_hidden). */
  textHead(postOut: Tensor, trace?: Trace): { lastHidden: Tensor; logits: Tensor } {
    const m = this.model;
    const lastHidden = ops.mul(m.post_linear.forward(m.post_norm.forward(postOut)), m.post_scale);
    trace?.('last_hidden', lastHidden);
    const logits = this.lm_head.forward(lastHidden);
    trace?.('logits', logits);
    return { lastHidden, logits };
  }

  /** A zeroed KV cache for `batch` sequences of up to `capacity` tokens (inference). */
  createKVCache(batch: number, capacity: number): KVCache {
    const c = this.config;
    const parts = [c.pre_config, c.base_config, c.post_config];
    const slots = parts.flatMap((p) => Array.from({ length: p.num_hidden_layers }, () => {
      const shape = [batch, capacity, p.num_key_value_heads, p.head_dim];
      return { k: keep(zeros(shape)), v: keep(zeros(shape)) };
    }));
    return { batch, capacity, slots };
  }
}
