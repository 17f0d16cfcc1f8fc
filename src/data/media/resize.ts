/**
 * Image resizing with the separable convolution resampling PIL uses: bilinear (triangle) or
 * bicubic (a = -0.5) kernels, widened by the scale factor when shrinking so that downscaling is
 * antialiased. Pixel centres are at half-integers (align_corners = false).
 */
import { makeVideo, type RgbVideo } from './video.js';

export type ResizeFilter = 'bilinear' | 'bicubic';

const SUPPORT: Readonly<Record<ResizeFilter, number>> = { bilinear: 1, bicubic: 2 };

function kernel(filter: ResizeFilter, x: number): number {
  const ax = Math.abs(x);
  if (filter === 'bilinear') return ax < 1 ? 1 - ax : 0;
  const a = -0.5;
  if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
  if (ax < 2) return a * (((ax - 5) * ax + 8) * ax - 4);
  return 0;
}

interface Taps {
  first: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  maxTaps: number;
}

/** Per output position: first input index, number of taps and their normalised weights. */
function computeTaps(inSize: number, outSize: number, filter: ResizeFilter): Taps {
  const scale = inSize / outSize;
  const stretch = Math.max(scale, 1);
  const support = SUPPORT[filter] * stretch;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * maxTaps);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(inSize, Math.ceil(centre + support));
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const w = kernel(filter, (i + 0.5 - centre) / stretch);
      weights[o * maxTaps + (i - lo)] = w;
      total += w;
    }
    for (let k = 0; k < hi - lo; k++) weights[o * maxTaps + k] /= total;
    first[o] = lo;
    count[o] = hi - lo;
  }
  return { first, count, weights, maxTaps };
}

/** Resizes every frame to height x width (no aspect-ratio preservation: a squash resize). */
export function resizeVideo(video: RgbVideo, height: number, width: number, filter: ResizeFilter = 'bicubic'): RgbVideo {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) throw new Error(`resizeVideo: bad target size ${height}x${width}`);
  if (height === video.height && width === video.width) return video;
  const { frameCount: F, height: H, width: W } = video;
  const tx = computeTaps(W, width, filter);
  const ty = computeTaps(H, height, filter);
  const rows = new Float64Array(H * width * 3);
  const out = new Uint8Array(F * height * width * 3);
  for (let f = 0; f < F; f++) {
    const src = f * H * W * 3;
    // Horizontal pass into float rows.
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < width; x++) {
        let r = 0, g = 0, b = 0;
        const base = x * tx.maxTaps;
        for (let k = 0; k < tx.count[x]; k++) {
          const w = tx.weights[base + k];
          const p = src + (y * W + tx.first[x] + k) * 3;
          r += w * video.frames[p];
          g += w * video.frames[p + 1];
          b += w * video.frames[p + 2];
        }
        const q = (y * width + x) * 3;
        rows[q] = r;
        rows[q + 1] = g;
        rows[q + 2] = b;
      }
    }
    // Vertical pass, rounded and clamped to bytes.
    const dst = f * height * width * 3;
    for (let y = 0; y < height; y++) {
      const base = y * ty.maxTaps;
      for (let x = 0; x < width * 3; x++) {
        let v = 0;
        for (let k = 0; k < ty.count[y]; k++) v += ty.weights[base + k] * rows[(ty.first[y] + k) * width * 3 + x];
        out[dst + y * width * 3 + x] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
  }
  return makeVideo(out, F, height, width, video.fps);
}
