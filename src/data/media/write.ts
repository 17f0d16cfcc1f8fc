/** Writing frames to files, atomically: GIF (animations), PNG (stills, frame grids), MP4 (via ffmpeg). */
import { writeFileAtomic } from '../../io/atomic.js';
import { encodeGif } from './gif-encode.js';
import { frameGrid, type GridOptions } from './grid.js';
import { encodePng } from './png.js';
import { frameAt, type RgbVideo } from './video.js';

export { writeMp4 } from './ffmpeg.js';

/** Writes an animated GIF (exact colors when the video has at most 256 per frame). */
export function writeGif(file: string, video: RgbVideo, options: { fps?: number } = {}): void {
  writeFileAtomic(file, encodeGif(video, options));
}

/** Writes one frame (default the first) as an RGB PNG. */
export function writePng(file: string, video: RgbVideo, frame = 0): void {
  writeFileAtomic(file, encodePng(frameAt(video, frame), video.height, video.width));
}

/** Writes a PNG with the frames of each video side by side, one video per row. */
export function writeFrameGrid(file: string, videos: readonly RgbVideo[], options: GridOptions = {}): void {
  writePng(file, frameGrid(videos, options));
}
