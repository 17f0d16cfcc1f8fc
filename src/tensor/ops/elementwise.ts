/** Broadcasting elementwise arithmetic, scalar forms, and their gradients. */
import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import type { BinaryOp } from '../kernels.js';
import { contiguousStrides, empty, scalar, type Tensor } from '../tensor.js';
import { broadcastShapes, broadcastStrides, sumToShape } from './broadcast.js';

/** out = a (op) b with broadcasting, no autograd. */
export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const out = empty(shape);
  kernels().binary(op, a.data, broadcastStrides(a.shape, shape), b.data, broadcastStrides(b.shape, shape), out.data, shape);
  return out;
}

const asTensor = (x: Tensor | number): Tensor => (typeof x === 'number' ? scalar(x) : x);

/** a + b (broadcasting). */
export function add(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return addScalar(a, b);
  return record(binaryRaw('add', a, b), 'add', [a, b], (g) => [sumToShape(g, a.shape), sumToShape(g, b.shape)]);
}

/** a - b (broadcasting). */
export function sub(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return addScalar(a, -b);
  return record(binaryRaw('sub', a, b), 'sub', [a, b], (g) => {
    const gb = sumToShape(g, b.shape);
    return [sumToShape(g, a.shape), scaleRaw(gb, -1, gb !== g)];
  });
}

/** a * b (broadcasting): d/da = g b, d/db = g a. */
export function mul(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return scale(a, b);
  return record(binaryRaw('mul', a, b), 'mul', [a, b], (g) => [
    a.requiresGrad ? reduceOwned(binaryRaw('mul', g, b), a.shape) : null,
    b.requiresGrad ? reduceOwned(binaryRaw('mul', g, a), b.shape) : null,
  ]);
}

/** a / b (broadcasting): d/da = g / b, d/db = -g a / b^2 = -g out / b. */
export function div(a: Tensor | number, b: Tensor): Tensor {
  const at = asTensor(a);
  const out = binaryRaw('div', at, b);
  return record(out, 'div', [at, b], (g) => {
    const ga = at.requiresGrad ? reduceOwned(binaryRaw('div', g, b), at.shape) : null;
    let gb: Tensor | null = null;
    if (b.requiresGrad) {
      const t = binaryRaw('mul', g, out);
      const u = binaryRaw('div', t, b);
      t.dispose();
      gb = scaleRaw(reduceOwned(u, b.shape), -1, true);
    }
    return [ga, gb];
  });
}

/** Elementwise max/min with broadcasting; the gradient goes to the selected operand (to a on ties). */
function select(op: 'max' | 'min', a: Tensor, b: Tensor): Tensor {
  const out = binaryRaw(op, a, b);
  return record(out, op === 'max' ? 'maximum' : 'minimum', [a, b], (g) => {
    const shape = out.shape;
    const sa = broadcastStrides(a.shape, shape), sb = broadcastStrides(b.shape, shape);
    const ga = empty(shape), gb = empty(shape);
    const strides = contiguousStrides(shape);
    for (let i = 0; i < out.size; i++) {
      let ia = 0, ib = 0;
      for (let d = 0; d < shape.length; d++) {
        const c = Math.floor(i / strides[d]) % shape[d];
        ia += c * sa[d]; ib += c * sb[d];
      }
      const toA = op === 'max' ? a.data[ia] >= b.data[ib] : a.data[ia] <= b.data[ib];
      ga.data[i] = toA ? g.data[i] : 0;
      gb.data[i] = toA ? 0 : g.data[i];
    }
    return [reduceOwned(ga, a.shape), reduceOwned(gb, b.shape)];
  });
}

export const maximum = (a: Tensor, b: Tensor): Tensor => select('max', a, b);
export const minimum = (a: Tensor, b: Tensor): Tensor => select('min', a, b);

/** x * s for a number s, no autograd; disposes x when `consume`. */
export function scaleRaw(x: Tensor, s: number, consume: boolean): Tensor {
  const out = empty(x.shape);
  kernels().affine(x.data, out.data, x.size, s, 0);
  if (consume) x.dispose();
  return out;
}

/** x * s for a number s. */
export function scale(x: Tensor, s: number): Tensor {
  return record(scaleRaw(x, s, false), 'scale', [x], (g) => [scaleRaw(g, s, false)]);
}

/** x + s for a number s. */
export function addScalar(x: Tensor, s: number): Tensor {
  const out = empty(x.shape);
  kernels().affine(x.data, out.data, x.size, 1, s);
  return record(out, 'addScalar', [x], (g) => [g]);
}

/** Sums a freshly made gradient down to shape, disposing the full-size one if a reduction happened. */
function reduceOwned(full: Tensor, shape: readonly number[]): Tensor {
  const r = sumToShape(full, shape);
  if (r !== full) full.dispose();
  return r;
}
