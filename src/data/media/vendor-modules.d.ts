// Minimal type declarations for the untyped media libraries, covering only what the data layer uses.

declare module 'pngjs' {
  export interface PNGOptions {
    width?: number;
    height?: number;
    /** 0 gray, 2 RGB, 4 gray + alpha, 6 RGBA. */
    colorType?: 0 | 2 | 4 | 6;
    inputColorType?: 0 | 2 | 4 | 6;
    inputHasAlpha?: boolean;
    bitDepth?: 8 | 16;
  }
  export class PNG {
    constructor(options?: PNGOptions);
    width: number;
    height: number;
    /** RGBA, 8 bits per channel, after PNG.sync.read. */
    data: Buffer;
    static sync: {
      read(buffer: Buffer, options?: { skipRescale?: boolean }): PNG;
      write(png: PNG, options?: PNGOptions): Buffer;
    };
  }
}

declare module 'omggif' {
  export interface GifFrameInfo {
    x: number;
    y: number;
    width: number;
    height: number;
    has_local_palette: boolean;
    palette_offset: number | null;
    palette_size: number | null;
    data_offset: number;
    data_length: number;
    transparent_index: number | null;
    interlaced: boolean;
    /** Centiseconds. */
    delay: number;
    /** 0/1 keep, 2 restore to background, 3 restore to previous. */
    disposal: number;
  }
  export class GifReader {
    constructor(buffer: Uint8Array);
    width: number;
    height: number;
    numFrames(): number;
    loopCount(): number | null;
    frameInfo(frame: number): GifFrameInfo;
    /** Draws the frame into a width x height RGBA canvas, leaving transparent pixels untouched. */
    decodeAndBlitFrameRGBA(frame: number, pixels: Uint8Array): void;
  }
  /** Used by the tests to build GIFs with partial frames, transparency and disposal modes. */
  export class GifWriter {
    constructor(buffer: Uint8Array, width: number, height: number, options?: { palette?: number[]; loop?: number });
    addFrame(x: number, y: number, width: number, height: number, indexed: Uint8Array | number[], options?: { palette?: number[]; delay?: number; disposal?: number; transparent?: number }): number;
    end(): number;
  }
}

declare module 'gifenc' {
  export type Palette = number[][];
  export interface FrameOptions {
    palette?: Palette;
    /** Milliseconds. */
    delay?: number;
    repeat?: number;
    transparent?: boolean;
    transparentIndex?: number;
    dispose?: number;
  }
  export interface Encoder {
    writeFrame(index: Uint8Array, width: number, height: number, options?: FrameOptions): void;
    finish(): void;
    bytes(): Uint8Array;
  }
  interface GifEnc {
    GIFEncoder(options?: { auto?: boolean; initialCapacity?: number }): Encoder;
    quantize(rgba: Uint8Array, maxColors: number, options?: { format?: 'rgb565' | 'rgb444' | 'rgba4444' }): Palette;
    applyPalette(rgba: Uint8Array, palette: Palette, format?: 'rgb565' | 'rgb444' | 'rgba4444'): Uint8Array;
  }
  const gifenc: GifEnc;
  export default gifenc;
}
