/**
 * Calibration of feature pre-scaling (see prescale.ts for the design): measures the RMS of the raw
 * features entering pre_norm per modality (text rows token-shifted when the config has the shift) and
 * sets s_m = rms_text / rms_m.
 */
import { noGrad, tidy, type Tensor } from '../tensor/index.js';
import { noiseTokens, textEmbeds, type GenerationInput } from './generation.js';
import type { HaploOmni } from './haploomni.js';
import type { UnderstandingInput } from './understanding.js';
import { shiftTextRows } from './token-shift.js';
import { embedMultimodal } from './visual.js';

export interface PrescaleSamples {
  /** understanding batches: text and image/video feature rows */
  understanding?: readonly UnderstandingInput[];
  /** generation batches (noisy latents + timesteps): text rows and the projected time + latent tokens */
  generation?: readonly GenerationInput[];
}

export interface PrescaleCalibration {
  /** RMS of the raw features of each modality (null when the samples had none) */
  rms: { text: number; visual: number | null; noise: number | null };
  /** the factors now in model.config.feature_prescale */
  factors: { visual: number; noise: number };
}

/** Sum of squares and element count of the rows of x [B, T, D] where select[row] holds. */
function accumulate(acc: { sum: number; count: number }, x: Tensor, select: (row: number) => boolean): void {
  const d = x.shape[x.rank - 1], rows = x.size / d, data = x.data;
  for (let r = 0; r < rows; r++) {
    if (!select(r)) continue;
    for (let i = r * d; i < (r + 1) * d; i++) acc.sum += data[i] * data[i];
    acc.count += d;
  }
}

/**
 * Measures per-modality RMS on the samples and writes enabled = true and the factors into the model's
 * config (modalities absent from the samples keep their factor). Padding rows are ignored.
 */
export function calibrateFeaturePrescale(model: HaploOmni, samples: PrescaleSamples): PrescaleCalibration {
  const text = { sum: 0, count: 0 }, visual = { sum: 0, count: 0 }, noise = { sum: 0, count: 0 };
  noGrad(() => {
    for (const u of samples.understanding ?? []) tidy(() => {
      const { embeds, visualRows } = embedMultimodal(model, u);
      const real = (r: number) => !u.attentionMask || u.attentionMask[r] !== 0;
      const shifted = shiftTextRows(embeds, model.model.token_shift, visualRows, u.attentionMask ?? null);
      accumulate(text, shifted, (r) => real(r) && visualRows[r] === 0);
      accumulate(visual, embeds, (r) => visualRows[r] === 1);
    });
    for (const g of samples.generation ?? []) tidy(() => {
      accumulate(text, textEmbeds(model, g.text), (r) => g.text.mask[r] !== 0);
      accumulate(noise, noiseTokens(model, g.latents, g.timesteps).tokens, () => true);
    });
  });
  if (text.count === 0) throw new Error('calibrateFeaturePrescale: the samples hold no text tokens to measure against');
  const rms = (a: { sum: number; count: number }) => (a.count > 0 ? Math.sqrt(a.sum / a.count) : null);
  const rmsText = rms(text)!, rmsVisual = rms(visual), rmsNoise = rms(noise);
  const current = model.config.feature_prescale;
  const factors = {
    visual: rmsVisual ? rmsText / rmsVisual : current.visual,
    noise: rmsNoise ? rmsText / rmsNoise : current.noise,
  };
  model.config.feature_prescale = { enabled: true, ...factors };
  return { rms: { text: rmsText, visual: rmsVisual, noise: rmsNoise }, factors };
}
