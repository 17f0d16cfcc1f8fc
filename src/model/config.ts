/**
 * HaploOmni configuration: the reference `config.json` layout (reference §9), parsed and validated.
 *
 * The JSON holds `base_config`, `pre_config`, `post_config` (one decoder part each: the LLM, the
 * vision-side pre-decoder and the video-side post-decoder), `pre_connector`/`post_connector`
 * ({use_affine_bias, use_pre_norm}), and the base keys mirrored at the top level. `base_config` is
 * authoritative for the base part; keys missing from a nested dict take the reference class defaults
 * (those of transformers' Qwen2Config plus HaploOmni's own: head_dim = hidden/heads, rope_scaling null,
 * hidden_act silu, rms_norm_eps 1e-6, norm_mode rmsnorm, attention_rope false, use_pe true,
 * use_qk_norm false).
 *
 * Our own keys (absent from the reference, documented in HaploOmniConfig below): latent_channels,
 * time_embed_dim, feature_prescale, understanding_mask, vision_stem, token_shift.
 *
 * Field names are the JSON keys, so a config reads exactly like the file it came from.
 */
import { HIDDEN_ACTS, type HiddenAct } from '../nn/activation.js';
import type { NormMode } from '../nn/multimodal-norm.js';

export type UnderstandingMaskMode = 'intended' | 'causal';


/** One decoder part (pre, base or post): a stack of identical HaploOmni blocks. */
export interface DecoderPartConfig {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  /** per-head width; hidden_size / num_attention_heads unless set */
  head_dim: number;
  hidden_act: HiddenAct;
  /** eps of the block norms (both rmsnorm and layernorm modes) and of model.norm for the base part */
  rms_norm_eps: number;
  rope_theta: number;
  /** block norm flavour: 'rmsnorm' (weight only) or 'layernorm' (weight + bias) */
  norm_mode: NormMode;
  /** true: this part computes its own RoPE table from its head_dim and rope_theta; false: it uses the base table */
  attention_rope: boolean;
  /** false turns RoPE off for this part */
  use_pe: boolean;
  /** per-head LayerNorm(head_dim, eps 1e-5) on q and k before RoPE */
  use_qk_norm: boolean;
  max_position_embeddings: number;
  /** vision patch size (pre_config: the conv; top level: the anyres grid); must agree */
  patch_size: number;
  /** vision tile size (pre_config: pre_pos_embed length; top level: the anyres grid); must agree */
  default_image_size: number;
}

export interface ConnectorConfig {
  /** bias on the dimension-changing affine Linear */
  use_affine_bias: boolean;
  /** LayerNorm(in) before the affine map and a learned per-channel scale after it */
  use_pre_norm: boolean;
}

/** Feature pre-scaling (paper §3.2): per-modality factors applied after pre_norm; see model/prescale.ts. */
export interface FeaturePrescaleConfig {
  /** false = the reference exactly */
  enabled: boolean;
  /** factor on image/video feature rows */
  visual: number;
  /** factor on the time token and the latent (noise) token rows */
  noise: number;
}

export interface VisionStemConfig {
  /** output channels of each 3x3 convolution */
  channels: number[];
  /** stride of each convolution (1 or 2); their product must divide patch_size */
  strides: number[];
}

