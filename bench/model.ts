/**
 * Model benchmark on the `tiny` preset (npm run bench:model [-- --json] [-- --runs N]):
 *   - training step (forward + backward + AdamW) tokens/s, understanding batch and generation batch
 *   - an understanding micro-batch of the default training mix (6 Shapes conversations of 1..12 turns),
 *     forward + backward padded to its longest conversation and in length groups (train/batches.ts)
 *   - a generation micro-batch of the default mix with real Shapes prompts (~110 tokens with the chat
 *     template), ms per noise draw: the default clips x draws (draws sharing their prompt's pass)
 *     against as many clips of one draw each
 *   - understanding prefill tokens/s and KV-cached decode tokens/s
 *   - seconds per generated video (50 DDIM steps, guidance on) with and without the text-state cache
 *   - the default mix's micro-batches with the matrix products in fp32 and in bf16 (tensor/precision.ts;
 *     `train --precision bf16`), timed alternately
 *   - peak resident memory of every workload but the default-mix comparisons, which run last
 *     (process.memoryUsage().rss, sampled throughout; plus the kernel's maxRSS)
 * Every figure is the median of several runs after a warm-up. Inputs are Shapes-sized: 32x32 frames,
 * an 8-frame video question, latents of a 9-frame clip through the shipped VAE (4x temporal, 4x spatial).
 */
import { buildGenerationPrompt, loadTokenizer } from '../src/data/index.js';
import { diffusionLoss } from '../src/diffusion/loss.js';
import { sampleVideo } from '../src/diffusion/sample.js';
import { generate } from '../src/model/generate.js';
import { leftPad } from '../src/model/generation.js';
import { HaploOmni } from '../src/model/haploomni.js';
import { info } from '../src/model/info.js';
import { understandingLoss, type UnderstandingBatch } from '../src/model/losses.js';
import { presetConfig } from '../src/model/presets.js';
import { expandPlaceholders } from '../src/model/processor.js';
import { AdamW, backendName, noGrad, randn, Rng, tidy, withMatmulPrecision } from '../src/tensor/index.js';
import { understandingBatches } from '../src/train/batches.js';
import { DEFAULT_TRAIN_OPTIONS } from '../src/train/options.js';
import { generationDraw, understandingDraw } from '../src/train/shapes-source.js';
import { groupedUnderstandingBackward } from '../src/train/trainer.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : 3;

let peakRss = process.memoryUsage().rss;
const sampleRss = () => { peakRss = Math.max(peakRss, process.memoryUsage().rss); };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median seconds of each of two functions over `runs` alternating timed calls, after one warm-up call each. */
function timePair(a: () => void, b: () => void, runs = RUNS): [number, number] {
  a();
  b();
  const sa: number[] = [], sb: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const [fn, s] of [[a, sa], [b, sb]] as const) {
      const t0 = performance.now();
      fn();
      s.push((performance.now() - t0) / 1000);
      sampleRss();
    }
  }
  return [median(sa), median(sb)];
}

/** Median seconds of `runs` timed calls after one warm-up call. */
function time(fn: () => void, runs = RUNS): number {
  fn();
  const s: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    s.push((performance.now() - t0) / 1000);
    sampleRss();
  }
  return median(s);
}

const config = presetConfig('tiny');
const model = new HaploOmni(config, { seed: 0 });
const rng = new Rng(1);
const IMG_FRAMES = 8;
const C = config.latent_channels;

// Understanding batch: 4 rows of [system/question text | 8-frame video | answer], left-padded.
function understandingBatch(rows: number): UnderstandingBatch {
  const seqs = Array.from({ length: rows }, (_, r) => {
    const question = Array.from({ length: 20 + 2 * r }, (_, i) => (i * 7 + r) % 700);
    return Array.from(expandPlaceholders([...question.slice(0, 10), config.video_token_index, ...question.slice(10)], config, { videoFrames: [IMG_FRAMES] }).ids);
  });
  const length = Math.max(...seqs.map((s) => s.length));
  const ids = new Int32Array(rows * length).fill(config.pad_token_id ?? 0), attentionMask = new Uint8Array(rows * length), labels = new Int32Array(rows * length).fill(-100);
  seqs.forEach((s, r) => {
    const at = r * length + length - s.length;
    ids.set(s, at);
    attentionMask.fill(1, at, at + s.length);
    labels.set(s.slice(-8), (r + 1) * length - 8);
  });
  const videos = seqs.map(() => ({ frames: randn([IMG_FRAMES, 3, 32, 32], rng) }));
  return { ids, batch: rows, length, attentionMask, labels, videos };
}

// Generation batch: 8 clips of latents [3, C, 8, 8] (9 frames of 32x32), prompts of ~24 tokens.
const GEN_BATCH = 8, LATENT = { frames: 3, height: 8, width: 8 };
const genLatents = randn([GEN_BATCH, LATENT.frames, C, LATENT.height, LATENT.width], rng);
const genText = { ids: new Int32Array(GEN_BATCH * 24), mask: new Uint8Array(GEN_BATCH * 24) };
for (let b = 0; b < GEN_BATCH; b++) for (let j = 0; j < 24; j++) {
  const real = j >= b % 4;
  genText.ids[b * 24 + j] = real ? (b * 31 + j * 5) % 700 : config.pad_token_id ?? 0;
  genText.mask[b * 24 + j] = real ? 1 : 0;
}

