/**
 * Parameter counts of a config, computed from the sizes alone (no weights are allocated), per
 * parameter group (groups.ts). A test checks them against a built model.
 */
import type { ConnectorConfig, DecoderPartConfig, HaploOmniConfig } from './config.js';
import { LATENT_PATCH, patchesPerSide } from './config.js';
import { STEM_INPUT_CHANNELS } from '../nn/vision-stem.js';
import { PARAMETER_GROUPS, type ParameterGroup } from './groups.js';

const linear = (inF: number, outF: number, bias: boolean) => inF * outF + (bias ? outF : 0);
const layerNorm = (d: number) => 2 * d;

/** One HaploOmni block of a part: two SSG norms, attention, gated MLP. */
export function blockParameters(p: DecoderPartConfig): number {
  const D = p.hidden_size, hd = p.head_dim, H = p.num_attention_heads, KV = p.num_key_value_heads, I = p.intermediate_size;
  // weight (+ bias), SSG_C and SSG_L [3, D], indicator Linear(D, 2)
  const ssg = D * (p.norm_mode === 'layernorm' ? 2 : 1) + 6 * D + linear(D, 2, true);
  const attention = linear(D, H * hd, true) + 2 * linear(D, KV * hd, true) + linear(H * hd, D, true) + (p.use_qk_norm ? 2 * layerNorm(hd) : 0);
  const mlp = 2 * linear(D, I, true) + linear(I, D, true);
  return 2 * ssg + attention + mlp;
}

export function connectorParameters(inDim: number, outDim: number, c: ConnectorConfig): number {
  return linear(inDim, outDim, c.use_affine_bias) + layerNorm(outDim) + linear(outDim, outDim, true) + linear(outDim, 2, true)
    + (c.use_pre_norm ? layerNorm(inDim) + outDim : 0);
}

export interface ModelInfo {
  parameters: Record<ParameterGroup, number> & { total: number };
  layers: { pre: number; base: number; post: number };
  /** float32 bytes of all weights */
  bytes: number;
}

export function info(c: HaploOmniConfig): ModelInfo {
  const pre = c.pre_config, base = c.base_config, post = c.post_config;
  const Dpre = pre.hidden_size, D = base.hidden_size, Dpost = post.hidden_size, V = c.vocab_size;
  const E = c.time_embed_dim, C = c.latent_channels, p = LATENT_PATCH, n = patchesPerSide(c);
  const stem = c.vision_stem?.channels ?? [], down = (c.vision_stem?.strides ?? []).reduce((a, s) => a * s, 1);
  // 3x3 convs with bias over 6 input channels (nn/vision-stem.ts) and the last width's shift and scale;
  // the projection: a (patch / down)^2 conv from the last stem width, no bias
  const stemConvs = stem.reduce((s, ch, i) => s + (i === 0 ? STEM_INPUT_CHANNELS : stem[i - 1]) * ch * 9 + ch, 0) + 2 * (stem.at(-1) ?? 0);
  const stemProj = stem.length ? stem[stem.length - 1] * Dpre * (pre.patch_size / down) ** 2 : 0;
  const groups: Record<ParameterGroup, number> = {
    embeddings: V * Dpre + (c.token_shift ? Dpre : 0), // the token table, and the token shift's gate
    vision_stem: stemConvs,
    visual_input: Dpre * 3 * pre.patch_size ** 2 + n * n * Dpre + Dpre + stemProj,
    pre: layerNorm(Dpre) + pre.num_hidden_layers * blockParameters(pre),
    pre_connector: connectorParameters(Dpre, D, c.pre_connector),
    base: base.num_hidden_layers * blockParameters(base) + (base.norm_mode === 'layernorm' ? 2 * D : D),
    post_connector: connectorParameters(D, Dpost, c.post_connector),
    post: post.num_hidden_layers * blockParameters(post),
    lm_head: layerNorm(Dpost) + linear(Dpost, D, true) + D + linear(D, V, false),
    generation_head: linear(Dpost, E, true) + linear(E, E, true) + linear(E, Dpost, true) + linear(Dpost, Dpre, true)
      + C * p * p * Dpost + Dpost + layerNorm(Dpost) + linear(E, 2 * Dpost, true) + layerNorm(Dpost) + linear(Dpost, p * p * C, true),
  };
  const total = PARAMETER_GROUPS.reduce((s, g) => s + groups[g], 0);
  return {
    parameters: { ...groups, total },
    layers: { pre: pre.num_hidden_layers, base: base.num_hidden_layers, post: post.num_hidden_layers },
    bytes: 4 * total,
  };
}