export interface HaploOmniConfig {
  model_type: 'HaploOmni';
  vocab_size: number;
  base_config: DecoderPartConfig;
  pre_config: DecoderPartConfig;
  post_config: DecoderPartConfig;
  pre_connector: ConnectorConfig;
  post_connector: ConnectorConfig;
  /** `<image>` placeholder id */
  image_token_index: number;
  /** `<video>` placeholder id */
  video_token_index: number;
  /** 'anyres' or 'anyres_max_K' (downsample an image's feature map above K tiles' worth of patches) */
  image_aspect_ratio: string;
  /** candidate anyres resolutions, [height, width], multiples of the tile size */
  image_grid_pinpoints: [number, number][];
  bos_token_id: number | null;
  eos_token_id: number | null;
  pad_token_id: number | null;
  /** std of the N(0, std) init of Linear/Embedding weights */
  initializer_range: number;
  /** Ours. Latent channels C of the video autoencoder (reference: 16, CogVideoX's VAE). */
  latent_channels: number;
  /** Ours. Width of the timestep embedding (reference: hard-coded 512). */
  time_embed_dim: number;
  /** Ours. Feature pre-scaling (absent from the reference: disabled = reference). */
  feature_prescale: FeaturePrescaleConfig;
  /** Ours. Understanding attention: 'intended' (§2.1, default) or 'causal' (what the reference runs at batch 1, §2.2). */
  understanding_mask: UnderstandingMaskMode;
  /**
   * Ours. A small convolutional side branch of the patch embedding over each frame and its temporal
   * difference (nn/vision-stem.ts): its 3x3 convolutions' widths and strides. null = none (the reference).
   */
  vision_stem: VisionStemConfig | null;
  /** Ours. Add each text row's predecessor through a learnt per-channel gate before pre_norm (model/token-shift.ts). false = the reference. */
  token_shift: boolean;
  /** Any other top-level keys of the file, kept for a faithful round trip. */
  extra: Record<string, unknown>;
}

/** Latent patch size of the generation head (CogVideoX-2B: 2x2, fixed in the reference). */
export const LATENT_PATCH = 2;

/** Thrown for an invalid config; the message names the key, the expected and the found value. */
export class ConfigError extends Error {}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (v === undefined ? 'missing' : JSON.stringify(v));

function int(obj: Json, key: string, where: string, fallback?: number, min = 0): number {
  const v = obj[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ConfigError(`${where}${key}: expected an integer >= ${min}, found ${show(obj[key])}`);
  }
  return v;
}

function num(obj: Json, key: string, where: string, fallback: number, positive = true): number {
  const v = obj[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && v <= 0)) {
    throw new ConfigError(`${where}${key}: expected a ${positive ? 'positive ' : ''}number, found ${show(obj[key])}`);
  }
  return v;
}

function bool(obj: Json, key: string, where: string, fallback: boolean): boolean {
  const v = obj[key] ?? fallback;
  if (typeof v !== 'boolean') throw new ConfigError(`${where}${key}: expected true or false, found ${show(obj[key])}`);
  return v;
}

function oneOf<T extends string>(obj: Json, key: string, where: string, allowed: readonly T[], fallback: T): T {
  const v = obj[key] ?? fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    throw new ConfigError(`${where}${key}: expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, found ${show(obj[key])}`);
  }
  return v as T;
}

function optionalId(obj: Json, key: string): number | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConfigError(`${key}: expected a token id (integer >= 0) or null, found ${show(v)}`);
  return v;
}

/**
 * One decoder part with reference class defaults for missing keys (Qwen2Config sizes:
 * hidden 4096, intermediate 22016, 32 layers, 32 heads, KV heads = heads, 32768 positions, theta 1e4).
 */
function parsePart(raw: unknown, where: string, top: Json): DecoderPartConfig {
  if (raw === undefined) raw = {};
  if (!isObject(raw)) throw new ConfigError(`${where}: expected an object, found ${show(raw)}`);
  const w = `${where}.`;
  const hidden = int(raw, 'hidden_size', w, 4096, 1);
  const heads = int(raw, 'num_attention_heads', w, 32, 1);
  const kvHeads = int(raw, 'num_key_value_heads', w, heads, 1);
  if (raw.head_dim === undefined || raw.head_dim === null) {
    if (hidden % heads !== 0) throw new ConfigError(`${w}num_attention_heads: ${heads} does not divide hidden_size ${hidden}`);
  }
  const headDim = raw.head_dim === undefined || raw.head_dim === null ? hidden / heads : int(raw, 'head_dim', w, undefined, 1);
  if (heads % kvHeads !== 0) throw new ConfigError(`${w}num_key_value_heads: ${kvHeads} does not divide num_attention_heads ${heads}`);
  if (raw.rope_scaling !== undefined && raw.rope_scaling !== null) {
    throw new ConfigError(`${w}rope_scaling: only null (plain RoPE) is supported, found ${show(raw.rope_scaling)}`);
  }
  const part: DecoderPartConfig = {
    hidden_size: hidden,
    intermediate_size: int(raw, 'intermediate_size', w, 22016, 1),
    num_hidden_layers: int(raw, 'num_hidden_layers', w, 32, 0),
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    hidden_act: oneOf(raw, 'hidden_act', w, HIDDEN_ACTS, 'silu'),
    rms_norm_eps: num(raw, 'rms_norm_eps', w, 1e-6),
    rope_theta: num(raw, 'rope_theta', w, 10000),
    norm_mode: oneOf(raw, 'norm_mode', w, ['rmsnorm', 'layernorm'] as const, 'rmsnorm'),
    attention_rope: bool(raw, 'attention_rope', w, false),
    use_pe: bool(raw, 'use_pe', w, true),
    use_qk_norm: bool(raw, 'use_qk_norm', w, false),
    max_position_embeddings: int(raw, 'max_position_embeddings', w, 32768, 1),
    // The vision keys live at the top level in the reference; a nested dict without them inherits them.
    patch_size: int(raw, 'patch_size', w, (top.patch_size as number | undefined) ?? 14, 1),
    default_image_size: int(raw, 'default_image_size', w, (top.default_image_size as number | undefined) ?? 336, 1),
  };
  if (part.use_pe && part.head_dim % 2 !== 0) throw new ConfigError(`${w}head_dim: RoPE needs an even head_dim, found ${part.head_dim}`);
  return part;
}

