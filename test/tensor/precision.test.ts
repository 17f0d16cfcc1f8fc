/**
 * Matrix-product precision (src/tensor/precision.ts): bfloat16 rounding, the scoped setting, and the
 * GEMM-based ops under 'bf16' on every backend: forward and gradients are the fp32 ones of operands
 * rounded to bfloat16, and the backward keeps the precision its forward ran under.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { roundToBf16 } from '../../src/tensor/js/gemm.js';
import { availableBackends, matmulPrecision, ops, Rng, setBackend, tensor, withMatmulPrecision, type Tensor } from '../../src/tensor/index.js';
import { allclose } from '../helpers/allclose.js';
import { leaf } from '../helpers/gradcheck.js';

/** A copy of t (a new leaf when t needs gradients), its values rounded to bfloat16 if it is a matrix operand (biases stay fp32). */
function rounded(t: Tensor): Tensor {
  const r = tensor(t.rank >= 2 ? t.data.map(roundToBf16) : t.data, t.shape);
  r.requiresGrad = t.requiresGrad;
  return r;
}

describe('bfloat16 rounding', () => {
  it('rounds to the nearest of 8 significant bits, ties to even; keeps zeros, infinities and NaN', () => {
    const ulp = 2 ** -7; // spacing of bfloat16 numbers in [1, 2)
    assert.equal(roundToBf16(1), 1);
    assert.equal(roundToBf16(1 + ulp), 1 + ulp);
    assert.equal(roundToBf16(1 + 0.49 * ulp), 1);
    assert.equal(roundToBf16(1 + 0.51 * ulp), 1 + ulp);
    assert.equal(roundToBf16(1 + 0.5 * ulp), 1, 'tie to the even neighbour (1)');
    assert.equal(roundToBf16(1 + 1.5 * ulp), 1 + 2 * ulp, 'tie to the even neighbour (1 + 2 ulp)');
    assert.equal(roundToBf16(-3.3), -roundToBf16(3.3));
    assert.equal(roundToBf16(3.3), 3.296875);
    assert.equal(roundToBf16(0), 0);
    assert.ok(Object.is(roundToBf16(-0), -0));
    assert.equal(roundToBf16(Infinity), Infinity);
    assert.ok(Number.isNaN(roundToBf16(NaN)));
    assert.equal(roundToBf16(3.4e38), Infinity, 'past the largest bfloat16 rounds to infinity');
  });
});

describe('withMatmulPrecision', () => {
  it('sets the precision for the call only, also when it throws, and rejects unknown names', () => {
    assert.equal(matmulPrecision(), 'fp32');
    assert.equal(withMatmulPrecision('bf16', () => matmulPrecision()), 'bf16');
    assert.equal(matmulPrecision(), 'fp32');
    assert.throws(() => withMatmulPrecision('bf16', () => { throw new Error('inside'); }), /inside/);
    assert.equal(matmulPrecision(), 'fp32');
    assert.throws(() => withMatmulPrecision('fp16' as 'bf16', () => 0), /matmul precision must be 'fp32' or 'bf16', got 'fp16'/);
  });
});

for (const backend of availableBackends()) {
  describe(`GEMM-based ops at bf16 (${backend})`, () => {
    before(() => setBackend(backend));
    const rng = new Rng(77);
    const tol = { rtol: 1e-5, atol: 1e-5 };

    /**
     * f's output and input gradients with the forward at bf16 and the backward run outside the scope,
     * against the same at fp32 on copies of the inputs with their matrices rounded; and the bf16 output must differ from the
     * fp32 one on the inputs themselves (so the test fails if the setting is ignored).
     */
    function check(name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
      const seed = new Rng(5);
      const out = withMatmulPrecision('bf16', () => f(...inputs));
      const w = tensor(seed.normal(out.size).map(roundToBf16), out.shape); // dy exact in bfloat16: the backward's rounding of it is exact
      for (const x of inputs) x.grad = null;
      ops.sum(ops.mul(out, w)).backward(); // outside the scope: the ops keep bf16
      const copies = inputs.map(rounded);
      const expected = f(...copies);
      ops.sum(ops.mul(expected, w)).backward();
      allclose(out.data, expected.data, tol, `${name} output`);
      inputs.forEach((x, i) => {
        if (!x.requiresGrad) return;
        allclose(x.grad!.data, copies[i].grad!.data, { rtol: 1e-4, atol: 1e-4 }, `${name} gradient ${i}`);
      });
      const exact = f(...inputs.map((x) => tensor(x.data, x.shape)));
      const gap = out.data.reduce((m, v, i) => Math.max(m, Math.abs(v - exact.data[i])), 0);
      assert.ok(gap > 1e-4, `${name}: bf16 output equals the fp32 one (largest difference ${gap})`);
    }

    it('linear, matmul (with transposes and batches), conv and convTranspose', () => {
      check('linear', (x, wt, b) => ops.linear(x, wt, b), [leaf([5, 7, 24], rng), leaf([40, 24], rng), leaf([40], rng)]);
      check('matmul', (a, b) => ops.matmul(a, b), [leaf([3, 20, 30], rng), leaf([3, 30, 34], rng)]);
      check('matmul^T', (a, b) => ops.matmul(a, b, { transA: true, transB: true }), [leaf([30, 20], rng), leaf([34, 30], rng)]);
      check('conv', (x, wt, b) => ops.conv(x, wt, b, { stride: 2, padding: 1 }), [leaf([2, 6, 9, 9], rng), leaf([8, 6, 3, 3], rng), leaf([8], rng)]);
      check('convTranspose', (x, wt, b) => ops.convTranspose(x, wt, b, { stride: 2, padding: 1 }), [leaf([2, 4, 5, 5], rng), leaf([4, 6, 3, 3], rng), leaf([6], rng)]);
    });

    it('the backward of a bf16 forward rounds its operands: grad = fp32 product of rounded factors', () => {
      // y = x W^T with dy = 1: dW = dy^T x over rows, rounded x; dx = dy W, rounded W.
      const x = leaf([6, 10], rng), wt = leaf([4, 10], rng);
      const y = withMatmulPrecision('bf16', () => ops.linear(x, wt));
      ops.sum(y).backward();
      const xr = x.data.map(roundToBf16), wr = wt.data.map(roundToBf16);
      const gw = new Float32Array(40), gx = new Float32Array(60);
      for (let o = 0; o < 4; o++) for (let i = 0; i < 10; i++) for (let r = 0; r < 6; r++) gw[o * 10 + i] += xr[r * 10 + i];
      for (let r = 0; r < 6; r++) for (let i = 0; i < 10; i++) for (let o = 0; o < 4; o++) gx[r * 10 + i] += wr[o * 10 + i];
      allclose(wt.grad!.data, gw, tol, 'dW');
      allclose(x.grad!.data, gx, tol, 'dx');
    });
  });
}
