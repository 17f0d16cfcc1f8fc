/**
 * Animated GIF encoding (gifenc). Colors are kept exact whenever possible: one global palette if
 * the whole video has at most 256 colors, else a palette per frame if every frame does (the
 * Shapes world always fits), else each frame is quantised to 256 colors (lossy).
 */
import gifenc, { type Palette } from 'gifenc';
import type { RgbVideo } from './video.js';

/** Default playback rate, as the reference exports its videos (8 fps). */
export const DEFAULT_FPS = 8;
const MAX_COLORS = 256;

/** Exact palette and indices of some RGB pixels, or undefined if they have more than 256 colors. */
function exactIndexed(rgb: Uint8Array): { palette: Palette; index: Uint8Array } | undefined {
  const lookup = new Map<number, number>();
  const palette: Palette = [];
  const index = new Uint8Array(rgb.length / 3);
  for (let p = 0, i = 0; p < rgb.length; p += 3, i++) {
    const key = (rgb[p] << 16) | (rgb[p + 1] << 8) | rgb[p + 2];
    let k = lookup.get(key);
    if (k === undefined) {
      if (palette.length === MAX_COLORS) return undefined;
      k = palette.length;
      lookup.set(key, k);
      palette.push([rgb[p], rgb[p + 1], rgb[p + 2]]);
    }
    index[i] = k;
  }
  return { palette, index };
}

function quantized(rgb: Uint8Array): { palette: Palette; index: Uint8Array } {
  const rgba = new Uint8Array((rgb.length / 3) * 4);
  for (let p = 0, q = 0; p < rgb.length; p += 3, q += 4) {
    rgba[q] = rgb[p];
    rgba[q + 1] = rgb[p + 1];
    rgba[q + 2] = rgb[p + 2];
    rgba[q + 3] = 255;
  }
  const palette = gifenc.quantize(rgba, MAX_COLORS);
  return { palette, index: gifenc.applyPalette(rgba, palette) };
}

/** Encodes the video as a looping GIF at `fps` frames per second. */
export function encodeGif(video: RgbVideo, options: { fps?: number } = {}): Uint8Array {
  const fps = options.fps ?? video.fps ?? DEFAULT_FPS;
  if (!(fps > 0)) throw new Error(`encodeGif: fps must be positive, got ${fps}`);
  const { width, height, frameCount } = video;
  const frameSize = width * height * 3;
  const encoder = gifenc.GIFEncoder();
  const delay = 1000 / fps;
  const global = exactIndexed(video.frames);
  for (let f = 0; f < frameCount; f++) {
    const rgb = video.frames.subarray(f * frameSize, (f + 1) * frameSize);
    if (global) {
      const index = global.index.subarray(f * width * height, (f + 1) * width * height);
      encoder.writeFrame(index, width, height, { delay, ...(f === 0 ? { palette: global.palette } : {}) });
    } else {
      const { palette, index } = exactIndexed(rgb) ?? quantized(rgb);
      encoder.writeFrame(index, width, height, { delay, palette });
    }
  }
  encoder.finish();
  return encoder.bytes();
}
