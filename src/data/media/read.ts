/**
 * Reading any supported picture or video file into RGB frames. Images and GIFs are recognised by
 * their magic bytes; anything else with a video extension goes through ffmpeg.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeVideoFile } from './ffmpeg.js';
import { decodeGif } from './gif-decode.js';
import { decodeJpeg } from './jpeg.js';
import { decodePng } from './png.js';
import { sampleFramesUniformly } from './sample-frames.js';
import type { RgbVideo } from './video.js';

/** File extensions decoded through ffmpeg. */
export const FFMPEG_EXTENSIONS = ['.mp4', '.webm', '.mov', '.mkv', '.avi', '.m4v'] as const;
/** Every extension readMedia accepts. */
export const MEDIA_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.gif', ...FFMPEG_EXTENSIONS] as const;

type Format = 'png' | 'jpeg' | 'gif';

function sniff(bytes: Uint8Array): Format | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 6 && bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x38) return 'gif';
  return undefined;
}

/** Decodes in-memory PNG / JPEG / GIF bytes; `name` is used in error messages. */
export function decodeImageBytes(bytes: Uint8Array, name: string): RgbVideo {
  switch (sniff(bytes)) {
    case 'png':
      return decodePng(bytes, name);
    case 'jpeg':
      return decodeJpeg(bytes, name);
    case 'gif':
      return decodeGif(bytes, name);
    case undefined:
      throw new Error(`${name}: not a PNG, JPEG or GIF file${bytes.length === 0 ? ' (empty file)' : ''}`);
  }
}

export interface ReadMediaOptions {
  /** Keep this many frames, sampled uniformly (floor(i * total / num)). */
  numFrames?: number;
}

/**
 * Reads an image (PNG, JPEG), a GIF (possibly animated) or a video (MP4, WebM, ... via ffmpeg)
 * as RGB frames. Errors name the file and the problem.
 */
export async function readMedia(file: string, options: ReadMediaOptions = {}): Promise<RgbVideo> {
  const ext = path.extname(file).toLowerCase();
  if ((FFMPEG_EXTENSIONS as readonly string[]).includes(ext)) return decodeVideoFile(file, options);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
  }
  const video = decodeImageBytes(bytes, file);
  return options.numFrames === undefined ? video : sampleFramesUniformly(video, options.numFrames);
}
