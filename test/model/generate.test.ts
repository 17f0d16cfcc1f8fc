import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseToken, generate, promptBatch, type PromptInput } from '../../src/model/generate.js';
import { HaploOmni } from '../../src/model/haploomni.js';
import { expandPlaceholders } from '../../src/model/processor.js';
import { understandingForward } from '../../src/model/understanding.js';
import { noGrad, randn, Rng } from '../../src/tensor/index.js';
import { microConfig } from '../helpers/micro.js';

const config = microConfig();
const model = new HaploOmni(config, { seed: 5 });
const plainModel = model;
const IMG = config.image_token_index, VID = config.video_token_index;

/** Three prompts of different lengths (so two are left-padded): one with an image, one with a video. */
function prompts(): PromptInput[] {
  const withImage = expandPlaceholders([3, IMG, 4, 5], config, { imageSizes: [[8, 16]] }).ids;
  const withVideo = expandPlaceholders([6, VID, 7], config, { videoFrames: [2] }).ids;
  return [
    { ids: Array.from(withImage), images: [{ tiles: randn([2, 3, 8, 8], new Rng(1)), size: [8, 16] }] },
    { ids: [9, 10, 11] },
    { ids: Array.from(withVideo), videos: [{ frames: randn([2, 3, 8, 8], new Rng(2)) }] },
  ];
}

/** The same weights with the token shift on (its gate is the only extra parameter). */
const shiftModel = new HaploOmni(microConfig({ token_shift: true }), { seed: 5 });

/** Logits of the last position of every row for prompt + tokens, by a full forward without cache. */
function fullForwardLast(model: HaploOmni, ps: PromptInput[], generated: number[][], mask: 'intended' | 'causal'): Float32Array[] {
  const extended = ps.map((p, b) => ({ ...p, ids: [...p.ids, ...generated[b]] }));
  const input = promptBatch(model, extended);
  const logits = noGrad(() => understandingForward(model, input, { mask }).logits);
  const V = config.vocab_size;
  return ps.map((_, b) => logits.data.slice(((b + 1) * input.length - 1) * V, (b + 1) * input.length * V));
}

for (const [mask, model, variant] of [['intended', plainModel, ''], ['causal', plainModel, ''], ['intended', shiftModel, ', token shift'], ['causal', shiftModel, ', token shift']] as const) {
  test(`KV-cache decoding equals full recomputation at every step, batched with left padding (${mask} mask${variant})`, () => {
    const ps = prompts();
    const stepLogits: Float32Array[] = [];
    const streamed: [number, number][] = [];
    const out = generate(model, ps, {
      maxNewTokens: 5, stopTokens: [], mask,
      onLogits: (_, l) => stepLogits.push(l.data.slice()),
      onToken: (row, token) => streamed.push([row, token]),
    });
    assert.equal(stepLogits.length, 5);
    assert.deepEqual(out.finishReasons, ['length', 'length', 'length']);
    const V = config.vocab_size;
    for (let s = 0; s < 5; s++) {
      const full = fullForwardLast(model, ps, out.tokens.map((t) => t.slice(0, s)), mask);
      for (let b = 0; b < 3; b++) {
        const cached = stepLogits[s].subarray(b * V, (b + 1) * V);
        let err = 0, argmax = 0;
        for (let v = 0; v < V; v++) {
          err = Math.max(err, Math.abs(cached[v] - full[b][v]));
          if (full[b][v] > full[b][argmax]) argmax = v;
        }
        assert.ok(err < 1e-4, `step ${s} row ${b}: cached vs full logits differ by ${err}`);
        assert.equal(out.tokens[b][s], argmax, `step ${s} row ${b}: greedy token is not the argmax of the full recompute`);
      }
    }
    // streaming: every token once, in step order
    assert.deepEqual(streamed, [0, 1, 2, 3, 4].flatMap((s) => [0, 1, 2].map((b) => [b, out.tokens[b][s]] as [number, number])));
  });
}

