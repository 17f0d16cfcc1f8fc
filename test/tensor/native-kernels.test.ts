/**
 * Every kernel of the contract on the native backend against the js reference (`jsKernels`), with
 * random inputs: odd and prime sizes, sizes crossing every tile edge, all transpose combinations, batch
 * strides including 0, NaN garbage under beta 0, broadcasting, masks with fully hidden rows, GQA, KV
 * caches longer than tk, convolutions with padding and stride, several AdamW steps. Also checks that
 * results do not depend on the thread count, that the lower kernel sets agree as well (the whole file
 * is re-run in a child process with HAPLOOMNI_ISA=generic, and =avx2 on AVX-512 machines), and that bad
 * arguments throw errors naming the kernel and argument.
 *
 * Skips, saying why, when the addon is not built (machines without a compiler run the js backend).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { roundToBf16 } from '../../src/tensor/js/gemm.js';
import { jsKernels } from '../../src/tensor/js/index.js';
import type { AttentionArgs, BinaryOp, F32, GemmArgs, Kernels, UnaryOp } from '../../src/tensor/kernels.js';
import { nativeKernels, type NativeAddon } from '../../src/tensor/native/kernels.js';
import { loadNativeAddon } from '../../src/tensor/native/load.js';
import { allclose } from '../helpers/allclose.js';

const loaded = loadNativeAddon();
const addon: NativeAddon | null = 'addon' in loaded ? loaded.addon : null;
const skip = addon ? false : `native addon unavailable: ${'error' in loaded ? loaded.error : ''}`;
const nk: Kernels = addon ? nativeKernels(addon) : jsKernels;
const js = jsKernels;
const isChild = process.env.HAPLOOMNI_NATIVE_TEST_CHILD === '1';

/** Small seeded generator (mulberry32) so failures reproduce. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    array: (n: number, lo = -1, hi = 1) => {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * next();
      return a;
    },
  };
}

/** Runs fn on both backends with copies of the same inputs and compares the listed outputs. */
function both(make: () => F32[], fn: (k: Kernels, bufs: F32[]) => void, outputs: number[], tol: { rtol?: number; atol?: number },
  label: string): void {
  const a = make(), b = a.map((x) => x.slice());
  fn(nk, a);
  fn(js, b);
  for (const o of outputs) allclose(a[o], b[o], tol, `${label} (buffer ${o})`);
}

const prod = (s: readonly number[]) => s.reduce((p, q) => p * q, 1);
const contiguous = (s: readonly number[]) => {
  const st = new Array<number>(s.length);
  let acc = 1;
  for (let d = s.length - 1; d >= 0; d--) { st[d] = acc; acc *= s[d]; }
  return st;
};

interface AttnCase { batch: number; heads: number; kvHeads: number; tq: number; tk: number; kvStride: number; dim: number;
  mask: 'none' | 'random' | 'causal' | 'unified'; maskBatch: number }
const attnCases: AttnCase[] = [
  { batch: 2, heads: 4, kvHeads: 2, tq: 37, tk: 53, kvStride: 60, dim: 16, mask: 'random', maskBatch: 2 },
  { batch: 1, heads: 4, kvHeads: 1, tq: 70, tk: 70, kvStride: 70, dim: 24, mask: 'causal', maskBatch: 1 },
  { batch: 2, heads: 4, kvHeads: 4, tq: 130, tk: 130, kvStride: 131, dim: 64, mask: 'unified', maskBatch: 1 },
  { batch: 3, heads: 2, kvHeads: 2, tq: 5, tk: 200, kvStride: 256, dim: 8, mask: 'none', maskBatch: 1 },
  { batch: 1, heads: 6, kvHeads: 3, tq: 1, tk: 77, kvStride: 100, dim: 33, mask: 'random', maskBatch: 1 },
  { batch: 2, heads: 8, kvHeads: 1, tq: 65, tk: 66, kvStride: 66, dim: 7, mask: 'random', maskBatch: 2 },
  // few query rows per KV head (tq * heads / kvHeads <= 8): the direct decode path, and just above it
  { batch: 3, heads: 4, kvHeads: 2, tq: 4, tk: 150, kvStride: 160, dim: 32, mask: 'random', maskBatch: 3 },
  { batch: 1, heads: 8, kvHeads: 8, tq: 1, tk: 300, kvStride: 310, dim: 64, mask: 'none', maskBatch: 1 },
  { batch: 2, heads: 3, kvHeads: 1, tq: 3, tk: 45, kvStride: 45, dim: 20, mask: 'causal', maskBatch: 1 },
];
function attnInputs(c: AttnCase, seed: number): { args: AttentionArgs; gOut: F32 } {
  const r = rng(seed);
  let mask: Uint8Array | null = null;
  if (c.mask !== 'none') {
    mask = new Uint8Array(c.maskBatch * c.tq * c.tk);
    for (let mb = 0; mb < c.maskBatch; mb++) for (let i = 0; i < c.tq; i++) for (let j = 0; j < c.tk; j++) {
      const blockEnd = 32 + (Math.floor((i - 32) / 32) + 1) * 32;
      const v = c.mask === 'random' ? r.next() < 0.6 : c.mask === 'causal' ? j <= i : j <= i || (i >= 32 && j < blockEnd);
      mask[(mb * c.tq + i) * c.tk + j] = v ? 1 : 0;
    }
    if (c.mask === 'random') { // fully hidden query rows, and a fully hidden key column
      for (let mb = 0; mb < c.maskBatch; mb++) for (let j = 0; j < c.tk; j++) mask[(mb * c.tq + (c.tq > 2 ? 2 : 0)) * c.tk + j] = 0;
      for (let i = 0; i < c.tq; i++) mask[i * c.tk + (c.tk - 1)] = 0;
    }
  }
  const q = r.array(c.batch * c.tq * c.heads * c.dim, -2, 2);
  const k = r.array(c.batch * c.kvStride * c.kvHeads * c.dim, -2, 2);
  const v = r.array(c.batch * c.kvStride * c.kvHeads * c.dim, -2, 2);
  // Garbage past tk in the KV cache must never be read.
  for (let b = 0; b < c.batch; b++) for (let j = c.tk; j < c.kvStride; j++) {
    k.fill(NaN, (b * c.kvStride + j) * c.kvHeads * c.dim, (b * c.kvStride + j + 1) * c.kvHeads * c.dim);
    v.fill(NaN, (b * c.kvStride + j) * c.kvHeads * c.dim, (b * c.kvStride + j + 1) * c.kvHeads * c.dim);
  }
  const args: AttentionArgs = { batch: c.batch, heads: c.heads, kvHeads: c.kvHeads, tq: c.tq, tk: c.tk, kvStride: c.kvStride,
    dim: c.dim, scale: 1 / Math.sqrt(c.dim), q, k, v, mask, maskBatch: c.maskBatch };
  return { args, gOut: r.array(c.batch * c.tq * c.heads * c.dim) };
}