const optimizer = new AdamW(model.parameters(), { lr: 1e-4 });
const und = understandingBatch(4);
const undTokens = und.batch * und.length;
const trainUnd = time(() => tidy(() => {
  optimizer.zeroGrad();
  understandingLoss(model, und).backward();
  optimizer.update();
}));
const N = LATENT.frames * (LATENT.height / 2) * (LATENT.width / 2);
const genTokens = GEN_BATCH * (24 + 1 + N);
const trainGen = time(() => tidy(() => {
  optimizer.zeroGrad();
  diffusionLoss(model, genLatents, genText.ids, genText.mask, rng).backward();
  optimizer.update();
}));
optimizer.zeroGrad();

// Inference: one video question, prefill then 32 greedy tokens.
const prompt = understandingBatch(1);
const promptInput = [{ ids: Array.from(prompt.ids), videos: prompt.videos }];
const prefill = time(() => { generate(model, promptInput, { maxNewTokens: 1, stopTokens: [] }); });
const NEW_TOKENS = 32;
const withDecode = time(() => { generate(model, promptInput, { maxNewTokens: NEW_TOKENS + 1, stopTokens: [], onToken: sampleRss }); });
const decodePerToken = (withDecode - prefill) / NEW_TOKENS;

// Video: 50 steps, guidance 6, one prompt; with and without the text-state cache.
const request = { prompts: [Array.from({ length: 40 }, (_, i) => (i * 13) % 700)], negativePrompts: [Array.from({ length: 30 }, (_, i) => (i * 13) % 700)], latentShape: LATENT };
const videoRuns = Math.max(1, Math.min(RUNS, 3));
const videoCached = time(() => { noGrad(() => sampleVideo(model, request, { steps: 50, guidanceScale: 6, onStep: sampleRss })); }, videoRuns);
const videoFull = time(() => { noGrad(() => sampleVideo(model, request, { steps: 50, guidanceScale: 6, textStateCache: false, onStep: sampleRss })); }, videoRuns);
sampleRss();
// Memory of the workloads above (the default-mix comparisons below hold more, longer batches).
const rssSampled = peakRss, rssKernel = process.resourceUsage().maxRSS * 1024;

// The default mix's understanding micro-batches (8 of them, fixed draws), one padded batch each vs length groups.
const tokenizer = loadTokenizer(), o = DEFAULT_TRAIN_OPTIONS, source = { ...o, seed: o.dataSeed };
const mixDraws = Array.from({ length: 8 }, (_, m) => Array.from({ length: o.undBatch }, (_, k) => understandingDraw(10_000 + m * o.undBatch + k, source, null)));
const mixRun = (groupCost?: number) => () => {
  for (const draws of mixDraws) {
    tidy(() => groupedUnderstandingBackward(model, understandingBatches(draws, tokenizer, config, o.understandingFrames, groupCost), 1));
    optimizer.zeroGrad();
  }
};
const mixPadded = time(mixRun(1e12)), mixGrouped = time(mixRun());

// The default mix's generation micro-batch (fixed prompts, random latents): clips x draws, seconds per noise draw,
// the prompts' common prefix run once (diffusionLoss's default) or with every prompt.
const totalDraws = o.genBatch * o.genDraws, phaseDraws = o.genPhaseGenBatch * o.genPhaseDraws;
const genPrompts = Array.from({ length: Math.max(totalDraws, o.genPhaseGenBatch) }, (_, k) => buildGenerationPrompt(tokenizer, generationDraw(10_000 + k, source).prompt).ids);
const genMixRun = (clips: number, draws: number, sharedPrefix = true) => {
  const text = leftPad(genPrompts.slice(0, clips), tokenizer.padId);
  const latents = randn([clips, LATENT.frames, C, LATENT.height, LATENT.width], rng);
  return () => {
    tidy(() => diffusionLoss(model, latents, text.ids, text.mask, rng, { draws, sharedPrefix }).backward());
    optimizer.zeroGrad();
  };
};
const genOneDraw = time(genMixRun(totalDraws, 1)) / totalDraws, genShared = time(genMixRun(o.genBatch, o.genDraws)) / totalDraws;
const genWhole = time(genMixRun(o.genBatch, o.genDraws, false)) / totalDraws;
const phaseShared = time(genMixRun(o.genPhaseGenBatch, o.genPhaseDraws)) / phaseDraws;
const phaseWhole = time(genMixRun(o.genPhaseGenBatch, o.genPhaseDraws, false)) / phaseDraws;

