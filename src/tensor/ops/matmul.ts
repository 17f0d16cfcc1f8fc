/** Matrix products: batched matmul with transposes, and the linear layer y = x W^T + b. */
import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import { matmulPrecision } from '../precision.js';
import { empty, shapeSize, type Tensor } from '../tensor.js';
import { sum } from './reduce.js';

export interface MatmulOptions {
  /** use the transpose of a's last two axes */
  transA?: boolean;
  /** use the transpose of b's last two axes */
  transB?: boolean;
}

/** Raw batched GEMM into a new [batch..., m, n] tensor; batch dims of a and b must match or b be 2-D (shared). */
function matmulRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean, bf16: boolean): Tensor {
  if (a.rank < 2 || b.rank < 2) throw new Error(`matmul needs tensors of rank >= 2, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar, k = transA ? ar : ac;
  const kb = transB ? bc : br, n = transB ? br : bc;
  if (k !== kb) {
    throw new Error(`matmul inner dimensions differ: [${a.shape.join(', ')}]${transA ? '^T' : ''} @ [${b.shape.join(', ')}]${transB ? '^T' : ''} (${k} vs ${kb})`);
  }
  const aBatch = a.shape.slice(0, -2), bBatch = b.shape.slice(0, -2);
  const sharedB = bBatch.length === 0;
  const sharedA = aBatch.length === 0 && !sharedB;
  if (!sharedB && !sharedA && (aBatch.length !== bBatch.length || aBatch.some((d, i) => d !== bBatch[i]))) {
    throw new Error(`matmul batch dimensions differ: [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]`);
  }
  const batchShape = sharedA ? bBatch : aBatch;
  const batch = shapeSize(batchShape);
  const out = empty([...batchShape, m, n]);
  // With a shared B and an untransposed A, fold the batch into the rows: one big GEMM.
  const fold = sharedB && !transA;
  kernels().gemm({
    transA, transB, m: fold ? m * batch : m, n, k, batch: fold ? 1 : batch,
    a: a.data, aOffset: 0, lda: ac, strideA: sharedA ? 0 : ar * ac,
    b: b.data, bOffset: 0, ldb: bc, strideB: sharedB ? 0 : br * bc,
    c: out.data, cOffset: 0, ldc: n, strideC: m * n,
    alpha: 1, beta: 0, bias: null, bf16,
  });
  return out;
}

/** Sums a batched gradient over the batch axes when the forward operand was shared (2-D). */
function unbatch(g: Tensor, operand: Tensor): Tensor {
  if (g.rank === operand.rank) return g;
  const r = sum(g, [...Array(g.rank - 2).keys()]);
  g.dispose();
  return r;
}

/**
 * op(a) @ op(b) over the last two axes, batched over the leading ones, at the current matmulPrecision
 * (which its backward keeps).
 * Gradients (C = A B): dA = dC B^T, dB = A^T dC, with the transposes rearranged for transA/transB.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA ?? false, transB = opts.transB ?? false;
  const bf16 = matmulPrecision() === 'bf16';
  const out = matmulRaw(a, b, transA, transB, bf16);
  return record(out, 'matmul', [a, b], (g) => {
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (a.requiresGrad) {
      ga = transA ? matmulRaw(b, g, transB, true, bf16) : matmulRaw(g, b, false, !transB, bf16);
      ga = unbatch(ga, a);
    }
    if (b.requiresGrad) {
      gb = transB ? matmulRaw(g, a, true, transA, bf16) : matmulRaw(a, g, !transA, false, bf16);
      gb = unbatch(gb, b);
    }
    return [ga, gb];
  });
}

/**
 * y = x W^T + b for x [..., in], W [out, in], b [out] (PyTorch's Linear layout).
 * dx = dy W, dW = dy^T x (over all rows), db = sum_rows dy.
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null = null): Tensor {
  const [outF, inF] = w.shape;
  if (w.rank !== 2 || x.shape[x.rank - 1] !== inF) {
    throw new Error(`linear: input [${x.shape.join(', ')}] does not match weight${w.name ? ` '${w.name}'` : ''} [${w.shape.join(', ')}]`);
  }
  if (b && (b.rank !== 1 || b.shape[0] !== outF)) throw new Error(`linear: bias [${b.shape.join(', ')}] does not match ${outF} outputs`);
  const rows = x.size / inF;
  const bf16 = matmulPrecision() === 'bf16';
  const out = empty([...x.shape.slice(0, -1), outF]);
  const k = kernels();
  k.gemm({
    transA: false, transB: true, m: rows, n: outF, k: inF, batch: 1,
    a: x.data, aOffset: 0, lda: inF, strideA: 0, b: w.data, bOffset: 0, ldb: inF, strideB: 0,
    c: out.data, cOffset: 0, ldc: outF, strideC: 0, alpha: 1, beta: 0, bias: b ? b.data : null, bf16,
  });
  const inputs = b ? [x, w, b] : [x, w];
  return record(out, 'linear', inputs, (g) => {
    let gx: Tensor | null = null, gw: Tensor | null = null, gb: Tensor | null = null;
    if (x.requiresGrad) {
      gx = empty(x.shape);
      k.gemm({
        transA: false, transB: false, m: rows, n: inF, k: outF, batch: 1,
        a: g.data, aOffset: 0, lda: outF, strideA: 0, b: w.data, bOffset: 0, ldb: inF, strideB: 0,
        c: gx.data, cOffset: 0, ldc: inF, strideC: 0, alpha: 1, beta: 0, bias: null, bf16,
      });
    }
    if (w.requiresGrad) {
      gw = empty(w.shape);
      k.gemm({
        transA: true, transB: false, m: outF, n: inF, k: rows, batch: 1,
        a: g.data, aOffset: 0, lda: outF, strideA: 0, b: x.data, bOffset: 0, ldb: inF, strideB: 0,
        c: gw.data, cOffset: 0, ldc: inF, strideC: 0, alpha: 1, beta: 0, bias: null, bf16,
      });
    }
    if (b?.requiresGrad) {
      gb = empty([outF]);
      k.reduce('sum', g.data, gb.data, 1, rows, outF);
    }
    return b ? [gx, gw, gb] : [gx, gw];
  });
}
