/** Classifier-free guidance (reference §6.2). */
import { fromBuffer, type Tensor } from '../tensor/index.js';

/**
 * Dynamic guidance scale (diffusers' CogVideoX pipeline, off in the reference demo):
 *   w_t = 1 + g (1 - cos(pi ((N - t) / N)^5)) / 2
 * with t the timestep VALUE (not the step index) and N the number of inference steps, as diffusers has it.
 */
export function dynamicGuidanceScale(guidance: number, timestep: number, steps: number): number {
  return 1 + (guidance * (1 - Math.cos(Math.PI * ((steps - timestep) / steps) ** 5))) / 2;
}

/** v = v_u + w (v_c - v_u), elementwise in float32. */
export function guide(vUncond: Tensor, vCond: Tensor, w: number): Tensor {
  if (vUncond.size !== vCond.size) throw new Error(`guidance: unconditional [${vUncond.shape.join(', ')}] and conditional [${vCond.shape.join(', ')}] differ`);
  const u = vUncond.data, c = vCond.data, out = new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = u[i] + w * (c[i] - u[i]);
  return fromBuffer(out, vCond.shape);
}
