/** PNG decoding to RGB and encoding from RGB (pngjs). */
import { PNG } from 'pngjs';
import { makeVideo, type RgbVideo } from './video.js';

/**
 * Decodes a PNG (any bit depth / color type) to a one-frame RGB video. Alpha is dropped, as
 * PIL's convert("RGB") does. `name` is used in error messages.
 */
export function decodePng(bytes: Uint8Array, name: string): RgbVideo {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    const message = (e as Error).message;
    // pngjs reports running out of data this way.
    const reason = /waitng on finished stream|unexpected end/i.test(message) ? 'file is truncated' : message;
    throw new Error(`${name}: unreadable PNG (${reason})`);
  }
  const { width, height, data } = png;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgb[i] = data[j];
    rgb[i + 1] = data[j + 1];
    rgb[i + 2] = data[j + 2];
  }
  return makeVideo(rgb, 1, height, width);
}

/** Encodes RGB bytes ([height, width, 3]) as an 8-bit RGB PNG. */
export function encodePng(rgb: Uint8Array, height: number, width: number): Uint8Array {
  if (rgb.length !== height * width * 3) throw new Error(`encodePng: expected ${height * width * 3} bytes for ${height}x${width} RGB, got ${rgb.length}`);
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}
