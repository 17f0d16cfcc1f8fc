/**
 * CogVideoXDDIMScheduler as configured by CogVideoX-2b with trailing spacing (reference §6.1):
 *   betas: scaled_linear, sqrt-linear from 0.00085 to 0.012 over 1000 steps (float64)
 *   alphas_cumprod = cumprod(1 - beta), then the SNR shift  a <- a / (s + (1 - s) a), s = 3,
 *   then the zero-terminal-SNR rescale (sqrt(a) shifted so sqrt(a_999) = 0 and rescaled so sqrt(a_0) is kept)
 *   set_alpha_to_one: alpha_prev = 1 past the end;  v-prediction;  eta ignored (deterministic).
 *
 * Step from t to prev = t - 1000 / steps:
 *   x0 = sqrt(a_t) x - sqrt(1 - a_t) v
 *   A = sqrt((1 - a_prev) / (1 - a_t)),  B = sqrt(a_prev) - sqrt(a_t) A,  x_prev = A x + B x0
 */
import { fromBuffer, type Tensor } from '../tensor/index.js';

export interface SchedulerConfig {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  /** SD3-style SNR shift scale */
  snrShiftScale: number;
  rescaleBetasZeroSnr: boolean;
  setAlphaToOne: boolean;
}

/** CogVideoX-2b's scheduler_config.json (the values the reference loads). */
export const COGVIDEOX_2B_SCHEDULER: SchedulerConfig = {
  numTrainTimesteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  snrShiftScale: 3.0,
  rescaleBetasZeroSnr: true,
  setAlphaToOne: true,
};

/** alphas_cumprod in float64 after the SNR shift and (optionally) the zero-terminal-SNR rescale. */
export function cogvideoxAlphasCumprod(c: SchedulerConfig = COGVIDEOX_2B_SCHEDULER): Float64Array {
  const n = c.numTrainTimesteps;
  const a = new Float64Array(n);
  const lo = Math.sqrt(c.betaStart), hi = Math.sqrt(c.betaEnd);
  let prod = 1;
  for (let i = 0; i < n; i++) {
    const beta = (lo + ((hi - lo) * i) / (n - 1)) ** 2;
    prod *= 1 - beta;
    a[i] = prod / (c.snrShiftScale + (1 - c.snrShiftScale) * prod);
  }
  if (c.rescaleBetasZeroSnr) {
    const s0 = Math.sqrt(a[0]), sT = Math.sqrt(a[n - 1]);
    for (let i = 0; i < n; i++) {
      const s = (Math.sqrt(a[i]) - sT) * (s0 / (s0 - sT));
      a[i] = s * s;
    }
  }
  return a;
}

export class CogVideoXDDIMScheduler {
  readonly alphasCumprod: Float64Array;
  readonly finalAlphaCumprod: number;
  numInferenceSteps = 0;
  timesteps: Int32Array = new Int32Array(0);

  constructor(readonly config: SchedulerConfig = COGVIDEOX_2B_SCHEDULER) {
    this.alphasCumprod = cogvideoxAlphasCumprod(config);
    this.finalAlphaCumprod = config.setAlphaToOne ? 1 : this.alphasCumprod[0];
  }

  /** Trailing spacing: round(arange(1000, 0, -1000 / steps)) - 1, e.g. 999, 979, ..., 19 for 50 steps. */
  setTimesteps(steps: number): Int32Array {
    const n = this.config.numTrainTimesteps;
    if (!Number.isInteger(steps) || steps < 1 || steps > n) throw new Error(`number of inference steps must be an integer in [1, ${n}], got ${steps}`);
    const ratio = n / steps;
    const ts: number[] = [];
    for (let t = n; t > 0; t -= ratio) ts.push(Math.round(t) - 1);
    this.numInferenceSteps = steps;
    this.timesteps = Int32Array.from(ts);
    return this.timesteps;
  }

  /** ᾱ_t, with ᾱ = finalAlphaCumprod for t < 0. */
  alphaAt(t: number): number {
    return t >= 0 ? this.alphasCumprod[t] : this.finalAlphaCumprod;
  }

  /** One DDIM step from integer timestep t: the sample at t - 1000 / steps and the predicted x0. */
  step(modelOutput: Tensor, t: number, sample: Tensor): { prevSample: Tensor; predOriginalSample: Tensor } {
    if (this.numInferenceSteps === 0) throw new Error('call setTimesteps before step');
    if (modelOutput.size !== sample.size) throw new Error(`model output [${modelOutput.shape.join(', ')}] and sample [${sample.shape.join(', ')}] differ`);
    const prev = t - Math.floor(this.config.numTrainTimesteps / this.numInferenceSteps);
    const at = this.alphaAt(t), ap = this.alphaAt(prev);
    const sa = Math.sqrt(at), sb = Math.sqrt(1 - at);
    const A = Math.sqrt((1 - ap) / (1 - at)), B = Math.sqrt(ap) - sa * A;
    const x = sample.data, v = modelOutput.data;
    const x0 = new Float32Array(x.length), out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const pred = sa * x[i] - sb * v[i];
      x0[i] = pred;
      out[i] = A * x[i] + B * pred;
    }
    return { prevSample: fromBuffer(out, sample.shape), predOriginalSample: fromBuffer(x0, sample.shape) };
  }
}
