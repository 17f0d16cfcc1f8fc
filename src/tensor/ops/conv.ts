/**
 * 2-D and 3-D convolution and transposed convolution via im2col + GEMM (PyTorch weight layouts).
 * Patchify is the special case stride = kernel.
 */
import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import { matmulPrecision } from '../precision.js';
import { empty, shapeSize, zeros, type Tensor } from '../tensor.js';

export interface ConvOptions {
  /** per spatial axis or one number for all (default 1) */
  stride?: number | readonly number[];
  /** zero padding per spatial axis or one number for all (default 0) */
  padding?: number | readonly number[];
  /** convTranspose only: extra rows added at the far end of each output axis (default 0, must be < stride) */
  outputPadding?: number | readonly number[];
}

function perAxis(v: number | readonly number[] | undefined, rank: number, fallback: number, what: string): number[] {
  const out = v === undefined ? new Array<number>(rank).fill(fallback) : typeof v === 'number' ? new Array<number>(rank).fill(v) : [...v];
  if (out.length !== rank || out.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`conv ${what} must be ${rank} non-negative integers, got ${JSON.stringify(v)}`);
  return out;
}

/** Adds bias[c] to every element of channel c of t viewed as [batch, channels, positions] (in place). */
function addChannelBias(t: Tensor, bias: Tensor, batch: number, channels: number, positions: number): void {
  kernels().binary('add', t.data, [channels * positions, positions, 1], bias.data, [0, 1, 0], t.data, [batch, channels, positions]);
}

/** Sum of g [batch, channels, positions] over batch and positions -> [channels]. */
function channelSum(g: Tensor, batch: number, channels: number, positions: number): Tensor {
  const perBatch = empty([batch, channels]);
  kernels().reduce('sum', g.data, perBatch.data, batch * channels, positions, 1);
  const out = empty([channels]);
  kernels().reduce('sum', perBatch.data, out.data, 1, batch, channels);
  perBatch.dispose();
  return out;
}

/**
 * Convolution over the trailing 2 or 3 axes: x [N, C, ...in], w [O, C, ...kernel], b [O].
 * out[n, o] = sum_c,k w[o, c, k] x[n, c, s*p + k - pad] + b[o]; out size (in + 2 pad - kernel) / stride + 1.
 */
export function conv(x: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions = {}): Tensor {
  const r = x.rank - 2;
  if ((r !== 2 && r !== 3) || w.rank !== x.rank || w.shape[1] !== x.shape[1]) {
    throw new Error(`conv: input [${x.shape.join(', ')}] and weight${w.name ? ` '${w.name}'` : ''} [${w.shape.join(', ')}] must be [N, C, ...2 or 3 dims] and [O, C, ...kernel]`);
  }
  const [n, c, ...inDims] = x.shape;
  const [o, , ...kernel] = w.shape;
  if (b && (b.rank !== 1 || b.shape[0] !== o)) throw new Error(`conv: bias [${b.shape.join(', ')}] does not match ${o} output channels`);
  const stride = perAxis(opts.stride, r, 1, 'stride'), padding = perAxis(opts.padding, r, 0, 'padding');
  if (stride.some((s) => s === 0)) throw new Error('conv stride must be positive');
  const outDims = inDims.map((d, i) => Math.floor((d + 2 * padding[i] - kernel[i]) / stride[i]) + 1);
  if (outDims.some((d) => d <= 0)) throw new Error(`conv: kernel [${kernel.join(', ')}] is larger than the padded input [${inDims.join(', ')}]`);
  const ck = c * shapeSize(kernel), p = shapeSize(outDims), inSize = c * shapeSize(inDims);
  const k = kernels(), bf16 = matmulPrecision() === 'bf16';
  const cols = empty([n, ck, p]);
  for (let i = 0; i < n; i++) {
    k.im2col(x.data, i * inSize, c, inDims, kernel, stride, padding, outDims, cols.data.subarray(i * ck * p, (i + 1) * ck * p));
  }
  const out = empty([n, o, ...outDims]);
  k.gemm({
    transA: false, transB: false, m: o, n: p, k: ck, batch: n,
    a: w.data, aOffset: 0, lda: ck, strideA: 0, b: cols.data, bOffset: 0, ldb: p, strideB: ck * p,
    c: out.data, cOffset: 0, ldc: p, strideC: o * p, alpha: 1, beta: 0, bias: null, bf16,
  });
  if (b) addChannelBias(out, b, n, o, p);
  const inputs = b ? [x, w, b] : [x, w];
  return record(out, 'conv', inputs, (g) => {
    let gx: Tensor | null = null, gw: Tensor | null = null;
    if (x.requiresGrad) {
      const gCols = empty([n, ck, p]);
      k.gemm({
        transA: true, transB: false, m: ck, n: p, k: o, batch: n,
        a: w.data, aOffset: 0, lda: ck, strideA: 0, b: g.data, bOffset: 0, ldb: p, strideB: o * p,
        c: gCols.data, cOffset: 0, ldc: p, strideC: ck * p, alpha: 1, beta: 0, bias: null, bf16,
      });
      gx = zeros(x.shape);
      for (let i = 0; i < n; i++) {
        k.col2im(gCols.data.subarray(i * ck * p, (i + 1) * ck * p), c, inDims, kernel, stride, padding, outDims, gx.data, i * inSize);
      }
      gCols.dispose();
    }
    if (w.requiresGrad) {
      gw = empty(w.shape);
      for (let i = 0; i < n; i++) {
        k.gemm({
          transA: false, transB: true, m: o, n: ck, k: p, batch: 1,
          a: g.data, aOffset: i * o * p, lda: p, strideA: 0, b: cols.data, bOffset: i * ck * p, ldb: p, strideB: 0,
          c: gw.data, cOffset: 0, ldc: ck, strideC: 0, alpha: 1, beta: i === 0 ? 0 : 1, bias: null, bf16,
        });
      }
    }
    const gb = b?.requiresGrad ? channelSum(g, n, o, p) : null;
    return b ? [gx, gw, gb] : [gx, gw];
  });
}