test('stop tokens end a row (not returned) while the others continue', () => {
  const ps = prompts();
  const greedy = generate(model, ps, { maxNewTokens: 4, stopTokens: [] });
  const stopAt = greedy.tokens[1][2];
  const out = generate(model, ps, { maxNewTokens: 4, stopTokens: [stopAt] });
  const firstStop = greedy.tokens[1].indexOf(stopAt);
  assert.deepEqual(out.tokens[1], greedy.tokens[1].slice(0, firstStop));
  assert.equal(out.finishReasons[1], 'stop');
  for (const b of [0, 2]) {
    const i = greedy.tokens[b].indexOf(stopAt);
    assert.deepEqual(out.tokens[b], i < 0 ? greedy.tokens[b] : greedy.tokens[b].slice(0, i));
  }
});

test('seeded sampling is reproducible and the seed matters', () => {
  const opts = { maxNewTokens: 6, stopTokens: [], temperature: 1.5, topK: 20, topP: 0.95 };
  const a = generate(model, prompts(), { ...opts, seed: 7 });
  const b = generate(model, prompts(), { ...opts, seed: 7 });
  assert.deepEqual(a.tokens, b.tokens);
  const others = [8, 9, 10].map((seed) => generate(model, prompts(), { ...opts, seed }).tokens);
  assert.ok(others.some((t) => JSON.stringify(t) !== JSON.stringify(a.tokens)), 'different seeds should change some sample');
});

test('token choice: greedy, repetition penalty, top-k, top-p and the sampling distribution', () => {
  const rng = new Rng(1);
  const logits = Float32Array.from([1, 3, 2, -1]);
  assert.equal(chooseToken(logits, new Set(), {}, rng), 1);
  // penalty 4 on token 1: 3 / 4 = 0.75 < 1 and < 2 -> token 2 wins; negative logits are multiplied
  assert.equal(chooseToken(logits, new Set([1]), { repetitionPenalty: 4 }, rng), 2);
  assert.equal(chooseToken(Float32Array.from([-1, -2]), new Set([0]), { repetitionPenalty: 3 }, rng), 1);
  for (let i = 0; i < 20; i++) assert.equal(chooseToken(logits, new Set(), { temperature: 5, topK: 1 }, rng), 1);
  for (let i = 0; i < 20; i++) assert.equal(chooseToken(logits, new Set(), { temperature: 1, topP: 0.5 }, rng), 1);
  // probabilities [0.089, 0.657, 0.242, 0.012]: top-p 0.85 keeps tokens 1 and 2, top-p 0.9 also token 0
  for (const [topP, kept] of [[0.85, [1, 2]], [0.9, [0, 1, 2]]] as const) {
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) seen.add(chooseToken(logits, new Set(), { temperature: 1, topP }, rng));
    assert.deepEqual([...seen].sort(), kept);
  }
  // p(1) = 3 / 4 for logits [0, ln 3]
  let ones = 0;
  for (let i = 0; i < 4000; i++) ones += chooseToken(Float32Array.from([0, Math.log(3)]), new Set(), { temperature: 1 }, rng);
  assert.ok(Math.abs(ones / 4000 - 0.75) < 0.03, `sampled p(1) = ${ones / 4000}`);
});

test('bad generation requests are rejected with the reason', () => {
  assert.throws(() => generate(model, [], {}), /at least one prompt/);
  assert.throws(() => generate(model, [{ ids: [] }, { ids: [1] }], {}), /prompt 0 is empty/);
  assert.throws(() => generate(model, [{ ids: [1] }], { topP: 0 }), /topP must be in \(0, 1\]/);
  assert.throws(() => generate(model, [{ ids: [1] }], { temperature: -1 }), /temperature must be >= 0/);
  assert.throws(() => generate(model, [{ ids: [1] }], { maxNewTokens: 1.5 }), /maxNewTokens must be a non-negative integer/);
  assert.throws(() => generate(model, [{ ids: [1, 400] }], {}), /token id 400 .* outside the vocabulary/);
});
