/** Gradient clipping by global L2 norm. */
import { kernels } from '../backend.js';
import type { Tensor } from '../tensor.js';

/** sqrt(sum over parameters of |grad|^2). */
export function gradNorm(params: readonly Tensor[]): number {
  const k = kernels();
  let s = 0;
  for (const p of params) if (p.grad) s += k.sumSquares(p.grad.data, p.size);
  return Math.sqrt(s);
}

/**
 * The factor min(1, maxNorm / (norm + 1e-6)) that clips the global gradient norm to maxNorm (as
 * torch.nn.utils.clip_grad_norm_). Pass it to AdamW.update as gradScale rather than rescaling the
 * gradients in a separate pass.
 */
export function clipFactor(norm: number, maxNorm: number): number {
  if (!(maxNorm > 0)) throw new Error(`maxNorm must be positive, got ${maxNorm}`);
  return Math.min(1, maxNorm / (norm + 1e-6));
}

/** Clips in place and returns the pre-clip norm (for callers that want scaled gradients). */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  const norm = gradNorm(params);
  const f = clipFactor(norm, maxNorm);
  if (f < 1) for (const p of params) if (p.grad) kernels().affine(p.grad.data, p.grad.data, p.size, f, 0);
  return norm;
}
