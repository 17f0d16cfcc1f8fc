import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffusionLoss } from '../../src/diffusion/loss.js';
import { cogvideoxAlphasCumprod } from '../../src/diffusion/scheduler.js';
import { generationForward } from '../../src/model/generation.js';
import { parameterGroups } from '../../src/model/groups.js';
import { HaploOmni } from '../../src/model/haploomni.js';
import { understandingLoss, type UnderstandingBatch } from '../../src/model/losses.js';
import { expandPlaceholders } from '../../src/model/processor.js';
import { understandingForward } from '../../src/model/understanding.js';
import { fromBuffer, noGrad, ops, randn, Rng } from '../../src/tensor/index.js';
import { allclose } from '../helpers/allclose.js';
import { microConfig } from '../helpers/micro.js';

const config = microConfig();
const IMG = config.image_token_index, VID = config.video_token_index;

/** Two rows: an image question and a video question, left-padded, labels on the answers only. */
function understandingBatch(): UnderstandingBatch {
  const a = Array.from(expandPlaceholders([3, IMG, 4, 5, 6], config, { imageSizes: [[16, 16]] }).ids);
  const b = Array.from(expandPlaceholders([7, VID, 8, 9, 10, 11], config, { videoFrames: [1] }).ids);
  const length = Math.max(a.length, b.length);
  const ids = new Int32Array(2 * length), attentionMask = new Uint8Array(2 * length), labels = new Int32Array(2 * length).fill(-100);
  [a, b].forEach((row, r) => {
    const at = r * length + length - row.length;
    ids.set(row, at);
    attentionMask.fill(1, at, at + row.length);
    labels.set(row.slice(-2), (r + 1) * length - 2); // the last two tokens are the answer
  });
  return {
    ids, batch: 2, length, attentionMask, labels,
    images: [{ tiles: randn([4, 3, 8, 8], new Rng(1)), size: [16, 16] }],
    videos: [{ frames: randn([1, 3, 8, 8], new Rng(2)) }],
  };
}

function generationBatch() {
  return {
    latents: randn([2, 2, 4, 4, 4], new Rng(3)),
    textIds: Int32Array.from([0, 12, 13, 14, 15, 16]),
    textMask: Uint8Array.from([0, 1, 1, 1, 1, 1]),
  };
}

test('understandingLoss is the shifted next-token cross-entropy over labelled tokens', () => {
  const model = new HaploOmni(config, { seed: 4 });
  const batch = understandingBatch();
  const loss = noGrad(() => understandingLoss(model, batch).item());
  const logits = noGrad(() => understandingForward(model, batch).logits);
  const V = config.vocab_size, T = batch.length;
  let total = 0, count = 0;
  for (let b = 0; b < 2; b++) for (let j = 0; j < T - 1; j++) {
    const target = batch.labels[b * T + j + 1];
    if (target === -100) continue;
    const row = logits.data.subarray((b * T + j) * V, (b * T + j + 1) * V);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    total += lse - row[target];
    count++;
  }
  assert.equal(count, 4);
  assert.ok(Math.abs(loss - total / count) < 1e-5, `loss ${loss} vs manual ${total / count}`);
});

test('diffusionLoss draws x_t and the v target from the schedule', () => {
  const model = new HaploOmni(config, { seed: 4 });
  const { latents, textIds, textMask } = generationBatch();
  const timesteps = [10, 990];
  const loss = noGrad(() => diffusionLoss(model, latents, textIds, textMask, new Rng(8), { timesteps }).item());
  // Recompute with the same noise (the first draw of the generator after no timestep draws).
  const eps = new Rng(8).normal(latents.size), a = cogvideoxAlphasCumprod();
  const per = latents.size / 2, noisy = new Float32Array(latents.size), target = new Float32Array(latents.size);
  for (let i = 0; i < latents.size; i++) {
    const at = a[timesteps[Math.floor(i / per)]];
    noisy[i] = Math.sqrt(at) * latents.data[i] + Math.sqrt(1 - at) * eps[i];
    target[i] = Math.sqrt(at) * eps[i] - Math.sqrt(1 - at) * latents.data[i];
  }
  const text = { ids: textIds, mask: textMask, batch: 2, length: 3 };
  const manual = noGrad(() => ops.mseLoss(generationForward(model, { latents: fromBuffer(noisy, latents.shape), timesteps, text }), fromBuffer(target, latents.shape)).item());
  assert.ok(Math.abs(loss - manual) < 1e-6, `${loss} vs ${manual}`);
  assert.throws(() => diffusionLoss(model, latents, textIds, textMask, new Rng(1), { timesteps: [0, 1000] }), /timesteps must be 2 integers in \[0, 1000\)/);
});

