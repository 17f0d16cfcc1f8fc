/**
 * VAE configuration: the `config.json` stored beside the weights (snake_case keys, like the
 * Hugging Face autoencoder configs).
 *
 * Shapes: frames [B, F, 3, H, W] <-> latents [B, F', C, H/s, W/s] with
 *   s  = spatial_compression = patch_size * 2^(channel_mult.length - 1)
 *   F' = (F - 1) / temporal_compression + 1   (F must be 1 + a multiple of temporal_compression)
 */

export interface VaeConfig {
  /** Latent channels C. */
  latent_channels: number;
  /**
   * Pixels folded into channels before the first convolution (space-to-depth; the decoder unfolds
   * its output the same way): 1, 2 or 4. Level 0 runs at H/patch_size.
   */
  patch_size: number;
  /** Feature channels of level 0; level i has base_channels * channel_mult[i]. */
  base_channels: number;
  /** One entry per resolution level; each level after the first halves height and width. */
  channel_mult: number[];
  /** Spatial residual blocks per level (encoder and decoder). */
  layers_per_block: number;
  /** Causal spatio-temporal residual blocks at latent resolution (encoder and decoder each). */
  mid_blocks: number;
  /** GroupNorm groups (every level's channel count must be divisible by it); 0 = no normalisation. */
  norm_groups: number;
  /** Frames per latent frame after the first (CogVideoX: 4). */
  temporal_compression: number;
  /** Frames seen by a causal temporal convolution (the current one and kernel - 1 past ones). */
  temporal_kernel: number;
  /** Derived from patch_size and channel_mult; stored so readers need not know the rule. */
  spatial_compression: number;
  /** Latents given to the diffusion model are (mean - shift_factor) * scaling_factor. */
  scaling_factor: number;
  shift_factor: number;
  /** Frame size and frame count the weights were trained on (informational). */
  sample_size: number;
  sample_frames: number;
}

export const VAE_MODEL_TYPE = 'haploomni-video-vae';

/** A config with the defaults (the shipped model's architecture) and any overrides. */
export function vaeConfig(overrides: Partial<VaeConfig> = {}): VaeConfig {
  const patch = overrides.patch_size ?? 2;
  const channelMult = overrides.channel_mult ?? defaultChannelMult(overrides.spatial_compression ?? 4, patch);
  const c: VaeConfig = {
    latent_channels: 8,
    patch_size: patch,
    base_channels: 32,
    channel_mult: channelMult,
    layers_per_block: 1,
    mid_blocks: 1,
    norm_groups: 8,
    temporal_compression: 4,
    temporal_kernel: 3,
    scaling_factor: 1,
    shift_factor: 0,
    sample_size: 32,
    sample_frames: 9,
    ...overrides,
    spatial_compression: spatialCompression(patch, channelMult),
  };
  validateVaeConfig(c);
  return c;
}

export const spatialCompression = (patch: number, channelMult: readonly number[]): number => patch * 2 ** (channelMult.length - 1);

/** [1, 2, 2, ...]: one level per halving of the resolution after the patch folding. */
export function defaultChannelMult(spatial: number, patch: number): number[] {
  const halvings = Math.log2(spatial / patch);
  if (!Number.isInteger(halvings) || halvings < 0 || spatial > 32) {
    throw new Error(`spatial compression must be ${patch}, ${2 * patch}, ... up to 32 (a power of two at least the patch size ${patch}), got ${spatial}`);
  }
  return [1, ...new Array<number>(halvings).fill(2)];
}

export function levelChannels(c: VaeConfig): number[] {
  return c.channel_mult.map((m) => c.base_channels * m);
}

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** Throws naming the first bad key. */
export function validateVaeConfig(c: VaeConfig, source = 'VAE config'): void {
  const bad = (key: string, why: string): never => { throw new Error(`${source}: ${key} ${why}`); };
  for (const key of ['latent_channels', 'base_channels', 'temporal_compression', 'temporal_kernel', 'sample_size', 'sample_frames'] as const) {
    if (!isPosInt(c[key])) bad(key, `must be a positive integer, got ${JSON.stringify(c[key])}`);
  }
  for (const key of ['layers_per_block', 'mid_blocks', 'norm_groups'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 0) bad(key, `must be a non-negative integer, got ${JSON.stringify(c[key])}`);
  }
  if (![1, 2, 4].includes(c.patch_size)) bad('patch_size', `must be 1, 2 or 4, got ${JSON.stringify(c.patch_size)}`);
  if (!Array.isArray(c.channel_mult) || c.channel_mult.length < 1 || !c.channel_mult.every(isPosInt)) {
    bad('channel_mult', `must be a non-empty list of positive integers, got ${JSON.stringify(c.channel_mult)}`);
  }
  const s = spatialCompression(c.patch_size, c.channel_mult);
  if (c.spatial_compression !== s) {
    bad('spatial_compression', `is ${c.spatial_compression} but patch_size ${c.patch_size} and ${c.channel_mult.length} levels give ${s}`);
  }
  for (const ch of [...levelChannels(c), c.base_channels]) {
    if (c.norm_groups > 0 && ch % c.norm_groups !== 0) bad('norm_groups', `(${c.norm_groups}) must divide every level's channel count, ${ch} is not divisible`);
  }
  if (!(typeof c.scaling_factor === 'number' && Number.isFinite(c.scaling_factor) && c.scaling_factor > 0)) {
    bad('scaling_factor', `must be a positive number, got ${JSON.stringify(c.scaling_factor)}`);
  }
  if (!(typeof c.shift_factor === 'number' && Number.isFinite(c.shift_factor))) bad('shift_factor', `must be a number, got ${JSON.stringify(c.shift_factor)}`);
}

/** The JSON text of config.json. */
export function vaeConfigJson(c: VaeConfig): string {
  return JSON.stringify({ model_type: VAE_MODEL_TYPE, in_channels: 3, ...c }, null, 2) + '\n';
}

/** Parses config.json text (unknown keys are ignored; missing keys take the defaults). */
export function parseVaeConfig(text: string, source: string): VaeConfig {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${source}: expected a JSON object`);
  if (raw.model_type !== undefined && raw.model_type !== VAE_MODEL_TYPE) throw new Error(`${source}: model_type is '${String(raw.model_type)}', expected '${VAE_MODEL_TYPE}'`);
  if (raw.in_channels !== undefined && raw.in_channels !== 3) throw new Error(`${source}: in_channels must be 3 (RGB), got ${JSON.stringify(raw.in_channels)}`);
  const base = vaeConfig();
  const c = { ...base } as Record<string, unknown>;
  for (const key of Object.keys(base)) if (raw[key] !== undefined) c[key] = raw[key];
  const cfg = c as unknown as VaeConfig;
  if (raw.spatial_compression === undefined && Array.isArray(cfg.channel_mult)) cfg.spatial_compression = spatialCompression(cfg.patch_size, cfg.channel_mult);
  validateVaeConfig(cfg, source);
  return cfg;
}
