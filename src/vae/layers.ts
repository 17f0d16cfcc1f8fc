/**
 * Building blocks of the video VAE. Activations are frames-major, [B*F, C, H, W] (the layout of the
 * reference's (B, F, C, H, W) latents with batch and time merged), so spatial work is plain 2-D
 * convolution over B*F images and time is handled by reshapes:
 *
 * - a causal temporal convolution stacks each frame with its k-1 predecessors along channels
 *   (frame 0 repeated into the past, as CogVideoX's replicate padding) and convolves in 2-D, so
 *   output frame t depends on input frames t-k+1..t only;
 * - time merge/split (the temporal compression r) are the same trick with stride r: r consecutive
 *   frames become r*C channels of one latent frame, after padding the past with r-1 copies of frame 0,
 *   so frame 0 is encoded alone and every later latent frame covers r frames.
 */
import { Module } from '../nn/module.js';
import { ops, type Rng, type Tensor } from '../tensor/index.js';

/** PyTorch's default conv init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases. */
function uniformInit(n: number, fanIn: number, rng: Rng): Float32Array {
  const bound = 1 / Math.sqrt(fanIn);
  const u = rng.uniform(n);
  for (let i = 0; i < n; i++) u[i] = (2 * u[i] - 1) * bound;
  return u;
}

/** 2-D convolution with 'same' padding (kernel odd): weight [O, C, k, k], bias [O]. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  /** zeroInit: start at 0 (a residual branch that begins as the identity). */
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: number, rng: Rng, readonly stride = 1, zeroInit = false) {
    super();
    const fanIn = inChannels * kernel * kernel;
    const init = (n: number) => (zeroInit ? new Float32Array(n) : uniformInit(n, fanIn, rng));
    this.weight = this.param('weight', init(outChannels * fanIn), [outChannels, inChannels, kernel, kernel]);
    this.bias = this.param('bias', init(outChannels), [outChannels]);
  }
  forward(x: Tensor): Tensor {
    return ops.conv(x, this.weight, this.bias, { stride: this.stride, padding: (this.kernel - 1) >> 1 });
  }
}

/**
 * GroupNorm applied to each frame separately (statistics never mix frames, which keeps the model
 * causal): x [N, C, H, W] -> per (n, group) (x - mean) / sqrt(var + eps), then * weight[c] + bias[c].
 * Runs as one fused layerNorm over rows of (C / groups) * H * W contiguous elements.
 * groups = 0 is the identity (no normalisation, no parameters).
 */
export class GroupNorm extends Module {
  readonly weight: Tensor | null = null;
  readonly bias: Tensor | null = null;
  constructor(readonly channels: number, readonly groups: number, readonly eps = 1e-6) {
    super();
    if (groups === 0) return;
    if (channels % groups !== 0) throw new Error(`GroupNorm: ${channels} channels are not divisible into ${groups} groups`);
    this.weight = this.param('weight', new Float32Array(channels).fill(1), [channels]);
    this.bias = this.param('bias', new Float32Array(channels), [channels]);
  }
  forward(x: Tensor): Tensor {
    if (!this.weight || !this.bias) return x;
    const [n, c, h, w] = x.shape;
    const rows = ops.reshape(x, [n * this.groups, (c / this.groups) * h * w]);
    const normed = ops.reshape(ops.layerNorm(rows, null, null, this.eps), [n, c, h, w]);
    return ops.add(ops.mul(normed, ops.reshape(this.weight, [c, 1, 1])), ops.reshape(this.bias, [c, 1, 1]));
  }
}

/**
 * x [B*F, C, H, W] as [B, F, C*H*W] with `before` copies of frame 0 prepended along time
 * (replicate padding of the past).
 */
function padPast(x: Tensor, frames: number, before: number): Tensor {
  const [n, c, h, w] = x.shape;
  const seq = ops.reshape(x, [n / frames, frames, c * h * w]);
  if (before === 0) return seq;
  const first = ops.slice(seq, 1, 0, 1);
  return ops.concat([...new Array<Tensor>(before).fill(first), seq], 1);
}

/**
 * Causal spatio-temporal convolution: out[t] = conv2d(concat(x[t-k+1], ..., x[t]) along channels),
 * with x[t < 0] = x[0]. Weight [O, k*C, s, s]; k = 1 is a plain 2-D convolution.
 */
export class CausalConv extends Module {
  readonly conv: Conv2d;
  constructor(readonly inChannels: number, outChannels: number, readonly temporalKernel: number, rng: Rng) {
    super();
    this.conv = this.child('conv', new Conv2d(inChannels * temporalKernel, outChannels, 3, rng));
  }
  forward(x: Tensor, frames: number): Tensor {
    const k = this.temporalKernel;
    if (k === 1) return this.conv.forward(x);
    const [n, c, h, w] = x.shape;
    const padded = padPast(x, frames, k - 1);
    const window = [...new Array<number>(k).keys()].map((j) => ops.slice(padded, 1, j, j + frames));
    return this.conv.forward(ops.reshape(ops.concat(window, 2), [n, k * c, h, w]));
  }
}

