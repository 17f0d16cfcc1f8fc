/** Pure-TypeScript data movement: strided copy, index select/add, im2col/col2im. */
import type { F32 } from '../kernels.js';

export function copy(shape: readonly number[], src: F32, srcOffset: number, srcStrides: readonly number[],
  dst: F32, dstOffset: number, dstStrides: readonly number[], accumulate: boolean): void {
  const rank = shape.length;
  let total = 1;
  for (const s of shape) total *= s;
  if (total === 0) return;
  if (rank === 0) {
    dst[dstOffset] = accumulate ? dst[dstOffset] + src[srcOffset] : src[srcOffset];
    return;
  }
  const last = shape[rank - 1];
  const ss = srcStrides[rank - 1], ds = dstStrides[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let is = srcOffset, id = dstOffset;
  for (let done = 0; done < total; done += last) {
    if (accumulate) for (let j = 0; j < last; j++) dst[id + j * ds] += src[is + j * ss];
    else for (let j = 0; j < last; j++) dst[id + j * ds] = src[is + j * ss];
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      is += srcStrides[d]; id += dstStrides[d];
      if (idx[d] < shape[d]) break;
      is -= srcStrides[d] * shape[d]; id -= dstStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

export function indexSelect(x: F32, outer: number, n: number, inner: number, idx: Int32Array, out: F32): void {
  const m = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const r = idx[j];
      if (r < 0 || r >= n) throw new RangeError(`index ${r} out of range [0, ${n})`);
      const src = (o * n + r) * inner, dst = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] = x[src + i];
    }
  }
}

export function indexAdd(gy: F32, outer: number, n: number, inner: number, idx: Int32Array, gx: F32): void {
  const m = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const dst = (o * n + idx[j]) * inner, src = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) gx[dst + i] += gy[src + i];
    }
  }
}

/**
 * Walks every (channel, kernel offset, output position) triple of a convolution and calls
 * visit(colIndex, inputIndex) with inputIndex = -1 where the kernel reads padding.
 */
function forEachTap(channels: number, inDims: readonly number[], kernel: readonly number[], stride: readonly number[],
  padding: readonly number[], outDims: readonly number[], visit: (col: number, input: number) => void): void {
  // Treat 2-d as 3-d with a unit leading axis so one loop nest serves both.
  const lift = (a: readonly number[], one: number) => (a.length === 2 ? [one, a[0], a[1]] : [a[0], a[1], a[2]]);
  const [id, ih, iw] = lift(inDims, 1), [kd, kh, kw] = lift(kernel, 1), [sd, sh, sw] = lift(stride, 1);
  const [pd, ph, pw] = lift(padding, 0), [od, oh, ow] = lift(outDims, 1);
  const outSize = od * oh * ow;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    for (let a = 0; a < kd; a++) for (let b = 0; b < kh; b++) for (let e = 0; e < kw; e++, row++) {
      let col = row * outSize;
      for (let z = 0; z < od; z++) {
        const zi = z * sd - pd + a;
        for (let y = 0; y < oh; y++) {
          const yi = y * sh - ph + b;
          for (let x = 0; x < ow; x++, col++) {
            const xi = x * sw - pw + e;
            const inside = zi >= 0 && zi < id && yi >= 0 && yi < ih && xi >= 0 && xi < iw;
            visit(col, inside ? ((c * id + zi) * ih + yi) * iw + xi : -1);
          }
        }
      }
    }
  }
}

export function im2col(x: F32, xOffset: number, channels: number, inDims: readonly number[], kernel: readonly number[],
  stride: readonly number[], padding: readonly number[], outDims: readonly number[], cols: F32): void {
  forEachTap(channels, inDims, kernel, stride, padding, outDims, (col, input) => {
    cols[col] = input < 0 ? 0 : x[xOffset + input];
  });
}

export function col2im(cols: F32, channels: number, inDims: readonly number[], kernel: readonly number[],
  stride: readonly number[], padding: readonly number[], outDims: readonly number[], x: F32, xOffset: number): void {
  forEachTap(channels, inDims, kernel, stride, padding, outDims, (col, input) => {
    if (input >= 0) x[xOffset + input] += cols[col];
  });
}
