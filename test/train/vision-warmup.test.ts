import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HaploOmni } from '../../src/model/haploomni.js';
import { presetConfig } from '../../src/model/presets.js';
import { warmUpVisionStem } from '../../src/train/vision-warmup.js';
import { microConfig } from '../helpers/micro.js';

const snapshot = (m: HaploOmni) => new Map([...m.namedParameters()].map(([k, t]) => [k, t.data.slice()]));

test('the vision warm-up learns shape on still images, touches only the stem convolutions, and is deterministic', () => {
  const run = (steps: number) => {
    const model = new HaploOmni(presetConfig('tiny'), { seed: 3 });
    const before = snapshot(model);
    const r = warmUpVisionStem(model, { steps, batch: 16, lr: 1e-3, dataSeed: 0 });
    return { model, before, r };
  };
  const { model, before, r } = run(300);
  for (const [k, t] of model.namedParameters()) {
    const changed = t.data.some((v, i) => v !== before.get(k)![i]);
    assert.equal(changed, k.startsWith('model.vision_stem.convs.'), `${k} ${changed ? 'changed' : 'did not change'}`);
    if (changed) assert.equal(t.requiresGrad, false, `${k} is left frozen (the trainer chooses what trains next)`);
  }
  // chance is ln 6 = 1.79 and 1/6 of the answers (at lr 1e-6: 1.79 and 24% after 160 steps)
  assert.ok(r.loss < 1.5, `mean loss of the last 100 steps ${r.loss}`);
  assert.ok(r.accuracy > 0.3, `train accuracy of the last 100 steps ${r.accuracy}`);
  assert.deepEqual(run(8).r, run(8).r);
});

test('the vision warm-up refuses a model without a stem', () => {
  assert.throws(() => warmUpVisionStem(new HaploOmni(microConfig()), { steps: 1, batch: 1, lr: 1e-3, dataSeed: 0 }), /the model has no vision_stem/);
});
