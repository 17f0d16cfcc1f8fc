/** AdamW (Loshchilov & Hutter): Adam moments with weight decay decoupled from the gradient. */
import { kernels } from '../backend.js';
import type { Tensor } from '../tensor.js';

export interface AdamWOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** decoupled: p <- p - lr * wd * p (default 0.01, as PyTorch) */
  weightDecay?: number;
}

/** Serializable optimiser state: step count and both moment buffers per parameter (in parameter order). */
export interface AdamWState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class AdamW {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  step = 0;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  /** params: trainable tensors; decay: per-parameter weight-decay switch (default: all decayed). */
  constructor(readonly params: readonly Tensor[], opts: AdamWOptions = {}, readonly decay?: readonly boolean[]) {
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
    if (decay && decay.length !== params.length) throw new Error(`AdamW: ${decay.length} decay flags for ${params.length} parameters`);
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }

  /**
   * One update from the accumulated .grad of each parameter, scaled by gradScale (fold gradient
   * clipping and 1/accumulation-steps into it). Parameters without a grad are skipped.
   */
  update(gradScale = 1): void {
    this.step++;
    const k = kernels();
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      const wd = this.decay && !this.decay[i] ? 0 : this.weightDecay;
      k.adamw(p.data, p.grad.data, this.m[i], this.v[i], p.size, this.lr, this.beta1, this.beta2, this.eps, wd, this.step, gradScale);
    });
  }

  /** Drops every parameter's accumulated gradient (its buffer returns to the pool for the next backward). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  state(): AdamWState {
    return { step: this.step, m: this.m, v: this.v };
  }

  loadState(s: AdamWState): void {
    if (s.m.length !== this.params.length || s.v.length !== this.params.length) {
      throw new Error(`optimiser state has ${s.m.length} moment buffers, the model has ${this.params.length} trainable parameters`);
    }
    this.params.forEach((p, i) => {
      if (s.m[i].length !== p.size || s.v[i].length !== p.size) {
        throw new Error(`optimiser state for parameter ${i}${p.name ? ` '${p.name}'` : ''} has ${s.m[i].length} elements, the parameter ${p.size}`);
      }
      this.m[i].set(s.m[i]);
      this.v[i].set(s.v[i]);
    });
    this.step = s.step;
  }
}
