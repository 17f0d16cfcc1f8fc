/**
 * Reproduces the rms-a reference fixture (test/fixtures/rms-a/README.md): understanding (causal and
 * intended masks), the generation forward, the scheduler, 5-step guided sampling (with and without the
 * text-state cache), and the stand-alone SSG norm and connector. Tolerance (README):
 * max|a - b| <= 1e-4 max(1, max|b|) for forwards, 2e-3 max(1, max|b|) for the sampling run.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { CogVideoXDDIMScheduler } from '../../src/diffusion/scheduler.js';
import { sampleVideo } from '../../src/diffusion/sample.js';
import { Connector } from '../../src/nn/connector.js';
import { loadStateDict, type TensorSource } from '../../src/nn/module.js';
import { MultiModalNorm } from '../../src/nn/multimodal-norm.js';
import { sincos3dTable } from '../../src/nn/sincos.js';
import { loadModel } from '../../src/model/checkpoint.js';
import { generationForward } from '../../src/model/generation.js';
import { generationMask, generationPositionIds, understandingMask } from '../../src/model/masks.js';
import { understandingForward, type UnderstandingInput } from '../../src/model/understanding.js';
import { fromBuffer, noGrad, ones, Rng, tensor, zeros, type Tensor } from '../../src/tensor/index.js';
import { assertFixtureClose, openFixture, RMS_A_DIR, type Deviation } from '../helpers/fixture.js';

const inputs = openFixture('inputs');
const expected = openFixture('expected');
const model = loadModel(RMS_A_DIR);
const results: [string, Deviation][] = [];

after(() => {
  inputs.close();
  expected.close();
  // Max error per tensor group, for the record (node --test prints diagnostics of the file).
  const groups = new Map<string, Deviation>();
  for (const [name, d] of results) {
    const group = name.replace(/\.\d+$/, '.*');
    const g = groups.get(group) ?? { maxErr: 0, maxRef: 0 };
    groups.set(group, { maxErr: Math.max(g.maxErr, d.maxErr), maxRef: Math.max(g.maxRef, d.maxRef) });
  }
  const lines = [...groups].map(([n, d]) => `${n.padEnd(34)} max|err| ${d.maxErr.toExponential(2)}  max|ref| ${d.maxRef.toFixed(3)}`);
  if (process.env.FIXTURE_REPORT) console.log(lines.join('\n'));
});

function check(name: string, actual: ArrayLike<number> | undefined, rel = 1e-4): void {
  assert.ok(actual, `${name}: not produced`);
  results.push([name, assertFixtureClose(actual, expected.readF32(name), name, rel)]);
}

function checkExact(name: string, actual: ArrayLike<number>, want: ArrayLike<number>): void {
  assert.deepEqual(Array.from(actual), Array.from(want), name);
}

/** Runs fn with a trace that copies every named tensor. */
function traced<T>(fn: (trace: (name: string, t: Tensor) => void) => T): { out: T; seen: Map<string, Float32Array> } {
  const seen = new Map<string, Float32Array>();
  const out = noGrad(() => fn((name, t) => seen.set(name, t.data.slice())));
  return { out, seen };
}

function understandingInput(): UnderstandingInput {
  const ids = inputs.readInt32('und.input_ids');
  const sizes = inputs.readInt32('und.image_sizes');
  return {
    ids, batch: 1, length: ids.length,
    images: [{ tiles: fromBuffer(inputs.readF32('und.pixel_values'), inputs.info('und.pixel_values').shape), size: [sizes[0], sizes[1]] }],
    attentionStartIds: inputs.readInt32('und.attention_start_ids'),
  };
}

const UND_TRACES = ['after_pre_norm', 'layer_out.0', 'layer_out.1', 'layer_out.2', 'layer_out.3', 'layer_out.4', 'layer_out.5',
  'after_pre_connector', 'after_post_connector', 'pre_out', 'base_out', 'post_out', 'last_hidden', 'logits'];

