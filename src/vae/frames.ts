/** Conversions between uint8 videos [F, H, W, 3] and the VAE's pixel tensors [B, F, 3, H, W] in [-1, 1]. */
import { fromSignedUnit, toSignedUnit } from '../data/media/normalize.js';
import type { RgbVideo } from '../data/media/video.js';
import { fromBuffer, type Tensor } from '../tensor/index.js';

/** Stacks same-sized videos into one tensor [B, F, 3, H, W] with values byte / 127.5 - 1. */
export function videosToTensor(videos: readonly RgbVideo[]): Tensor {
  if (videos.length === 0) throw new Error('VAE: no videos to encode');
  const { frameCount: F, height: H, width: W } = videos[0];
  const per = F * 3 * H * W;
  const data = new Float32Array(videos.length * per);
  videos.forEach((v, i) => {
    if (v.frameCount !== F || v.height !== H || v.width !== W) {
      throw new Error(`VAE: video ${i} is ${v.frameCount}x${v.height}x${v.width}, video 0 is ${F}x${H}x${W}; a batch must share one size`);
    }
    if (v.frames.length !== per) throw new Error(`VAE: video ${i} has ${v.frames.length} bytes, expected ${F}x${H}x${W}x3 = ${per}`);
    data.set(toSignedUnit(v), i * per);
  });
  return fromBuffer(data, [videos.length, F, 3, H, W]);
}

/** Pixels [B, F, 3, H, W] -> B uint8 videos via clamp(x / 2 + 0.5, 0, 1) * 255, rounded. */
export function tensorToVideos(x: Tensor): RgbVideo[] {
  const [B, F, , H, W] = x.shape;
  const per = F * 3 * H * W;
  return [...Array(B).keys()].map((b) => fromSignedUnit(x.data.subarray(b * per, (b + 1) * per), F, H, W));
}

/** Peak signal-to-noise ratio of two equally sized byte arrays: 10 log10(255^2 / MSE) dB (Infinity when equal). */
export function psnrBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`PSNR: ${a.length} vs ${b.length} bytes`);
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    se += d * d;
  }
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * a.length) / se);
}

/** PSNR of float pixels in [-1, 1] (range 2): 10 log10(4 / MSE). */
export function psnrSigned(mse: number): number {
  return 10 * Math.log10(4 / mse);
}
