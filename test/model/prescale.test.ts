import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibrateFeaturePrescale } from '../../src/model/calibrate.js';
import { generationForward, noiseTokens } from '../../src/model/generation.js';
import { HaploOmni } from '../../src/model/haploomni.js';
import { expandPlaceholders } from '../../src/model/processor.js';
import { understandingForward, type UnderstandingInput } from '../../src/model/understanding.js';
import { embedMultimodal } from '../../src/model/visual.js';
import { noGrad, randn, Rng, type Tensor } from '../../src/tensor/index.js';
import { microConfig } from '../helpers/micro.js';

const config = microConfig();
const IMG = config.image_token_index;

function understandingSample(): UnderstandingInput {
  const ids = expandPlaceholders([3, IMG, 4, 5], config, { imageSizes: [[8, 8]] }).ids;
  return { ids, batch: 1, length: ids.length, images: [{ tiles: randn([1, 3, 8, 8], new Rng(1)), size: [8, 8] }] };
}
const generationSample = () => ({
  latents: randn([1, 1, 4, 4, 4], new Rng(2)), timesteps: [700],
  text: { ids: Int32Array.from([0, 6, 7]), mask: Uint8Array.from([0, 1, 1]), batch: 1, length: 3 },
});

function traced(fn: (trace: (n: string, t: Tensor) => void) => void): Map<string, Float32Array> {
  const seen = new Map<string, Float32Array>();
  noGrad(() => fn((n, t) => seen.set(n, t.data.slice())));
  return seen;
}

test('pre-scaling multiplies only the visual / noise rows after pre_norm; disabled is the identity', () => {
  const model = new HaploOmni(microConfig({ feature_prescale: { enabled: true, visual: 0.5, noise: 0.25 } }), { seed: 1 });
  const D = 16;
  const und = traced((trace) => understandingForward(model, understandingSample(), { trace }));
  const before = und.get('after_pre_norm')!, after = und.get('after_feature_prescale')!;
  const ids = understandingSample().ids;
  for (let r = 0; r < ids.length; r++) for (let d = 0; d < D; d++) {
    const f = ids[r] === IMG ? 0.5 : 1;
    assert.ok(Math.abs(after[r * D + d] - f * before[r * D + d]) < 1e-7, `row ${r}`);
  }
  const gen = traced((trace) => generationForward(model, generationSample(), { trace }));
  const gBefore = gen.get('after_pre_norm')!, gAfter = gen.get('after_feature_prescale')!;
  for (let r = 0; r < gBefore.length / D; r++) for (let d = 0; d < D; d++) {
    const f = r < 3 ? 1 : 0.25; // 3 text slots, then the time token and 4 latent tokens
    assert.ok(Math.abs(gAfter[r * D + d] - f * gBefore[r * D + d]) < 1e-7, `row ${r}`);
  }
  model.config.feature_prescale.enabled = false;
  const off = traced((trace) => understandingForward(model, understandingSample(), { trace }));
  assert.deepEqual(off.get('after_feature_prescale'), off.get('after_pre_norm'));
});

test('calibration sets s_m = rms_text / rms_m from the raw features and enables pre-scaling', () => {
  const model = new HaploOmni(config, { seed: 2 });
  const cal = calibrateFeaturePrescale(model, { understanding: [understandingSample()], generation: [generationSample()] });
  // by hand
  const sq = (x: Float32Array, rows: number[], D: number) => rows.reduce((s, r) => s + x.subarray(r * D, (r + 1) * D).reduce((a, v) => a + v * v, 0), 0);
  const { embeds, visualRows } = noGrad(() => embedMultimodal(model, understandingSample()));
  const textRows = [...visualRows.keys()].filter((r) => !visualRows[r]), imageRows = [...visualRows.keys()].filter((r) => visualRows[r]);
  const genText = noGrad(() => model.model.embed_tokens.forward(Int32Array.from([6, 7]), [2])).data;
  const noise = noGrad(() => noiseTokens(model, generationSample().latents, [700]).tokens).data;
  const rmsText = Math.sqrt((sq(embeds.data, textRows, 16) + sq(genText, [0, 1], 16)) / ((textRows.length + 2) * 16));
  const rmsVisual = Math.sqrt(sq(embeds.data, imageRows, 16) / (imageRows.length * 16));
  const rmsNoise = Math.sqrt(sq(noise, [0, 1, 2, 3, 4], 16) / (5 * 16));
  assert.ok(Math.abs(cal.rms.text - rmsText) < 1e-6 * rmsText);
  assert.ok(Math.abs(cal.rms.visual! - rmsVisual) < 1e-6 * rmsVisual);
  assert.ok(Math.abs(cal.rms.noise! - rmsNoise) < 1e-6 * rmsNoise);
  const p = model.config.feature_prescale;
  assert.equal(p.enabled, true);
  assert.ok(Math.abs(p.visual - rmsText / rmsVisual) < 1e-6 && Math.abs(p.noise - rmsText / rmsNoise) < 1e-6, JSON.stringify(p));
  assert.deepEqual(cal.factors, { visual: p.visual, noise: p.noise });
  assert.throws(() => calibrateFeaturePrescale(model, {}), /no text tokens/);
});

test('calibration measures the text rows as they enter pre_norm: token-shifted when the config has the shift', () => {
  const model = new HaploOmni(microConfig({ token_shift: true }), { seed: 2 });
  model.model.token_shift!.data.fill(1);
  const cal = calibrateFeaturePrescale(model, { generation: [generationSample()] });
  const e = noGrad(() => model.model.embed_tokens.forward(Int32Array.from([6, 7]), [2])).data;
  // The prompt is [pad, 6, 7]: row "6" follows padding (unshifted), row "7" enters as e_7 + 1 * e_6.
  const rows = [...e.subarray(0, 16), ...e.subarray(16, 32).map((v, d) => v + e[d])];
  const rmsText = Math.sqrt(rows.reduce((a, v) => a + v * v, 0) / 32);
  assert.ok(Math.abs(cal.rms.text - rmsText) < 1e-6 * rmsText, `text RMS ${cal.rms.text} vs ${rmsText}`);
});
