/**
 * Text-to-video through a pipeline: prompts in, RGB videos out. Each prompt is put in the generation
 * chat template (buildGenerationPrompt), the empty prompt is the unconditional branch of
 * classifier-free guidance, DDIM runs over latents shaped by the VAE (frames F -> (F - 1) / r + 1
 * latent frames, C channels, H / s x W / s), reusing the text keys/values across steps, and the VAE
 * decodes the result. The same prompts, options and seed give the same videos.
 */
import { buildGenerationPrompt, type RgbVideo } from '../data/index.js';
import { sampleVideo, type SamplingStep } from '../model/index.js';
import type { Pipeline } from './load.js';

export interface VideoOptions {
  /** DDIM steps (default: settings.sampling_steps) */
  steps?: number;
  /** classifier-free guidance scale, off at <= 1 (default: settings.guidance_scale) */
  guidanceScale?: number;
  /** seed of the initial noise of the batch (default 0) */
  seed?: number;
  /** frames per video, 1 + a multiple of the VAE's temporal compression (default: settings.video_frames) */
  frames?: number;
  /** the unconditional prompt (default "") */
  negativePrompt?: string;
  onStep?: (step: SamplingStep) => void;
}

/** Latent shape [frames, height, width] of a video of the given frame count at the settings' size. */
function latentShape(pipeline: Pipeline, frames: number): { frames: number; height: number; width: number } {
  const vae = pipeline.vae, s = vae.config.spatial_compression;
  const { video_height: H, video_width: W } = pipeline.settings;
  return { frames: vae.latentFrames(frames), height: H / s, width: W / s };
}

/** Generates one video per prompt, all in one batch. */
export function generateVideos(pipeline: Pipeline, prompts: readonly string[], options: VideoOptions = {}): RgbVideo[] {
  if (prompts.length === 0) throw new Error('generateVideos needs at least one prompt');
  const { settings, tokenizer } = pipeline;
  const steps = options.steps ?? settings.sampling_steps;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`sampling steps must be a positive integer, got ${steps}`);
  const latents = sampleVideo(pipeline.model, {
    prompts: prompts.map((p) => buildGenerationPrompt(tokenizer, p).ids),
    negativePrompts: [buildGenerationPrompt(tokenizer, options.negativePrompt ?? '').ids],
    latentShape: latentShape(pipeline, options.frames ?? settings.video_frames),
  }, {
    steps,
    guidanceScale: options.guidanceScale ?? settings.guidance_scale,
    seed: options.seed ?? 0,
    ...(options.onStep ? { onStep: options.onStep } : {}),
  });
  try {
    return pipeline.vae.decode(latents);
  } finally {
    latents.dispose();
  }
}
