/** Frame sampling as the reference's video loader does it. */
import { makeVideo, type RgbVideo } from './video.js';

/** `num` uniformly spread frame indices out of `total`: floor(i * total / num), i = 0..num-1. */
export function uniformFrameIndices(total: number, num: number): number[] {
  if (!Number.isInteger(total) || total < 1) throw new Error(`uniformFrameIndices: total must be a positive integer, got ${total}`);
  if (!Number.isInteger(num) || num < 1) throw new Error(`uniformFrameIndices: num must be a positive integer, got ${num}`);
  return Array.from({ length: num }, (_, i) => Math.floor((i * total) / num));
}

/** A new video made of the given frames of `video` (indices may repeat). */
export function selectFrames(video: RgbVideo, indices: readonly number[]): RgbVideo {
  const size = video.height * video.width * 3;
  const out = new Uint8Array(indices.length * size);
  indices.forEach((index, k) => {
    if (!Number.isInteger(index) || index < 0 || index >= video.frameCount) throw new Error(`selectFrames: frame ${index} out of range [0, ${video.frameCount})`);
    out.set(video.frames.subarray(index * size, (index + 1) * size), k * size);
  });
  return makeVideo(out, indices.length, video.height, video.width, video.fps);
}

/** `num` uniformly sampled frames of the video. */
export function sampleFramesUniformly(video: RgbVideo, num: number): RgbVideo {
  return selectFrames(video, uniformFrameIndices(video.frameCount, num));
}
