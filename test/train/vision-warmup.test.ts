import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shapesSample, type ShapesScene } from '../../src/data/index.js';
import { stemInput } from '../../src/nn/vision-stem.js';
import { videoForModel } from '../../src/pipeline/inputs.js';
import { noGrad, ops } from '../../src/tensor/index.js';
import { HaploOmni } from '../../src/model/haploomni.js';
import { presetConfig } from '../../src/model/presets.js';
import { cellObjects, warmUpVisionStem } from '../../src/train/vision-warmup.js';
import { microConfig } from '../helpers/micro.js';

const snapshot = (m: HaploOmni) => new Map([...m.namedParameters()].map(([k, t]) => [k, t.data.slice()]));
const OPTIONS = { batch: 8, lr: 2e-3, dataSeed: 0, frames: 9, understandingFrames: 5, imageShare: 0.15 };

test('cell objects: the topmost object whose box holds the cell centre, per listed frame', () => {
  const object = (radius: number, positions: Array<[number, number]>) =>
    ({ shape: 'circle', color: 'red', size: 'small', motion: 'right', radius, positions }) as const;
  const scene: ShapesScene = {
    width: 16, height: 16, frameCount: 3, background: 'black',
    // 4x4 cells of 4 px, centres at 2, 6, 10, 14. Object 0 covers x, y in [0, 8] then moves right by 8;
    // object 1, drawn on top, covers [5, 11] x [5, 11] in every frame.
    objects: [object(4, [[4, 4], [8, 4], [12, 4]]), object(3, [[8, 8], [8, 8], [8, 8]])],
  };
  const got = cellObjects(scene, [0, 2], 4);
  const frame0 = [0, 0, -1, -1, 0, 1, 1, -1, -1, 1, 1, -1, -1, -1, -1, -1];
  const frame2 = [-1, -1, 0, 0, -1, 1, 1, 0, -1, 1, 1, -1, -1, -1, -1, -1];
  assert.deepEqual([...got], [...frame0, ...frame2]);
});

test('the vision warm-up learns every attribute per cell, touches only the stem convolutions and standardisation, and is deterministic', () => {
  const run = (steps: number) => {
    const model = new HaploOmni(presetConfig('tiny'), { seed: 3 });
    const before = snapshot(model);
    const r = warmUpVisionStem(model, { ...OPTIONS, steps });
    return { model, before, r };
  };
  const { model, before, r } = run(150);
  for (const [k, t] of model.namedParameters()) {
    const changed = t.data.some((v, i) => v !== before.get(k)![i]);
    assert.equal(changed, k.startsWith('model.vision_stem.') && !k.startsWith('model.vision_stem.proj.'), `${k} ${changed ? 'changed' : 'did not change'}`);
    if (k.startsWith('model.vision_stem.convs.')) assert.equal(t.requiresGrad, false, `${k} is left frozen (the trainer chooses what trains next)`);
  }
  // the standardised features of fresh clips have mean about 0 and standard deviation about 1 (unstandardised: 4.5 and 7)
  const stem = model.model.vision_stem!, c = stem.shift.shape[0];
  const x = ops.concat([0, 1, 2, 3].map((i) => stemInput(videoForModel(shapesSample('test', i), model.config, 5).frames)), 0);
  const h = noGrad(() => ops.mul(ops.sub(stem.features(x), ops.reshape(stem.shift, [1, c, 1, 1])), ops.reshape(stem.scale, [1, c, 1, 1])));
  const values = Array.from(h.data);
  const mean = values.reduce((a, b) => a + b, 0) / values.length, sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  assert.ok(Math.abs(mean) < 0.5 && sd > 0.6 && sd < 1.5, `standardised features: mean ${mean}, sd ${sd}`);
  // chance: colour 1/8, shape 1/6, size 1/2, motion 1/9 of the object cells (measured at 150 steps: 32%, 28%, 70%, 60%;
  // after the default 1200: 88%, 85%, 91%, 86%)
  assert.ok(r.accuracy.color > 0.22, `colour ${r.accuracy.color}`);
  assert.ok(r.accuracy.shape > 0.22, `shape ${r.accuracy.shape}`);
  assert.ok(r.accuracy.size > 0.6, `size ${r.accuracy.size}`);
  assert.ok(r.accuracy.motion > 0.35, `motion ${r.accuracy.motion}`);
  assert.deepEqual(run(4).r, run(4).r);
});

test('the vision warm-up refuses a model without a stem', () => {
  assert.throws(() => warmUpVisionStem(new HaploOmni(microConfig()), { ...OPTIONS, steps: 1 }), /the model has no vision_stem/);
});
