/**
 * Rasterises a {@link ShapesScene} into RGB frames with 4x4 supersampling (box-filter
 * anti-aliasing), so that edges carry sub-pixel position information at 32x32.
 */
import { BACKGROUND_RGB, COLOR_RGB, shapeRowSpans } from './palette.js';
import type { ShapesScene } from './scene.js';

/**
 * Supersampling factor per axis: each pixel averages 4 x 4 sub-samples. It must stay 4: the
 * resolve step reads a pixel's four sub-samples of one sub-row as one 32-bit word.
 */
export const SUPERSAMPLE = 4;

/**
 * Renders every frame of the scene.
 * @returns uint8 RGB frames, layout [frame, row, column, channel] = [F, H, W, 3].
 */
export function renderScene(scene: ShapesScene): Uint8Array {
  const { width: W, height: H, frameCount: F } = scene;
  const out = new Uint8Array(F * H * W * 3);
  const S = SUPERSAMPLE;
  const SW = W * S;
  // Per sub-sample: 0 for background, k + 1 for object k (the topmost one covering it).
  const labels = new Uint8Array(SW * H * S);
  const words = new Uint32Array(labels.buffer);
  const wordsPerSubRow = SW / 4;
  // Flat RGB table indexed by label.
  const colors = [BACKGROUND_RGB[scene.background], ...scene.objects.map((o) => COLOR_RGB[o.color])];
  const table = new Int32Array(colors.flat());
  const spans = new Float64Array(4);
  // One frame of plain background, copied under every frame before the objects are resolved.
  const background = new Uint8Array(H * W * 3);
  for (let p = 0; p < background.length; p += 3) {
    background[p] = table[0];
    background[p + 1] = table[1];
    background[p + 2] = table[2];
  }

  for (let f = 0; f < F; f++) {
    labels.fill(0);
    // Pixel-space bounding box of everything drawn this frame; outside it the frame is background.
    let px0 = W, py0 = H, px1 = 0, py1 = 0;
    for (let idx = 0; idx < scene.objects.length; idx++) {
      const obj = scene.objects[idx];
      const [cx, cy] = obj.positions[f];
      const r = obj.radius;
      const sx0 = Math.max(0, Math.floor((cx - r) * S));
      const sx1 = Math.min(SW, Math.ceil((cx + r) * S));
      const sy0 = Math.max(0, Math.floor((cy - r) * S));
      const sy1 = Math.min(H * S, Math.ceil((cy + r) * S));
      px0 = Math.min(px0, Math.floor(sx0 / S));
      py0 = Math.min(py0, Math.floor(sy0 / S));
      px1 = Math.max(px1, Math.ceil(sx1 / S));
      py1 = Math.max(py1, Math.ceil(sy1 / S));
      for (let sy = sy0; sy < sy1; sy++) {
        const n = shapeRowSpans(obj.shape, ((sy + 0.5) / S - cy) / r, spans);
        const row = sy * SW;
        for (let k = 0; k < 2 * n; k += 2) {
          // Sub-sample sx has centre (sx + 0.5) / S; keep those with u in [spans[k], spans[k + 1]].
          const from = Math.max(sx0, Math.ceil((cx + spans[k] * r) * S - 0.5));
          const to = Math.min(sx1 - 1, Math.floor((cx + spans[k + 1] * r) * S - 0.5));
          labels.fill(idx + 1, row + from, row + to + 1);
        }
      }
    }

    const frameBase = f * H * W * 3;
    out.set(background, frameBase);
    for (let py = py0; py < py1; py++) {
      for (let px = px0; px < px1; px++) {
        const w0 = py * S * wordsPerSubRow + px;
        const word = words[w0];
        const o = frameBase + (py * W + px) * 3;
        if (word === words[w0 + wordsPerSubRow] && word === words[w0 + 2 * wordsPerSubRow] && word === words[w0 + 3 * wordsPerSubRow] && word % 0x01010101 === 0) {
          // All 16 sub-samples carry the same label.
          const t = (word & 0xff) * 3;
          out[o] = table[t];
          out[o + 1] = table[t + 1];
          out[o + 2] = table[t + 2];
          continue;
        }
        let r = 0, g = 0, b = 0;
        for (let j = 0; j < S; j++) {
          const row = (py * S + j) * SW + px * S;
          for (let i = 0; i < S; i++) {
            const t = labels[row + i] * 3;
            r += table[t];
            g += table[t + 1];
            b += table[t + 2];
          }
        }
        // Rounded mean of the 16 sub-samples (sums are non-negative).
        out[o] = (r + 8) >> 4;
        out[o + 1] = (g + 8) >> 4;
        out[o + 2] = (b + 8) >> 4;
      }
    }
  }
  return out;
}