describe('native kernels match the js reference', { skip }, () => {
  for (const bf16 of [false, true]) it(`gemm${bf16 ? ' (bf16 operands)' : ''}: shapes across tile edges, all transposes, batch strides, beta/alpha/bias, NaN under beta 0`, () => {
    const r = rng(bf16 ? 11 : 1);
    // m, n, k, batch; [300, 200, 520] and [250, 70, 600, 3] run every k block inside a unit (packed B <= 1 MiB),
    // [40, 450, 600] the k blocks outermost (packed B over 1 MiB); on several threads, [64, 64, 64, 8] and
    // [32, 100, 300, 7] run one batch item per task; [1030, 40, 270] and [60, 600, 300] are single products
    // large in one dimension; [530, 270, 300] and [270, 530, 300] are cut into one slab of rows or of columns
    // per thread.
    const shapes: [number, number, number, number][] = [
      [1, 1, 1, 1], [2, 3, 1, 2], [5, 7, 3, 1], [6, 16, 8, 1], [7, 17, 9, 3], [12, 32, 64, 2], [13, 31, 257, 1],
      [4, 300, 70, 2], [1, 129, 513, 1], [3, 40, 100, 3], [97, 61, 300, 1], [150, 45, 31, 1], [300, 200, 520, 1],
      [37, 5, 260, 4], [64, 64, 64, 8], [145, 33, 2, 1], [23, 1, 77, 2], [29, 3, 0, 2], [300, 1, 70, 2], [517, 4, 33, 1],
      [70, 3, 300, 2], [250, 70, 600, 3], [1030, 40, 270, 1], [40, 450, 600, 1], [32, 100, 300, 7], [60, 600, 300, 1],
      [530, 270, 300, 1], [270, 530, 300, 1],
    ];
    for (const [m, n, k, batch] of shapes) {
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
        for (const variant of [0, 1, 2]) {
          // variant 0: beta 0 over NaN, padded leading dims, offsets; 1: beta 1 + bias, alpha 0.5, strideA 0;
          // 2: shared B (strideB 0), beta 0.25.
          const lda = (transA ? m : k) + (variant === 0 ? 3 : 0), ldb = (transB ? k : n) + (variant === 0 ? 2 : 0);
          const ldc = n + (variant === 0 ? 1 : 0);
          const aItem = (transA ? k : m) * lda, bItem = (transB ? n : k) * ldb, cItem = m * ldc;
          const strideA = variant === 1 ? 0 : aItem, strideB = variant === 2 ? 0 : bItem + 5;
          const aOffset = variant === 0 ? 4 : 0, bOffset = variant === 0 ? 1 : 0, cOffset = variant === 0 ? 2 : 0;
          const aLen = aOffset + (strideA === 0 ? aItem : batch * aItem), bLen = bOffset + (strideB === 0 ? bItem : batch * strideB);
          const cLen = cOffset + batch * cItem;
          const beta = variant === 0 ? 0 : variant === 1 ? 1 : 0.25, alpha = variant === 1 ? 0.5 : 1;
          both(() => {
            const c = r.array(cLen);
            if (beta === 0) c.fill(NaN);
            return [r.array(aLen), r.array(bLen), c, r.array(n)];
          }, (kern, [a, b, c, bias]) => {
            const g: GemmArgs = { transA, transB, m, n, k, batch, a, aOffset, lda, strideA, b, bOffset, ldb, strideB,
              c, cOffset, ldc, strideC: cItem, alpha, beta, bias: variant === 1 ? bias : null, bf16 };
            kern.gemm(g);
          }, [2], { rtol: 1e-4, atol: 2e-6 * Math.sqrt(k + 1) * 10 },
          `gemm${bf16 ? ' bf16' : ''} m${m} n${n} k${k} b${batch} tA${transA} tB${transB} v${variant}`);
        }
      }
    }
  });

  it('gemm bf16: the fp32 product of the operands rounded to bfloat16, not of the operands themselves', () => {
    const r = rng(12);
    // Large enough for the packed AVX-512 paths (both B layouts, both A layouts, an odd k).
    for (const [m, n, k, transA, transB] of [[64, 96, 257, false, false], [50, 70, 128, true, true], [3, 40, 33, false, true]] as const) {
      const a = r.array(m * k), b = r.array(k * n);
      const gemm = (x: Float32Array, y: Float32Array, bf16: boolean) => {
        const c = new Float32Array(m * n);
        nk.gemm({ transA, transB, m, n, k, batch: 1, a: x, aOffset: 0, lda: transA ? m : k, strideA: 0, b: y, bOffset: 0,
          ldb: transB ? k : n, strideB: 0, c, cOffset: 0, ldc: n, strideC: 0, alpha: 1, beta: 0, bias: null, bf16 });
        return c;
      };
      const viaBf16 = gemm(a, b, true), exact = gemm(a, b, false);
      allclose(viaBf16, gemm(a.map(roundToBf16), b.map(roundToBf16), false), { rtol: 1e-5, atol: 1e-5 }, `bf16 m${m} n${n} k${k}`);
      let worst = 0;
      for (let i = 0; i < exact.length; i++) worst = Math.max(worst, Math.abs(viaBf16[i] - exact[i]));
      assert.ok(worst > 1e-3 && worst < 0.1, `bf16 m${m} n${n} k${k}: largest difference from the fp32 product ${worst} (rounding to 8 bits shows)`);
    }
  });

  it('binary: every op, broadcasting (stride 0), permuted strides, rank 0, NaN propagation', () => {
    const r = rng(2);
    const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min'];
    const cases: { shape: number[]; as: number[]; bs: number[]; an: number; bn: number }[] = [
      { shape: [3, 4, 5], as: [20, 5, 1], bs: [20, 5, 1], an: 60, bn: 60 },
      { shape: [3, 4, 5], as: [20, 5, 1], bs: [0, 0, 1], an: 60, bn: 5 },
      { shape: [3, 4, 5], as: [20, 5, 1], bs: [0, 1, 0], an: 60, bn: 4 },
      { shape: [7, 1, 9], as: [0, 0, 1], bs: [1, 0, 0], an: 9, bn: 7 },
      { shape: [2, 3, 4, 33], as: [1, 2, 6, 24], bs: [0, 33, 0, 1], an: 33 * 24, bn: 99 },
      { shape: [130, 257], as: [257, 1], bs: [1, 0], an: 130 * 257, bn: 130 },
      { shape: [50000], as: [1], bs: [0], an: 50000, bn: 1 },
      { shape: [], as: [], bs: [], an: 1, bn: 1 },
      { shape: [4, 0, 3], as: [0, 3, 1], bs: [0, 3, 1], an: 1, bn: 1 },
    ];
    for (const op of ops) {
      for (const c of cases) {
        both(() => {
          const a = r.array(c.an, -2, 2), b = r.array(c.bn, -2, 2);
          if (c.an > 3) { a[1] = NaN; b[0] = NaN; a[2] = b[Math.min(2, c.bn - 1)]; }
          if (op === 'div') for (let i = 0; i < b.length; i++) if (Math.abs(b[i]) < 0.1) b[i] = 0.5;
          return [a, b, new Float32Array(prod(c.shape))];
        }, (kern, [a, b, out]) => kern.binary(op, a, c.as, b, c.bs, out, c.shape), [2], { rtol: 1e-6, atol: 0 },
        `binary ${op} [${c.shape}]`);
      }
    }
  });

  const unaryOps: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'recip', 'square', 'abs', 'tanh', 'sigmoid', 'relu',
    'silu', 'gelu', 'gelu_tanh', 'sin', 'cos'];
  const positive = new Set<UnaryOp>(['log', 'sqrt', 'rsqrt']);
  const HUGE = [517.9, -517.9, 300.3, -300.3, 1e4, -1e4, 3e38, -3e38];
  /** Inputs for an op: odd length, wide range, plus edge values the op accepts. */
  function unaryInput(op: UnaryOp, r: ReturnType<typeof rng>, n: number): F32 {
    const x = positive.has(op) ? r.array(n, 1e-3, 50) : r.array(n, -12, 12);
    if (op === 'recip') for (let i = 0; i < n; i++) if (Math.abs(x[i]) < 1e-2) x[i] = 0.5;
    if (op === 'exp') { x[0] = -100; x[1] = 88; x[2] = -87.5; x[3] = 0; x[4] = Infinity; x[5] = -Infinity; x[6] = NaN; }
    if (op === 'tanh' || op === 'sigmoid') { x[0] = 1e-4; x[1] = -30; x[2] = 30; x[3] = 0.6; x[4] = Infinity; x[5] = -Infinity; x[6] = NaN; }
    if (op === 'relu' || op === 'abs' || op === 'neg') { x[0] = 0; x[1] = -0; x[2] = NaN; x[3] = Infinity; }
    // huge finite magnitudes (an activation fed by a diverging layer): gelu's exp(-x^2/2) once wrapped to -inf / NaN here
    if (!positive.has(op) && !['recip', 'exp', 'square'].includes(op)) HUGE.forEach((v, i) => { if (8 + i < n) x[8 + i] = v; });
    return x;
  }

  it('unary: every op, including exp under/overflow, infinities and NaN', () => {
    const r = rng(3);
    for (const op of unaryOps) {
      for (const n of [1, 7, 8, 9, 1001, 70001]) {
        both(() => [unaryInput(op, r, Math.max(n, 8)).subarray(0, n), new Float32Array(n)],
          (kern, [x, out]) => kern.unary(op, x, out, n), [1], { rtol: 2e-6, atol: 1e-6 }, `unary ${op} n${n}`);
      }
    }
  });

  it('unary math is accurate against float64: exp ~1 ulp, tanh/sigmoid/gelu (incl. its negative tail) within 1e-6 relative', () => {
    const n = 200001;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = -87 + (175 * i) / (n - 1);
    const y = new Float32Array(n);
    nk.unary('exp', x, y, n);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i] - Math.exp(x[i])) / Math.exp(x[i]));
    assert.ok(worst < 1.8e-7, `exp max rel err ${worst}`);
    for (let i = 0; i < n; i++) x[i] = -9 + (18 * i) / (n - 1);
    const ref: Record<string, (v: number) => number> = {
      tanh: Math.tanh, sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      gelu: (v) => 0.5 * v * erfc64(-v / Math.SQRT2),
    };
    for (const op of ['tanh', 'sigmoid', 'gelu'] as const) {
      nk.unary(op, x, y, n);
      let w = 0;
      for (let i = 0; i < n; i++) {
        const e = ref[op](x[i]);
        w = Math.max(w, Math.abs(y[i] - e) / (Math.abs(e) || 1));
      }
      assert.ok(w < 1e-6, `${op} max rel err ${w}`);
    }
  });

  it('unaryBackward: every op', () => {
    const r = rng(4);
    for (const op of unaryOps) {
      for (const n of [5, 1003, 70001]) {
        both(() => {
          const x = unaryInput(op, r, n).map((v) => (Number.isFinite(v) ? v : 0.5));
          const y = new Float32Array(n);
          js.unary(op, x, y, n);
          return [x, y, r.array(n), new Float32Array(n)];
        }, (kern, [x, y, gy, gx]) => kern.unaryBackward(op, x, y, gy, gx, n), [3], { rtol: 1e-5, atol: 1e-6 },
        `unaryBackward ${op} n${n}`);
      }
    }
  });

  it('gatedUnary and its backward: every op', () => {
    const r = rng(44);
    for (const op of unaryOps) {
      for (const n of [5, 1003, 70001]) {
        const make = () => [unaryInput(op, r, n).map((v) => (Number.isFinite(v) ? v : 0.5)), r.array(n, -2, 2), r.array(n),
          new Float32Array(n), new Float32Array(n)];
        both(make, (kern, [a, b, , out]) => kern.gatedUnary(op, a, b, out, n), [3], { rtol: 1e-5, atol: 1e-6 }, `gatedUnary ${op} n${n}`);
        both(make, (kern, [a, b, g, ga, gb]) => kern.gatedUnaryBackward(op, a, b, g, ga, gb, n), [3, 4], { rtol: 1e-5, atol: 1e-6 },
          `gatedUnaryBackward ${op} n${n}`);
      }
    }
  });

  it('affine, axpy', () => {
    const r = rng(5);
    for (const n of [1, 13, 100003]) {
      both(() => [r.array(n), new Float32Array(n)], (kern, [x, out]) => kern.affine(x, out, n, -1.75, 0.25), [1],
        { rtol: 1e-6, atol: 1e-7 }, `affine n${n}`);
      both(() => [r.array(n), r.array(n)], (kern, [x, y]) => kern.axpy(0.3, x, y, n), [1], { rtol: 1e-6, atol: 1e-7 },
        `axpy n${n}`);
    }
  });

  it('reduce (sum, max incl. NaN) and sumSquares', () => {
    const r = rng(6);
    for (const [outer, n, inner] of [[1, 1, 1], [3, 17, 1], [2, 150001, 1], [5, 33, 7], [1, 1000, 300], [4, 0, 3], [2, 9, 513], [1, 1500, 192], [3, 700, 40]]) {
      for (const op of ['sum', 'max'] as const) {
        both(() => {
          const x = r.array(outer * n * inner, -3, 3);
          if (op === 'max' && x.length > 20) x[11] = NaN;
          return [x, new Float32Array(outer * inner)];
        }, (kern, [x, out]) => kern.reduce(op, x, out, outer, n, inner), [1], { rtol: 1e-6, atol: 1e-6 },
        `reduce ${op} ${outer}x${n}x${inner}`);
      }
    }
    for (const n of [0, 5, 300007]) {
      const x = r.array(n + 1).subarray(0, n);
      const a = nk.sumSquares(x, n), b = js.sumSquares(x, n);
      assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, b), `sumSquares n${n}: ${a} vs ${b}`);
    }
  });

  it('copy: permutes (tiled transposes), slices with offsets, flips, broadcasts, accumulate incl. reducing dst', () => {
    const r = rng(7);
    const cases: { shape: number[]; ss: number[]; so: number; ds: number[]; dof: number; srcLen: number; dstLen: number }[] = [];
    // [A, B, C] -> permute(0, 2, 1) and others
    for (const [A, B, C] of [[2, 3, 4], [3, 70, 45], [1, 129, 65]]) {
      cases.push({ shape: [A, C, B], ss: [B * C, 1, C], so: 0, ds: contiguous([A, C, B]), dof: 0, srcLen: A * B * C, dstLen: A * B * C });
      cases.push({ shape: [C, A, B], ss: [1, B * C, C], so: 0, ds: contiguous([C, A, B]), dof: 0, srcLen: A * B * C, dstLen: A * B * C });
      cases.push({ shape: [A, B, C], ss: contiguous([A, B, C]), so: 0, ds: [B * C, 1, B], dof: 0, srcLen: A * B * C, dstLen: A * B * C });
    }
    // [B, T, H, D] -> [B, H, T, D]
    cases.push({ shape: [2, 4, 33, 16], ss: [33 * 4 * 16, 16, 4 * 16, 1], so: 0, ds: contiguous([2, 4, 33, 16]), dof: 0, srcLen: 2 * 33 * 4 * 16, dstLen: 2 * 33 * 4 * 16 });
    // slice with offset into a padded destination
    cases.push({ shape: [5, 7], ss: [11, 1], so: 13, ds: [9, 1], dof: 3, srcLen: 13 + 5 * 11, dstLen: 3 + 5 * 9 });
    // flip the last axis (negative stride)
    cases.push({ shape: [4, 10], ss: [10, -1], so: 9, ds: [10, 1], dof: 0, srcLen: 40, dstLen: 40 });
    // broadcast source (stride 0)
    cases.push({ shape: [6, 300], ss: [0, 1], so: 0, ds: [300, 1], dof: 0, srcLen: 300, dstLen: 1800 });
    // big contiguous
    cases.push({ shape: [100003], ss: [1], so: 0, ds: [1], dof: 0, srcLen: 100003, dstLen: 100003 });
    // rank 0
    cases.push({ shape: [], ss: [], so: 2, ds: [], dof: 1, srcLen: 3, dstLen: 2 });
    for (const c of cases) {
      for (const acc of [false, true]) {
        both(() => [r.array(c.srcLen), r.array(c.dstLen)], (kern, [s, d]) => kern.copy(c.shape, s, c.so, c.ss, d, c.dof, c.ds, acc),
          [1], { rtol: 1e-6, atol: 1e-7 }, `copy [${c.shape}] ss[${c.ss}] ds[${c.ds}] acc ${acc}`);
      }
    }
    // accumulate into a destination with stride 0 (a reduction, as for broadcast gradients)
    both(() => [r.array(64 * 40), r.array(40)], (kern, [s, d]) => kern.copy([64, 40], s, 0, [40, 1], d, 0, [0, 1], true),
      [1], { rtol: 1e-5, atol: 1e-6 }, 'copy accumulate into stride-0 dst');
  });

  it('indexSelect / indexAdd with repeated indices; out-of-range indices throw', () => {
    const r = rng(8);
    for (const [outer, n, inner, m] of [[1, 10, 1, 25], [3, 50, 7, 40], [1, 256, 300, 2048], [2, 5, 129, 9]]) {
      const idx = new Int32Array(m).map(() => r.int(0, n - 1));
      both(() => [r.array(outer * n * inner), new Float32Array(outer * m * inner)],
        (kern, [x, out]) => kern.indexSelect(x, outer, n, inner, idx, out), [1], { rtol: 0, atol: 0 }, `indexSelect ${outer}x${n}x${inner}`);
      both(() => [r.array(outer * m * inner), r.array(outer * n * inner)],
        (kern, [gy, gx]) => kern.indexAdd(gy, outer, n, inner, idx, gx), [1], { rtol: 1e-5, atol: 1e-6 }, `indexAdd ${outer}x${n}x${inner}`);
    }
    const x = new Float32Array(10), out = new Float32Array(4);
    assert.throws(() => nk.indexSelect(x, 1, 10, 1, new Int32Array([1, 10, 0, 0]), out), RangeError);
    assert.throws(() => nk.indexAdd(out, 1, 10, 1, new Int32Array([1, -1, 0, 0]), x), RangeError);
  });

  it('softmax / log-softmax and backward', () => {
    const r = rng(9);
    for (const [rows, cols] of [[1, 1], [3, 7], [17, 8], [64, 257], [2, 5000], [300, 33]]) {
      for (const log of [false, true]) {
        both(() => {
          const x = r.array(rows * cols, -20, 20);
          if (cols > 3) { x[1] = -Infinity; x[2] = 80; }
          return [x, new Float32Array(rows * cols)];
        }, (kern, [x, out]) => kern.softmax(x, out, rows, cols, log), [1], { rtol: 1e-5, atol: 1e-6 }, `softmax ${rows}x${cols} log ${log}`);
        both(() => {
          const y = new Float32Array(rows * cols);
          js.softmax(r.array(rows * cols, -5, 5), y, rows, cols, log);
          return [y, r.array(rows * cols), new Float32Array(rows * cols)];
        }, (kern, [y, gy, gx]) => kern.softmaxBackward(y, gy, gx, rows, cols, log), [2], { rtol: 1e-5, atol: 1e-6 },
        `softmaxBackward ${rows}x${cols} log ${log}`);
      }
    }
  });

  it('cross-entropy forward/backward with ignored rows; bad targets throw', () => {
    const r = rng(10);
    for (const [rows, cols] of [[1, 2], [9, 17], [130, 256], [7, 3001]]) {
      const targets = new Int32Array(rows).map((_, i) => (i % 4 === 3 ? -100 : r.int(0, cols - 1)));
      both(() => [r.array(rows * cols, -10, 10), new Float32Array(rows), new Float32Array(rows)],
        (kern, [x, loss, lse]) => kern.crossEntropy(x, targets, rows, cols, -100, loss, lse), [1, 2], { rtol: 1e-5, atol: 1e-5 },
        `crossEntropy ${rows}x${cols}`);
      both(() => {
        const x = r.array(rows * cols, -10, 10), loss = new Float32Array(rows), lse = new Float32Array(rows);
        js.crossEntropy(x, targets, rows, cols, -100, loss, lse);
        return [x, lse, r.array(rows), new Float32Array(rows * cols)];
      }, (kern, [x, lse, gl, g]) => kern.crossEntropyBackward(x, targets, lse, gl, rows, cols, -100, g), [3],
      { rtol: 1e-5, atol: 1e-6 }, `crossEntropyBackward ${rows}x${cols}`);
    }
    assert.throws(() => nk.crossEntropy(new Float32Array(6), new Int32Array([0, 3]), 2, 3, -100, new Float32Array(2), new Float32Array(2)),
      /target 3 out of range \[0, 3\) at row 1/);
  });

  it('LayerNorm and RMSNorm, forward and backward, with and without affine parameters', () => {
    const r = rng(11);
    for (const [rows, cols] of [[1, 1], [3, 7], [300, 37], [64, 259], [2000, 64]]) {
      for (const affine of [true, false]) {
        const mk = () => [r.array(rows * cols, -3, 3).map((v) => v + 2), r.array(cols), r.array(cols), new Float32Array(rows * cols),
          new Float32Array(rows), new Float32Array(rows)];
        both(mk, (kern, [x, w, b, out, mean, rstd]) =>
          kern.layerNorm(x, affine ? w : null, affine ? b : null, out, mean, rstd, rows, cols, 1e-5), [3, 4, 5],
        { rtol: 1e-5, atol: 2e-5 }, `layerNorm ${rows}x${cols} affine ${affine}`);
        both(() => {
          const x = r.array(rows * cols, -3, 3), w = r.array(cols), mean = new Float32Array(rows), rstd = new Float32Array(rows);
          js.layerNorm(x, w, null, new Float32Array(rows * cols), mean, rstd, rows, cols, 1e-5);
          return [x, w, mean, rstd, r.array(rows * cols), new Float32Array(rows * cols), new Float32Array(cols), new Float32Array(cols)];
        }, (kern, [x, w, mean, rstd, gy, gx, gw, gb]) =>
          kern.layerNormBackward(x, affine ? w : null, mean, rstd, gy, gx, affine ? gw : null, affine ? gb : null, rows, cols),
        [5, 6, 7], { rtol: 1e-4, atol: 2e-5 }, `layerNormBackward ${rows}x${cols} affine ${affine}`);
        both(() => [r.array(rows * cols, -3, 3), r.array(cols), new Float32Array(rows * cols), new Float32Array(rows)],
          (kern, [x, w, out, rstd]) => kern.rmsNorm(x, affine ? w : null, out, rstd, rows, cols, 1e-6), [2, 3],
          { rtol: 1e-5, atol: 1e-5 }, `rmsNorm ${rows}x${cols} affine ${affine}`);
        both(() => {
          const x = r.array(rows * cols, -3, 3), w = r.array(cols), rstd = new Float32Array(rows);
          js.rmsNorm(x, w, new Float32Array(rows * cols), rstd, rows, cols, 1e-6);
          return [x, w, rstd, r.array(rows * cols), new Float32Array(rows * cols), new Float32Array(cols)];
        }, (kern, [x, w, rstd, gy, gx, gw]) => kern.rmsNormBackward(x, affine ? w : null, rstd, gy, gx, affine ? gw : null, rows, cols),
        [4, 5], { rtol: 1e-4, atol: 2e-5 }, `rmsNormBackward ${rows}x${cols} affine ${affine}`);
      }
    }
  });

  it('multimodal-norm (SSG) switch, modulation and gated residual, forward and backward', () => {
    const r = rng(41);
    for (const [rows, cols] of [[1, 1], [3, 7], [37, 33], [130, 64], [2100, 17]]) {
      for (const affine of [true, false]) {
        const tag = `${rows}x${cols}`;
        // s in (0, 1) as the switch gives it; lat, cond [3, cols]
        const base = () => [r.array(rows * cols, -3, 3), r.array(2 * cols), r.array(2), r.array(rows, 0.01, 0.99), r.array(3 * cols, -2, 2),
          r.array(3 * cols, -2, 2), r.array(cols), r.array(rows * cols), r.array(rows)];
        both(() => [...base(), new Float32Array(rows)], (kern, [u, w, b, , , , , , , s]) => kern.ssgSwitch(u, w, b, s, rows, cols), [9],
          { rtol: 1e-5, atol: 1e-6 }, `ssgSwitch ${tag}`);
        both(() => [...base(), new Float32Array(rows * cols), new Float32Array(2 * cols), new Float32Array(2)],
          (kern, [u, w, , s, , , , , gs, gu, gw, gb]) => kern.ssgSwitchBackward(u, w, s, gs, gu, gw, gb, rows, cols), [9, 10, 11],
          { rtol: 1e-4, atol: 1e-5 }, `ssgSwitchBackward ${tag}`);
        both(() => [...base(), new Float32Array(rows * cols)],
          (kern, [y, , , s, lat, cond, wt, , , out]) => kern.ssgModulate(y, affine ? wt : null, s, lat, cond, out, rows, cols), [9],
          { rtol: 1e-5, atol: 1e-5 }, `ssgModulate ${tag} affine ${affine}`);
        both(() => [...base(), new Float32Array(rows * cols), new Float32Array(cols), new Float32Array(rows), new Float32Array(3 * cols).fill(NaN),
          new Float32Array(3 * cols).fill(NaN)],
          (kern, [y, , , s, lat, cond, wt, g, , gy, gw, gs, gLat, gCond]) =>
            kern.ssgModulateBackward(y, affine ? wt : null, s, lat, cond, g, gy, affine ? gw : null, gs, gLat, gCond, rows, cols),
          [9, 10, 11, 12, 13], { rtol: 1e-4, atol: 5e-5 }, `ssgModulateBackward ${tag} affine ${affine}`);
        both(() => [...base(), new Float32Array(rows * cols)],
          (kern, [x, , , s, lat, cond, , f, , out]) => kern.ssgGatedAdd(x, f, s, lat, cond, out, rows, cols), [9],
          { rtol: 1e-5, atol: 1e-5 }, `ssgGatedAdd ${tag}`);
        both(() => [...base(), new Float32Array(rows * cols), new Float32Array(rows), new Float32Array(3 * cols).fill(NaN), new Float32Array(3 * cols).fill(NaN)],
          (kern, [f, , , s, lat, cond, , g, , gf, gs, gLat, gCond]) => kern.ssgGatedAddBackward(f, s, lat, cond, g, gf, gs, gLat, gCond, rows, cols),
          [9, 10, 11, 12], { rtol: 1e-4, atol: 5e-5 }, `ssgGatedAddBackward ${tag}`);
      }
    }
  });

  it('attention forward and backward: masks with hidden rows, GQA (kvHeads 4/2/1), kvStride > tk', () => {
    attnCases.forEach((c, ci) => {
      const { args, gOut } = attnInputs(c, 100 + ci);
      const label = `attention case ${ci} (${JSON.stringify(c)})`;
      const qn = c.batch * c.tq * c.heads * c.dim, kvn = c.batch * c.tk * c.kvHeads * c.dim, ln = c.batch * c.heads * c.tq;
      const run = (kern: Kernels) => {
        const out = new Float32Array(qn).fill(NaN), lse = new Float32Array(ln).fill(NaN);
        kern.attention(args, out, lse);
        const gq = new Float32Array(qn).fill(NaN), gk = new Float32Array(kvn).fill(NaN), gv = new Float32Array(kvn).fill(NaN);
        kern.attentionBackward(args, out, lse, gOut, gq, gk, gv);
        return { out, lse, gq, gk, gv };
      };
      const a = run(nk), b = run(js);
      allclose(a.out, b.out, { rtol: 1e-4, atol: 1e-5 }, `${label} out`);
      allclose(a.lse, b.lse, { rtol: 1e-5, atol: 1e-5 }, `${label} lse`);
      allclose(a.gq, b.gq, { rtol: 1e-4, atol: 2e-5 }, `${label} gq`);
      allclose(a.gk, b.gk, { rtol: 1e-4, atol: 2e-5 }, `${label} gk`);
      allclose(a.gv, b.gv, { rtol: 1e-4, atol: 2e-5 }, `${label} gv`);
      if (c.mask === 'random') assert.equal(a.lse[2 * (c.tq > 2 ? 1 : 0)], -Infinity, `${label}: hidden row lse`);
    });
  });

  it('rope forward / inverse, in place, per-batch tables', () => {
    const r = rng(12);
    for (const [batch, t, heads, dim, tb] of [[1, 1, 1, 2, 1], [2, 9, 3, 16, 1], [3, 17, 2, 34, 3], [2, 64, 4, 64, 2]]) {
      for (const inverse of [false, true]) {
        const n = batch * t * heads * dim, tn = tb * t * (dim / 2);
        both(() => [r.array(n), new Float32Array(n), r.array(tn), r.array(tn)],
          (kern, [x, out, cos, sin]) => kern.rope(x, out, batch, t, heads, dim, cos, sin, tb, inverse), [1],
          { rtol: 1e-5, atol: 1e-6 }, `rope ${batch}x${t}x${heads}x${dim} tb${tb} inv ${inverse}`);
        both(() => [r.array(n), r.array(tn), r.array(tn)],
          (kern, [x, cos, sin]) => kern.rope(x, x, batch, t, heads, dim, cos, sin, tb, inverse), [0],
          { rtol: 1e-5, atol: 1e-6 }, `rope in place ${batch}x${t}x${heads}x${dim}`);
      }
    }
  });

  it('im2col / col2im, 2-d and 3-d, with padding and stride', () => {
    const r = rng(13);
    const cases: { c: number; inD: number[]; k: number[]; s: number[]; p: number[] }[] = [
      { c: 3, inD: [7, 9], k: [3, 3], s: [1, 1], p: [1, 1] },
      { c: 2, inD: [8, 8], k: [2, 2], s: [2, 2], p: [0, 0] },
      { c: 4, inD: [11, 6], k: [3, 2], s: [2, 1], p: [2, 0] },
      { c: 1, inD: [5, 5], k: [5, 5], s: [1, 1], p: [0, 0] },
      { c: 2, inD: [4, 3], k: [3, 3], s: [1, 1], p: [3, 2] }, // padding wider than the kernel reach: whole zero rows
      { c: 1, inD: [6, 1], k: [1, 1], s: [1, 1], p: [0, 2] }, // one input column between padding
      { c: 2, inD: [5, 6, 7], k: [3, 3, 3], s: [1, 2, 1], p: [1, 1, 0] },
      { c: 3, inD: [4, 8, 8], k: [1, 2, 2], s: [1, 2, 2], p: [0, 0, 0] },
      { c: 16, inD: [9, 32, 32], k: [3, 4, 4], s: [2, 4, 4], p: [1, 0, 0] },
    ];
    for (const c of cases) {
      const outD = c.inD.map((d, i) => Math.floor((d + 2 * c.p[i] - c.k[i]) / c.s[i]) + 1);
      const xn = c.c * prod(c.inD), cn = c.c * prod(c.k) * prod(outD), xo = 5;
      both(() => [r.array(xo + xn), r.array(cn)], (kern, [x, cols]) => kern.im2col(x, xo, c.c, c.inD, c.k, c.s, c.p, outD, cols),
        [1], { rtol: 0, atol: 0 }, `im2col ${JSON.stringify(c)}`);
      both(() => [r.array(cn), r.array(xo + xn)], (kern, [cols, x]) => kern.col2im(cols, c.c, c.inD, c.k, c.s, c.p, outD, x, xo),
        [1], { rtol: 1e-5, atol: 1e-6 }, `col2im ${JSON.stringify(c)}`);
    }
  });

  it('AdamW over several steps', () => {
    const r = rng(14);
    for (const n of [1, 9, 100003]) {
      both(() => [r.array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n)], (kern, [p, g, m, v]) => {
        const gr = rng(15);
        for (let step = 1; step <= 5; step++) {
          for (let i = 0; i < n; i++) g[i] = gr.normal() * (i % 7 === 0 ? 1e-3 : 1);
          kern.adamw(p, g, m, v, n, 1e-2, 0.9, 0.999, 1e-8, 0.01, step, 0.5);
        }
      }, [0, 2, 3], { rtol: 2e-5, atol: 1e-6 }, `adamw n${n}`);
    }
  });
});

