import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdaLayerNorm } from '../../src/nn/ada-layer-norm.js';
import { SelfAttention } from '../../src/nn/attention.js';
import { Connector } from '../../src/nn/connector.js';
import { bilinearWeights, resizeBilinear } from '../../src/nn/interpolate.js';
import { MultiModalNorm } from '../../src/nn/multimodal-norm.js';
import { ropeInverseFrequencies, ropeTable } from '../../src/nn/rope.js';
import { sincos3dTable } from '../../src/nn/sincos.js';
import { timestepSinusoid } from '../../src/nn/timestep.js';
import { keep, noGrad, ops, Rng, zeros } from '../../src/tensor/index.js';
import { allclose } from '../helpers/allclose.js';
import { gradcheck, leaf } from '../helpers/gradcheck.js';

test('bilinear weights follow PyTorch (align_corners=False, clamped source index)', () => {
  assert.deepEqual(Array.from(bilinearWeights(4, 2)), [0.5, 0.5, 0, 0, 0, 0, 0.5, 0.5]);
  assert.deepEqual(Array.from(bilinearWeights(3, 2)), [0.75, 0.25, 0, 0, 0.25, 0.75]);
  assert.deepEqual(Array.from(bilinearWeights(2, 4)), [1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
});

test('RoPE: float32 inverse frequencies; rotated dot products depend only on the offset', () => {
  assert.deepEqual(Array.from(ropeInverseFrequencies(4, 10000)), [1, Math.fround(0.01)]);
  const rng = new Rng(3);
  const q = leaf([1, 1, 1, 8], rng), k = leaf([1, 1, 1, 8], rng);
  const dot = (pq: number, pk: number) => noGrad(() => {
    const a = ops.rope(q, ropeTable(Int32Array.of(pq), 1, 1, 8, 100));
    const b = ops.rope(k, ropeTable(Int32Array.of(pk), 1, 1, 8, 100));
    return ops.sum(ops.mul(a, b)).item();
  });
  assert.ok(Math.abs(dot(3, 1) - dot(12, 10)) < 1e-4);
  assert.ok(Math.abs(dot(3, 1) - dot(3, 2)) > 1e-3);
});

test('timestep sinusoid: [cos(t w), sin(t w)] with w_i = 10000^(-i / (dim/2))', () => {
  const e = timestepSinusoid([0, 1], 4).data;
  allclose(e, [1, 1, 0, 0, Math.cos(1), Math.cos(0.01), Math.sin(1), Math.sin(0.01)], { atol: 1e-7 });
});

test('3D sin-cos table: temporal, column and row codes in that channel order', () => {
  const t = sincos3dTable(16, 2, 1, 2); // dims: 4 temporal, 6 column, 6 row
  const token = (1 * 1 + 0) * 2 + 1; // frame 1, row 0, column 1
  const got = Array.from(t.subarray(token * 16, (token + 1) * 16));
  const c = Math.fround(1 / 1.875);
  const code = (pos: number, d: number) => {
    const half = d / 2, w = Array.from({ length: half }, (_, i) => 1 / 10000 ** (i / half));
    return [...w.map((x) => Math.sin(pos * x)), ...w.map((x) => Math.cos(pos * x))];
  };
  allclose(got, [...code(1, 4), ...code(c, 6), ...code(0, 6)], { atol: 1e-7 });
});

test('gradients of the multimodal norm (both modes) and the connectors', () => {
  const rng = new Rng(5);
  for (const mode of ['rmsnorm', 'layernorm'] as const) {
    const norm = new MultiModalNorm(6, mode, 1e-5, rng, 0.5);
    const x = leaf([2, 6], rng);
    gradcheck(`ssg ${mode}`, (xx) => { const r = norm.forward(xx); return norm.gatedAdd(xx, r.out, r.mix); },
      [x, norm.SSG_C, norm.SSG_L, norm.indicator.weight, norm.indicator.bias!, norm.weight]);
  }
  for (const usePreNorm of [false, true]) {
    const conn = new Connector(5, 4, { useAffineBias: true, usePreNorm }, rng, 0.5);
    gradcheck(`connector pre-norm ${usePreNorm}`, (xx) => conn.forward(xx), [leaf([3, 5], rng), conn.affine.weight, conn.connector_indicator.proj.weight]);
  }
  const ada = new AdaLayerNorm(3, 4, rng, 0.5);
  gradcheck('AdaLayerNorm', (xx, e) => ada.forward(xx, e), [leaf([2, 2, 4], rng), leaf([2, 3], rng), ada.linear.weight]);
  gradcheck('bilinear resize', (xx) => resizeBilinear(xx, 2, 3), [leaf([3, 5, 2], rng)]);
});

test('attention: qk-norm runs per head before RoPE; a KV cache filled in chunks equals one pass', () => {
  const rng = new Rng(7);
  const shape = { hidden: 8, heads: 4, kvHeads: 2, headDim: 4, qkNorm: true };
  const attn = new SelfAttention(shape, rng, 0.3);
  attn.norm_q!.weight!.data.set(rng.normal(4));
  attn.norm_k!.bias!.data.set(rng.normal(4));
  const x = leaf([2, 5, 8], rng);
  const positions = Int32Array.from([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
  const rope = ropeTable(positions, 2, 5, 4, 50);
  const causal = (q: number, k: number, from = 0) => ({ data: Uint8Array.from({ length: 2 * q * k }, (_, i) => ((i % k) <= from + Math.floor(i / k) % q ? 1 : 0)), shape: [2, q, k] as [number, number, number] });
  noGrad(() => {
    const full = attn.forward(x, { mask: causal(5, 5), rope });
    // by hand: project, LayerNorm per head, rotate, attend, project out
    const heads = (lin: typeof attn.q_proj, h: number) => ops.reshape(lin.forward(x), [2, 5, h, 4]);
    const q = ops.rope(attn.norm_q!.forward(heads(attn.q_proj, 4)), rope), k = ops.rope(attn.norm_k!.forward(heads(attn.k_proj, 2)), rope);
    const manual = attn.o_proj.forward(ops.reshape(ops.attention(q, k, heads(attn.v_proj, 2), { mask: causal(5, 5) }), [2, 5, 16]));
    allclose(full.data, manual.data, { atol: 1e-6 });
    // the same through a cache: rows 0..2, then 3..4
    const slot = { k: keep(zeros([2, 8, 2, 4])), v: keep(zeros([2, 8, 2, 4])) };
    const part = (from: number, to: number) => {
      const rows = ops.slice(x, 1, from, to), n = to - from;
      const pos = Int32Array.from({ length: 2 * n }, (_, i) => from + (i % n));
      return attn.forward(rows, { mask: causal(n, to, from), rope: ropeTable(pos, 2, n, 4, 50), cache: { slot, offset: from } });
    };
    const chunked = ops.concat([part(0, 3), part(3, 5)], 1);
    allclose(chunked.data, full.data, { atol: 1e-6 });
  });
  assert.throws(() => attn.forward(x, { mask: null, rope, cache: { slot: { k: zeros([2, 8, 2, 4]), v: zeros([2, 8, 2, 4]) }, offset: 0 } }), /KV cache is inference-only/);
});
