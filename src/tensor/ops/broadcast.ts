/** Broadcasting rules (NumPy/PyTorch): shapes align at the right; a dimension of 1 stretches. */
import { kernels } from '../backend.js';
import { contiguousStrides, empty, type Shape, type Tensor } from '../tensor.js';

export function broadcastShapes(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1, db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`shapes [${a.join(', ')}] and [${b.join(', ')}] cannot be broadcast together (axis ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a contiguous tensor of `shape` as if it had the (larger) shape `target` (0 on stretched axes). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = contiguousStrides(shape);
  const offset = target.length - shape.length;
  return target.map((d, i) => (i < offset || (shape[i - offset] === 1 && d !== 1) ? 0 : own[i - offset]));
}

/** Copies x into a new contiguous tensor of the broadcast shape `target` (no autograd). */
export function expandRaw(x: Tensor, target: Shape): Tensor {
  const out = empty(target);
  kernels().copy(target, x.data, 0, broadcastStrides(x.shape, target), out.data, 0, contiguousStrides(target), false);
  return out;
}

/** Sums g (of a broadcast shape) down to `shape`, the inverse of broadcasting (no autograd). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const k = kernels();
  const offset = g.shape.length - shape.length;
  let cur = g;
  let curShape = [...g.shape];
  for (let d = 0; d < g.shape.length; d++) {
    const want = d < offset ? 1 : shape[d - offset];
    if (curShape[d] === want) continue;
    const outer = curShape.slice(0, d).reduce((p, q) => p * q, 1);
    const inner = curShape.slice(d + 1).reduce((p, q) => p * q, 1);
    const nextShape = [...curShape];
    nextShape[d] = 1;
    const next = empty(nextShape);
    k.reduce('sum', cur.data, next.data, outer, curShape[d], inner);
    if (cur !== g) cur.dispose();
    cur = next;
    curShape = nextShape;
  }
  const v = cur.view(shape);
  if (cur !== g) cur.dispose();
  return v;
}
