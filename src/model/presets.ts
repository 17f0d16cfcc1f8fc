/**
 * Model presets as plain config data (the config.json layout, parsed by parseConfig).
 *
 * - `tiny`: a few million parameters, trainable on a CPU on the Shapes world (32x32 video, 9 frames).
 *   One object: edit the numbers here to retune it. Its vocabulary keys are filled from the tokenizer
 *   by presetConfig(name, vocab).
 * - `paper`: the paper's sizes (CLIP-ViT-L-sized pre-decoder, Qwen2.5-7B base, CogVideoX-2B-sized
 *   post-decoder). Far too large to build in this runtime; use it with info() for parameter counts.
 */
import { parseConfig, type HaploOmniConfig } from './config.js';

/** Vocabulary facts a preset takes from the tokenizer (a HaploTokenizer satisfies this). */
export interface VocabSpec {
  vocabSize: number;
  imageId: number;
  videoId: number;
  eosId: number;
  padId: number;
}

/** The shipped Shapes tokenizer (assets/tokenizer): 708 BPE tokens, then <|endoftext|>, <|im_start|>, <|im_end|>, <image>, <video>. */
export const SHAPES_TOKENIZER_VOCAB: VocabSpec = { vocabSize: 713, imageId: 711, videoId: 712, eosId: 708, padId: 708 };

export const TINY = {
  model_type: 'HaploOmni',
  base_config: {
    hidden_size: 192, // D: the "LLM" width
    intermediate_size: 512, // gated-MLP width
    num_hidden_layers: 4, // B
    num_attention_heads: 6, // head_dim 32
    num_key_value_heads: 6, // full multi-head attention (with 2 KV heads a small stack learnt the text-binding task of model/token-shift.ts slower)
    rope_theta: 10000, // the model-level RoPE table
    rms_norm_eps: 1e-6,
    max_position_embeddings: 2048,
    patch_size: 8, // vision patch (must equal pre_config's)
    default_image_size: 32, // vision tile = a whole 32x32 Shapes frame: 4x4 = 16 tokens per frame
  },
  pre_config: {
    hidden_size: 128, // Dpre: also the text embedding width
    intermediate_size: 256,
    num_hidden_layers: 1, // P (the preset before had 2 pre + 2 post layers; the README's table compares the stacks on the default recipe)
    num_attention_heads: 4, // head_dim 32
    num_key_value_heads: 4,
    attention_rope: true, // own RoPE table (same head_dim as the base here, kept separate as in the paper config)
    rope_theta: 10000,
    patch_size: 8,
    default_image_size: 32,
  },
  post_config: {
    hidden_size: 128, // Dpost: multiple of 16 (3D sin-cos table)
    intermediate_size: 256,
    num_hidden_layers: 1, // Q
    num_attention_heads: 4,
    num_key_value_heads: 4,
    attention_rope: true,
    rope_theta: 10000,
    patch_size: 8,
    default_image_size: 32,
  },
  pre_connector: { use_affine_bias: true, use_pre_norm: false },
  post_connector: { use_affine_bias: true, use_pre_norm: false },
  image_aspect_ratio: 'anyres_max_6', // a 32x32 image is one tile: 4 x (4 + 1) = 20 tokens
  image_grid_pinpoints: [[32, 32], [32, 64], [64, 32], [64, 64]], // anyres candidates [height, width]
  latent_channels: 8, // = the shipped VAE (src/vae): a 9 x 32 x 32 clip -> latents [3, 8, 8, 8], N = 48 latent tokens
  time_embed_dim: 128, // the reference's 512 is oversized at this width
  feature_prescale: { enabled: false, visual: 1, noise: 1 }, // calibrate with calibrateFeaturePrescale
  understanding_mask: 'intended',
  token_shift: true, // text rows add their predecessor's embedding (model/token-shift.ts)
  vision_stem: { channels: [32, 64, 64, 64], strides: [1, 2, 2, 1] }, // 3x3 convs over frame + temporal difference at 32x32, 16x16, 8x8, 8x8 (receptive field 17 px) -> 2x2 patches onto the 4x4 grid
  // std of every fresh weight matrix and embedding. 0.02 (the reference's, for widths in the
  // thousands) is ~0.2 / sqrt(D) here, and the small start made the model learn one attribute at a
  // time: one-object scenes, colour/shape/size/motion questions mixed, 16 per step, after 400 steps
  // colour 20%, shape 15%, size 95%, motion 10% at 0.02; 100%, 55%, 100%, 85% at 0.06 (~0.6 / sqrt(D)).
  // 300 steps on lone objects, tested on every scene: 63/23/72/20% at 0.04, 55/45/63/42% at 0.06,
  // 47/23/62/15% at 0.1 (one seed each).
  initializer_range: 0.06,
};

