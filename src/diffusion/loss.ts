/** Training loss of the generation path: v-prediction MSE under the CogVideoX noise schedule. */
import { generationForward } from '../model/generation.js';
import type { HaploOmni } from '../model/haploomni.js';
import { fromBuffer, ops, type Rng, type Tensor } from '../tensor/index.js';
import { cogvideoxAlphasCumprod } from './scheduler.js';

let alphas: Float64Array | null = null;

/**
 * For clean latents x0 [B, F, C, h, w] and their left-padded prompts (textIds/textMask [B, S]):
 *   t ~ uniform integer in [0, 1000) per row,  eps ~ N(0, 1)
 *   x_t = sqrt(a_t) x0 + sqrt(1 - a_t) eps,   target v = sqrt(a_t) eps - sqrt(1 - a_t) x0
 *   loss = mean((model(x_t, t, text) - v)^2)
 * with a_t the scheduler's alphas_cumprod (SNR-shifted, zero terminal SNR). `timesteps` fixes t.
 */
export function diffusionLoss(model: HaploOmni, latents: Tensor, textIds: Int32Array, textMask: Uint8Array, rng: Rng,
  opts: { timesteps?: ArrayLike<number> } = {}): Tensor {
  alphas ??= cogvideoxAlphasCumprod();
  const B = latents.shape[0];
  if (textIds.length % B !== 0 || textMask.length !== textIds.length) {
    throw new Error(`text ids (${textIds.length}) and mask (${textMask.length}) must be [${B}, S] for ${B} latent rows`);
  }
  const timesteps = opts.timesteps ? Array.from(opts.timesteps) : Array.from(rng.uniform(B), (u) => Math.min(alphas!.length - 1, Math.floor(u * alphas!.length)));
  if (timesteps.length !== B || timesteps.some((t) => !Number.isInteger(t) || t < 0 || t >= alphas!.length)) {
    throw new Error(`diffusionLoss: timesteps must be ${B} integers in [0, ${alphas.length}), got [${timesteps.join(', ')}]`);
  }
  const eps = rng.normal(latents.size);
  const x0 = latents.data, per = latents.size / B;
  const noisy = new Float32Array(latents.size), target = new Float32Array(latents.size);
  for (let b = 0; b < B; b++) {
    const sa = Math.sqrt(alphas[timesteps[b]]), sb = Math.sqrt(1 - alphas[timesteps[b]]);
    for (let i = b * per; i < (b + 1) * per; i++) {
      noisy[i] = sa * x0[i] + sb * eps[i];
      target[i] = sa * eps[i] - sb * x0[i];
    }
  }
  const text = { ids: textIds, mask: textMask, batch: B, length: textIds.length / B };
  const v = generationForward(model, { latents: fromBuffer(noisy, latents.shape), timesteps, text });
  return ops.mseLoss(v, fromBuffer(target, latents.shape));
}
