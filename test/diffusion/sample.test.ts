import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dynamicGuidanceScale, guide } from '../../src/diffusion/guidance.js';
import { sampleVideo, type SamplingStep } from '../../src/diffusion/sample.js';
import { CogVideoXDDIMScheduler } from '../../src/diffusion/scheduler.js';
import { generationForward, generationForwardCached, leftPad, prefillTextState } from '../../src/model/generation.js';
import { disposeKVCache, HaploOmni } from '../../src/model/haploomni.js';
import { noGrad, randn, Rng, tensor } from '../../src/tensor/index.js';
import { microConfig } from '../helpers/micro.js';

// Pre-scaling on, so the cached path must scale the time/noise rows exactly like the full one.
const model = new HaploOmni(microConfig({ feature_prescale: { enabled: true, visual: 0.7, noise: 0.3 } }), { seed: 21 });
const plainModel = model;
const request = {
  prompts: [[5, 6, 7, 8], [9, 10]],
  negativePrompts: [[5, 6]],
  latentShape: { frames: 2, height: 4, width: 4 },
};

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// The same with the token shift on: the cached text rows must be shifted exactly like the full forward's.
const shiftModel = new HaploOmni(microConfig({ feature_prescale: { enabled: true, visual: 0.7, noise: 0.3 }, token_shift: true }), { seed: 21 });

for (const [model, variant] of [[plainModel, ''], [shiftModel, ', token shift']] as const) test(`the text-state cache gives the full forward's v-prediction (padded rows, prescale on${variant})`, () => {
  const text = leftPad([[1, 2, 3, 4, 5], [6, 7], []], 0);
  const latents = randn([3, 2, 4, 4, 4], new Rng(2));
  noGrad(() => {
    const state = prefillTextState(model, text, 2 * 2 * 2);
    for (const timesteps of [[999, 500, 3], [10, 10, 10]]) {
      const full = generationForward(model, { latents, timesteps, text });
      const cached = generationForwardCached(model, state, latents, timesteps);
      assert.ok(maxDiff(cached.data, full.data) < 1e-5, `v differs by ${maxDiff(cached.data, full.data)}`);
    }
    assert.throws(() => generationForwardCached(model, state, randn([3, 1, 4, 4, 4], new Rng(1)), [1, 1, 1]), /prepared for 8 latent tokens, the latents give 4/);
    disposeKVCache(state.cache);
  });
});

test('guided sampling: the cached default equals full recomputation at every step', () => {
  const runs = [true, false].map((textStateCache) => {
    const steps: { vU: Float32Array; vC: Float32Array; x: Float32Array }[] = [];
    const final = sampleVideo(model, request, {
      steps: 4, guidanceScale: 5, seed: 3, textStateCache,
      onStep: (s: SamplingStep) => steps.push({ vU: s.vUncond!.data.slice(), vC: s.vCond.data.slice(), x: s.latents.data.slice() }),
    });
    return { final: final.data.slice(), steps };
  });
  assert.equal(runs[0].steps.length, 4);
  for (let s = 0; s < 4; s++) {
    assert.ok(maxDiff(runs[0].steps[s].vU, runs[1].steps[s].vU) < 1e-5, `step ${s} unconditional v`);
    assert.ok(maxDiff(runs[0].steps[s].vC, runs[1].steps[s].vC) < 1e-5, `step ${s} conditional v`);
  }
  assert.ok(maxDiff(runs[0].final, runs[1].final) < 1e-4);
});

test('sampling is seeded; guidance off needs no negative prompt; bad requests are named', () => {
  const a = sampleVideo(model, request, { steps: 2, seed: 4 }).data.slice();
  const b = sampleVideo(model, request, { steps: 2, seed: 4 }).data.slice();
  const c = sampleVideo(model, request, { steps: 2, seed: 5 }).data.slice();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const unguided = sampleVideo(model, { prompts: request.prompts, latentShape: request.latentShape }, { steps: 2, guidanceScale: 1 });
  assert.deepEqual(unguided.shape, [2, 2, 4, 4, 4]);
  assert.throws(() => sampleVideo(model, { prompts: request.prompts, latentShape: request.latentShape }, { guidanceScale: 6 }), /guidance scale 6 > 1 needs negativePrompts/);
  assert.throws(() => sampleVideo(model, { ...request, negativePrompts: [[1], [2], [3]] }), /3 negative prompts for 2 prompts/);
  assert.throws(() => sampleVideo(model, request, { noise: randn([1, 2, 3], new Rng(1)) }), /noise \[1, 2, 3\] does not match latents \[2, 2, 4, 4, 4\]/);
  assert.throws(() => sampleVideo(model, { ...request, latentShape: { frames: 1, height: 3, width: 4 } }), /latent height and width must be multiples of 2/);
});

test('guidance: v_u + w (v_c - v_u); the dynamic schedule from diffusers', () => {
  assert.deepEqual(Array.from(guide(tensor([1, 2]), tensor([3, 0]), 2).data), [5, -2]);
  assert.equal(dynamicGuidanceScale(6, 50, 50), 1); // ((N - t) / N)^5 = 0
  assert.ok(Math.abs(dynamicGuidanceScale(6, 0, 50) - 7) < 1e-12); // cos(pi) = -1 -> 1 + g
  assert.ok(Math.abs(dynamicGuidanceScale(4, 25, 50) - (1 + 2 * (1 - Math.cos(Math.PI / 32)))) < 1e-12);
});

test('scheduler: trailing spacing for other step counts, input validation', () => {
  const s = new CogVideoXDDIMScheduler();
  assert.deepEqual(Array.from(s.setTimesteps(4)), [999, 749, 499, 249]);
  assert.deepEqual(Array.from(s.setTimesteps(1)), [999]);
  assert.throws(() => s.setTimesteps(0), /integer in \[1, 1000\]/);
  assert.ok(s.alphasCumprod[0] > 0.99 && s.alphasCumprod[0] < 1);
  for (let t = 1; t < 1000; t++) assert.ok(s.alphasCumprod[t] < s.alphasCumprod[t - 1], 'alphas_cumprod decreases');
  assert.throws(() => new CogVideoXDDIMScheduler().step(tensor([1]), 999, tensor([1])), /call setTimesteps before step/);
});
