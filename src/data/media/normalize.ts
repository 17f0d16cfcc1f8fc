/**
 * Conversions between uint8 RGB frames and the float tensors the model consumes, all laid out
 * [frames, 3, height, width] (channels first).
 */
import { makeVideo, type RgbVideo } from './video.js';

/** OpenAI CLIP normalisation constants (reference §7.1). */
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/** Per channel: value = (byte * scale[c] + shift[c]), written channels-first. */
function toChannelsFirst(video: RgbVideo, scale: readonly number[], shift: readonly number[]): Float32Array {
  const { frameCount: F, height: H, width: W, frames } = video;
  const plane = H * W;
  const out = new Float32Array(F * 3 * plane);
  for (let f = 0; f < F; f++) {
    for (let p = 0; p < plane; p++) {
      const src = (f * plane + p) * 3;
      for (let c = 0; c < 3; c++) out[(f * 3 + c) * plane + p] = frames[src + c] * scale[c] + shift[c];
    }
  }
  return out;
}

/** CLIP input: (x / 255 - mean) / std per channel, Float32Array [F, 3, H, W]. */
export function clipNormalize(video: RgbVideo): Float32Array {
  return toChannelsFirst(
    video,
    CLIP_STD.map((s) => 1 / (255 * s)),
    CLIP_MEAN.map((m, c) => -m / CLIP_STD[c]),
  );
}

/** VAE input: x / 127.5 - 1, in [-1, 1], Float32Array [F, 3, H, W]. */
export function toSignedUnit(video: RgbVideo): Float32Array {
  return toChannelsFirst(video, [1 / 127.5, 1 / 127.5, 1 / 127.5], [-1, -1, -1]);
}

/**
 * Back to bytes from [-1, 1] values laid out [F, 3, H, W]: clamp(x / 2 + 0.5, 0, 1) * 255, rounded
 * (how the reference turns decoded frames into images).
 */
export function fromSignedUnit(data: Float32Array, frameCount: number, height: number, width: number): RgbVideo {
  const plane = height * width;
  if (data.length !== frameCount * 3 * plane) throw new Error(`fromSignedUnit: expected ${frameCount}x3x${height}x${width} values, got ${data.length}`);
  const out = new Uint8Array(frameCount * plane * 3);
  for (let f = 0; f < frameCount; f++) {
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < plane; p++) {
        const v = data[(f * 3 + c) * plane + p] / 2 + 0.5;
        out[(f * plane + p) * 3 + c] = Math.round((v <= 0 ? 0 : v >= 1 ? 1 : v) * 255);
      }
    }
  }
  return makeVideo(out, frameCount, height, width);
}