function parseVisionStem(raw: unknown): VisionStemConfig | null {
  if (raw === undefined || raw === null) return null;
  const channels = isObject(raw) ? raw.channels : undefined, strides = isObject(raw) ? raw.strides : undefined;
  const expected = 'expected null or {channels: [positive integers], strides: [1 or 2 each, as many]}';
  if (!Array.isArray(channels) || channels.length === 0 || channels.some((c) => !Number.isInteger(c) || c < 1) ||
    !Array.isArray(strides) || strides.length !== channels.length || strides.some((s) => s !== 1 && s !== 2)) {
    throw new ConfigError(`vision_stem: ${expected}, found ${show(raw)}`);
  }
  return { channels: [...channels] as number[], strides: [...strides] as number[] };
}

function parseConnector(raw: unknown, where: string): ConnectorConfig {
  if (raw === undefined) raw = {};
  if (!isObject(raw)) throw new ConfigError(`${where}: expected an object, found ${show(raw)}`);
  return { use_affine_bias: bool(raw, 'use_affine_bias', `${where}.`, false), use_pre_norm: bool(raw, 'use_pre_norm', `${where}.`, false) };
}

const KNOWN_TOP_KEYS = new Set([
  'architectures', 'model_type', 'vocab_size', 'base_config', 'pre_config', 'post_config', 'pre_connector', 'post_connector',
  'image_token_index', 'video_token_index', 'image_aspect_ratio', 'image_grid_pinpoints', 'bos_token_id',
  'eos_token_id', 'pad_token_id', 'initializer_range', 'latent_channels', 'time_embed_dim', 'feature_prescale', 'vision_stem',
  'understanding_mask', 'token_shift',
]);
/** Base-part keys that the reference mirrors at the top level (they are regenerated on save). */
const PART_KEYS = new Set<string>([
  'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'head_dim',
  'hidden_act', 'rms_norm_eps', 'rope_theta', 'norm_mode', 'attention_rope', 'use_pe', 'use_qk_norm',
  'max_position_embeddings', 'patch_size', 'default_image_size', 'rope_scaling',
]);

