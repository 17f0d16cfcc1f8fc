/**
 * Feature pre-scaling (paper §3.2), applied after pre_norm.
 *
 * The paper observes that noise tokens arrive about 10x louder than ViT features and "pre-establishes
 * initial feature transformation scales for different modalities based on statistical information".
 * The reference has no such constant (§4), and it runs pre_norm — a LayerNorm over every input token —
 * which would cancel any factor applied before it. So the factors act after pre_norm, on the rows of
 * each modality, right before layer 0:
 *   h_row <- s_m * pre_norm(x_row),   m in {visual (image/video features), noise (time token + latents)}
 * Text rows are never scaled. `calibrateFeaturePrescale` (calibrate.ts) sets s_m = rms_text / rms_m
 * from the raw features entering pre_norm, so a modality whose raw features are k times louder than
 * text enters the pre-decoder at 1/k of the text amplitude (the paper's noise ≈ 10x gives s ≈ 0.1):
 * the statistics decide the starting scales, training takes it from there. `enabled: false` (or both
 * factors 1) is the reference exactly; the switch is the ablation.
 */
import { fromBuffer, ops, type Tensor } from '../tensor/index.js';
import type { HaploOmniConfig } from './config.js';

/** What each token row holds (values of a row-kind Uint8Array). */
export const RowKind = { Text: 0, Visual: 1, Noise: 2 } as const;

/** h [B, T, D] after pre_norm, kinds [B * T] -> h with visual/noise rows scaled (h itself when off). */
export function applyFeaturePrescale(config: HaploOmniConfig, h: Tensor, kinds: Uint8Array): Tensor {
  const { enabled, visual, noise } = config.feature_prescale;
  if (!enabled || (visual === 1 && noise === 1)) return h;
  const [b, t] = h.shape;
  if (kinds.length !== b * t) throw new Error(`feature pre-scaling: ${kinds.length} row kinds for [${b}, ${t}] rows`);
  const factors = new Float32Array(b * t);
  for (let r = 0; r < b * t; r++) factors[r] = kinds[r] === RowKind.Visual ? visual : kinds[r] === RowKind.Noise ? noise : 1;
  return ops.mul(h, fromBuffer(factors, [b, t, 1]));
}
