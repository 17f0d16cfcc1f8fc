/** Latent statistics for the diffusion scaling factor (CogVideoX's 1.15258426 is 1 / std measured this way). */
import { noGrad, tidy } from '../tensor/index.js';
import type { RgbVideo } from '../data/media/video.js';
import { videosToTensor } from './frames.js';
import type { VideoVae } from './vae.js';

/**
 * Mean and standard deviation over every element of the posterior means (unscaled) of the videos:
 * scaling_factor = 1 / std makes the diffusion latents unit-variance.
 */
export function latentStatistics(vae: VideoVae, videos: readonly RgbVideo[], batch: number): { mean: number; std: number } {
  if (videos.length === 0) throw new Error('latent statistics need at least one video');
  let n = 0, s = 0, s2 = 0;
  for (let i = 0; i < videos.length; i += batch) {
    tidy(() => {
      const { mean } = noGrad(() => vae.distribution(videosToTensor(videos.slice(i, i + batch))));
      for (const v of mean.data) { s += v; s2 += v * v; }
      n += mean.size;
    });
  }
  const mu = s / n;
  return { mean: mu, std: Math.sqrt(Math.max(0, s2 / n - mu * mu)) };
}
