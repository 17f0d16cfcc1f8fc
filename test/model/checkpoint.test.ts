import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { writeSafetensors, type F32Entry } from '../../src/io/safetensors.js';
import { loadModel, loadWeights, saveModel } from '../../src/model/checkpoint.js';
import { generationForward } from '../../src/model/generation.js';
import { HaploOmni } from '../../src/model/haploomni.js';
import { understandingForward } from '../../src/model/understanding.js';
import { noGrad, randn, Rng } from '../../src/tensor/index.js';
import { RMS_A_DIR } from '../helpers/fixture.js';
import { microConfig } from '../helpers/micro.js';

const dir = mkdtempSync(path.join(tmpdir(), 'haplo-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function outputs(model: HaploOmni): Float32Array[] {
  return noGrad(() => {
    const und = understandingForward(model, { ids: Int32Array.from([1, 2, 3, 4, 5]), batch: 1, length: 5 }).logits.data.slice();
    const latents = randn([1, 1, 4, 4, 4], new Rng(2));
    const text = { ids: Int32Array.from([0, 7, 8]), mask: Uint8Array.from([0, 1, 1]), batch: 1, length: 3 };
    return [und, generationForward(model, { latents, timesteps: [500], text }).data.slice()];
  });
}

test('save then load gives identical parameters and outputs; config round-trips', () => {
  const config = microConfig({ feature_prescale: { enabled: true, visual: 0.5, noise: 0.25 } });
  const model = new HaploOmni(config, { seed: 11 });
  const ckpt = path.join(dir, 'micro');
  saveModel(ckpt, model);
  const loaded = loadModel(ckpt);
  assert.deepEqual(loaded.config, model.config);
  const a = model.stateDict(), b = loaded.stateDict();
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, t] of a) assert.deepEqual(b.get(name)!.data, t.data, name);
  const [u1, g1] = outputs(model), [u2, g2] = outputs(loaded);
  assert.deepEqual(u2, u1);
  assert.deepEqual(g2, g1);
});

test('the rms-a fixture loads without text_proj; text_proj and missing Linear biases are accepted', () => {
  const model = loadModel(RMS_A_DIR);
  assert.equal(model.parameterCount(), 415404);
  // A checkpoint with text_proj (as real ones have) and without one Linear bias still loads; the bias is 0.
  const entries: F32Entry[] = [...model.stateDict()].filter(([n]) => n !== 'proj_out.bias').map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
  entries.push({ name: 'patch_embed_cogvideo.text_proj.weight', shape: [32, 4096], data: new Float32Array(32 * 4096) });
  const ckpt = path.join(dir, 'extra');
  mkdirSync(ckpt, { recursive: true });
  writeSafetensors(path.join(ckpt, 'model.safetensors'), entries);
  copyFileSync(path.join(RMS_A_DIR, 'config.json'), path.join(ckpt, 'config.json'));
  const other = loadModel(ckpt);
  assert.ok(other.proj_out.bias!.data.every((v) => v === 0));
  assert.deepEqual(other.model.layers.items[3].mlp.up_proj.weight.data, model.model.layers.items[3].mlp.up_proj.weight.data);
});

test('sharded checkpoints (model.safetensors.index.json) load like a single file', () => {
  const model = new HaploOmni(microConfig(), { seed: 12 });
  const ckpt = path.join(dir, 'sharded');
  saveModel(ckpt, model);
  rmSync(path.join(ckpt, 'model.safetensors'));
  const entries = [...model.stateDict()].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
  const shards = [entries.filter((e) => e.name.startsWith('model.')), entries.filter((e) => !e.name.startsWith('model.'))];
  const weightMap: Record<string, string> = {};
  shards.forEach((list, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    writeSafetensors(path.join(ckpt, file), list);
    for (const e of list) weightMap[e.name] = file;
  });
  writeFileSync(path.join(ckpt, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  const loaded = loadModel(ckpt);
  for (const [name, t] of model.stateDict()) assert.deepEqual(loaded.stateDict().get(name)!.data, t.data, name);
});

test('mismatched checkpoints list every missing, unexpected and mis-shaped key', () => {
  const model = new HaploOmni(microConfig(), { seed: 1 });
  const entries: F32Entry[] = [...model.stateDict()]
    .filter(([n]) => n !== 'model.layers.1.input_layernorm.SSG_C' && n !== 'lm_head.weight')
    .map(([name, t]) => ({ name, shape: name === 'model.post_scale' ? [t.size + 1] : t.shape, data: name === 'model.post_scale' ? new Float32Array(t.size + 1) : t.data }));
  entries.push({ name: 'model.vision_tower.weight', shape: [2], data: new Float32Array(2) });
  const file = path.join(dir, 'mismatch.safetensors');
  writeSafetensors(file, entries);
  const fresh = new HaploOmni(microConfig(), { seed: 2 });
  const before = fresh.model.embed_tokens.weight.data.slice();
  assert.throws(() => loadWeights(fresh, file), (e: Error) => {
    assert.match(e.message, /mismatch\.safetensors: checkpoint does not match the model \(4 problems\)/);
    assert.match(e.message, /missing: model\.layers\.1\.input_layernorm\.SSG_C/);
    assert.match(e.message, /missing: lm_head\.weight/);
    assert.match(e.message, /unexpected: model\.vision_tower\.weight/);
    assert.match(e.message, /wrong shape: model\.post_scale: checkpoint \[25\] vs model \[24\]/);
    return true;
  });
  assert.deepEqual(fresh.model.embed_tokens.weight.data, before, 'nothing is copied from a mismatched checkpoint');
});

test('broken checkpoint folders fail naming the file', () => {
  const ckpt = path.join(dir, 'broken');
  saveModel(ckpt, new HaploOmni(microConfig(), { seed: 1 }));
  const config = readFileSync(path.join(ckpt, 'config.json'), 'utf8');
  writeFileSync(path.join(ckpt, 'config.json'), config.replaceAll('"num_key_value_heads": 2', '"num_key_value_heads": 3'));
  assert.throws(() => loadModel(ckpt), /broken\/config\.json: base_config\.num_key_value_heads: 3 does not divide num_attention_heads 4/);
  writeFileSync(path.join(ckpt, 'config.json'), '{ "model_type": ');
  assert.throws(() => loadModel(ckpt), /broken\/config\.json is not valid JSON/);
  writeFileSync(path.join(ckpt, 'config.json'), config);
  const weights = path.join(ckpt, 'model.safetensors');
  truncateSync(weights, readFileSync(weights).length - 100);
  assert.throws(() => loadModel(ckpt), /broken\/model\.safetensors: tensor '.*': data_offsets .* run past the end of the data section/);
  rmSync(weights);
  assert.throws(() => loadModel(ckpt), /cannot open .*broken\/model\.safetensors: file not found/);
});