test('noise draws sharing one prompt pass give each draw the v and gradients it gets alone', () => {
  const model = new HaploOmni(microConfig({ feature_prescale: { enabled: true, visual: 0.5, noise: 0.2 } }), { seed: 5 });
  const { textIds, textMask } = generationBatch();
  const R = 3, latents = randn([2 * R, 2, 4, 4, 4], new Rng(11)), timesteps = [5, 400, 999, 20, 610, 870];
  const weights = randn(latents.shape, new Rng(12));
  const run = (draws: number) => {
    for (const t of model.parameters()) t.grad = null;
    // alone: every draw is its own row with its prompt repeated
    const text = draws === 1
      ? { ids: Int32Array.from({ length: 2 * R * 3 }, (_, i) => textIds[Math.floor(i / (3 * R)) * 3 + (i % 3)]),
        mask: Uint8Array.from({ length: 2 * R * 3 }, (_, i) => textMask[Math.floor(i / (3 * R)) * 3 + (i % 3)]), batch: 2 * R, length: 3 }
      : { ids: textIds, mask: textMask, batch: 2, length: 3 };
    const v = generationForward(model, { latents, timesteps, text, draws });
    ops.sum(ops.mul(v, weights)).backward();
    return { v: Float32Array.from(v.data), grads: model.namedParameters().map(([name, t]) => [name, Float32Array.from(t.grad?.data ?? [])] as const) };
  };
  const alone = run(1), shared = run(R);
  allclose(shared.v, alone.v, { rtol: 1e-4, atol: 1e-5 }, 'v');
  shared.grads.forEach(([name, g], i) => allclose(g, alone.grads[i][1], { rtol: 1e-3, atol: 1e-5 }, name));
  assert.throws(() => generationForward(model, { latents, timesteps, text: { ids: textIds, mask: textMask, batch: 2, length: 3 }, draws: 4 }), /6 latent rows cannot be 4 noise draws per prompt/);
});

test('diffusionLoss with R draws: stratified t (draw r in [1000 r / R, 1000 (r + 1) / R)), the clip repeated, one mean', () => {
  const model = new HaploOmni(config, { seed: 4 });
  const { latents, textIds, textMask } = generationBatch();
  const R = 4, rows = 2 * R, per = latents.size / 2;
  const loss = noGrad(() => diffusionLoss(model, latents, textIds, textMask, new Rng(8), { draws: R }).item());
  // The same draws by hand: R uniforms per clip for t, then the noise.
  const rng = new Rng(8), u = rng.uniform(rows), eps = rng.normal(rows * per), a = cogvideoxAlphasCumprod();
  const timesteps = Array.from(u, (x, k) => Math.floor(((k % R) + x) * (1000 / R)));
  timesteps.forEach((t, k) => assert.ok(t >= 250 * (k % R) && t < 250 * ((k % R) + 1), `draw ${k}: t ${t}`));
  const noisy = new Float32Array(rows * per), target = new Float32Array(rows * per);
  for (let i = 0; i < rows * per; i++) {
    const k = Math.floor(i / per), at = a[timesteps[k]], x = latents.data[Math.floor(k / R) * per + (i % per)];
    noisy[i] = Math.sqrt(at) * x + Math.sqrt(1 - at) * eps[i];
    target[i] = Math.sqrt(at) * eps[i] - Math.sqrt(1 - at) * x;
  }
  const shape = [rows, ...latents.shape.slice(1)], text = { ids: textIds, mask: textMask, batch: 2, length: 3 };
  const manual = noGrad(() => ops.mseLoss(generationForward(model, { latents: fromBuffer(noisy, shape), timesteps, text, draws: R }), fromBuffer(target, shape)).item());
  assert.ok(Math.abs(loss - manual) < 1e-6, `${loss} vs ${manual}`);
  assert.throws(() => diffusionLoss(model, latents, textIds, textMask, new Rng(1), { draws: 0 }), /draws must be a positive integer, got 0/);
});

test('one backward of NTP + diffusion loss reaches every parameter; the generation loss never reaches lm_head', () => {
  const model = new HaploOmni(microConfig({ feature_prescale: { enabled: true, visual: 0.5, noise: 0.2 } }), { seed: 6 });
  const { latents, textIds, textMask } = generationBatch();
  const loss = ops.add(understandingLoss(model, understandingBatch()), diffusionLoss(model, latents, textIds, textMask, new Rng(9)));
  loss.backward();
  for (const [name, t] of model.namedParameters()) {
    assert.ok(t.grad, `${name} got no gradient`);
    assert.ok(t.grad.data.some((v) => v !== 0), `${name} has an all-zero gradient`);
    assert.ok(t.grad.data.every(Number.isFinite), `${name} has a non-finite gradient`);
  }
  for (const t of model.parameters()) t.grad = null;
  diffusionLoss(model, latents, textIds, textMask, new Rng(9)).backward();
  const groups = parameterGroups(model);
  for (const [name, t] of groups.lm_head) assert.equal(t.grad, null, `${name} is part of the text head but got a generation gradient`);
  for (const [name, t] of groups.generation_head) assert.ok(t.grad?.data.some((v) => v !== 0), `${name} got no generation gradient`);
});
