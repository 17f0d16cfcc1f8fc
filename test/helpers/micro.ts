/**
 * A micro HaploOmni config for fast tests: every switch the fixture leaves off is on somewhere
 * (layernorm-mode norms, qk-norm, pre-norm connectors with affine bias, a part on the shared RoPE
 * table, GQA), and the sizes are small enough for the js backend.
 */
import { parseConfig, type HaploOmniConfig } from '../../src/model/config.js';

export function microConfig(overrides: Record<string, unknown> = {}): HaploOmniConfig {
  return parseConfig({
    model_type: 'HaploOmni',
    base_config: {
      vocab_size: 40, hidden_size: 24, intermediate_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
      rope_theta: 10000, patch_size: 4, default_image_size: 8, norm_mode: 'layernorm', use_qk_norm: true,
    },
    pre_config: {
      hidden_size: 16, intermediate_size: 24, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2,
      head_dim: 6, attention_rope: false, hidden_act: 'gelu_pytorch_tanh', patch_size: 4, default_image_size: 8,
    },
    post_config: {
      hidden_size: 16, intermediate_size: 24, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1,
      attention_rope: true, rope_theta: 500, patch_size: 4, default_image_size: 8,
    },
    pre_connector: { use_affine_bias: true, use_pre_norm: true },
    post_connector: { use_affine_bias: false, use_pre_norm: true },
    image_token_index: 37, video_token_index: 38, eos_token_id: 39, pad_token_id: 0,
    image_aspect_ratio: 'anyres_max_1',
    image_grid_pinpoints: [[8, 8], [8, 16], [16, 8], [16, 16]],
    latent_channels: 4,
    time_embed_dim: 16,
    ...overrides,
  });
}