/** Pre-activation residual block: x + conv2(silu(norm2(conv1(silu(norm1(x)))))), 1x1 skip when C changes. */
export class ResBlock extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: CausalConv;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly skip: Conv2d | null;
  constructor(inChannels: number, outChannels: number, groups: number, temporalKernel: number, rng: Rng) {
    super();
    this.norm1 = this.child('norm1', new GroupNorm(inChannels, groups));
    this.conv1 = this.child('conv1', new CausalConv(inChannels, outChannels, temporalKernel, rng));
    this.norm2 = this.child('norm2', new GroupNorm(outChannels, groups));
    this.conv2 = this.child('conv2', new Conv2d(outChannels, outChannels, 3, rng, 1, true));
    this.skip = inChannels === outChannels ? null : this.child('skip', new Conv2d(inChannels, outChannels, 1, rng));
  }
  forward(x: Tensor, frames: number): Tensor {
    const h = this.conv1.forward(ops.silu(this.norm1.forward(x)), frames);
    const out = this.conv2.forward(ops.silu(this.norm2.forward(h)));
    return ops.add(this.skip ? this.skip.forward(x) : x, out);
  }
}

/** Nearest-neighbour 2x upsampling of [N, C, H, W]. */
export function upsampleNearest2x(x: Tensor): Tensor {
  const [n, c, h, w] = x.shape;
  const grid = ops.expand(ops.reshape(x, [n, c, h, 1, w, 1]), [n, c, h, 2, w, 2]);
  return ops.reshape(grid, [n, c, 2 * h, 2 * w]);
}

/**
 * Temporal compression by r: frames [B*F, C, H, W] (F = 1 + m r) -> [B*F', r*C, H, W] with
 * F' = 1 + m, after prepending r-1 copies of frame 0, then a 3x3 conv to `outChannels`.
 * Latent frame 0 sees frame 0 only; latent frame j >= 1 sees frames r(j-1)+1..rj.
 */
export class TimeMerge extends Module {
  readonly conv: Conv2d;
  constructor(channels: number, outChannels: number, readonly ratio: number, rng: Rng) {
    super();
    this.conv = this.child('conv', new Conv2d(channels * ratio, outChannels, 3, rng));
  }
  forward(x: Tensor, frames: number): Tensor {
    const [n, c, h, w] = x.shape, r = this.ratio;
    const padded = padPast(x, frames, r - 1);
    return this.conv.forward(ops.reshape(padded, [(n / frames) * ((frames + r - 1) / r), r * c, h, w]));
  }
}

/**
 * Inverse of TimeMerge: a 3x3 conv to r*C channels, read as r frames per latent frame, dropping the
 * first r-1 (latent frame 0 decodes to frame 0 alone): [B*F', C, H, W] -> [B*F, C, H, W], F = 1 + (F'-1) r.
 */
export class TimeSplit extends Module {
  readonly conv: Conv2d;
  constructor(channels: number, readonly outChannels: number, readonly ratio: number, rng: Rng) {
    super();
    this.conv = this.child('conv', new Conv2d(channels, outChannels * ratio, 3, rng));
  }
  forward(x: Tensor, latentFrames: number): Tensor {
    const y = this.conv.forward(x);
    const r = this.ratio, [n, , h, w] = y.shape, c = this.outChannels;
    if (r === 1) return y;
    const b = n / latentFrames;
    const seq = ops.reshape(y, [b, latentFrames * r, c * h * w]);
    const frames = (latentFrames - 1) * r + 1;
    return ops.reshape(ops.slice(seq, 1, r - 1), [b * frames, c, h, w]);
  }
}

/** Space-to-depth: [N, C, H, W] -> [N, C*p*p, H/p, W/p], channel c*p*p + dy*p + dx holds pixel (p y + dy, p x + dx). */
export function foldPatches(x: Tensor, p: number): Tensor {
  if (p === 1) return x;
  const [n, c, h, w] = x.shape;
  const grid = ops.permute(ops.reshape(x, [n, c, h / p, p, w / p, p]), [0, 1, 3, 5, 2, 4]);
  return ops.reshape(grid, [n, c * p * p, h / p, w / p]);
}

/** Depth-to-space, the inverse of foldPatches: [N, C*p*p, h, w] -> [N, C, h*p, w*p]. */
export function unfoldPatches(x: Tensor, p: number): Tensor {
  if (p === 1) return x;
  const [n, cp, h, w] = x.shape, c = cp / (p * p);
  const grid = ops.permute(ops.reshape(x, [n, c, p, p, h, w]), [0, 1, 4, 2, 5, 3]);
  return ops.reshape(grid, [n, c, h * p, w * p]);
}