/** Parses and validates a config object (the contents of config.json). */
export function parseConfig(raw: unknown): HaploOmniConfig {
  if (!isObject(raw)) throw new ConfigError(`config: expected a JSON object, found ${show(raw)}`);
  if (raw.model_type !== undefined && raw.model_type !== 'HaploOmni') {
    throw new ConfigError(`model_type: expected "HaploOmni", found ${show(raw.model_type)}`);
  }
  // base_config is authoritative; a file without it describes the base part at the top level.
  const baseRaw = raw.base_config ?? Object.fromEntries(Object.entries(raw).filter(([k]) => PART_KEYS.has(k)));
  const base = parsePart(baseRaw, 'base_config', raw);
  const pre = parsePart(raw.pre_config, 'pre_config', raw);
  const post = parsePart(raw.post_config, 'post_config', raw);
  const vocabSource = isObject(raw.base_config) && raw.base_config.vocab_size !== undefined ? raw.base_config : raw;
  const vocab = int(vocabSource, 'vocab_size', vocabSource === raw ? '' : 'base_config.', 151936, 1);

  const prescaleRaw = raw.feature_prescale ?? {};
  if (!isObject(prescaleRaw)) throw new ConfigError(`feature_prescale: expected {enabled, visual, noise}, found ${show(prescaleRaw)}`);

  const pinpointsRaw = raw.image_grid_pinpoints ?? [[base.default_image_size, base.default_image_size]];
  if (!Array.isArray(pinpointsRaw) || pinpointsRaw.length === 0 || pinpointsRaw.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((d) => !Number.isInteger(d) || d <= 0))) {
    throw new ConfigError(`image_grid_pinpoints: expected a non-empty list of [height, width] pairs, found ${show(raw.image_grid_pinpoints)}`);
  }

  const config: HaploOmniConfig = {
    model_type: 'HaploOmni',
    vocab_size: vocab,
    base_config: base,
    pre_config: pre,
    post_config: post,
    pre_connector: parseConnector(raw.pre_connector, 'pre_connector'),
    post_connector: parseConnector(raw.post_connector, 'post_connector'),
    image_token_index: int(raw, 'image_token_index', '', 151646),
    video_token_index: int(raw, 'video_token_index', '', 151647),
    image_aspect_ratio: typeof raw.image_aspect_ratio === 'string' ? raw.image_aspect_ratio : 'anyres_max_6',
    image_grid_pinpoints: (pinpointsRaw as number[][]).map(([h, w]) => [h, w] as [number, number]),
    bos_token_id: optionalId(raw, 'bos_token_id'),
    eos_token_id: optionalId(raw, 'eos_token_id'),
    pad_token_id: optionalId(raw, 'pad_token_id'),
    initializer_range: num(raw, 'initializer_range', '', 0.02),
    latent_channels: int(raw, 'latent_channels', '', 16, 1),
    time_embed_dim: int(raw, 'time_embed_dim', '', 512, 1),
    feature_prescale: {
      enabled: bool(prescaleRaw, 'enabled', 'feature_prescale.', false),
      visual: num(prescaleRaw, 'visual', 'feature_prescale.', 1),
      noise: num(prescaleRaw, 'noise', 'feature_prescale.', 1),
    },
    understanding_mask: oneOf(raw, 'understanding_mask', '', ['intended', 'causal'] as const, 'intended'),
    vision_stem: parseVisionStem(raw.vision_stem),
    token_shift: bool(raw, 'token_shift', '', false),
    extra: Object.fromEntries(Object.entries(raw).filter(([k]) => !KNOWN_TOP_KEYS.has(k) && !PART_KEYS.has(k))),
  };
  validateConfig(config);
  return config;
}

