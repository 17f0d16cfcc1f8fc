/**
 * Bilinear resizing of a feature map (PyTorch `interpolate(mode='bilinear', align_corners=False)`,
 * no antialiasing), written as two matrix products so that it is differentiable:
 *   out = A_h  X  A_w^T  per channel.
 */
import { fromBuffer, ops, type Tensor } from '../tensor/index.js';

/**
 * [outSize, inSize] interpolation weights: source coordinate s = (i + 0.5) * in / out - 0.5, clamped
 * at 0; weights (1 - frac, frac) on floor(s) and its right neighbour (the last index repeats).
 */
export function bilinearWeights(inSize: number, outSize: number): Float32Array {
  const w = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const s = Math.max(0, scale * (i + 0.5) - 0.5);
    const i0 = Math.min(Math.floor(s), inSize - 1);
    const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
    const frac = s - i0;
    w[i * inSize + i0] += 1 - frac;
    w[i * inSize + i1] += frac;
  }
  return w;
}

/** x [H, W, D] (a feature map in token layout) -> [outH, outW, D]. */
export function resizeBilinear(x: Tensor, outH: number, outW: number): Tensor {
  const [h, w, d] = x.shape;
  const ah = fromBuffer(bilinearWeights(h, outH), [outH, h]), aw = fromBuffer(bilinearWeights(w, outW), [outW, w]);
  const rows = ops.reshape(ops.matmul(ah, ops.reshape(x, [h, w * d])), [outH, w, d]);
  const cols = ops.matmul(aw, ops.reshape(ops.permute(rows, [1, 0, 2]), [w, outH * d]));
  return ops.permute(ops.reshape(cols, [outW, outH, d]), [1, 0, 2]);
}
