/** Training loss of the generation path: v-prediction MSE under the CogVideoX noise schedule. */
import { generationForward } from '../model/generation.js';
import { generationForwardShared } from '../model/generation-shared.js';
import type { HaploOmni } from '../model/haploomni.js';
import { fromBuffer, ops, type Rng, type Tensor } from '../tensor/index.js';
import { cogvideoxAlphasCumprod } from './scheduler.js';

let alphas: Float64Array | null = null;

/**
 * For clean latents x0 [B, F, C, h, w] and their left-padded prompts (textIds/textMask [B, S]),
 * R = `draws` noise draws per clip (default 1):
 *   t_r = floor(1000 (r + u_r) / R), u_r ~ uniform[0, 1)   (stratified: each draw has its own 1000 / R
 *                                                          slice, so t stays uniform over [0, 1000))
 *   eps ~ N(0, 1),  x_t = sqrt(a_t) x0 + sqrt(1 - a_t) eps,   target v = sqrt(a_t) eps - sqrt(1 - a_t) x0
 *   loss = mean over the B R draws of mean((model(x_t, t, text) - v)^2)
 * with a_t the scheduler's alphas_cumprod (SNR-shifted, zero terminal SNR). The R draws of a clip share
 * one pass over its prompt (generationForward's draws), which costs far less than R separate clips, and
 * the prompts' common prefix (the template's system prompt) runs once for all B clips
 * (model/generation-shared.ts; `sharedPrefix: false` runs each prompt whole, as generationForward does).
 * `timesteps` ([B R], row b R + r) fixes t.
 */
export function diffusionLoss(model: HaploOmni, latents: Tensor, textIds: Int32Array, textMask: Uint8Array, rng: Rng,
  opts: { timesteps?: ArrayLike<number>; draws?: number; sharedPrefix?: boolean } = {}): Tensor {
  alphas ??= cogvideoxAlphasCumprod();
  const B = latents.shape[0], R = opts.draws ?? 1, T = alphas.length;
  if (!Number.isInteger(R) || R < 1) throw new Error(`diffusionLoss: draws must be a positive integer, got ${R}`);
  if (textIds.length % B !== 0 || textMask.length !== textIds.length) {
    throw new Error(`text ids (${textIds.length}) and mask (${textMask.length}) must be [${B}, S] for ${B} latent rows`);
  }
  const timesteps = opts.timesteps ? Array.from(opts.timesteps)
    : Array.from(rng.uniform(B * R), (u, k) => Math.min(T - 1, Math.floor(((k % R) + u) * (T / R))));
  if (timesteps.length !== B * R || timesteps.some((t) => !Number.isInteger(t) || t < 0 || t >= T)) {
    throw new Error(`diffusionLoss: timesteps must be ${B * R} integers in [0, ${T}), got [${timesteps.join(', ')}]`);
  }
  const per = latents.size / B, eps = rng.normal(B * R * per), x0 = latents.data;
  const noisy = new Float32Array(B * R * per), target = new Float32Array(B * R * per);
  for (let k = 0; k < B * R; k++) {
    const sa = Math.sqrt(alphas[timesteps[k]]), sb = Math.sqrt(1 - alphas[timesteps[k]]), clean = Math.floor(k / R) * per;
    for (let i = 0; i < per; i++) {
      const e = eps[k * per + i], x = x0[clean + i];
      noisy[k * per + i] = sa * x + sb * e;
      target[k * per + i] = sa * e - sb * x;
    }
  }
  const shape = [B * R, ...latents.shape.slice(1)];
  const text = { ids: textIds, mask: textMask, batch: B, length: textIds.length / B };
  const forward = opts.sharedPrefix === false ? generationForward : generationForwardShared;
  const v = forward(model, { latents: fromBuffer(noisy, shape), timesteps, text, draws: R });
  return ops.mseLoss(v, fromBuffer(target, shape));
}
