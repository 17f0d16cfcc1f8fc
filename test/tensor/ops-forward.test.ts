/** Forward values of the composite ops against direct definitions, on every available backend. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { availableBackends, noGrad, ops, Rng, setBackend, tensor, type Tensor } from '../../src/tensor/index.js';
import { allclose } from '../helpers/allclose.js';

const randT = (shape: number[], rng: Rng) => tensor(rng.normal(shape.reduce((p, q) => p * q, 1)), shape);

/** Naive direct convolution (2-D) for comparison. */
function naiveConv2d(x: Tensor, w: Tensor, stride: number, pad: number): Float32Array {
  const [n, c, h, wd] = x.shape, [o, , kh, kw] = w.shape;
  const oh = Math.floor((h + 2 * pad - kh) / stride) + 1, ow = Math.floor((wd + 2 * pad - kw) / stride) + 1;
  const out = new Float32Array(n * o * oh * ow);
  for (let b = 0; b < n; b++) for (let oc = 0; oc < o; oc++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) {
    let s = 0;
    for (let ic = 0; ic < c; ic++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const yi = y * stride - pad + i, xi = xx * stride - pad + j;
      if (yi < 0 || yi >= h || xi < 0 || xi >= wd) continue;
      s += x.data[((b * c + ic) * h + yi) * wd + xi] * w.data[((oc * c + ic) * kh + i) * kw + j];
    }
    out[((b * o + oc) * oh + y) * ow + xx] = s;
  }
  return out;
}

for (const backend of availableBackends()) {
  describe(`op forward values (${backend})`, () => {
    before(() => setBackend(backend));
    const rng = new Rng(77);

    it('matmul equals the triple loop', () => noGrad(() => {
      const a = randT([3, 17, 9], rng), b = randT([9, 13], rng);
      const c = ops.matmul(a, b);
      const ref = new Float32Array(3 * 17 * 13);
      for (let t = 0; t < 3; t++) for (let i = 0; i < 17; i++) for (let j = 0; j < 13; j++) {
        let s = 0;
        for (let p = 0; p < 9; p++) s += a.data[(t * 17 + i) * 9 + p] * b.data[p * 13 + j];
        ref[(t * 17 + i) * 13 + j] = s;
      }
      allclose(c.data, ref, { rtol: 1e-5, atol: 1e-5 });
    }));

    it('attention equals softmax(QK^T + mask) V composed from ops, GQA by repeating KV heads', () => noGrad(() => {
      const [b, tq, tk, h, kvh, d] = [2, 5, 6, 4, 2, 8];
      const q = randT([b, tq, h, d], rng), k = randT([b, tk, kvh, d], rng), v = randT([b, tk, kvh, d], rng);
      const mask = new Uint8Array(tq * tk).map((_, i) => (i % tk <= Math.floor(i / tk) ? 1 : 0));
      const out = ops.attention(q, k, v, { mask: { data: mask, shape: [1, tq, tk] } });
      const rep = (x: Tensor) => ops.permute(ops.indexSelect(x, 2, Int32Array.from([0, 0, 1, 1])), [0, 2, 1, 3]);
      const scores = ops.scale(ops.matmul(ops.permute(q, [0, 2, 1, 3]), rep(k), { transB: true }), 1 / Math.sqrt(d));
      const bias = tensor(Array.from(mask, (m) => (m ? 0 : -1e30)), [tq, tk]);
      const ref = ops.permute(ops.matmul(ops.softmax(ops.add(scores, bias)), rep(v)), [0, 2, 1, 3]);
      allclose(out.data, ref.data, { rtol: 1e-5, atol: 1e-6 });
    }));

    it('fully masked query rows give zeros', () => noGrad(() => {
      const q = randT([1, 2, 1, 4], rng), k = randT([1, 3, 1, 4], rng), v = randT([1, 3, 1, 4], rng);
      const out = ops.attention(q, k, v, { mask: { data: Uint8Array.from([0, 0, 0, 1, 1, 0]), shape: [1, 2, 3] } });
      assert.deepEqual(Array.from(out.data.subarray(0, 4)), [0, 0, 0, 0]);
      assert.ok(out.data.subarray(4).some((x) => x !== 0));
    }));

    it('softmax rows sum to one; cross-entropy equals -logSoftmax at the target', () => noGrad(() => {
      const x = randT([4, 7], rng);
      const s = ops.sum(ops.softmax(x), -1);
      allclose(s.data, new Float32Array(4).fill(1), { rtol: 1e-6, atol: 1e-6 });
      const targets = Int32Array.from([1, 6, -100, 0]);
      const ls = ops.logSoftmax(x);
      const expected = -(ls.data[1] + ls.data[7 + 6] + ls.data[21]) / 3;
      assert.ok(Math.abs(ops.crossEntropy(x, targets).item() - expected) < 1e-5);
    }));

    it('LayerNorm output has zero mean and unit variance per row', () => noGrad(() => {
      const y = ops.layerNorm(ops.addScalar(ops.scale(randT([3, 64], rng), 4), 2), null, null, 0);
      const m = ops.mean(y, -1), v = ops.mean(ops.square(y), -1);
      allclose(m.data, new Float32Array(3), { atol: 1e-5, rtol: 0 });
      allclose(v.data, new Float32Array(3).fill(1), { atol: 1e-4, rtol: 0 });
    }));

    it('conv2d equals the direct convolution; convTranspose is its adjoint', () => noGrad(() => {
      const x = randT([2, 3, 7, 6], rng), w = randT([4, 3, 3, 3], rng);
      const y = ops.conv(x, w, null, { stride: 2, padding: 1 });
      allclose(y.data, naiveConv2d(x, w, 2, 1), { rtol: 1e-5, atol: 1e-5 });
      // <conv(x), z> = <x, convT(z)> with the same weight (PyTorch layouts make [O, C, k] serve both).
      const z = randT(y.shape as number[], rng);
      // 7x6 input, stride 2: the transpose needs outputPadding [0, 1] to give back 7x6 (as in PyTorch)
      const xt = ops.convTranspose(z, w, null, { stride: 2, padding: 1, outputPadding: [0, 1] });
      assert.deepEqual(xt.shape, [2, 3, 7, 6]);
      const lhs = ops.sum(ops.mul(y, z)).item(), rhs = ops.sum(ops.mul(x, xt)).item();
      assert.ok(Math.abs(lhs - rhs) < 1e-3 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
    }));

    it('rope rotates pairs (i, i + d/2) by the table angle', () => noGrad(() => {
      const x = randT([1, 1, 1, 4], rng);
      const table = { cos: Float32Array.from([Math.cos(0.5), Math.cos(1)]), sin: Float32Array.from([Math.sin(0.5), Math.sin(1)]), batch: 1, t: 1, dim: 4 };
      const y = ops.rope(x, table).data, [a, b, c, d] = x.data;
      allclose(y, Float32Array.from([
        a * Math.cos(0.5) - c * Math.sin(0.5), b * Math.cos(1) - d * Math.sin(1),
        c * Math.cos(0.5) + a * Math.sin(0.5), d * Math.cos(1) + b * Math.sin(1)]), { rtol: 1e-6, atol: 1e-6 });
    }));
  });
}