describe('native kernels: thread count, portable build, errors', { skip }, () => {
  it('results are identical with 1 and 2 threads', () => {
    const a = addon as NativeAddon;
    const threads = a.info().threads;
    const r = rng(20);
    const m = 300, n = 260, k = 520;
    const A = r.array(m * k), B = r.array(k * n);
    const { args, gOut } = attnInputs(attnCases[2], 7);
    const rows = 2000, cols = 64;
    const x = r.array(rows * cols), gy = r.array(rows * cols), w = r.array(cols);
    const run = () => {
      const C = new Float32Array(2 * m * n);
      nk.gemm({ transA: false, transB: true, m, n, k: 260, batch: 2, a: A, aOffset: 0, lda: k, strideA: 260, b: B, bOffset: 0,
        ldb: k, strideB: 0, c: C, cOffset: 0, ldc: n, strideC: m * n, alpha: 1, beta: 0, bias: null });
      const C2 = new Float32Array(m * n);
      nk.gemm({ transA: false, transB: false, m, n, k, batch: 1, a: A, aOffset: 0, lda: k, strideA: 0, b: B, bOffset: 0,
        ldb: n, strideB: 0, c: C2, cOffset: 0, ldc: n, strideC: 0, alpha: 1, beta: 0, bias: null });
      // a single product wide in n
      const C4 = new Float32Array(60 * 520);
      nk.gemm({ transA: false, transB: false, m: 60, n: 520, k: 260, batch: 1, a: A, aOffset: 0, lda: 260, strideA: 0, b: B,
        bOffset: 0, ldb: 520, strideB: 0, c: C4, cOffset: 0, ldc: 520, strideC: 0, alpha: 1, beta: 0, bias: null });
      // single products large in every dimension: one slab of columns, then of rows, per thread
      const C5 = new Float32Array(270 * 520), C6 = new Float32Array(520 * 260);
      nk.gemm({ transA: false, transB: false, m: 270, n: 520, k: 260, batch: 1, a: A, aOffset: 0, lda: 260, strideA: 0, b: B,
        bOffset: 0, ldb: 520, strideB: 0, c: C5, cOffset: 0, ldc: 520, strideC: 0, alpha: 1, beta: 0, bias: null });
      nk.gemm({ transA: false, transB: false, m: 520, n: 260, k: 260, batch: 1, a: A, aOffset: 0, lda: 260, strideA: 0, b: B,
        bOffset: 0, ldb: 260, strideB: 0, c: C6, cOffset: 0, ldc: 260, strideC: 0, alpha: 1, beta: 0, bias: null });
      // a convolution-like batch (shared A, 8 items with their own B): one item per task on several threads
      const C3 = new Float32Array(8 * 30 * 60);
      nk.gemm({ transA: false, transB: false, m: 30, n: 60, k: 270, batch: 8, a: A, aOffset: 0, lda: 270, strideA: 0, b: B,
        bOffset: 0, ldb: 60, strideB: 270 * 60, c: C3, cOffset: 0, ldc: 60, strideC: 30 * 60, alpha: 1, beta: 0, bias: null });
      const qn = args.q.length, kvn = 2 * 130 * 4 * 64;
      const out = new Float32Array(qn), lse = new Float32Array(2 * 4 * 130);
      nk.attention(args, out, lse);
      const gq = new Float32Array(qn), gk = new Float32Array(kvn), gv = new Float32Array(kvn);
      nk.attentionBackward(args, out, lse, gOut, gq, gk, gv);
      const mean = new Float32Array(rows), rstd = new Float32Array(rows), gx = new Float32Array(rows * cols);
      const gw = new Float32Array(cols), gb = new Float32Array(cols);
      nk.layerNorm(x, w, null, new Float32Array(rows * cols), mean, rstd, rows, cols, 1e-5);
      nk.layerNormBackward(x, w, mean, rstd, gy, gx, gw, gb, rows, cols);
      const red = new Float32Array(cols);
      nk.reduce('sum', gy, red, 1, rows, cols);
      const sm = new Float32Array(rows * cols);
      nk.softmax(x, sm, rows, cols, true);
      // KV-cache decode large enough to be split across threads
      const dec = { ...attnInputs({ batch: 4, heads: 8, kvHeads: 4, tq: 1, tk: 1024, kvStride: 1030, dim: 64, mask: 'none', maskBatch: 1 }, 8).args };
      const dout = new Float32Array(4 * 8 * 64), dlse = new Float32Array(4 * 8);
      nk.attention(dec, dout, dlse);
      const ss = new Float32Array([nk.sumSquares(A, A.length)]);
      return [C, C2, C3, C4, C5, C6, out, lse, gq, gk, gv, gx, gw, gb, red, sm, ss, dout, dlse];
    };
    try {
      a.setThreads(1);
      const one = run();
      a.setThreads(2);
      const two = run();
      one.forEach((o, i) => assert.deepEqual(two[i], o, `output ${i} differs between 1 and 2 threads`));
    } finally {
      a.setThreads(threads);
    }
  });

  // Each lower kernel set the CPU supports runs this whole file in a child process. The child runs the
  // file directly (not under `--test`, which a process inside a test run would skip with a warning) and
  // exits non-zero when any test fails.
  const lower = ['generic', 'avx2'].filter((isa) => addon && isa !== addon.info().isa && !(isa === 'avx2' && addon.info().isa === 'generic'));
  for (const isa of lower) {
    it(`the ${isa} kernel set passes this whole file too`, { skip: isChild ? 'already the child run' : false }, () => {
      const env: Record<string, string | undefined> = { ...process.env, HAPLOOMNI_ISA: isa, HAPLOOMNI_NATIVE_TEST_CHILD: '1' };
      delete env.NODE_TEST_CONTEXT;
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { env, encoding: 'utf8' });
      assert.equal(r.status, 0, `${isa} run (parent uses ${(addon as NativeAddon).info().isa}) failed:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /# pass [1-9]/, `${isa} run reported no passing tests:\n${r.stdout}`);
      assert.match(r.stdout, /# fail 0/, `${isa} run:\n${r.stdout}`);
    });
  }

  it('AVX code appears only in runtime-dispatched functions (the binary runs on any x86-64)', (t) => {
    const file = fileURLToPath(new URL('../../../build/Release/haploomni.node', import.meta.url));
    const r = spawnSync('objdump', ['-d', '--no-show-raw-insn', '-C', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0 || process.arch !== 'x64') {
      t.skip(r.error ? 'objdump not available' : `not an x86-64 build (${process.arch})`);
      return;
    }
    const offenders = new Set<string>();
    let fn = '';
    for (const line of r.stdout.split('\n')) {
      const head = /^[0-9a-f]+ <(.*)>:$/.exec(line);
      if (head) { fn = head[1]; continue; }
      // VEX/EVEX-encoded instructions all start with 'v' (vmovaps, vfmadd231ps, vbroadcastss, ...).
      if (/^\s+[0-9a-f]+:\s+v[a-z0-9]+\s/.test(line) && !/ho::avx2::|ho::avx512::|_avx2\(|_avx512\(|transpose8\(/.test(fn)) offenders.add(fn);
    }
    assert.deepEqual([...offenders], [], 'functions outside the dispatched AVX2/AVX-512 code use AVX instructions');
  });

  it('bad arguments throw errors naming the kernel and the argument', () => {
    const a = addon as NativeAddon;
    const f = new Float32Array(4);
    assert.throws(() => a.unary(1, new Float64Array(4) as unknown as F32, f, 4), /haploomni native unary: argument 'x' must be a Float32Array/);
    assert.throws(() => a.unary(1, f, f, 5), /haploomni native unary: 'x' is too small/);
    assert.throws(() => (a.axpy as unknown as (...v: unknown[]) => void)(1, f), /haploomni native axpy: expected 4 arguments, got 2/);
    assert.throws(() => a.softmax(f, f, 2, 2.5, false), /haploomni native softmax: argument 'cols' must be an integer/);
    assert.throws(() => nk.gemm({ transA: false, transB: false, m: 2, n: 2, k: 2, batch: 1, a: f, aOffset: 1, lda: 2, strideA: 0,
      b: f, bOffset: 0, ldb: 2, strideB: 0, c: f, cOffset: 0, ldc: 2, strideC: 0, alpha: 1, beta: 0, bias: null }), /gemm: 'a' is too small/);
    const { args } = attnInputs(attnCases[0], 1);
    assert.throws(() => nk.attention({ ...args, kvHeads: 3 }, new Float32Array(1e5), new Float32Array(1e3)), /heads 4 is not a multiple of kvHeads 3/);
    assert.throws(() => nk.attention({ ...args, kvStride: 10 }, new Float32Array(1e5), new Float32Array(1e3)), /kvStride 10 is smaller than tk 53/);
    // A view with a byte offset is read at its offset (zero copy).
    const big = new Float32Array([9, 9, 1, 2, 3]);
    const out = new Float32Array(3);
    a.unary(0, big.subarray(2), out, 3);
    assert.deepEqual([...out], [-1, -2, -3]);
  });
});

/** erfc in float64 to ~1e-15 relative, without cancellation in either tail. */
function erfc64(x: number): number {
  if (x < 0) return 2 - erfc64(-x);
  if (x < 3) { // 1 - erf from the Maclaurin series
    let term = x, sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0; // continued fraction
  for (let n = 80; n >= 1; n--) f = n / 2 / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}
