import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadModel, loadWeights, saveModel, weightFiles } from '../../src/model/checkpoint.js';
import { configToJson, parseConfig } from '../../src/model/config.js';
import { promptBatch } from '../../src/model/generate.js';
import { generationForward, leftPad } from '../../src/model/generation.js';
import { parameterGroup } from '../../src/model/groups.js';
import { HaploOmni } from '../../src/model/haploomni.js';
import { expandPlaceholders } from '../../src/model/processor.js';
import { shiftedRows, shiftTokens } from '../../src/model/token-shift.js';
import { understandingForward } from '../../src/model/understanding.js';
import { noGrad, ops, randn, Rng, tensor } from '../../src/tensor/index.js';
import { allclose } from '../helpers/allclose.js';
import { gradcheck, leaf } from '../helpers/gradcheck.js';
import { microConfig } from '../helpers/micro.js';

test('shiftedRows: text rows after a real row take their predecessor; visual rows, the first row and rows after padding do not', () => {
  // row 0: [pad, pad, t, t, v, v, t]; row 1: [t, v, t, t, t, t, t]
  const keyMask = Uint8Array.from([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  const visual = new Set([4, 5, 8]);
  const rows = shiftedRows(2, 7, (r) => !visual.has(r), keyMask);
  assert.deepEqual([...rows], [0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 1, 1]);
  assert.deepEqual([...shiftedRows(1, 3, () => true, null)], [0, 1, 1]);
});

test('shiftTokens: e\'_t = e_t + g * e_{t-1} on the flagged rows, e elsewhere', () => {
  const [B, T, D] = [2, 4, 3];
  const e = randn([B, T, D], new Rng(3)), g = tensor([0.5, -1, 2], [D]);
  const rows = Uint8Array.from([0, 1, 0, 1, 0, 1, 1, 1]);
  const out = shiftTokens(e, g, rows);
  const expected = new Float32Array(B * T * D);
  for (let r = 0; r < B * T; r++) {
    for (let d = 0; d < D; d++) expected[r * D + d] = e.data[r * D + d] + (rows[r] ? g.data[d] * e.data[(r - 1) * D + d] : 0);
  }
  allclose(out.data, expected, { atol: 1e-6 }, 'shifted embeddings');
  assert.equal(shiftTokens(e, null, rows), e, 'no gate: the embeddings themselves');
  assert.throws(() => shiftTokens(e, g, new Uint8Array(3)), /3 row flags for embeddings \[2, 4, 3\]/);
});

test('shiftTokens gradients (embeddings and gate) match finite differences', () => {
  const rng = new Rng(11);
  const rows = Uint8Array.from([0, 1, 1, 0, 0, 1]);
  gradcheck('token shift', (e, g) => shiftTokens(e, g, rows), [leaf([2, 3, 4], rng), leaf([4], rng, 0.5, 0.5)]);
});

const config = microConfig({ token_shift: true });
const VID = config.video_token_index;

function videoPrompt(): { ids: number[]; frames: ReturnType<typeof randn> } {
  return { ids: Array.from(expandPlaceholders([6, VID, 7, 8], config, { videoFrames: [2] }).ids), frames: randn([2, 3, 8, 8], new Rng(2)) };
}

test('token shift in the model: left padding does not change a row, and gate 0 is the plain model', () => {
  const model = new HaploOmni(config, { seed: 4 });
  const plain = new HaploOmni(microConfig(), { seed: 4 });
  const p = videoPrompt();
  const V = config.vocab_size;
  const logitsOf = (m: HaploOmni, prompts: { ids: number[]; videos?: { frames: ReturnType<typeof randn> }[] }[]) => {
    const input = promptBatch(m, prompts);
    return { data: noGrad(() => understandingForward(m, input).logits).data, length: input.length };
  };
  const alone = logitsOf(model, [{ ids: p.ids, videos: [{ frames: p.frames }] }]);
  // Batched behind a longer prompt, the video prompt is left-padded by 3: its logits must not change.
  const batched = logitsOf(model, [{ ids: Array.from({ length: p.ids.length + 3 }, (_, i) => 1 + (i % 30)) }, { ids: p.ids, videos: [{ frames: p.frames }] }]);
  const pad = batched.length - alone.length;
  assert.equal(pad, 3);
  allclose(batched.data.subarray((batched.length + pad) * V), alone.data, { atol: 1e-4 }, 'left-padded row');

  const plainLogits = logitsOf(plain, [{ ids: p.ids, videos: [{ frames: p.frames }] }]);
  assert.ok(alone.data.some((x, i) => Math.abs(x - plainLogits.data[i]) > 1e-3), 'the shift changes the logits');
  model.model.token_shift!.data.fill(0);
  allclose(logitsOf(model, [{ ids: p.ids, videos: [{ frames: p.frames }] }]).data, plainLogits.data, { atol: 1e-5 }, 'gate 0');
});

test('token shift in generation: a left-padded prompt gives the v-prediction it gives alone', () => {
  const model = new HaploOmni(config, { seed: 4 });
  const latents = randn([2, 2, 4, 4, 4], new Rng(5));
  noGrad(() => {
    const batched = generationForward(model, { latents, timesteps: [300, 300], text: leftPad([[1, 2, 3, 4, 5], [6, 7]], 0) });
    const alone = generationForward(model, { latents: ops.slice(latents, 0, 1, 2), timesteps: [300], text: leftPad([[6, 7]], 0) });
    allclose(batched.data.subarray(alone.size), alone.data, { atol: 1e-4 }, 'padded prompt row');
  });
});

test('token shift config: parsed, saved, loaded; its gate is in the embeddings group and required by the loader', () => {
  assert.equal(microConfig().token_shift, false);
  assert.throws(() => microConfig({ token_shift: 'yes' }), /token_shift: expected true or false, found "yes"/);
  assert.equal(parseConfig(configToJson(config)).token_shift, true);
  assert.equal(parameterGroup('model.token_shift', config), 'embeddings');

  const dir = mkdtempSync(path.join(tmpdir(), 'haplo-shift-'));
  try {
    const model = new HaploOmni(config, { seed: 1 });
    model.model.token_shift!.data.set([0.25, -0.5]);
    saveModel(dir, model);
    const loaded = loadModel(dir);
    assert.deepEqual([...loaded.model.token_shift!.data.subarray(0, 2)], [0.25, -0.5]);
    // A shift config over weights saved without the shift: the loader names the missing gate.
    const plainDir = path.join(dir, 'plain');
    mkdirSync(plainDir);
    saveModel(plainDir, new HaploOmni(microConfig(), { seed: 1 }));
    assert.throws(() => loadWeights(new HaploOmni(config, { seed: 1 }), weightFiles(plainDir)), /model\.token_shift/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
