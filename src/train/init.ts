/**
 * Initialisation for training from scratch (no priors).
 *
 * The reference draws each multimodal norm's state rows SSG_L / SSG_C ([shift, scale, gate]) from
 * N(0, 1). With weights from trained priors that is harmless; from scratch it adds a large random
 * per-channel shift to every token and multiplies every residual branch by a random-sign gate, and the
 * model settles on the answer prior instead of reading the pixels. Measured on "What color is the
 * object?" over single-object Shapes images (tiny preset, batch 16, lr 1e-3): 20% accuracy after 300
 * steps with the reference init (chance 12.5%), 45-50% with this one.
 *
 * 'identity': every state row starts at shift 0, scale 0, gate 1, i.e. y = norm(x), x + 1 * f(y): a plain
 * pre-norm transformer block, which the switch and the rows then learn to specialise per modality.
 */
import type { HaploOmni } from '../model/haploomni.js';

export type SsgInit = 'identity' | 'reference';
export const SSG_INITS: readonly SsgInit[] = ['identity', 'reference'];

/** Sets every SSG_L / SSG_C [3, dim] to rows [0, 0, 1]; returns how many matrices it set. */
export function identityModulation(model: HaploOmni): number {
  let count = 0;
  for (const [name, t] of model.namedParameters()) {
    if (!/\.SSG_[LC]$/.test(name)) continue;
    const dim = t.shape[1];
    t.data.fill(0, 0, 2 * dim);
    t.data.fill(1, 2 * dim, 3 * dim);
    count++;
  }
  return count;
}