/**
 * Transposed convolution (the adjoint of conv's input map): x [N, Cin, ...in], w [Cin, Cout, ...kernel],
 * b [Cout]; out size (in - 1) stride - 2 pad + kernel + outputPadding.
 */
export function convTranspose(x: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions = {}): Tensor {
  const r = x.rank - 2;
  if ((r !== 2 && r !== 3) || w.rank !== x.rank || w.shape[0] !== x.shape[1]) {
    throw new Error(`convTranspose: input [${x.shape.join(', ')}] and weight${w.name ? ` '${w.name}'` : ''} [${w.shape.join(', ')}] must be [N, Cin, ...2 or 3 dims] and [Cin, Cout, ...kernel]`);
  }
  const [n, cin, ...inDims] = x.shape;
  const [, cout, ...kernel] = w.shape;
  if (b && (b.rank !== 1 || b.shape[0] !== cout)) throw new Error(`convTranspose: bias [${b.shape.join(', ')}] does not match ${cout} output channels`);
  const stride = perAxis(opts.stride, r, 1, 'stride'), padding = perAxis(opts.padding, r, 0, 'padding');
  if (stride.some((s) => s === 0)) throw new Error('convTranspose stride must be positive');
  const extra = perAxis(opts.outputPadding, r, 0, 'outputPadding');
  if (extra.some((e, i) => e >= stride[i])) throw new Error(`convTranspose outputPadding [${extra.join(', ')}] must be smaller than the stride`);
  const outDims = inDims.map((d, i) => (d - 1) * stride[i] - 2 * padding[i] + kernel[i] + extra[i]);
  if (outDims.some((d) => d <= 0)) throw new Error(`convTranspose: output size [${outDims.join(', ')}] is not positive`);
  const ck = cout * shapeSize(kernel), pin = shapeSize(inDims), outSize = cout * shapeSize(outDims);
  const k = kernels(), bf16 = matmulPrecision() === 'bf16';
  const cols = empty([n, ck, pin]);
  k.gemm({
    transA: true, transB: false, m: ck, n: pin, k: cin, batch: n,
    a: w.data, aOffset: 0, lda: ck, strideA: 0, b: x.data, bOffset: 0, ldb: pin, strideB: cin * pin,
    c: cols.data, cOffset: 0, ldc: pin, strideC: ck * pin, alpha: 1, beta: 0, bias: null, bf16,
  });
  const out = zeros([n, cout, ...outDims]);
  for (let i = 0; i < n; i++) {
    k.col2im(cols.data.subarray(i * ck * pin, (i + 1) * ck * pin), cout, outDims, kernel, stride, padding, inDims, out.data, i * outSize);
  }
  cols.dispose();
  if (b) addChannelBias(out, b, n, cout, shapeSize(outDims));
  const inputs = b ? [x, w, b] : [x, w];
  return record(out, 'convTranspose', inputs, (g) => {
    const gCols = empty([n, ck, pin]);
    for (let i = 0; i < n; i++) {
      k.im2col(g.data, i * outSize, cout, outDims, kernel, stride, padding, inDims, gCols.data.subarray(i * ck * pin, (i + 1) * ck * pin));
    }
    let gx: Tensor | null = null, gw: Tensor | null = null;
    if (x.requiresGrad) {
      gx = empty(x.shape);
      k.gemm({
        transA: false, transB: false, m: cin, n: pin, k: ck, batch: n,
        a: w.data, aOffset: 0, lda: ck, strideA: 0, b: gCols.data, bOffset: 0, ldb: pin, strideB: ck * pin,
        c: gx.data, cOffset: 0, ldc: pin, strideC: cin * pin, alpha: 1, beta: 0, bias: null, bf16,
      });
    }
    if (w.requiresGrad) {
      gw = empty(w.shape);
      for (let i = 0; i < n; i++) {
        k.gemm({
          transA: false, transB: true, m: cin, n: ck, k: pin, batch: 1,
          a: x.data, aOffset: i * cin * pin, lda: pin, strideA: 0, b: gCols.data, bOffset: i * ck * pin, ldb: pin, strideB: 0,
          c: gw.data, cOffset: 0, ldc: ck, strideC: 0, alpha: 1, beta: i === 0 ? 0 : 1, bias: null, bf16,
        });
      }
    }
    gCols.dispose();
    const gb = b?.requiresGrad ? channelSum(g, n, cout, shapeSize(outDims)) : null;
    return b ? [gx, gw, gb] : [gx, gw];
  });
}
