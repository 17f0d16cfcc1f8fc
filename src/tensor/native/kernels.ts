/**
 * Adapts the C++ addon (native/addon.cc) to the `Kernels` contract: op names become the addon's op
 * codes and the argument objects of gemm/attention become positional arguments (cheaper to read in
 * N-API than named properties). The addon validates every argument and throws naming the kernel.
 */
import type { AttentionArgs, BinaryOp, F32, Kernels, UnaryOp } from '../kernels.js';

/** The raw addon as loaded from build/Release/haploomni.node. */
export interface NativeAddon {
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, batch: number,
    a: F32, aOffset: number, lda: number, strideA: number, b: F32, bOffset: number, ldb: number, strideB: number,
    c: F32, cOffset: number, ldc: number, strideC: number, alpha: number, beta: number, bias: F32 | null, bf16: boolean): void;
  binary(op: number, a: F32, aStrides: readonly number[], b: F32, bStrides: readonly number[], out: F32,
    shape: readonly number[]): void;
  unary(op: number, x: F32, out: F32, n: number): void;
  unaryBackward(op: number, x: F32, y: F32, gy: F32, gx: F32, n: number): void;
  gatedUnary(op: number, a: F32, b: F32, out: F32, n: number): void;
  gatedUnaryBackward(op: number, a: F32, b: F32, g: F32, ga: F32, gb: F32, n: number): void;
  affine(x: F32, out: F32, n: number, mul: number, add: number): void;
  axpy(alpha: number, x: F32, y: F32, n: number): void;
  reduce(isMax: boolean, x: F32, out: F32, outer: number, n: number, inner: number): void;
  sumSquares(x: F32, n: number): number;
  copy(shape: readonly number[], src: F32, srcOffset: number, srcStrides: readonly number[], dst: F32,
    dstOffset: number, dstStrides: readonly number[], accumulate: boolean): void;
  indexSelect(x: F32, outer: number, n: number, inner: number, idx: Int32Array, out: F32): void;
  indexAdd(gy: F32, outer: number, n: number, inner: number, idx: Int32Array, gx: F32): void;
  softmax(x: F32, out: F32, rows: number, cols: number, log: boolean): void;
  softmaxBackward(y: F32, gy: F32, gx: F32, rows: number, cols: number, log: boolean): void;
  crossEntropy(logits: F32, targets: Int32Array, rows: number, cols: number, ignoreIndex: number, loss: F32, lse: F32): void;
  crossEntropyBackward(logits: F32, targets: Int32Array, lse: F32, gLoss: F32, rows: number, cols: number,
    ignoreIndex: number, gLogits: F32): void;
  layerNorm(x: F32, weight: F32 | null, bias: F32 | null, out: F32, mean: F32, rstd: F32, rows: number, cols: number,
    eps: number): void;
  layerNormBackward(x: F32, weight: F32 | null, mean: F32, rstd: F32, gy: F32, gx: F32, gWeight: F32 | null,
    gBias: F32 | null, rows: number, cols: number): void;
  rmsNorm(x: F32, weight: F32 | null, out: F32, rstd: F32, rows: number, cols: number, eps: number): void;
  rmsNormBackward(x: F32, weight: F32 | null, rstd: F32, gy: F32, gx: F32, gWeight: F32 | null, rows: number,
    cols: number): void;
  ssgSwitch(u: F32, w: F32, b: F32, s: F32, rows: number, cols: number): void;
  ssgSwitchBackward(u: F32, w: F32, s: F32, gs: F32, gu: F32, gw: F32, gb: F32, rows: number, cols: number): void;
  ssgModulate(y: F32, weight: F32 | null, s: F32, lat: F32, cond: F32, out: F32, rows: number, cols: number): void;
  ssgModulateBackward(y: F32, weight: F32 | null, s: F32, lat: F32, cond: F32, g: F32, gy: F32, gWeight: F32 | null,
    gs: F32, gLat: F32, gCond: F32, rows: number, cols: number): void;
  ssgGatedAdd(x: F32, f: F32, s: F32, lat: F32, cond: F32, out: F32, rows: number, cols: number): void;
  ssgGatedAddBackward(f: F32, s: F32, lat: F32, cond: F32, g: F32, gf: F32, gs: F32, gLat: F32, gCond: F32,
    rows: number, cols: number): void;
  attention(batch: number, heads: number, kvHeads: number, tq: number, tk: number, kvStride: number, dim: number,
    scale: number, q: F32, k: F32, v: F32, mask: Uint8Array | null, maskBatch: number, out: F32, lse: F32): void;
  attentionBackward(batch: number, heads: number, kvHeads: number, tq: number, tk: number, kvStride: number,
    dim: number, scale: number, q: F32, k: F32, v: F32, mask: Uint8Array | null, maskBatch: number, out: F32,
    lse: F32, gOut: F32, gq: F32, gk: F32, gv: F32): void;
  rope(x: F32, out: F32, batch: number, t: number, heads: number, dim: number, cos: F32, sin: F32,
    tableBatch: number, inverse: boolean): void;
  im2col(x: F32, xOffset: number, channels: number, inDims: readonly number[], kernel: readonly number[],
    stride: readonly number[], padding: readonly number[], outDims: readonly number[], cols: F32): void;
  col2im(cols: F32, channels: number, inDims: readonly number[], kernel: readonly number[], stride: readonly number[],
    padding: readonly number[], outDims: readonly number[], x: F32, xOffset: number): void;
  adamw(param: F32, grad: F32, m: F32, v: F32, n: number, lr: number, beta1: number, beta2: number, eps: number,
    weightDecay: number, step: number, gradScale: number): void;
  /** Measured fp32 FMA throughput (GFLOP/s) of `threads` threads over about `ms` milliseconds. */
  peakGflops(threads: number, ms: number): number;
  /** Resizes the addon's thread pool (default: the available cores, or env HAPLOOMNI_THREADS). */
  setThreads(n: number): void;
  /** The instruction set in use (env HAPLOOMNI_ISA=generic|avx2|avx512 can lower it) and the pool size. */
  info(): { isa: string; microkernel: string; bf16Microkernel: string; simd: string; threads: number };
}

