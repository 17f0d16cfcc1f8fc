/** Pure-TypeScript elementwise kernels: binary with broadcasting strides, unary and their derivatives. */
import type { BinaryOp, F32, UnaryOp } from '../kernels.js';

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** erf(x) to float32 accuracy (Abramowitz-Stegun 7.1.26 is too coarse; this is W. J. Cody's rational form via erfc). */
export function erf(x: number): number {
  // Numerical Recipes erfc with Chebyshev fit, relative error < 1.2e-7.
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r : r - 1;
}

function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add': return (a, b) => a + b;
    case 'sub': return (a, b) => a - b;
    case 'mul': return (a, b) => a * b;
    case 'div': return (a, b) => a / b;
    // NaN in either operand propagates, as in torch.maximum / torch.minimum.
    case 'max': return (a, b) => (a !== a || a >= b ? a : b);
    case 'min': return (a, b) => (a !== a || a <= b ? a : b);
  }
}

export function binary(op: BinaryOp, a: F32, aStrides: readonly number[], b: F32, bStrides: readonly number[],
  out: F32, shape: readonly number[]): void {
  const f = binaryFn(op);
  const rank = shape.length;
  const n = out.length;
  if (rank === 0) { out[0] = f(a[0], b[0]); return; }
  // Iterate the last axis in a tight loop, carry the n-d index for the outer axes.
  const last = shape[rank - 1];
  const sa = aStrides[rank - 1], sb = bStrides[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let ia = 0, ib = 0;
  for (let o = 0; o < n; o += last) {
    for (let j = 0, pa = ia, pb = ib; j < last; j++, pa += sa, pb += sb) out[o + j] = f(a[pa], b[pb]);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      ia += aStrides[d]; ib += bStrides[d];
      if (idx[d] < shape[d]) break;
      ia -= aStrides[d] * shape[d]; ib -= bStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** f(x) for each unary op. GELU is the exact erf form 0.5 x (1 + erf(x / sqrt 2)). */
export function unaryFn(op: UnaryOp): (x: number) => number {
  switch (op) {
    case 'neg': return (x) => -x;
    case 'exp': return Math.exp;
    case 'log': return Math.log;
    case 'sqrt': return Math.sqrt;
    case 'rsqrt': return (x) => 1 / Math.sqrt(x);
    case 'recip': return (x) => 1 / x;
    case 'square': return (x) => x * x;
    case 'abs': return Math.abs;
    case 'tanh': return Math.tanh;
    case 'sigmoid': return (x) => 1 / (1 + Math.exp(-x));
    case 'relu': return (x) => (x > 0 ? x : 0);
    case 'silu': return (x) => x / (1 + Math.exp(-x));
    case 'gelu': return (x) => 0.5 * x * (1 + erf(x * SQRT1_2));
    case 'gelu_tanh': return (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    case 'sin': return Math.sin;
    case 'cos': return Math.cos;
  }
}

/** f'(x) given x and y = f(x). */
export function unaryDerivative(op: UnaryOp): (x: number, y: number) => number {
  switch (op) {
    case 'neg': return () => -1;
    case 'exp': return (_x, y) => y;
    case 'log': return (x) => 1 / x;
    case 'sqrt': return (_x, y) => 0.5 / y;
    case 'rsqrt': return (x, y) => -0.5 * y / x;
    case 'recip': return (_x, y) => -y * y;
    case 'square': return (x) => 2 * x;
    case 'abs': return (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);
    case 'tanh': return (_x, y) => 1 - y * y;
    case 'sigmoid': return (_x, y) => y * (1 - y);
    case 'relu': return (x) => (x > 0 ? 1 : 0);
    case 'silu': return (x) => { const s = 1 / (1 + Math.exp(-x)); return s * (1 + x * (1 - s)); };
    // d/dx [0.5 x (1 + erf(x/sqrt2))] = Phi(x) + x phi(x)
    case 'gelu': return (x) => 0.5 * (1 + erf(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    case 'gelu_tanh': return (x) => {
      const u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
      const t = Math.tanh(u);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    };
    case 'sin': return (x) => Math.cos(x);
    case 'cos': return (x) => -Math.sin(x);
  }
}

export function unary(op: UnaryOp, x: F32, out: F32, n: number): void {
  const f = unaryFn(op);
  for (let i = 0; i < n; i++) out[i] = f(x[i]);
}

export function unaryBackward(op: UnaryOp, x: F32, y: F32, gy: F32, gx: F32, n: number): void {
  const d = unaryDerivative(op);
  for (let i = 0; i < n; i++) gx[i] = gy[i] * d(x[i], y[i]);
}

export function gatedUnary(op: UnaryOp, a: F32, b: F32, out: F32, n: number): void {
  const f = unaryFn(op);
  for (let i = 0; i < n; i++) out[i] = f(a[i]) * b[i];
}

export function gatedUnaryBackward(op: UnaryOp, a: F32, b: F32, g: F32, ga: F32, gb: F32, n: number): void {
  const f = unaryFn(op), d = unaryDerivative(op);
  for (let i = 0; i < n; i++) {
    const y = f(a[i]);
    gb[i] = g[i] * y;
    ga[i] = g[i] * b[i] * d(a[i], y);
  }
}

export function affine(x: F32, out: F32, n: number, mul: number, add: number): void {
  for (let i = 0; i < n; i++) out[i] = x[i] * mul + add;
}

export function axpy(alpha: number, x: F32, y: F32, n: number): void {
  for (let i = 0; i < n; i++) y[i] = y[i] + alpha * x[i];
}