// The same micro-batches with bf16 matrix products, timed alternately with fp32.
const bf16 = (fn: () => void) => () => withMatmulPrecision('bf16', fn);
const [undFp32, undBf16] = timePair(mixRun(), bf16(mixRun()));
const [genFp32, genBf16] = timePair(genMixRun(o.genBatch, o.genDraws), bf16(genMixRun(o.genBatch, o.genDraws)));
const [phaseFp32, phaseBf16] = timePair(genMixRun(o.genPhaseGenBatch, o.genPhaseDraws), bf16(genMixRun(o.genPhaseGenBatch, o.genPhaseDraws)));

const rows: [string, number, string][] = [
  ['train step, understanding batch', undTokens / trainUnd, `tokens/s  (${und.batch} x ${und.length} tokens, ${(trainUnd * 1000).toFixed(0)} ms/step)`],
  ['train step, generation batch', genTokens / trainGen, `tokens/s  (${GEN_BATCH} x ${24 + 1 + N} tokens, ${(trainGen * 1000).toFixed(0)} ms/step)`],
  ['default-mix und. micro-batch, padded', (mixPadded * 1000) / mixDraws.length, `ms        (${o.undBatch} Shapes conversations, forward + backward, mean of ${mixDraws.length})`],
  ['default-mix und. micro-batch, length groups', (mixGrouped * 1000) / mixDraws.length, 'ms'],
  ['length-group speed-up', mixPadded / mixGrouped, 'x'],
  [`default-mix gen. micro-batch, ${totalDraws} clips x 1 draw`, genOneDraw * 1000, `ms/draw   (prompts of ${Math.min(...genPrompts.map((q) => q.length))}-${Math.max(...genPrompts.map((q) => q.length))} tokens, forward + backward)`],
  [`default-mix gen. micro-batch, ${o.genBatch} clips x ${o.genDraws} draws`, genShared * 1000, 'ms/draw'],
  ['shared-prompt draws speed-up', genOneDraw / genShared, 'x'],
  [`default-mix gen. micro-batch, ${o.genBatch} clips x ${o.genDraws} draws, each prompt whole`, genWhole * 1000, 'ms/draw'],
  ['shared-prefix speed-up', genWhole / genShared, 'x'],
  [`generation-phase micro-batch, ${o.genPhaseGenBatch} clips x ${o.genPhaseDraws} draws`, phaseShared * 1000, 'ms/draw'],
  [`generation-phase micro-batch, ${o.genPhaseGenBatch} clips x ${o.genPhaseDraws} draws, each prompt whole`, phaseWhole * 1000, 'ms/draw'],
  ['shared-prefix speed-up, generation phase', phaseWhole / phaseShared, 'x'],
  ['default-mix und. micro-batch, fp32 / bf16 products', (undFp32 * 1000) / mixDraws.length, `ms / ${((undBf16 * 1000) / mixDraws.length).toFixed(0)} ms  (timed alternately)`],
  ['bf16 speed-up, understanding', undFp32 / undBf16, 'x'],
  [`default-mix gen. micro-batch, ${o.genBatch} x ${o.genDraws}, fp32 / bf16 products`, (genFp32 * 1000) / totalDraws, `ms/draw / ${((genBf16 * 1000) / totalDraws).toFixed(2)} ms/draw`],
  ['bf16 speed-up, generation', genFp32 / genBf16, 'x'],
  [`generation-phase micro-batch, ${o.genPhaseGenBatch} x ${o.genPhaseDraws}, fp32 / bf16 products`, (phaseFp32 * 1000) / phaseDraws, `ms/draw / ${((phaseBf16 * 1000) / phaseDraws).toFixed(2)} ms/draw`],
  ['bf16 speed-up, generation phase', phaseFp32 / phaseBf16, 'x'],
  ['understanding prefill', prompt.length / prefill, `tokens/s  (${prompt.length}-token video prompt)`],
  ['understanding decode (KV cache)', 1 / decodePerToken, `tokens/s  (${NEW_TOKENS} greedy tokens)`],
  ['video, 50 steps, CFG, text-state cache', videoCached, `s/video   (N = ${N} latent tokens, ${request.prompts[0].length}-token prompt)`],
  ['video, 50 steps, CFG, full recompute', videoFull, 's/video'],
  ['text-state cache speed-up', videoFull / videoCached, 'x'],
  ['peak RSS (sampled)', rssSampled / 2 ** 20, 'MiB'],
  ['peak RSS (kernel maxRSS)', rssKernel / 2 ** 20, 'MiB'],
];

if (json) {
  for (const [name, value, unit] of rows) console.log(JSON.stringify({ bench: 'model', preset: 'tiny', backend: backendName(), name, value, unit: unit.split(' ')[0], runs: RUNS }));
} else {
  console.log(`haploomni model benchmark: preset tiny (${(info(config).parameters.total / 1e6).toFixed(2)}M parameters), backend ${backendName()}, median of ${RUNS} runs`);
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [name, value, unit] of rows) console.log(`  ${name.padEnd(w)}  ${value.toFixed(value >= 100 ? 0 : 2).padStart(9)}  ${unit}`);
}