/** Op codes: positions in these lists (native/elementwise.h has the same order). */
const UNARY: readonly UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'recip', 'square', 'abs', 'tanh', 'sigmoid',
  'relu', 'silu', 'gelu', 'gelu_tanh', 'sin', 'cos'];
const BINARY: readonly BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min'];

function code<T extends string>(list: readonly T[], op: T, what: string): number {
  const i = list.indexOf(op);
  if (i < 0) throw new Error(`unknown ${what} op '${op}'`);
  return i;
}

function attentionHead(a: AttentionArgs) {
  return [a.batch, a.heads, a.kvHeads, a.tq, a.tk, a.kvStride, a.dim, a.scale, a.q, a.k, a.v, a.mask, a.maskBatch] as const;
}

export function nativeKernels(addon: NativeAddon): Kernels {
  return {
    name: 'native',
    gemm: (g) => addon.gemm(g.transA, g.transB, g.m, g.n, g.k, g.batch, g.a, g.aOffset, g.lda, g.strideA,
      g.b, g.bOffset, g.ldb, g.strideB, g.c, g.cOffset, g.ldc, g.strideC, g.alpha, g.beta, g.bias, g.bf16 ?? false),
    binary: (op, a, as, b, bs, out, shape) => addon.binary(code(BINARY, op, 'binary'), a, as, b, bs, out, shape),
    unary: (op, x, out, n) => addon.unary(code(UNARY, op, 'unary'), x, out, n),
    unaryBackward: (op, x, y, gy, gx, n) => addon.unaryBackward(code(UNARY, op, 'unary'), x, y, gy, gx, n),
    gatedUnary: (op, a, b, out, n) => addon.gatedUnary(code(UNARY, op, 'unary'), a, b, out, n),
    gatedUnaryBackward: (op, a, b, g, ga, gb, n) => addon.gatedUnaryBackward(code(UNARY, op, 'unary'), a, b, g, ga, gb, n),
    affine: (x, out, n, mul, add) => addon.affine(x, out, n, mul, add),
    axpy: (alpha, x, y, n) => addon.axpy(alpha, x, y, n),
    reduce: (op, x, out, outer, n, inner) => addon.reduce(op === 'max', x, out, outer, n, inner),
    sumSquares: (x, n) => addon.sumSquares(x, n),
    copy: (shape, src, so, ss, dst, dof, ds, acc) => addon.copy(shape, src, so, ss, dst, dof, ds, acc),
    indexSelect: (x, outer, n, inner, idx, out) => addon.indexSelect(x, outer, n, inner, idx, out),
    indexAdd: (gy, outer, n, inner, idx, gx) => addon.indexAdd(gy, outer, n, inner, idx, gx),
    softmax: (x, out, rows, cols, log) => addon.softmax(x, out, rows, cols, log),
    softmaxBackward: (y, gy, gx, rows, cols, log) => addon.softmaxBackward(y, gy, gx, rows, cols, log),
    crossEntropy: (logits, t, rows, cols, ignore, loss, lse) => addon.crossEntropy(logits, t, rows, cols, ignore, loss, lse),
    crossEntropyBackward: (logits, t, lse, gLoss, rows, cols, ignore, gLogits) =>
      addon.crossEntropyBackward(logits, t, lse, gLoss, rows, cols, ignore, gLogits),
    layerNorm: (x, w, b, out, mean, rstd, rows, cols, eps) => addon.layerNorm(x, w, b, out, mean, rstd, rows, cols, eps),
    layerNormBackward: (x, w, mean, rstd, gy, gx, gw, gb, rows, cols) =>
      addon.layerNormBackward(x, w, mean, rstd, gy, gx, gw, gb, rows, cols),
    rmsNorm: (x, w, out, rstd, rows, cols, eps) => addon.rmsNorm(x, w, out, rstd, rows, cols, eps),
    rmsNormBackward: (x, w, rstd, gy, gx, gw, rows, cols) => addon.rmsNormBackward(x, w, rstd, gy, gx, gw, rows, cols),
    ssgSwitch: (u, w, b, s, rows, cols) => addon.ssgSwitch(u, w, b, s, rows, cols),
    ssgSwitchBackward: (u, w, s, gs, gu, gw, gb, rows, cols) => addon.ssgSwitchBackward(u, w, s, gs, gu, gw, gb, rows, cols),
    ssgModulate: (y, w, s, lat, cond, out, rows, cols) => addon.ssgModulate(y, w, s, lat, cond, out, rows, cols),
    ssgModulateBackward: (y, w, s, lat, cond, g, gy, gw, gs, gLat, gCond, rows, cols) =>
      addon.ssgModulateBackward(y, w, s, lat, cond, g, gy, gw, gs, gLat, gCond, rows, cols),
    ssgGatedAdd: (x, f, s, lat, cond, out, rows, cols) => addon.ssgGatedAdd(x, f, s, lat, cond, out, rows, cols),
    ssgGatedAddBackward: (f, s, lat, cond, g, gf, gs, gLat, gCond, rows, cols) =>
      addon.ssgGatedAddBackward(f, s, lat, cond, g, gf, gs, gLat, gCond, rows, cols),
    attention: (a, out, lse) => addon.attention(...attentionHead(a), out, lse),
    attentionBackward: (a, out, lse, gOut, gq, gk, gv) =>
      addon.attentionBackward(...attentionHead(a), out, lse, gOut, gq, gk, gv),
    rope: (x, out, batch, t, heads, dim, cos, sin, tableBatch, inverse) =>
      addon.rope(x, out, batch, t, heads, dim, cos, sin, tableBatch, inverse),
    im2col: (x, xOffset, channels, inDims, kernel, stride, padding, outDims, cols) =>
      addon.im2col(x, xOffset, channels, inDims, kernel, stride, padding, outDims, cols),
    col2im: (cols, channels, inDims, kernel, stride, padding, outDims, x, xOffset) =>
      addon.col2im(cols, channels, inDims, kernel, stride, padding, outDims, x, xOffset),
    adamw: (param, grad, m, v, n, lr, b1, b2, eps, wd, step, gs) => addon.adamw(param, grad, m, v, n, lr, b1, b2, eps, wd, step, gs),
  };
}
