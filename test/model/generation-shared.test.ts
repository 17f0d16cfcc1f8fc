import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffusionLoss } from '../../src/diffusion/loss.js';
import { generationForward, leftPad } from '../../src/model/generation.js';
import { generationForwardShared, sharedPrefixLayout, sharedPrefixLength } from '../../src/model/generation-shared.js';
import { HaploOmni } from '../../src/model/haploomni.js';
import { RowKind } from '../../src/model/prescale.js';
import { noGrad, ops, randn, Rng } from '../../src/tensor/index.js';
import { allclose } from '../helpers/allclose.js';
import { microConfig } from '../helpers/micro.js';

// Two prompts sharing their first 2 tokens: row 0 is "5 6 7 8" (one left pad), row 1 "5 6 9 10 11".
const text = leftPad([[5, 6, 7, 8], [5, 6, 9, 10, 11]], 0);

test('shared prefix: the longest common prefix of the real tokens, pads ignored', () => {
  assert.equal(sharedPrefixLength(text), 2);
  assert.equal(sharedPrefixLength(leftPad([[5, 6], [5, 6, 7]], 0)), 2);
  assert.equal(sharedPrefixLength(leftPad([[4, 6], [5, 6, 7]], 0)), 0);
  assert.equal(sharedPrefixLength(leftPad([[1, 2, 3]], 0)), 3);
});

test('shared-prefix layout: rows, positions, row kinds, visual rows and the mask of each row', () => {
  // One draw of G = 2 rows (time, one latent token) per prompt:
  // [5 6 | 7 8 | t v | 9 10 11 | t v], positions as in each prompt's own row.
  const l = sharedPrefixLayout(text, 1, 2);
  assert.equal(l.length, 11);
  assert.equal(l.prefix, 2);
  // text rows come from [2, 5] row-major (row 0 from slot 1), noise rows after them (10 + group row)
  assert.deepEqual(Array.from(l.source), [1, 2, 3, 4, 10, 11, 7, 8, 9, 12, 13]);
  assert.deepEqual(Array.from(l.positions), [0, 1, 2, 3, 4, 5, 2, 3, 4, 5, 6]);
  const N = RowKind.Noise;
  assert.deepEqual(Array.from(l.kinds), [0, 0, 0, 0, N, N, 0, 0, 0, N, N]);
  assert.deepEqual(Array.from(l.visual), [5, 10]);
  const rows = Array.from({ length: 11 }, (_, i) => Array.from(l.mask.data.subarray(i * 11, (i + 1) * 11)).join(''));
  assert.deepEqual(rows, [
    '10000000000', // prefix: causal
    '11000000000',
    '11100000000', // suffix of prompt 0: the prefix, itself causally
    '11110000000',
    '11111000000', // time row of prompt 0: its text and itself
    '11111100000', // latent row: its text, its time row and group
    '11000010000', // suffix of prompt 1: the prefix, then its own rows only
    '11000011000',
    '11000011100',
    '11000011110', // time row of prompt 1
    '11000011111',
  ]);
  assert.deepEqual(l.mask.shape, [1, 11, 11]);
});

/** v and every parameter's gradient of sum(v * w), from one of the two forwards. */
function vAndGrads(model: HaploOmni, forward: typeof generationForward, prompts: number[][], R: number) {
  const latents = randn([prompts.length * R, 2, 4, 4, 4], new Rng(21));
  const timesteps = Array.from({ length: prompts.length * R }, (_, k) => (k * 137) % 1000);
  const weights = randn(latents.shape, new Rng(22));
  for (const t of model.parameters()) t.grad = null;
  const v = forward(model, { latents, timesteps, text: leftPad(prompts, 0), draws: R });
  ops.sum(ops.mul(v, weights)).backward();
  return { v: Float32Array.from(v.data), grads: model.namedParameters().map(([name, t]) => [name, Float32Array.from(t.grad?.data ?? [])] as const) };
}

test('the shared-prefix forward gives every draw the v and gradients of the plain forward', () => {
  const model = new HaploOmni(microConfig({ token_shift: true, feature_prescale: { enabled: true, visual: 0.5, noise: 0.2 } }), { seed: 7 });
  const cases = [
    { prompts: [[3, 4, 5, 6, 7], [3, 4, 5, 9], [3, 4, 5], [3, 4, 5, 8, 8, 8]], R: 2 }, // prefix 3, one prompt all prefix
    { prompts: [[3, 4, 5], [6, 4, 5, 7]], R: 3 }, // nothing shared
    { prompts: [[2, 9, 9, 1]], R: 1 }, // one prompt
  ];
  for (const { prompts, R } of cases) {
    const plain = vAndGrads(model, generationForward, prompts, R), shared = vAndGrads(model, generationForwardShared, prompts, R);
    allclose(shared.v, plain.v, { rtol: 1e-4, atol: 1e-5 }, `v of ${prompts.length} prompts x ${R}`);
    shared.grads.forEach(([name, g], i) => allclose(g, plain.grads[i][1], { rtol: 1e-3, atol: 1e-5 }, `${name} of ${prompts.length} prompts x ${R}`));
  }
  const latents = randn([4, 2, 4, 4, 4], new Rng(1));
  assert.throws(() => generationForwardShared(model, { latents, timesteps: [1, 2, 3, 4], text, draws: 3 }), /4 latent rows cannot be 3 noise draws per prompt/);
  assert.throws(() => generationForwardShared(model, { latents, timesteps: [1, 2, 3, 4], text, draws: 1 }), /text \[2, 5\] .* does not match 4 prompts/);
});

test('diffusionLoss shares the prompts\' prefix by default, with the loss of whole prompts', () => {
  const model = new HaploOmni(microConfig({ token_shift: true }), { seed: 8 });
  const prompts = leftPad([[3, 4, 5, 6], [3, 4, 5, 9, 9], [3, 4, 7]], 0), latents = randn([3, 2, 4, 4, 4], new Rng(5));
  const loss = (sharedPrefix?: boolean) => noGrad(() => diffusionLoss(model, latents, prompts.ids, prompts.mask, new Rng(6), { draws: 2, sharedPrefix }).item());
  const shared = loss(), whole = loss(false);
  assert.ok(Math.abs(shared - whole) < 1e-5 * whole, `shared ${shared} vs whole ${whole}`);
  assert.equal(loss(true), shared);
});
