/**
 * GIF / animated GIF decoding to RGB frames (omggif for parsing and LZW), with frame disposal
 * and transparency composited here: each output frame is the full canvas after drawing that frame.
 */
import { GifReader, type GifFrameInfo } from 'omggif';
import { makeVideo, type RgbVideo } from './video.js';

const GIF_TRAILER = 0x3b;

/**
 * Decodes all frames of a GIF to RGB. Transparent pixels show what was drawn before, or black
 * where nothing was; disposal 2 clears the frame's rectangle (to transparent, as browsers do)
 * and disposal 3 restores the canvas to what it was before the frame. `name` is used in errors.
 */
export function decodeGif(bytes: Uint8Array, name: string): RgbVideo {
  let reader: GifReader;
  try {
    reader = new GifReader(bytes);
  } catch (e) {
    throw new Error(`${name}: unreadable GIF (${(e as Error).message})`);
  }
  const { width, height } = reader;
  const count = reader.numFrames();
  if (width === 0 || height === 0) throw new Error(`${name}: GIF has an empty ${width}x${height} canvas`);
  if (count === 0) throw new Error(`${name}: GIF has no frames (truncated?)`);
  const infos: GifFrameInfo[] = [];
  for (let i = 0; i < count; i++) infos.push(validFrameInfo(reader, i, bytes, name));
  const lastEnd = infos[count - 1].data_offset + infos[count - 1].data_length;
  if (bytes.indexOf(GIF_TRAILER, lastEnd) < 0) throw new Error(`${name}: GIF is truncated (no trailer after frame ${count - 1})`);

  const canvas = new Uint8Array(width * height * 4);
  const out = new Uint8Array(count * height * width * 3);
  for (let i = 0; i < count; i++) {
    const info = infos[i];
    const before = info.disposal === 3 ? canvas.slice() : undefined;
    reader.decodeAndBlitFrameRGBA(i, canvas);
    const base = i * height * width * 3;
    for (let p = 0, q = 0; p < width * height * 4; p += 4, q += 3) {
      out[base + q] = canvas[p];
      out[base + q + 1] = canvas[p + 1];
      out[base + q + 2] = canvas[p + 2];
    }
    if (info.disposal === 2) {
      for (let y = info.y; y < info.y + info.height; y++) canvas.fill(0, (y * width + info.x) * 4, (y * width + info.x + info.width) * 4);
    } else if (before) {
      canvas.set(before);
    }
  }
  return makeVideo(out, count, height, width, gifFps(infos));
}

function validFrameInfo(reader: GifReader, i: number, bytes: Uint8Array, name: string): GifFrameInfo {
  const info = reader.frameInfo(i);
  if (info.x + info.width > reader.width || info.y + info.height > reader.height) {
    throw new Error(`${name}: GIF frame ${i} (${info.width}x${info.height} at ${info.x},${info.y}) lies outside the ${reader.width}x${reader.height} canvas`);
  }
  if (info.data_offset + info.data_length > bytes.length) throw new Error(`${name}: GIF is truncated inside frame ${i}`);
  if (info.palette_offset === null) throw new Error(`${name}: GIF frame ${i} has no color table`);
  return info;
}

/** Frames per second from the median frame delay (undefined when the file gives none). */
function gifFps(infos: readonly GifFrameInfo[]): number | undefined {
  const delays = infos.map((f) => f.delay).filter((d) => d > 0).sort((a, b) => a - b);
  if (delays.length === 0) return undefined;
  return 100 / delays[Math.floor(delays.length / 2)];
}
