/**
 * Encoder and decoder networks (see layers.ts for the frames-major layout and the causal tricks).
 *
 * Encoder: fold p x p patches into channels, conv_in -> per level i < L: res blocks (c_i), stride-2 conv (c_i -> c_{i+1})
 *          -> time merge (r frames -> 1) -> causal spatio-temporal mid blocks -> GroupNorm, SiLU,
 *          conv_out to 2C channels (mean and log-variance).
 * Decoder: conv_in (C -> c_L) -> causal mid blocks -> time split (1 -> r frames)
 *          -> per level i = L-1..0: nearest 2x + conv (c_{i+1} -> c_i), res blocks (c_i)
 *          -> GroupNorm, SiLU, conv_out to p*p RGB pixels per position, unfolded.
 * Every op is per frame except the causal convolutions and time merge/split, so nothing ever reads
 * a later frame.
 */
import { Module } from '../nn/module.js';
import { ops, type Rng, type Tensor } from '../tensor/index.js';
import { levelChannels, type VaeConfig } from './config.js';
import { Conv2d, foldPatches, GroupNorm, ResBlock, TimeMerge, TimeSplit, unfoldPatches, upsampleNearest2x } from './layers.js';

/** A list of child modules registered as name.0, name.1, ... */
class Blocks<M extends Module> extends Module {
  readonly items: M[];
  constructor(items: M[]) {
    super();
    this.items = items.map((m, i) => this.child(String(i), m));
  }
}

/** Initial bias of the log-variance outputs (posterior std e^-3 = 0.05). */
const INITIAL_LOGVAR = -6;

class EncoderLevel extends Module {
  readonly res: Blocks<ResBlock>;
  readonly down: Conv2d;
  constructor(channels: number, next: number, c: VaeConfig, rng: Rng) {
    super();
    this.res = this.child('res', new Blocks([...Array(c.layers_per_block)].map(() => new ResBlock(channels, channels, c.norm_groups, 1, rng))));
    this.down = this.child('down', new Conv2d(channels, next, 3, rng, 2));
  }
}

export class Encoder extends Module {
  readonly convIn: Conv2d;
  readonly levels: Blocks<EncoderLevel>;
  readonly timeMerge: TimeMerge;
  readonly mid: Blocks<ResBlock>;
  readonly normOut: GroupNorm;
  readonly convOut: Conv2d;
  constructor(readonly config: VaeConfig, rng: Rng) {
    super();
    const ch = levelChannels(config), last = ch[ch.length - 1];
    this.convIn = this.child('conv_in', new Conv2d(3 * config.patch_size ** 2, ch[0], 3, rng));
    this.levels = this.child('down', new Blocks(ch.slice(0, -1).map((c, i) => new EncoderLevel(c, ch[i + 1], config, rng))));
    this.timeMerge = this.child('time_merge', new TimeMerge(last, last, config.temporal_compression, rng));
    this.mid = this.child('mid', new Blocks([...Array(config.mid_blocks)].map(() => new ResBlock(last, last, config.norm_groups, config.temporal_kernel, rng))));
    this.normOut = this.child('norm_out', new GroupNorm(last, config.norm_groups));
    this.convOut = this.child('conv_out', new Conv2d(last, 2 * config.latent_channels, 3, rng));
    // Start with a small posterior variance: with log-variance near 0 the sampled latents would be
    // mostly noise and the decoder would first learn to ignore them (a long plateau at the mean image).
    this.convOut.bias.data.fill(INITIAL_LOGVAR, config.latent_channels);
  }

  /** x [B*F, 3, H, W] -> moments [B*F', 2C, H/s, W/s]. */
  forward(x: Tensor, frames: number): Tensor {
    let h = this.convIn.forward(foldPatches(x, this.config.patch_size));
    for (const level of this.levels.items) {
      for (const r of level.res.items) h = r.forward(h, frames);
      h = level.down.forward(h);
    }
    h = this.timeMerge.forward(h, frames);
    const latentFrames = (frames - 1) / this.config.temporal_compression + 1;
    for (const r of this.mid.items) h = r.forward(h, latentFrames);
    return this.convOut.forward(ops.silu(this.normOut.forward(h)));
  }
}

class DecoderLevel extends Module {
  readonly up: Conv2d;
  readonly res: Blocks<ResBlock>;
  constructor(from: number, channels: number, c: VaeConfig, rng: Rng) {
    super();
    this.up = this.child('up', new Conv2d(from, channels, 3, rng));
    this.res = this.child('res', new Blocks([...Array(c.layers_per_block)].map(() => new ResBlock(channels, channels, c.norm_groups, 1, rng))));
  }
}

export class Decoder extends Module {
  readonly convIn: Conv2d;
  readonly mid: Blocks<ResBlock>;
  readonly timeSplit: TimeSplit;
  readonly levels: Blocks<DecoderLevel>;
  readonly normOut: GroupNorm;
  readonly convOut: Conv2d;
  constructor(readonly config: VaeConfig, rng: Rng) {
    super();
    const ch = levelChannels(config), last = ch[ch.length - 1];
    this.convIn = this.child('conv_in', new Conv2d(config.latent_channels, last, 3, rng));
    this.mid = this.child('mid', new Blocks([...Array(config.mid_blocks)].map(() => new ResBlock(last, last, config.norm_groups, config.temporal_kernel, rng))));
    this.timeSplit = this.child('time_split', new TimeSplit(last, last, config.temporal_compression, rng));
    // Level i upsamples from c_{i+1} to c_i; stored from the lowest resolution up, in execution order.
    const order = [...ch.keys()].slice(0, -1).reverse();
    this.levels = this.child('up', new Blocks(order.map((i) => new DecoderLevel(ch[i + 1], ch[i], config, rng))));
    this.normOut = this.child('norm_out', new GroupNorm(ch[0], config.norm_groups));
    this.convOut = this.child('conv_out', new Conv2d(ch[0], 3 * config.patch_size ** 2, 3, rng));
  }

  /** z [B*F', C, h, w] -> pixels [B*F, 3, h*s, w*s]. */
  forward(z: Tensor, latentFrames: number): Tensor {
    let h = this.convIn.forward(z);
    for (const r of this.mid.items) h = r.forward(h, latentFrames);
    h = this.timeSplit.forward(h, latentFrames);
    const frames = (latentFrames - 1) * this.config.temporal_compression + 1;
    for (const level of this.levels.items) {
      h = level.up.forward(upsampleNearest2x(h));
      for (const r of level.res.items) h = r.forward(h, frames);
    }
    return unfoldPatches(this.convOut.forward(ops.silu(this.normOut.forward(h))), this.config.patch_size);
  }
}