/** Cross-key checks; throws ConfigError naming the keys involved. */
export function validateConfig(c: HaploOmniConfig): void {
  const base = c.base_config;
  for (const [name, part] of [['pre_config', c.pre_config], ['post_config', c.post_config]] as const) {
    // The shared table is computed from the base config whether or not the base part itself uses RoPE.
    if (part.use_pe && !part.attention_rope && part.head_dim !== base.head_dim) {
      throw new ConfigError(`${name}.head_dim: ${part.head_dim} differs from base_config.head_dim ${base.head_dim} while ${name}.attention_rope is false (the part would use the base RoPE table); set attention_rope true or use_pe false`);
    }
  }
  if (c.image_token_index === c.video_token_index) throw new ConfigError(`video_token_index: ${c.video_token_index} equals image_token_index; the placeholders must differ`);
  if (!/^anyres(_max_\d+)?$/.test(c.image_aspect_ratio)) {
    throw new ConfigError(`image_aspect_ratio: expected 'anyres' or 'anyres_max_K', found ${JSON.stringify(c.image_aspect_ratio)}`);
  }
  const pre = c.pre_config;
  if (pre.default_image_size % pre.patch_size !== 0) {
    throw new ConfigError(`pre_config.patch_size: ${pre.patch_size} does not divide pre_config.default_image_size ${pre.default_image_size}`);
  }
  if (base.patch_size !== pre.patch_size || base.default_image_size !== pre.default_image_size) {
    throw new ConfigError(`patch_size/default_image_size: the top level (${base.patch_size}/${base.default_image_size}) and pre_config (${pre.patch_size}/${pre.default_image_size}) must agree (the anyres grid uses one, the patch conv the other)`);
  }
  for (const [h, w] of c.image_grid_pinpoints) {
    if (h % pre.default_image_size !== 0 || w % pre.default_image_size !== 0) {
      throw new ConfigError(`image_grid_pinpoints: [${h}, ${w}] is not a multiple of the tile size ${pre.default_image_size}`);
    }
  }
  if (c.vision_stem) {
    const down = c.vision_stem.strides.reduce((a, s) => a * s, 1);
    if (c.pre_config.patch_size % down !== 0) {
      throw new ConfigError(`vision_stem.strides: they downsample by ${down}, which does not divide pre_config.patch_size ${c.pre_config.patch_size}`);
    }
  }
  // The CogVideoX 3D sin-cos table splits Dpost into D/4 temporal + 3D/8 + 3D/8 spatial sin/cos pairs.
  if (c.post_config.hidden_size % 16 !== 0) {
    throw new ConfigError(`post_config.hidden_size: ${c.post_config.hidden_size} must be a multiple of 16 for the 3D sin-cos position table of the latent tokens`);
  }
  for (const id of [c.bos_token_id, c.eos_token_id, c.pad_token_id]) {
    if (id !== null && id >= c.vocab_size) throw new ConfigError(`special token id ${id} is outside the vocabulary (vocab_size ${c.vocab_size})`);
  }
}

/** The reference JSON layout: nested dicts plus the base keys mirrored at the top level. */
export function configToJson(c: HaploOmniConfig): Json {
  const part = (p: DecoderPartConfig): Json => ({ ...p, rope_scaling: null });
  const base = { vocab_size: c.vocab_size, ...part(c.base_config) };
  return {
    architectures: ['HaploOmniForConditionalGeneration'],
    model_type: 'HaploOmni',
    ...c.extra,
    ...base,
    image_token_index: c.image_token_index,
    video_token_index: c.video_token_index,
    image_aspect_ratio: c.image_aspect_ratio,
    image_grid_pinpoints: c.image_grid_pinpoints,
    bos_token_id: c.bos_token_id,
    eos_token_id: c.eos_token_id,
    pad_token_id: c.pad_token_id,
    initializer_range: c.initializer_range,
    base_config: base,
    pre_config: part(c.pre_config),
    post_config: part(c.post_config),
    pre_connector: { ...c.pre_connector },
    post_connector: { ...c.post_connector },
    latent_channels: c.latent_channels,
    time_embed_dim: c.time_embed_dim,
    feature_prescale: { ...c.feature_prescale },
    understanding_mask: c.understanding_mask,
    ...(c.vision_stem ? { vision_stem: { channels: [...c.vision_stem.channels], strides: [...c.vision_stem.strides] } } : {}),
    ...(c.token_shift ? { token_shift: true } : {}),
  };
}

/** Layer counts and global indices of the three parts in the flat `layers` list. */
export function layerRanges(c: HaploOmniConfig): { pre: [number, number]; base: [number, number]; post: [number, number]; total: number } {
  const P = c.pre_config.num_hidden_layers, B = c.base_config.num_hidden_layers, Q = c.post_config.num_hidden_layers;
  return { pre: [0, P], base: [P, P + B], post: [P + B, P + B + Q], total: P + B + Q };
}

/** The id written into padding slots: pad_token_id, else eos (the reference tokenizer's fallback), else 0. */
export function padId(c: HaploOmniConfig): number {
  return c.pad_token_id ?? c.eos_token_id ?? 0;
}

/** Patches per tile side (n): the pre-decoder's patch grid of one tile or video frame is n x n. */
export function patchesPerSide(c: HaploOmniConfig): number {
  return c.pre_config.default_image_size / c.pre_config.patch_size;
}
