/**
 * Incremental parser for a stream of binary PPM images (P6, maxval 255), the format ffmpeg's
 * image2pipe muxer writes one frame after another. Bytes are copied once, straight into each
 * frame's buffer.
 */

export interface PpmFrame {
  width: number;
  height: number;
  /** RGB bytes, [height, width, 3]. */
  rgb: Uint8Array;
}

/** Longest header accepted ("P6\n<w> <h>\n255\n" with generous whitespace). */
const MAX_HEADER = 64;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export class PpmStreamParser {
  private header: number[] = [];
  private frame: PpmFrame | undefined;
  private filled = 0;

  /** Feeds bytes; calls `onFrame` for every complete frame. Throws on a malformed stream. */
  push(chunk: Uint8Array, onFrame: (frame: PpmFrame) => void): void {
    let p = 0;
    while (p < chunk.length) {
      if (!this.frame) {
        this.header.push(chunk[p++]);
        const parsed = parseHeader(this.header);
        if (parsed) {
          this.frame = { ...parsed, rgb: new Uint8Array(parsed.width * parsed.height * 3) };
          this.filled = 0;
          this.header = [];
        } else if (this.header.length > MAX_HEADER) {
          throw new Error('malformed PPM header in ffmpeg output');
        }
        continue;
      }
      const n = Math.min(chunk.length - p, this.frame.rgb.length - this.filled);
      this.frame.rgb.set(chunk.subarray(p, p + n), this.filled);
      this.filled += n;
      p += n;
      if (this.filled === this.frame.rgb.length) {
        onFrame(this.frame);
        this.frame = undefined;
      }
    }
  }

  /** True when the stream stopped in the middle of a frame. */
  get incomplete(): boolean {
    return this.frame !== undefined || this.header.length > 0;
  }
}

/** Parses "P6 <w> <h> 255" followed by one whitespace byte; undefined while incomplete. */
function parseHeader(bytes: readonly number[]): { width: number; height: number } | undefined {
  if (bytes.length >= 1 && bytes[0] !== 0x50) throw new Error('ffmpeg output is not a PPM stream');
  if (bytes.length >= 2 && bytes[1] !== 0x36) throw new Error('ffmpeg output is not a binary (P6) PPM stream');
  const fields: number[] = [];
  let p = 2;
  while (fields.length < 3) {
    while (p < bytes.length && isSpace(bytes[p])) p++;
    const start = p;
    let value = 0;
    while (p < bytes.length && bytes[p] >= 0x30 && bytes[p] <= 0x39) value = value * 10 + (bytes[p++] - 0x30);
    // A field is complete only once a whitespace byte follows it.
    if (p >= bytes.length) return undefined;
    if (p === start || !isSpace(bytes[p])) throw new Error('malformed PPM header in ffmpeg output');
    fields.push(value);
  }
  // p is at the single whitespace byte that ends the header; the pixel data starts after it.
  if (p !== bytes.length - 1) return undefined;
  if (fields[2] !== 255) throw new Error(`unsupported PPM maxval ${fields[2]} in ffmpeg output`);
  return { width: fields[0], height: fields[1] };
}