export const PAPER = {
  model_type: 'HaploOmni',
  base_config: {
    vocab_size: 152064, // Qwen2.5-7B
    hidden_size: 3584,
    intermediate_size: 18944,
    num_hidden_layers: 28,
    num_attention_heads: 28, // head_dim 128
    num_key_value_heads: 4,
    rope_theta: 1000000,
    rms_norm_eps: 1e-6,
    max_position_embeddings: 32768,
    patch_size: 14,
    default_image_size: 336, // the model-side default tile (the reference processor's 384 must be matched to it)
  },
  pre_config: {
    hidden_size: 1024, // CLIP-ViT-L width
    intermediate_size: 4096,
    num_hidden_layers: 24,
    num_attention_heads: 16, // head_dim 64
    num_key_value_heads: 16,
    attention_rope: true, // head_dim 64 != base 128: own table
    rope_theta: 10000,
    patch_size: 14,
    default_image_size: 336,
  },
  post_config: {
    hidden_size: 1920, // CogVideoX-2B width
    intermediate_size: 7680,
    num_hidden_layers: 30,
    num_attention_heads: 30, // head_dim 64
    num_key_value_heads: 30,
    attention_rope: true,
    rope_theta: 10000,
    patch_size: 14,
    default_image_size: 336,
  },
  pre_connector: { use_affine_bias: true, use_pre_norm: true },
  post_connector: { use_affine_bias: true, use_pre_norm: true },
  image_token_index: 151646,
  video_token_index: 151647,
  bos_token_id: 151643,
  eos_token_id: 151645, // <|im_end|>
  pad_token_id: 151643, // <|endoftext|>
  image_aspect_ratio: 'anyres_max_6',
  image_grid_pinpoints: [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]], // LLaVA-NeXT
  latent_channels: 16, // CogVideoX VAE
  time_embed_dim: 512,
  feature_prescale: { enabled: false, visual: 1, noise: 1 },
  understanding_mask: 'intended',
  initializer_range: 0.02,
};

export const PRESETS = { tiny: TINY, paper: PAPER } as const;
export type PresetName = keyof typeof PRESETS;

/** A parsed preset; `vocab` (e.g. the tokenizer) sets vocab_size and the special ids (tiny defaults to the shipped tokenizer). */
export function presetConfig(name: PresetName, vocab?: VocabSpec): HaploOmniConfig {
  const preset = PRESETS[name];
  if (!preset) throw new Error(`unknown preset '${name}' (have ${Object.keys(PRESETS).join(', ')})`);
  const raw = structuredClone(preset) as Record<string, unknown> & { base_config: Record<string, unknown> };
  const v = vocab ?? (name === 'tiny' ? SHAPES_TOKENIZER_VOCAB : null);
  if (v) {
    raw.base_config.vocab_size = v.vocabSize;
    Object.assign(raw, { image_token_index: v.imageId, video_token_index: v.videoId, eos_token_id: v.eosId, pad_token_id: v.padId });
  }
  return parseConfig(raw);
}
