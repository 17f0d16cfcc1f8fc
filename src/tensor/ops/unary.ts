/** Unary math ops; each gradient is gx = g * f'(x) computed by the backend's unaryBackward kernel. */
import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import type { UnaryOp } from '../kernels.js';
import { empty, type Tensor } from '../tensor.js';

/** f(x) without autograd. */
export function unaryRaw(op: UnaryOp, x: Tensor): Tensor {
  const out = empty(x.shape);
  kernels().unary(op, x.data, out.data, x.size);
  return out;
}

function unary(op: UnaryOp, x: Tensor): Tensor {
  const out = unaryRaw(op, x);
  return record(out, op, [x], (g) => {
    const gx = empty(x.shape);
    kernels().unaryBackward(op, x.data, out.data, g.data, gx.data, x.size);
    return [gx];
  });
}

export const neg = (x: Tensor) => unary('neg', x);
export const exp = (x: Tensor) => unary('exp', x);
export const log = (x: Tensor) => unary('log', x);
export const sqrt = (x: Tensor) => unary('sqrt', x);
/** 1 / sqrt(x) */
export const rsqrt = (x: Tensor) => unary('rsqrt', x);
/** 1 / x */
export const recip = (x: Tensor) => unary('recip', x);
export const square = (x: Tensor) => unary('square', x);
export const abs = (x: Tensor) => unary('abs', x);
export const tanh = (x: Tensor) => unary('tanh', x);
/** 1 / (1 + e^-x) */
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
export const relu = (x: Tensor) => unary('relu', x);
/** x * sigmoid(x) */
export const silu = (x: Tensor) => unary('silu', x);
/** 0.5 x (1 + erf(x / sqrt 2)) */
export const gelu = (x: Tensor) => unary('gelu', x);
/** 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
export const geluTanh = (x: Tensor) => unary('gelu_tanh', x);
export const sin = (x: Tensor) => unary('sin', x);
export const cos = (x: Tensor) => unary('cos', x);

/** f(a) * b for a unary op f, a and b of one shape (a gated MLP's act(gate) * up), in one pass. */
export function gatedUnary(op: UnaryOp, a: Tensor, b: Tensor): Tensor {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`gatedUnary: a [${a.shape.join(', ')}] and b [${b.shape.join(', ')}] must have one shape`);
  }
  const out = empty(a.shape);
  kernels().gatedUnary(op, a.data, b.data, out.data, a.size);
  return record(out, `gated_${op}`, [a, b], (g) => {
    const ga = empty(a.shape), gb = empty(b.shape);
    kernels().gatedUnaryBackward(op, a.data, b.data, g.data, ga.data, gb.data, a.size);
    return [ga, gb];
  });
}
