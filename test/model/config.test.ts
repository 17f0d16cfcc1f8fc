import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { configToJson, parseConfig } from '../../src/model/config.js';
import { PAPER, presetConfig, TINY } from '../../src/model/presets.js';
import { RMS_A_DIR } from '../helpers/fixture.js';

const fixtureJson = () => JSON.parse(readFileSync(path.join(RMS_A_DIR, 'config.json'), 'utf8')) as Record<string, any>;

test('the fixture config parses with the reference defaults for missing nested keys', () => {
  const c = parseConfig(fixtureJson());
  assert.equal(c.vocab_size, 96);
  assert.equal(c.base_config.head_dim, 12);
  assert.equal(c.pre_config.head_dim, 6);
  assert.equal(c.post_config.head_dim, 8);
  assert.equal(c.pre_config.rope_theta, 500);
  assert.equal(c.pre_config.attention_rope, true);
  assert.equal(c.base_config.attention_rope, false);
  assert.equal(c.post_config.num_key_value_heads, 2);
  assert.deepEqual(c.image_grid_pinpoints, [[16, 16]]);
  assert.equal(c.pad_token_id, null);
  // our keys take their defaults
  assert.equal(c.latent_channels, 16);
  assert.equal(c.time_embed_dim, 512);
  assert.deepEqual(c.feature_prescale, { enabled: false, visual: 1, noise: 1 });
  assert.equal(c.understanding_mask, 'intended');
  // a nested dict with only sizes gets the class defaults
  const minimal = fixtureJson();
  minimal.post_config = { hidden_size: 48, intermediate_size: 8, num_hidden_layers: 1, num_attention_heads: 4 };
  const m = parseConfig(minimal);
  assert.deepEqual(
    [m.post_config.head_dim, m.post_config.num_key_value_heads, m.post_config.hidden_act, m.post_config.rms_norm_eps, m.post_config.norm_mode,
      m.post_config.attention_rope, m.post_config.use_pe, m.post_config.use_qk_norm, m.post_config.rope_theta, m.post_config.patch_size],
    [12, 4, 'silu', 1e-6, 'rmsnorm', false, true, false, 10000, 4]);
});

test('configToJson round-trips and mirrors the base keys at the top level', () => {
  const c = parseConfig(fixtureJson());
  const json = configToJson(c) as Record<string, any>;
  assert.equal(json.hidden_size, 48);
  assert.equal(json.base_config.hidden_size, 48);
  assert.equal(json.num_key_value_heads, 2);
  assert.equal(json.model_type, 'HaploOmni');
  assert.deepEqual(parseConfig(JSON.parse(JSON.stringify(json))), c);
});

test('invalid configs name the key and the expected vs found value', () => {
  const bad = (edit: (j: Record<string, any>) => void, message: RegExp) => {
    const j = fixtureJson();
    edit(j);
    assert.throws(() => parseConfig(j), message);
  };
  bad((j) => { j.post_config.hidden_size = 1000; j.post_config.num_attention_heads = 30; }, /post_config\.num_attention_heads: 30 does not divide hidden_size 1000/);
  bad((j) => { j.base_config.num_key_value_heads = 3; }, /base_config\.num_key_value_heads: 3 does not divide num_attention_heads 4/);
  bad((j) => { j.pre_config.norm_mode = 'batchnorm'; }, /pre_config\.norm_mode: expected one of 'rmsnorm', 'layernorm', found "batchnorm"/);
  bad((j) => { j.pre_config.hidden_act = 'swiglu'; }, /pre_config\.hidden_act: expected one of .*found "swiglu"/);
  bad((j) => { j.pre_config.attention_rope = false; }, /pre_config\.head_dim: 6 differs from base_config\.head_dim 12 while pre_config\.attention_rope is false/);
  bad((j) => { j.base_config.rope_scaling = { type: 'yarn' }; }, /base_config\.rope_scaling: only null/);
  bad((j) => { j.base_config.hidden_size = 'wide'; }, /base_config\.hidden_size: expected an integer >= 1, found "wide"/);
  bad((j) => { j.pre_connector = { use_pre_norm: 'yes' }; }, /pre_connector\.use_pre_norm: expected true or false, found "yes"/);
  bad((j) => { j.image_aspect_ratio = 'pad'; }, /image_aspect_ratio: expected 'anyres' or 'anyres_max_K', found "pad"/);
  bad((j) => { j.image_grid_pinpoints = [[16, 20]]; }, /image_grid_pinpoints: \[16, 20\] is not a multiple of the tile size 16/);
  bad((j) => { j.pre_config.patch_size = 8; }, /patch_size\/default_image_size: the top level \(4\/16\) and pre_config \(8\/16\) must agree/);
  bad((j) => { j.post_config.hidden_size = 40; j.post_config.num_attention_heads = 4; }, /post_config\.hidden_size: 40 must be a multiple of 16/);
  bad((j) => { j.video_token_index = 90; }, /video_token_index: 90 equals image_token_index/);
  bad((j) => { j.feature_prescale = { enabled: true, visual: -1 }; }, /feature_prescale\.visual: expected a positive number, found -1/);
  bad((j) => { j.understanding_mask = 'full'; }, /understanding_mask: expected one of 'intended', 'causal', found "full"/);
  bad((j) => { j.model_type = 'llava'; }, /model_type: expected "HaploOmni", found "llava"/);
  bad((j) => { j.eos_token_id = 500; }, /special token id 500 is outside the vocabulary \(vocab_size 96\)/);
});

test('presets are plain data that parse; tiny takes its vocabulary from the tokenizer', () => {
  assert.equal(typeof TINY.base_config.hidden_size, 'number');
  assert.equal(typeof PAPER.post_config.num_hidden_layers, 'number');
  const tiny = presetConfig('tiny', { vocabSize: 300, imageId: 298, videoId: 299, eosId: 295, padId: 296 });
  assert.deepEqual([tiny.vocab_size, tiny.image_token_index, tiny.video_token_index, tiny.eos_token_id, tiny.pad_token_id], [300, 298, 299, 295, 296]);
  const paper = presetConfig('paper');
  assert.deepEqual([paper.pre_config.num_hidden_layers, paper.pre_config.hidden_size, paper.pre_config.head_dim], [24, 1024, 64]);
  assert.deepEqual([paper.base_config.num_hidden_layers, paper.base_config.hidden_size, paper.base_config.num_attention_heads,
    paper.base_config.num_key_value_heads, paper.base_config.head_dim, paper.base_config.intermediate_size, paper.base_config.rope_theta, paper.vocab_size],
  [28, 3584, 28, 4, 128, 18944, 1e6, 152064]);
  assert.deepEqual([paper.post_config.num_hidden_layers, paper.post_config.hidden_size, paper.post_config.num_attention_heads, paper.post_config.head_dim],
    [30, 1920, 30, 64]);
});
