/**
 * The video VAE: pixels [B, F, 3, H, W] in [-1, 1] <-> latents [B, F', C, H/s, W/s], causal in time
 * (F' = (F - 1) / r + 1: frame 0 alone, then groups of r frames), KL-regularised.
 *
 * Diffusion-facing latents are scaled as in diffusers: z = (mean - shift_factor) * scaling_factor on
 * encode, and mean = z / scaling_factor + shift_factor before decoding.
 */
import type { RgbVideo } from '../data/media/video.js';
import { Module } from '../nn/module.js';
import { fromBuffer, noGrad, ops, randn, Rng, tidy, type Tensor } from '../tensor/index.js';
import type { VaeConfig } from './config.js';
import { Decoder, Encoder } from './autoencoder.js';
import { tensorToVideos, videosToTensor } from './frames.js';

/** Diagonal Gaussian posterior q(z | x), both [B, F', C, h, w] (unscaled). */
export interface LatentDistribution {
  mean: Tensor;
  logvar: Tensor;
}

export class VideoVae extends Module {
  readonly encoder: Encoder;
  readonly decoder: Decoder;

  /** Fresh weights drawn from `seed`. */
  constructor(readonly config: VaeConfig, seed = 0) {
    super();
    const rng = new Rng(seed);
    this.encoder = this.child('encoder', new Encoder(config, rng));
    this.decoder = this.child('decoder', new Decoder(config, rng));
  }

  /** Latent frames for F input frames; throws unless F = 1 + a multiple of the temporal compression. */
  latentFrames(frames: number): number {
    const r = this.config.temporal_compression;
    if (!Number.isInteger(frames) || frames < 1 || (frames - 1) % r !== 0) {
      throw new Error(`VAE: ${frames} frames cannot be encoded; the frame count must be ${r}k+1 (1, ${r + 1}, ${2 * r + 1}, ...)`);
    }
    return (frames - 1) / r + 1;
  }

  /** Checks a pixel tensor [B, F, 3, H, W]. */
  private checkPixels(shape: readonly number[]): void {
    const s = this.config.spatial_compression;
    if (shape.length !== 5) throw new Error(`VAE: frames must be [batch, frames, 3, height, width], got [${shape.join(', ')}]`);
    const [b, f, c, h, w] = shape;
    if (b < 1) throw new Error('VAE: empty batch');
    if (c !== 3) throw new Error(`VAE: frames must have 3 (RGB) channels on axis 2, got ${c} in [${shape.join(', ')}]`);
    this.latentFrames(f);
    if (h < s || w < s || h % s !== 0 || w % s !== 0) {
      throw new Error(`VAE: height and width must be positive multiples of the spatial compression ${s}, got ${h}x${w}`);
    }
  }

  /** Checks a latent tensor [B, F', C, h, w]. */
  private checkLatents(shape: readonly number[]): void {
    const C = this.config.latent_channels;
    if (shape.length !== 5 || shape[0] < 1 || shape[1] < 1 || shape[2] !== C) {
      throw new Error(`VAE: latents must be [batch, latent frames, ${C}, height, width], got [${shape.join(', ')}]`);
    }
  }

  /** Differentiable encoder: pixels [B, F, 3, H, W] -> posterior mean and log-variance. */
  distribution(x: Tensor): LatentDistribution {
    this.checkPixels(x.shape);
    const [b, f, , h, w] = x.shape;
    const fl = this.latentFrames(f), C = this.config.latent_channels, s = this.config.spatial_compression;
    const moments = ops.reshape(this.encoder.forward(ops.reshape(x, [b * f, 3, h, w]), f), [b, fl, 2 * C, h / s, w / s]);
    return { mean: ops.slice(moments, 2, 0, C), logvar: ops.slice(moments, 2, C, 2 * C) };
  }

  /** Reparameterised sample z = mean + exp(logvar / 2) * eps, eps ~ N(0, I) from rng. */
  sample(d: LatentDistribution, rng: Rng): Tensor {
    return ops.add(d.mean, ops.mul(ops.exp(ops.scale(d.logvar, 0.5)), randn(d.mean.shape, rng)));
  }

  /** Differentiable decoder: unscaled latents [B, F', C, h, w] -> pixels [B, F, 3, H, W] (unclamped). */
  decodePixels(z: Tensor): Tensor {
    this.checkLatents(z.shape);
    const [b, fl, C, h, w] = z.shape, s = this.config.spatial_compression;
    const f = (fl - 1) * this.config.temporal_compression + 1;
    const out = this.decoder.forward(ops.reshape(z, [b * fl, C, h, w]), fl);
    return ops.reshape(out, [b, f, 3, h * s, w * s]);
  }

  /**
   * Diffusion latents of pixels in [-1, 1]: (posterior mean - shift) * scaling, [B, F', C, h, w].
   * Accepts a tensor or a Float32Array with its shape [B, F, 3, H, W]. No gradient is recorded.
   */
  encode(frames: Tensor | Float32Array, shape?: readonly number[]): Tensor {
    const x = frames instanceof Float32Array ? pixelsFromArray(frames, shape) : frames;
    return noGrad(() => tidy(() => {
      const { mean } = this.distribution(x);
      const { scaling_factor: k, shift_factor: m } = this.config;
      return ops.scale(m === 0 ? mean : ops.addScalar(mean, -m), k);
    }));
  }

  /** Diffusion latents of uint8 videos (all the same size; a still image is a one-frame video). */
  encodeVideos(videos: readonly RgbVideo[]): Tensor {
    return this.encode(videosToTensor(videos));
  }

  /** Decodes diffusion latents [B, F', C, h, w] to B uint8 videos [F, H, W, 3] (x / 2 + 0.5 clamped, rounded). */
  decode(latents: Tensor): RgbVideo[] {
    this.checkLatents(latents.shape);
    for (const v of latents.data) if (!Number.isFinite(v)) throw new Error('VAE: latents contain NaN or infinite values');
    return noGrad(() => tidy(() => {
      const { scaling_factor: k, shift_factor: m } = this.config;
      const z = ops.addScalar(ops.scale(latents, 1 / k), m);
      return tensorToVideos(this.decodePixels(z));
    }));
  }
}

function pixelsFromArray(data: Float32Array, shape: readonly number[] | undefined): Tensor {
  if (!shape) throw new Error('VAE: encode(Float32Array) needs the shape [batch, frames, 3, height, width]');
  const n = shape.reduce((p, q) => p * q, 1);
  if (n !== data.length) throw new Error(`VAE: ${data.length} values do not fit shape [${shape.join(', ')}]`);
  return fromBuffer(data.slice(), shape);
}
