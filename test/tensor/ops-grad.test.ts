/**
 * Every differentiable op's gradient against central finite differences, on every available backend.
 */
import { describe, it, before } from 'node:test';
import { availableBackends, ops, Rng, setBackend } from '../../src/tensor/index.js';
import { gradcheck, leaf } from '../helpers/gradcheck.js';

const positive = (shape: number[], rng: Rng) => {
  const t = leaf(shape, rng, 0.3, 1.5);
  return t;
};

for (const backend of availableBackends()) {
  describe(`op gradients (${backend})`, () => {
    before(() => setBackend(backend));
    const rng = new Rng(1234);

    it('broadcasting arithmetic', () => {
      gradcheck('add', ops.add, [leaf([2, 3, 4], rng), leaf([3, 1], rng)]);
      gradcheck('sub', ops.sub, [leaf([3, 1], rng), leaf([2, 3, 4], rng)]);
      gradcheck('mul', ops.mul, [leaf([2, 1, 4], rng), leaf([3, 4], rng)]);
      gradcheck('div', ops.div, [leaf([2, 3], rng), positive([1, 3], rng)]);
      gradcheck('maximum', ops.maximum, [leaf([2, 5], rng), leaf([5], rng)]);
      gradcheck('minimum', ops.minimum, [leaf([4, 1], rng), leaf([4, 3], rng)]);
      gradcheck('scale', (x) => ops.scale(x, -2.5), [leaf([7], rng)]);
      gradcheck('addScalar', (x) => ops.addScalar(x, 3), [leaf([2, 2], rng)]);
      gradcheck('x*x (same input twice)', (x) => ops.mul(x, x), [leaf([5], rng)]);
    });

    it('unary math', () => {
      const everywhere = ['neg', 'exp', 'square', 'tanh', 'sigmoid', 'silu', 'gelu', 'geluTanh', 'sin', 'cos'] as const;
      for (const name of everywhere) gradcheck(name, ops[name], [leaf([3, 5], rng)]);
      for (const name of ['log', 'sqrt', 'rsqrt', 'recip'] as const) gradcheck(name, ops[name], [positive([3, 5], rng)]);
      // abs and relu away from the kink at 0
      const away = leaf([2, 6], rng);
      away.data.forEach((v, i) => { away.data[i] = v >= 0 ? v + 0.2 : v - 0.2; });
      gradcheck('abs', ops.abs, [away]);
      gradcheck('relu', ops.relu, [away]);
      for (const op of ['silu', 'gelu', 'gelu_tanh'] as const) gradcheck(`gated ${op}`, (a, b) => ops.gatedUnary(op, a, b), [leaf([3, 5], rng), leaf([3, 5], rng)]);
      gradcheck('gated relu', (a, b) => ops.gatedUnary('relu', a, b), [away, leaf([2, 6], rng)]);
    });

    it('reductions', () => {
      gradcheck('sum all', (x) => ops.sum(x), [leaf([3, 4], rng)]);
      gradcheck('sum axes', (x) => ops.sum(x, [0, 2]), [leaf([2, 3, 4], rng)]);
      gradcheck('sum keepDims', (x) => ops.sum(x, -1, true), [leaf([2, 3, 4], rng)]);
      gradcheck('mean', (x) => ops.mean(x, 1), [leaf([2, 3, 4], rng)]);
      gradcheck('max', (x) => ops.max(x, 1), [leaf([3, 5, 2], rng)]);
      gradcheck('max all', (x) => ops.max(x), [leaf([4, 3], rng)]);
    });

    it('matmul with transposes, batching and shared operands', () => {
      for (const transA of [false, true]) for (const transB of [false, true]) {
        const a = leaf(transA ? [2, 4, 3] : [2, 3, 4], rng), b = leaf(transB ? [2, 5, 4] : [2, 4, 5], rng);
        gradcheck(`matmul batched tA=${transA} tB=${transB}`, (x, y) => ops.matmul(x, y, { transA, transB }), [a, b]);
        const bs = leaf(transB ? [5, 4] : [4, 5], rng);
        gradcheck(`matmul shared B tA=${transA} tB=${transB}`, (x, y) => ops.matmul(x, y, { transA, transB }), [a, bs]);
        const as = leaf(transA ? [4, 3] : [3, 4], rng);
        gradcheck(`matmul shared A tA=${transA} tB=${transB}`, (x, y) => ops.matmul(x, y, { transA, transB }), [as, b]);
      }
    });

    it('linear', () => {
      gradcheck('linear+bias', ops.linear, [leaf([2, 3, 5], rng), leaf([4, 5], rng), leaf([4], rng)]);
      gradcheck('linear', (x, w) => ops.linear(x, w), [leaf([3, 5], rng), leaf([2, 5], rng)]);
    });

    it('layout ops', () => {
      gradcheck('reshape', (x) => ops.mul(ops.reshape(x, [3, -1]), ops.reshape(x, [3, 4])), [leaf([2, 6], rng)]);
      gradcheck('permute', (x) => ops.permute(x, [2, 0, 1]), [leaf([2, 3, 4], rng)]);
      gradcheck('transpose', (x) => ops.transpose(x, 0, 2), [leaf([2, 3, 4], rng)]);
      gradcheck('slice', (x) => ops.slice(x, 1, 1, -1), [leaf([2, 5, 3], rng)]);
      gradcheck('concat', (x, y) => ops.concat([x, y, x], 1), [leaf([2, 2, 3], rng), leaf([2, 1, 3], rng)]);
      gradcheck('stack', (x, y) => ops.stack([x, y], 1), [leaf([2, 3], rng), leaf([2, 3], rng)]);
      gradcheck('pad', (x) => ops.pad(x, [[1, 0], [2, 1]], 0.5), [leaf([2, 3], rng)]);
      gradcheck('expand', (x) => ops.expand(x, [3, 2, 4]), [leaf([2, 1], rng)]);
      gradcheck('indexSelect', (x) => ops.indexSelect(x, 1, Int32Array.from([2, 0, 2, 1])), [leaf([2, 3, 2], rng)]);
      gradcheck('embedding', (t) => ops.embedding(t, Int32Array.from([1, 3, 1, 0, 3, 3]), [2, 3]), [leaf([4, 5], rng)]);
    });

    it('softmax, log-softmax, cross-entropy, mse', () => {
      gradcheck('softmax', ops.softmax, [leaf([3, 6], rng)]);
      gradcheck('logSoftmax', ops.logSoftmax, [leaf([3, 6], rng)]);
      const targets = Int32Array.from([2, -100, 0, 5]);
      gradcheck('crossEntropy mean', (x) => ops.crossEntropy(x, targets), [leaf([4, 6], rng)]);
      gradcheck('crossEntropy sum ignore 0', (x) => ops.crossEntropy(x, Int32Array.from([0, 3, 1]), { ignoreIndex: 0, reduction: 'sum' }), [leaf([3, 4], rng)]);
      gradcheck('mseLoss', ops.mseLoss, [leaf([3, 4], rng), leaf([3, 4], rng)]);
    });

    it('LayerNorm and RMSNorm, with and without affine', () => {
      gradcheck('layerNorm affine', (x, w, b) => ops.layerNorm(x, w, b, 1e-5), [leaf([3, 7], rng), leaf([7], rng), leaf([7], rng)]);
      gradcheck('layerNorm plain', (x) => ops.layerNorm(x, null, null), [leaf([4, 5], rng)]);
      gradcheck('rmsNorm affine', (x, w) => ops.rmsNorm(x, w, 1e-6), [leaf([3, 7], rng), leaf([7], rng)]);
      gradcheck('rmsNorm plain', (x) => ops.rmsNorm(x, null), [leaf([4, 5], rng)]);
    });

    it('multimodal-norm (SSG) switch, modulation and gated residual', () => {
      gradcheck('ssgSwitch', (u, w, b) => ops.ssgSwitch(u, w, b), [leaf([2, 3, 5], rng), leaf([2, 5], rng), leaf([2], rng)]);
      gradcheck('ssgModulate affine', (y, s, lat, cond, w) => ops.ssgModulate(y, w, s, lat, cond),
        [leaf([2, 3, 5], rng), leaf([2, 3, 1], rng), leaf([3, 5], rng), leaf([3, 5], rng), leaf([5], rng)]);
      gradcheck('ssgModulate plain', (y, s, lat, cond) => ops.ssgModulate(y, null, s, lat, cond),
        [leaf([4, 5], rng), leaf([4, 1], rng), leaf([3, 5], rng), leaf([3, 5], rng)]);
      gradcheck('ssgGatedAdd', (x, f, s, lat, cond) => ops.ssgGatedAdd(x, f, s, lat, cond),
        [leaf([2, 3, 5], rng), leaf([2, 3, 5], rng), leaf([2, 3, 1], rng), leaf([3, 5], rng), leaf([3, 5], rng)]);
    });

    it('attention with masks (incl. a fully masked row) and grouped-query heads', () => {
      const [b, tq, tk, h, kvh, d] = [2, 4, 5, 4, 2, 3];
      const mask = new Uint8Array(b * tq * tk).map((_, i) => ((i * 7) % 3 === 0 ? 0 : 1));
      mask.fill(0, tk, 2 * tk); // batch 0, query 1 sees nothing
      const m = { data: mask, shape: [b, tq, tk] as const };
      gradcheck('attention masked GQA', (q, k, v) => ops.attention(q, k, v, { mask: m }),
        [leaf([b, tq, h, d], rng), leaf([b, tk, kvh, d], rng), leaf([b, tk, kvh, d], rng)]);
      gradcheck('attention unmasked MHA', (q, k, v) => ops.attention(q, k, v, { scale: 0.7 }),
        [leaf([1, 3, 2, 4], rng), leaf([1, 6, 2, 4], rng), leaf([1, 6, 2, 4], rng)]);
    });

    it('rotary embedding', () => {
      const t = 3, dim = 4;
      const angles = Float32Array.from({ length: 2 * t * dim / 2 }, (_, i) => 0.3 * i + 0.1);
      const table = { cos: angles.map(Math.cos), sin: angles.map(Math.sin), batch: 2, t, dim };
      gradcheck('rope', (x) => ops.rope(x, table), [leaf([2, t, 2, dim], rng)]);
    });

    it('convolutions 2-D / 3-D and their transposes', () => {
      gradcheck('conv2d s2 p1', (x, w, bb) => ops.conv(x, w, bb, { stride: 2, padding: 1 }),
        [leaf([2, 3, 5, 4], rng), leaf([4, 3, 3, 3], rng, 0.5), leaf([4], rng)]);
      gradcheck('conv2d patchify', (x, w) => ops.conv(x, w, null, { stride: 2 }), [leaf([1, 2, 4, 4], rng), leaf([3, 2, 2, 2], rng)]);
      gradcheck('conv3d', (x, w, bb) => ops.conv(x, w, bb, { stride: [1, 2, 1], padding: [1, 0, 1] }),
        [leaf([1, 2, 3, 4, 3], rng), leaf([2, 2, 3, 2, 2], rng, 0.5), leaf([2], rng)]);
      gradcheck('convTranspose2d', (x, w, bb) => ops.convTranspose(x, w, bb, { stride: 2, padding: 1, outputPadding: 1 }),
        [leaf([2, 3, 3, 2], rng), leaf([3, 2, 4, 3], rng, 0.5), leaf([2], rng)]);
      gradcheck('convTranspose3d', (x, w) => ops.convTranspose(x, w, null, { stride: [2, 1, 2] }),
        [leaf([1, 2, 2, 3, 2], rng), leaf([2, 3, 2, 2, 2], rng, 0.5)]);
    });
  });
}
