/**
 * Text-to-video sampling (reference §6, CogVideoXPipeline_Onedecoder): DDIM over v-predictions with
 * classifier-free guidance. The unconditional prompts are batched in front of the conditional ones,
 * `[uncond..., cond...]`, all left-padded to the longest, with the same latents and timestep per pair.
 *
 * By default every step reuses the text keys/values (the text-state cache, model/generation.ts):
 * text rows never see the time token or the noise, so they are computed once per prompt batch and
 * each step runs only the 1 + N time/noise rows. `textStateCache: false` recomputes the full
 * sequence every step, as the reference does.
 */
import { LATENT_PATCH, padId } from '../model/config.js';
import { generationForward, generationForwardCached, leftPad, prefillTextState, type TextState } from '../model/generation.js';
import { disposeKVCache, type HaploOmni } from '../model/haploomni.js';
import { keep, noGrad, ops, randn, Rng, tidy, type Tensor } from '../tensor/index.js';
import { dynamicGuidanceScale, guide } from './guidance.js';
import { CogVideoXDDIMScheduler } from './scheduler.js';

export interface VideoSamplingRequest {
  /** token ids of each prompt (unpadded; the caller applies the chat template) */
  prompts: readonly (readonly number[])[];
  /**
   * unconditional prompt(s): the same template with an empty (or negative) prompt, one per prompt or a
   * single one for all; required when guidance is on
   */
  negativePrompts?: readonly (readonly number[])[];
  /** latent frames and spatial size (channels come from the config) */
  latentShape: { frames: number; height: number; width: number };
}

/** What a step reports (tensors are freed after the callback returns: copy what you keep). */
export interface SamplingStep {
  step: number;
  timestep: number;
  /** latents after the step [B, F, C, h, w] */
  latents: Tensor;
  /** unconditional v (null without guidance) and conditional v */
  vUncond: Tensor | null;
  vCond: Tensor;
}

export interface VideoSamplingOptions {
  /** DDIM steps (default 50) */
  steps?: number;
  /** classifier-free guidance scale w; guidance runs when w > 1 (default 6, the reference signature) */
  guidanceScale?: number;
  /** dynamic guidance schedule (§6.2), default off */
  dynamicGuidance?: boolean;
  /** seed of the initial noise (default 0) */
  seed?: number;
  /** explicit initial latents [B, F, C, h, w] instead of seeded noise */
  noise?: Tensor;
  /** reuse the text keys/values across steps (default true) */
  textStateCache?: boolean;
  onStep?: (s: SamplingStep) => void;
}

/** Samples latents [B, F, C, h, w] for B prompts. Runs without gradients. */
export function sampleVideo(model: HaploOmni, request: VideoSamplingRequest, opts: VideoSamplingOptions = {}): Tensor {
  const c = model.config;
  const B = request.prompts.length;
  if (B === 0) throw new Error('sampleVideo needs at least one prompt');
  const { frames, height, width } = request.latentShape;
  if (!(Number.isInteger(frames) && frames >= 1)) throw new Error(`latent frames must be a positive integer, got ${frames}`);
  if (!(height > 0 && width > 0 && height % LATENT_PATCH === 0 && width % LATENT_PATCH === 0)) {
    throw new Error(`latent height and width must be multiples of ${LATENT_PATCH}, got ${height} x ${width}`);
  }
  const shape = [B, frames, c.latent_channels, height, width];
  const w = opts.guidanceScale ?? 6;
  const guided = w > 1;
  const negatives = request.negativePrompts ?? null;
  if (guided && !negatives) throw new Error(`guidance scale ${w} > 1 needs negativePrompts (the chat template around an empty prompt)`);
  if (negatives && negatives.length !== 1 && negatives.length !== B) throw new Error(`${negatives.length} negative prompts for ${B} prompts (give 1 or ${B})`);
  const rows = guided ? [...request.prompts.map((_, i) => negatives![negatives!.length === 1 ? 0 : i]), ...request.prompts] : [...request.prompts];
  const text = leftPad(rows, padId(c));

  const scheduler = new CogVideoXDDIMScheduler();
  const steps = opts.steps ?? 50;
  const timesteps = scheduler.setTimesteps(steps);
  if (opts.noise && opts.noise.size !== shape.reduce((a, b) => a * b, 1)) throw new Error(`noise [${opts.noise.shape.join(', ')}] does not match latents [${shape.join(', ')}]`);
  let latents = keep(opts.noise ? ops.reshape(opts.noise, shape) : randn(shape, new Rng(opts.seed ?? 0)));
  const N = frames * (height / LATENT_PATCH) * (width / LATENT_PATCH);

  return noGrad(() => {
    const state: TextState | null = (opts.textStateCache ?? true) ? tidy(() => prefillTextState(model, text, N)) : null;
    try {
      timesteps.forEach((t, step) => {
        const next = tidy(() => {
          const input = guided ? ops.concat([latents, latents], 0) : latents;
          const ts = new Array<number>(text.batch).fill(t);
          const v = state ? generationForwardCached(model, state, input, ts) : generationForward(model, { latents: input, timesteps: ts, text });
          const vUncond = guided ? ops.slice(v, 0, 0, B) : null;
          const vCond = guided ? ops.slice(v, 0, B, 2 * B) : v;
          const scale = opts.dynamicGuidance ? dynamicGuidanceScale(w, t, steps) : w;
          const vGuided = vUncond ? guide(vUncond, vCond, scale) : vCond;
          const prev = scheduler.step(vGuided, t, latents).prevSample;
          opts.onStep?.({ step, timestep: t, latents: prev, vUncond, vCond });
          return prev;
        });
        latents.dispose();
        latents = keep(next);
      });
    } finally {
      if (state) disposeKVCache(state.cache);
    }
    return latents;
  });
}
