/** Basic layers with PyTorch parameter names and layouts: Linear, Embedding, LayerNorm, RMSNorm. */
import { ops, type Rng, type Tensor } from '../tensor/index.js';
import { Module } from './module.js';

/** Initialisers: the reference uses N(0, 0.02) for Linear/Embedding weights and zeros for biases. */
export function normalInit(n: number, rng: Rng, std: number): Float32Array {
  const d = rng.normal(n);
  for (let i = 0; i < n; i++) d[i] *= std;
  return d;
}

export const filled = (n: number, v: number): Float32Array => new Float32Array(n).fill(v);

/** y = x W^T + b; weight [out, in]. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, bias: boolean, rng: Rng, std = 0.02) {
    super();
    this.weight = this.param('weight', normalInit(outFeatures * inFeatures, rng, std), [outFeatures, inFeatures]);
    this.bias = bias ? this.param('bias', new Float32Array(outFeatures), [outFeatures]) : null;
  }
  forward(x: Tensor): Tensor {
    return ops.linear(x, this.weight, this.bias);
  }
}

/** Lookup table weight [num, dim]. */
export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(readonly num: number, readonly dim: number, rng: Rng, std = 0.02) {
    super();
    this.weight = this.param('weight', normalInit(num * dim, rng, std), [num, dim]);
  }
  forward(ids: Int32Array, shape: readonly number[]): Tensor {
    for (const id of ids) if (id < 0 || id >= this.num) throw new Error(`token id ${id} is outside the vocabulary [0, ${this.num})`);
    return ops.embedding(this.weight, ids, shape);
  }
}

/** LayerNorm over the last axis with optional affine weight/bias (initialised 1 and 0). */
export class LayerNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  constructor(readonly dim: number, readonly eps = 1e-5, affine = true) {
    super();
    this.weight = affine ? this.param('weight', filled(dim, 1), [dim]) : null;
    this.bias = affine ? this.param('bias', new Float32Array(dim), [dim]) : null;
  }
  forward(x: Tensor): Tensor {
    return ops.layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** RMSNorm over the last axis with weight initialised to 1. */
export class RMSNorm extends Module {
  readonly weight: Tensor;
  constructor(readonly dim: number, readonly eps = 1e-6) {
    super();
    this.weight = this.param('weight', filled(dim, 1), [dim]);
  }
  forward(x: Tensor): Tensor {
    return ops.rmsNorm(x, this.weight, this.eps);
  }
}

/** 2-D convolution, weight [out, in, k, k] (PyTorch layout); used as a patch embedding with stride = kernel. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: number, readonly stride: number,
    bias: boolean, rng: Rng, std = 0.02) {
    super();
    this.weight = this.param('weight', normalInit(outChannels * inChannels * kernel * kernel, rng, std), [outChannels, inChannels, kernel, kernel]);
    this.bias = bias ? this.param('bias', new Float32Array(outChannels), [outChannels]) : null;
  }
  /** x [N, in, H, W] -> [N, out, (H - k) / stride + 1, (W - k) / stride + 1] */
  forward(x: Tensor): Tensor {
    return ops.conv(x, this.weight, this.bias, { stride: this.stride });
  }
}