test('understanding, plain causal mask: every layer, connectors and logits', () => {
  const input = understandingInput();
  const { seen } = traced((trace) => understandingForward(model, input, { mask: 'causal', trace }));
  check('und.inputs_embeds', seen.get('inputs_embeds'));
  for (const n of UND_TRACES) check(`und.causal.${n}`, seen.get(n));
  checkExact('und.causal.mask', understandingMask({ batch: 1, keys: input.length }).data, expected.readU8('und.causal.mask'));
});

test('understanding, intended mask (bidirectional inside the image): outputs and mask', () => {
  const input = understandingInput();
  const { seen } = traced((trace) => understandingForward(model, input, { mask: 'intended', trace }));
  for (const n of ['after_pre_norm', 'pre_out', 'base_out', 'post_out', 'last_hidden', 'logits']) check(`und.intended.${n}`, seen.get(n));
  checkExact('und.intended.mask', understandingMask({ batch: 1, keys: input.length, startIds: input.attentionStartIds }).data, expected.readU8('und.intended.mask'));
  // The start ids computed from the placeholders equal the processor's.
  const { seen: derived } = traced((trace) => understandingForward(model, { ...input, attentionStartIds: undefined }, { mask: 'intended', trace }));
  check('und.intended.logits', derived.get('logits'));
});

test('the intended and the causal mask give different logits', () => {
  const input = understandingInput();
  const causal = noGrad(() => understandingForward(model, input, { mask: 'causal' }).logits.data.slice());
  const intended = noGrad(() => understandingForward(model, input, { mask: 'intended' }).logits.data.slice());
  let diff = 0;
  for (let i = 0; i < causal.length; i++) diff = Math.max(diff, Math.abs(causal[i] - intended[i]));
  assert.ok(diff > 1e-2, `the masks should change the logits, max difference ${diff}`);
});

function generationText() {
  const ids = inputs.readInt32('gen.input_ids'), mask = Uint8Array.from(inputs.readInt32('gen.attention_mask'));
  const [batch, length] = inputs.info('gen.input_ids').shape;
  return { ids, mask, batch, length };
}

test('generation forward: timestep embedding, tokens, mask, positions, every layer (pad rows too), v-prediction', () => {
  const text = generationText();
  const latents = fromBuffer(inputs.readF32('gen.latents'), inputs.info('gen.latents').shape);
  const timesteps = inputs.readInt32('gen.timesteps');
  const { seen } = traced((trace) => generationForward(model, { latents, timesteps, text }, { trace }));
  for (const n of ['t_sinusoid', 'temb', 'visual_tokens', 'temb_token', 'inputs_embeds', 'v_pred']) check(`gen.${n}`, seen.get(n));
  for (let i = 0; i < 6; i++) check(`gen.layer_out.${i}`, seen.get(`layer_out.${i}`));
  check('gen.last_decoder_hidden', seen.get('post_out'));
  check('gen.sincos_table', sincos3dTable(32, 2, 2, 2));
  const N = 8;
  checkExact('gen.mask', generationMask(text.mask, text.batch, text.length, N).data, expected.readU8('gen.mask'));
  checkExact('gen.position_ids', generationPositionIds(text.mask, text.batch, text.length, N), expected.readInt32('gen.position_ids'));
});

test('scheduler: trailing timesteps, alphas_cumprod (zero terminal SNR), DDIM steps', () => {
  const s = new CogVideoXDDIMScheduler();
  checkExact('sched.timesteps_50', s.setTimesteps(50), expected.readInt32('sched.timesteps_50'));
  assert.deepEqual(Array.from(s.timesteps), Array.from({ length: 50 }, (_, i) => 999 - 20 * i));
  assert.equal(s.alphasCumprod[999], 0, 'alphas_cumprod[999] must be exactly 0');
  check('sched.alphas_cumprod', Float32Array.from(s.alphasCumprod), 1e-6);
  const ref64 = expected.readF64('sched.alphas_cumprod_f64');
  let worst = 0;
  for (let i = 0; i < 1000; i++) worst = Math.max(worst, Math.abs(s.alphasCumprod[i] - ref64[i]));
  assert.ok(worst < 1e-12, `float64 alphas_cumprod differ by ${worst}`);
  results.push(['sched.alphas_cumprod_f64', { maxErr: worst, maxRef: 1 }]);
  for (let k = 0; k < 3; k++) {
    const shape = inputs.info(`sched.step${k}.sample`).shape;
    const t = inputs.readInt32(`sched.step${k}.t`)[0];
    const out = s.step(tensor(inputs.readF32(`sched.step${k}.model_output`), shape), t, tensor(inputs.readF32(`sched.step${k}.sample`), shape));
    check(`sched.step${k}.prev_sample`, out.prevSample.data);
    check(`sched.step${k}.pred_original_sample`, out.predOriginalSample.data);
  }
  checkExact('sched.timesteps_5', s.setTimesteps(5), expected.readInt32('sched.timesteps_5'));
});

