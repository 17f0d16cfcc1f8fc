/** Training objective of the VAE: reconstruction + beta * KL(q(z|x) || N(0, I)). */
import { ops, type Tensor } from '../tensor/index.js';
import type { LatentDistribution } from './vae.js';

/**
 * KL divergence of the diagonal Gaussian posterior from the standard normal prior, averaged over
 * latent elements: mean_i 0.5 (mu_i^2 + exp(lv_i) - 1 - lv_i).
 * (The per-sample KL is this times the number of latent elements per sample.)
 */
export function klDivergence(d: LatentDistribution): Tensor {
  const perElement = ops.sub(ops.add(ops.square(d.mean), ops.exp(d.logvar)), ops.addScalar(d.logvar, 1));
  return ops.scale(ops.mean(perElement), 0.5);
}

export type ReconstructionLoss = 'l1' | 'mse';

/** Mean absolute (l1) or squared (mse) pixel error. */
export function reconstructionLoss(kind: ReconstructionLoss, predicted: Tensor, target: Tensor): Tensor {
  return kind === 'mse' ? ops.mseLoss(predicted, target) : ops.mean(ops.abs(ops.sub(predicted, target)));
}
