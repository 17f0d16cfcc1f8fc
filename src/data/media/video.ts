/**
 * The in-memory picture type of the data layer: uint8 RGB frames. A still image is a one-frame
 * video.
 */
export interface RgbVideo {
  /** RGB bytes, layout [frameCount, height, width, 3]. */
  frames: Uint8Array;
  frameCount: number;
  height: number;
  width: number;
  /** Playback rate, when the source file says. */
  fps?: number;
}

/** Wraps raw bytes as a video, checking the size matches. */
export function makeVideo(frames: Uint8Array, frameCount: number, height: number, width: number, fps?: number): RgbVideo {
  if (frames.length !== frameCount * height * width * 3) {
    throw new Error(`video bytes: expected ${frameCount}x${height}x${width}x3 = ${frameCount * height * width * 3}, got ${frames.length}`);
  }
  return fps === undefined ? { frames, frameCount, height, width } : { frames, frameCount, height, width, fps };
}

/** The RGB bytes of frame `index` (a view, not a copy). */
export function frameAt(video: RgbVideo, index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= video.frameCount) throw new Error(`frame ${index} out of range [0, ${video.frameCount})`);
  const size = video.height * video.width * 3;
  return video.frames.subarray(index * size, (index + 1) * size);
}