for (const textStateCache of [true, false]) {
  test(`5-step guided sampling (${textStateCache ? 'text-state cache' : 'full recompute'})`, () => {
    const text = generationText();
    const rows = [0, 1].map((b) => Array.from(text.ids.subarray(b * text.length, (b + 1) * text.length)).filter((_, j) => text.mask[b * text.length + j]));
    const noiseShape = inputs.info('sample.noise').shape;
    const [, F, , h, w] = noiseShape;
    const vU: Float32Array[] = [], vC: Float32Array[] = [], xs: Float32Array[] = [], ts: number[] = [];
    const final = sampleVideo(model, { prompts: [rows[1]], negativePrompts: [rows[0]], latentShape: { frames: F, height: h, width: w } }, {
      steps: inputs.readInt32('sample.num_inference_steps')[0],
      guidanceScale: inputs.readF32('sample.guidance_scale')[0],
      noise: fromBuffer(inputs.readF32('sample.noise'), noiseShape),
      textStateCache,
      onStep: (s) => { vU.push(s.vUncond!.data.slice()); vC.push(s.vCond.data.slice()); xs.push(s.latents.data.slice()); ts.push(s.timestep); },
    });
    const cat = (a: Float32Array[]) => Float32Array.from(a.flatMap((x) => Array.from(x)));
    checkExact('sample.timesteps', ts, expected.readInt32('sample.timesteps'));
    check('sample.v_uncond', cat(vU), 2e-3);
    check('sample.v_cond', cat(vC), 2e-3);
    check('sample.latents_per_step', cat(xs), 2e-3);
    check('sample.final', final.data, 2e-3);
  });
}

/** Parameters `prefix.*` of the inputs file as a state dict source. */
function paramsUnder(prefix: string): TensorSource {
  const src: TensorSource = new Map();
  for (const name of inputs.names()) {
    if (!name.startsWith(prefix) || name.endsWith('.x') || name.endsWith('.eps')) continue;
    src.set(name.slice(prefix.length), { shape: inputs.info(name).shape, data: inputs.readF32(name) });
  }
  return src;
}

test('stand-alone multimodal norm (SSG), rmsnorm and layernorm modes', () => {
  for (const [key, mode] of [['rms', 'rmsnorm'], ['ln', 'layernorm']] as const) {
    const eps = inputs.readF64(`ssg.${key}.eps`)[0];
    const norm = new MultiModalNorm(24, mode, eps, new Rng(1));
    loadStateDict(norm, paramsUnder(`ssg.${key}.`));
    const x = fromBuffer(inputs.readF32(`ssg.${key}.x`), inputs.info(`ssg.${key}.x`).shape);
    const { out, mix } = noGrad(() => norm.forward(x));
    check(`ssg.${key}.out`, out.data);
    // the gate itself, as the gated residual of a zero input and a branch of ones: 0 + gate * 1
    check(`ssg.${key}.gate`, noGrad(() => norm.gatedAdd(zeros(x.shape), ones(x.shape), mix)).data);
  }
});

test('stand-alone connectors, plain and with pre-norm', () => {
  for (const [key, options] of [['plain', { useAffineBias: false, usePreNorm: false }], ['prenorm', { useAffineBias: true, usePreNorm: true }]] as const) {
    const conn = new Connector(20, 28, options, new Rng(1));
    loadStateDict(conn, paramsUnder(`conn.${key}.`));
    const x = fromBuffer(inputs.readF32(`conn.${key}.x`), inputs.info(`conn.${key}.x`).shape);
    check(`conn.${key}.out`, noGrad(() => conn.forward(x)).data);
  }
});
