/** JPEG decoding to RGB (jpeg-js). */
import { decode } from 'jpeg-js';
import { makeVideo, type RgbVideo } from './video.js';

/** Largest image accepted, in megapixels (guards against decompression bombs). */
const MAX_MEGAPIXELS = 100;

/** Decodes a baseline or progressive JPEG to a one-frame RGB video; `name` is used in error messages. */
export function decodeJpeg(bytes: Uint8Array, name: string): RgbVideo {
  try {
    // tolerantDecoding off: a truncated or corrupt file is an error, not a partly grey picture.
    const img = decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxResolutionInMP: MAX_MEGAPIXELS });
    return makeVideo(new Uint8Array(img.data), 1, img.height, img.width);
  } catch (e) {
    throw new Error(`${name}: unreadable JPEG (${(e as Error).message ?? e})`);
  }
}
