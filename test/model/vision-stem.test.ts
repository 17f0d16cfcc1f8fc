import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, configToJson, parseConfig } from '../../src/model/config.js';
import { parameterGroup } from '../../src/model/groups.js';
import { HaploOmni } from '../../src/model/haploomni.js';
import { expandPlaceholders } from '../../src/model/processor.js';
import { understandingForward } from '../../src/model/understanding.js';
import { patchTokens } from '../../src/model/visual.js';
import { STEM_INPUT_CHANNELS, stemInput, VisionStem } from '../../src/nn/vision-stem.js';
import { noGrad, randn, Rng } from '../../src/tensor/index.js';
import { gradcheck, leaf } from '../helpers/gradcheck.js';
import { microConfig } from '../helpers/micro.js';

const STEM = { vision_stem: { channels: [4, 6], strides: [1, 2] } }; // micro: patch 4, one stride-2 conv -> 2x2 projection

test('vision_stem: absent or null is none (the reference); channels and strides parse, round-trip, and are checked against the patch', () => {
  assert.equal(microConfig().vision_stem, null);
  assert.equal(microConfig({ vision_stem: null }).vision_stem, null);
  const c = microConfig(STEM);
  assert.deepEqual(c.vision_stem, { channels: [4, 6], strides: [1, 2] });
  assert.deepEqual(parseConfig(configToJson(c)).vision_stem, { channels: [4, 6], strides: [1, 2] });
  assert.equal('vision_stem' in configToJson(microConfig()), false, 'a config without a stem writes no key');
  for (const [bad, pattern] of [
    [{ channels: [], strides: [] }, /vision_stem: expected null or \{channels/],
    [{ channels: [4, 0], strides: [1, 2] }, /vision_stem: expected null or \{channels/],
    [{ channels: [4, 6] }, /vision_stem: expected null or \{channels/],
    [{ channels: [4, 6], strides: [1, 3] }, /vision_stem: expected null or \{channels/],
    [{ channels: [4, 6], strides: [2] }, /vision_stem: expected null or \{channels/],
    [[4, 6], /vision_stem: expected null or \{channels/],
    [{ channels: [4, 6, 8, 8], strides: [1, 2, 2, 2] }, /vision_stem.strides: they downsample by 8, which does not divide pre_config.patch_size 4/],
  ] as const) {
    assert.throws(() => microConfig({ vision_stem: bad }), (e: Error) => e instanceof ConfigError && pattern.test(e.message));
  }
});

test('a fresh model with a stem computes exactly what the same-seed model without one computes (zero projection, init order)', () => {
  const plain = new HaploOmni(microConfig(), { seed: 5 }), stem = new HaploOmni(microConfig(STEM), { seed: 5 });
  const stemKeys = [...stem.namedParameters()].map(([k]) => k).filter((k) => k.startsWith('model.vision_stem.'));
  assert.deepEqual(stemKeys, ['model.vision_stem.shift', 'model.vision_stem.scale', 'model.vision_stem.convs.0.weight', 'model.vision_stem.convs.0.bias',
    'model.vision_stem.convs.1.weight', 'model.vision_stem.convs.1.bias', 'model.vision_stem.proj.weight']);
  const shared = new Map(stem.namedParameters());
  for (const [k, t] of plain.namedParameters()) assert.deepEqual(shared.get(k)!.data, t.data, `${k} is initialised identically`);
  assert.deepEqual([parameterGroup('model.vision_stem.convs.1.bias', stem.config), parameterGroup('model.vision_stem.proj.weight', stem.config)],
    ['vision_stem', 'visual_input']);

  const config = stem.config;
  const ids = Int32Array.from(expandPlaceholders([3, config.video_token_index, 4, 5], config, { videoFrames: [2] }).ids);
  const input = { ids, batch: 1, length: ids.length, videos: [{ frames: randn([2, 3, 8, 8], new Rng(1)) }] };
  const logits = (m: HaploOmni) => noGrad(() => understandingForward(m, input).logits.data.slice());
  assert.deepEqual(logits(stem), logits(plain));
  const proj = stem.model.vision_stem!.proj.weight;
  proj.data.set(randn(proj.shape, new Rng(9)).data.map((v) => 0.1 * v));
  const moved = logits(stem), base = logits(plain);
  assert.ok(moved.some((v, i) => Math.abs(v - base[i]) > 1e-4), 'a non-zero projection changes the logits');
});

test('stem input: each frame and the difference of its neighbours (ends clamped); still images get a zero difference', () => {
  const pixels = randn([3, 3, 2, 2], new Rng(6));
  const x = stemInput(pixels), d = pixels.data, n = 12; // values per frame
  assert.deepEqual(x.shape, [3, 6, 2, 2]);
  const frame = (f: number) => d.subarray(f * n, (f + 1) * n);
  const diff = (a: number, b: number) => frame(a).map((v, i) => v - frame(b)[i]);
  for (const [f, next, prev] of [[0, 1, 0], [1, 2, 0], [2, 2, 1]]) {
    assert.deepEqual(x.data.subarray(f * 2 * n, f * 2 * n + n), frame(f), `frame ${f} comes first`);
    assert.deepEqual(x.data.subarray(f * 2 * n + n, (f + 1) * 2 * n), diff(next, prev), `frame ${f}: frame ${next} - frame ${prev}`);
  }
  const still = stemInput(pixels, true);
  for (let f = 0; f < 3; f++) {
    assert.deepEqual(still.data.subarray(f * 2 * n, f * 2 * n + n), frame(f));
    assert.ok(still.data.subarray(f * 2 * n + n, (f + 1) * 2 * n).every((v) => v === 0));
  }
  assert.ok(stemInput(randn([1, 3, 2, 2], new Rng(7))).data.subarray(12).every((v) => v === 0), 'a one-frame video has no motion');
});

test('the stem sees motion: a video and the same frames as still images give different tokens', () => {
  const model = new HaploOmni(microConfig(STEM), { seed: 2 });
  const proj = model.model.vision_stem!.proj.weight;
  proj.data.set(randn(proj.shape, new Rng(9)).data.map((v) => 0.1 * v));
  const frames = randn([2, 3, 8, 8], new Rng(1));
  const video = noGrad(() => patchTokens(model, frames, false).data.slice()), stills = noGrad(() => patchTokens(model, frames, true).data.slice());
  assert.ok(video.some((v, i) => Math.abs(v - stills[i]) > 1e-4));
});

test('vision stem: shapes, and its gradient against finite differences (input and weights)', () => {
  const stem = new VisionStem([3, 4], [1, 2], 5, 4, new Rng(2));
  stem.proj.weight.data.set(randn(stem.proj.weight.shape, new Rng(3)).data.map((v) => 0.3 * v));
  const x = leaf([2, STEM_INPUT_CHANNELS, 8, 8], new Rng(4));
  assert.deepEqual(stem.forward(x).shape, [2, 5, 2, 2]);
  assert.deepEqual(stem.features(x).shape, [2, 4, 4, 4]);
  // gradcheck perturbs each input in place, so the module's own weights can be inputs of its forward
  gradcheck('vision stem', (xx) => stem.forward(xx), [x, stem.convs.items[0].weight, stem.convs.items[1].bias, stem.proj.weight]);
  const pixels = leaf([3, 3, 4, 4], new Rng(5));
  gradcheck('stem input', (p) => stemInput(p), [pixels]);
});
