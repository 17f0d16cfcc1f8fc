import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, configToJson, parseConfig } from '../../src/model/config.js';
import { parameterGroup } from '../../src/model/groups.js';
import { HaploOmni } from '../../src/model/haploomni.js';
import { expandPlaceholders } from '../../src/model/processor.js';
import { understandingForward } from '../../src/model/understanding.js';
import { VisionStem } from '../../src/nn/vision-stem.js';
import { noGrad, randn, Rng } from '../../src/tensor/index.js';
import { gradcheck, leaf } from '../helpers/gradcheck.js';
import { microConfig } from '../helpers/micro.js';

const STEM = { vision_stem: { channels: [4, 6] } }; // micro: patch 4, one stride-2 conv -> 2x2 projection

test('vision_stem: absent or null is none (the reference); channels parse, round-trip, and are checked against the patch', () => {
  assert.equal(microConfig().vision_stem, null);
  assert.equal(microConfig({ vision_stem: null }).vision_stem, null);
  const c = microConfig(STEM);
  assert.deepEqual(c.vision_stem, { channels: [4, 6] });
  assert.deepEqual(parseConfig(configToJson(c)).vision_stem, { channels: [4, 6] });
  assert.equal('vision_stem' in configToJson(microConfig()), false, 'a config without a stem writes no key');
  for (const [bad, pattern] of [
    [{ channels: [] }, /vision_stem: expected null or \{channels/],
    [{ channels: [4, 0] }, /vision_stem: expected null or \{channels/],
    [[4, 6], /vision_stem: expected null or \{channels/],
    [{ channels: [4, 6, 8, 8] }, /3 stride-2 convolutions downsample by 8, which does not divide pre_config.patch_size 4/],
  ] as const) {
    assert.throws(() => microConfig({ vision_stem: bad }), (e: Error) => e instanceof ConfigError && pattern.test(e.message));
  }
});

test('a fresh model with a stem computes exactly what the same-seed model without one computes (zero projection, init order)', () => {
  const plain = new HaploOmni(microConfig(), { seed: 5 }), stem = new HaploOmni(microConfig(STEM), { seed: 5 });
  const stemKeys = [...stem.namedParameters()].map(([k]) => k).filter((k) => k.startsWith('model.vision_stem.'));
  assert.deepEqual(stemKeys, ['model.vision_stem.convs.0.weight', 'model.vision_stem.convs.0.bias', 'model.vision_stem.convs.1.weight',
    'model.vision_stem.convs.1.bias', 'model.vision_stem.proj.weight']);
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

test('vision stem: shapes, and its gradient against finite differences (pixels and weights)', () => {
  const stem = new VisionStem([3, 4], 5, 4, new Rng(2));
  stem.proj.weight.data.set(randn(stem.proj.weight.shape, new Rng(3)).data.map((v) => 0.3 * v));
  const x = leaf([2, 3, 8, 8], new Rng(4));
  assert.deepEqual(stem.forward(x).shape, [2, 5, 2, 2]);
  assert.deepEqual(stem.features(x).shape, [2, 4, 4, 4]);
  // gradcheck perturbs each input in place, so the module's own weights can be inputs of its forward
  gradcheck('vision stem', (xx) => stem.forward(xx), [x, stem.convs.items[0].weight, stem.convs.items[1].bias, stem.proj.weight]);
});
