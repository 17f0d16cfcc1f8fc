import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/model/checkpoint.js';
import { parameterGroup, parameterGroups, PARAMETER_GROUPS, setTrainable } from '../../src/model/groups.js';
import { HaploOmni } from '../../src/model/haploomni.js';
import { info } from '../../src/model/info.js';
import { presetConfig } from '../../src/model/presets.js';
import { RMS_A_DIR } from '../helpers/fixture.js';
import { microConfig } from '../helpers/micro.js';

const configs = {
  tiny: presetConfig('tiny'),
  'rms-a fixture': loadConfig(path.join(RMS_A_DIR, 'config.json')),
  micro: microConfig(),
};

for (const [label, config] of Object.entries(configs)) {
  test(`analytic parameter counts equal a built model per group (${label})`, () => {
    const model = new HaploOmni(config);
    const groups = parameterGroups(model);
    const analytic = info(config);
    for (const g of PARAMETER_GROUPS) {
      const real = groups[g].reduce((s, [, t]) => s + t.size, 0);
      assert.equal(analytic.parameters[g], real, `${label} ${g}: info says ${analytic.parameters[g]}, the model has ${real}`);
    }
    assert.equal(analytic.parameters.total, model.parameterCount());
  });
}

test('the fixture config has the README parameter count (415404, without text_proj)', () => {
  assert.equal(info(configs['rms-a fixture']).parameters.total, 415404);
});

test('tiny has a few million parameters; paper is the 9B-class stack', () => {
  const tiny = info(configs.tiny).parameters.total, paper = info(presetConfig('paper')).parameters.total;
  assert.ok(tiny > 1e6 && tiny < 10e6, `tiny has ${tiny}`);
  assert.ok(paper > 8e9 && paper < 11e9, `paper has ${paper}`);
});

test('parameter groups: every key has one; freezing a group stops its gradients', () => {
  const c = configs['rms-a fixture'];
  assert.equal(parameterGroup('model.layers.1.mlp.up_proj.weight', c), 'pre');
  assert.equal(parameterGroup('model.layers.2.mlp.up_proj.weight', c), 'base');
  assert.equal(parameterGroup('model.layers.5.self_attn.q_proj.bias', c), 'post');
  assert.equal(parameterGroup('model.norm.weight', c), 'base');
  assert.equal(parameterGroup('model.pre_norm.bias', c), 'pre');
  assert.equal(parameterGroup('model.post_scale', c), 'lm_head');
  assert.equal(parameterGroup('norm_out.linear.weight', c), 'generation_head');
  assert.equal(parameterGroup('model.image_newline', c), 'visual_input');
  assert.throws(() => parameterGroup('model.layers.6.mlp.up_proj.weight', c), /layer 6 does not exist \(the model has 6 layers\)/);
  assert.throws(() => parameterGroup('vision_tower.weight', c), /belongs to no group/);
  const model = new HaploOmni(c);
  setTrainable(model, ['base', 'lm_head'], false);
  const groups = parameterGroups(model);
  assert.ok(groups.base.every(([, t]) => !t.requiresGrad) && groups.lm_head.every(([, t]) => !t.requiresGrad));
  assert.ok(groups.pre.every(([, t]) => t.requiresGrad));
});
