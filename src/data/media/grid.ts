/** Frame grids: every frame of a video side by side, several videos as rows (for PNG previews). */
import { makeVideo, type RgbVideo } from './video.js';

export interface GridOptions {
  /** Pixels between frames and rows (default 1). */
  gap?: number;
  /** Color of the gaps and of missing cells (default white). */
  background?: readonly [number, number, number];
}

/**
 * One image with a row per video and a column per frame. Videos may differ in frame count (short
 * rows are padded with the background) but not in frame size.
 */
export function frameGrid(videos: readonly RgbVideo[], options: GridOptions = {}): RgbVideo {
  if (videos.length === 0) throw new Error('frameGrid: no videos');
  const { height: h, width: w } = videos[0];
  videos.forEach((v, i) => {
    if (v.height !== h || v.width !== w) throw new Error(`frameGrid: video ${i} is ${v.height}x${v.width}, expected ${h}x${w} like video 0`);
  });
  const gap = options.gap ?? 1;
  const [br, bg, bb] = options.background ?? [255, 255, 255];
  const columns = Math.max(...videos.map((v) => v.frameCount));
  const width = columns * w + (columns - 1) * gap;
  const height = videos.length * h + (videos.length - 1) * gap;
  const out = new Uint8Array(height * width * 3);
  for (let p = 0; p < out.length; p += 3) {
    out[p] = br;
    out[p + 1] = bg;
    out[p + 2] = bb;
  }
  videos.forEach((v, row) => {
    for (let f = 0; f < v.frameCount; f++) {
      const x0 = f * (w + gap);
      const y0 = row * (h + gap);
      for (let y = 0; y < h; y++) {
        const src = ((f * h + y) * w) * 3;
        out.set(v.frames.subarray(src, src + w * 3), ((y0 + y) * width + x0) * 3);
      }
    }
  });
  return makeVideo(out, 1, height, width);
}
