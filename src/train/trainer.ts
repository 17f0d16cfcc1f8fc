/**
 * The unified training loop: each step sums the gradients of `accum` micro-batches, each holding
 * `undBatch` understanding conversations (next-token CE on answers and captions; run in groups of
 * similar length, batches.ts) and `genBatch` generation clips (v-prediction MSE on VAE latents at
 * uniformly drawn CogVideoX timesteps, `genDraws` noise draws per clip sharing one pass over its
 * prompt), then clips the global norm and takes one AdamW step at the warmup + cosine learning rate.
 * The first `groundingSteps` steps hold `groundingBatch` one-question attribute conversations instead
 * (shapes-source.ts). After the main steps come the generation phase (`genPhaseSteps`, mostly
 * generation clips) and the attribute phase (`attrPhaseSteps`, full and one-question conversations,
 * about one object or a count), each at a constant learning rate (plan.ts). A model with a vision stem
 * first has it warmed up (vision-warmup.ts), unless the run starts from a trained model (`init`).
 *
 *   loss = CE_und + genWeight * MSE_gen   (genPhaseGenWeight in the generation phase)
 *
 * The forward and backward of both losses run their matrix products at `precision` (fp32 or bf16).
 *
 * A run folder holds checkpoint.safetensors (resume state), the model folder files (config.json,
 * model.safetensors, pipeline.json, vae/) rewritten at every checkpoint, metrics.jsonl and loss.svg.
 * A non-finite loss or gradient stops the run before the update, keeping the last good checkpoint.
 */
import { cpSync, existsSync, mkdirSync, rmSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadTokenizer, writeFileAtomic } from '../data/index.js';
import { diffusionLoss } from '../diffusion/loss.js';
import { parameterGroups, PARAMETER_GROUPS, setTrainable } from '../model/groups.js';
import { HaploOmni } from '../model/haploomni.js';
import { CONFIG_FILE, loadConfig, loadWeights, saveModel } from '../model/checkpoint.js';
import { understandingLoss, type UnderstandingBatch } from '../model/losses.js';
import { presetConfig } from '../model/presets.js';
import { modelWeightFiles } from '../pipeline/load.js';
import { DEFAULT_PIPELINE_SETTINGS, PIPELINE_FILE, type PipelineSettings } from '../pipeline/settings.js';
import { AdamW, backendName, clipFactor, gradNorm, ops, Rng, tidy, withMatmulPrecision, type Tensor } from '../tensor/index.js';
import { DEFAULT_VAE_DIR, loadVae } from '../vae/index.js';
import { generationBatch, understandingBatches } from './batches.js';
import { stepPlan } from './plan.js';
import { identityModulation } from './init.js';
import { CHECKPOINT_FILE, loadTrainCheckpoint, saveTrainCheckpoint, type TrainState } from './checkpoint.js';
import { appendMetrics, readMetrics, truncateMetrics } from './metrics.js';
import { DEFAULT_TRAIN_OPTIONS, validateTrainOptions, type TrainOptions } from './options.js';
import { lineChartSvg } from './plot.js';
import { Progress } from './progress.js';
import { ATTRIBUTE_STAGE, generationDraw, understandingDraw, type ShapesSourceOptions } from './shapes-source.js';
import { warmUpVisionStem } from './vision-warmup.js';

export const METRICS_FILE = 'metrics.jsonl';
export const PLOT_FILE = 'loss.svg';
/** RNG stream of the diffusion noise and timesteps (data draws use their own streams). */
const DIFFUSION_STREAM = 3;
/** Philox blocks (4 random numbers each) of the diffusion stream reserved per generation clip: its timesteps and noise draws must fit. */
const NOISE_BLOCKS_PER_CLIP = 4096;

export interface TrainResult {
  /** 'done', or 'diverged' when a non-finite loss stopped the run */
  status: 'done' | 'diverged';
  step: number;
  elapsed: number;
  message?: string;
}

export interface TrainHooks {
  /** called after every step with its figures (tests use it; the CLI shows a progress bar instead) */
  onStep?: (record: Record<string, number>) => void;
  /** progress output (default stderr); null = silent */
  progress?: NodeJS.WriteStream | null;
}

function buildModel(o: TrainOptions): HaploOmni {
  const config = o.model === 'tiny' || o.model === 'paper' ? presetConfig(o.model) : loadConfig(o.model);
  const model = new HaploOmni(config, { seed: o.seed });
  if (o.ssgInit === 'identity') identityModulation(model);
  return model;
}

/** The model of a trained model folder, to start a run from (train --init). */
function initialModel(dir: string): HaploOmni {
  if (!existsSync(path.join(dir, CONFIG_FILE))) {
    throw new Error(`--init ${dir}: not a model folder (no ${CONFIG_FILE}); pass a folder made by \`haploomni train\` or \`haploomni export\``);
  }
  const model = new HaploOmni(loadConfig(path.join(dir, CONFIG_FILE)));
  loadWeights(model, modelWeightFiles(dir));
  return model;
}

/** Weight decay applies to matrices (rank >= 2: linears, convolutions, embedding tables), not to biases or norm/gate rows. */
const decays = (t: Tensor): boolean => t.rank >= 2;

/** Writes the model folder files (weights, config, pipeline settings, the VAE) into `dir`. */
function writeModelFolder(dir: string, model: HaploOmni, o: TrainOptions, vaeDir: string): void {
  saveModel(dir, model);
  const settings: PipelineSettings = { ...DEFAULT_PIPELINE_SETTINGS, understanding_frames: o.understandingFrames, video_frames: o.frames };
  writeFileAtomic(path.join(dir, PIPELINE_FILE), JSON.stringify(settings, null, 2) + '\n');
  const target = path.join(dir, 'vae');
  if (path.resolve(vaeDir) !== path.resolve(target)) {
    const tmp = `${target}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    cpSync(vaeDir, tmp, { recursive: true, filter: (src) => !src.endsWith('checkpoint.safetensors') });
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  }
}

function writePlot(dir: string): void {
  const records = readMetrics(path.join(dir, METRICS_FILE));
  const series = ['loss_und', 'loss_gen'].map((k) => ({
    name: k,
    points: records.filter((r) => typeof r[k] === 'number').map((r) => [r.step as number, r[k] as number] as [number, number]),
  })).filter((s) => s.points.length > 0);
  if (series.length) writeFileAtomic(path.join(dir, PLOT_FILE), lineChartSvg(series, { title: 'training loss', xLabel: 'step', logY: true, smooth: 0.9 }));
}

/**
 * Runs the backward of scale * CE, the mean next-token cross-entropy over every labelled token of a
 * micro-batch split into length groups (batches.ts), and returns CE:
 *   CE = sum_k (n_k / n) CE_k,   CE_k the mean over group k's n_k labelled tokens, n = sum_k n_k
 */
export function groupedUnderstandingBackward(model: HaploOmni, groups: readonly { batch: UnderstandingBatch; targets: number }[], scale: number): number {
  const labelled = groups.reduce((n, g) => n + g.targets, 0);
  let mean = 0;
  for (const { batch, targets } of groups) {
    const weight = targets / labelled;
    mean += tidy(() => {
      const loss = understandingLoss(model, batch);
      ops.scale(loss, weight * scale).backward();
      return weight * loss.data[0];
    });
  }
  return mean;
}

/** Throws when a clip's R draws of `perClip` latent values (plus R timesteps) would run into the next clip's random numbers. */
function checkNoiseBudget(perClip: number, o: TrainOptions): void {
  const draws = Math.max(o.genDraws, o.genPhaseSteps > 0 ? o.genPhaseDraws : 0), budget = 4 * NOISE_BLOCKS_PER_CLIP - 8;
  if (draws * (perClip + 1) > budget) {
    throw new Error(`train: ${draws} noise draws of a clip's ${perClip} latent values need more than the ${budget} random numbers each clip has; ` +
      `use at most ${Math.floor(budget / (perClip + 1))} draws (--gen-draws, --gen-phase-draws) or shorter or smaller clips`);
  }
}

/**
 * The options a resumed run continues with: the stored ones, the new step count, and for options
 * added since the checkpoint was written the value that reproduces what it ran with (no grounding
 * phase, no attribute phase) rather than today's default. A checkpoint from when the generation phase
 * was a share of the steps gets that share of the new count, as it did then.
 */
export function resumedOptions(stored: Partial<TrainOptions> & { genPhaseShare?: number }, steps: number): TrainOptions {
  const { genPhaseShare, ...kept } = stored;
  if (kept.attrBatch !== undefined && kept.attrPhaseSteps === undefined && kept.attrBatch > 0) {
    throw new Error(`this checkpoint added ${kept.attrBatch} one-question conversations (--attr-batch) to every main step, which this version no longer does ` +
      '(they are now the attribute phase, --attr-phase-steps); continue it with the version that wrote it, or start a new run');
  }
  return {
    ...DEFAULT_TRAIN_OPTIONS, groundingSteps: 0, visionWarmupSteps: 0, genSingleShare: 0, genDraws: 1,
    genPhaseSteps: Math.round((genPhaseShare ?? 0) * steps), attrPhaseSteps: 0, init: null, ...kept, steps,
  };
}

/**
 * Trains into `out`. With `resume`, continues the run there from its checkpoint (its options are kept;
 * `steps` from `options` may extend it). Returns when the run is done or stopped by a non-finite loss.
 */
export function train(out: string, options: TrainOptions, resume: boolean, hooks: TrainHooks = {}): TrainResult {
  const ckptFile = path.join(out, CHECKPOINT_FILE);
  let model: HaploOmni, state: TrainState, restore: ((opt: AdamW, trainable: [string, Tensor][]) => void) | null = null;
  if (resume) {
    const loaded = loadTrainCheckpoint(ckptFile);
    model = loaded.model;
    state = { ...loaded.state, options: resumedOptions(loaded.state.options, options.steps) };
    restore = loaded.restoreOptimizer;
    truncateMetrics(path.join(out, METRICS_FILE), state.step);
  } else {
    validateTrainOptions(options);
    if (existsSync(ckptFile)) throw new Error(`${out} already holds a run: pass --resume to continue it, or choose another --out`);
    model = options.init === null ? buildModel(options) : initialModel(options.init);
    if (options.init === null && model.model.vision_stem && options.visionWarmupSteps === 0 && !options.trainGroups.includes('vision_stem')) {
      throw new Error('the model has a vision stem but neither warms it up (--vision-warmup-steps 0) nor trains it (group vision_stem): it would keep its random weights');
    }
    state = { step: 0, undIndex: 0, genIndex: 0, elapsed: 0, options };
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, METRICS_FILE), '');
  }
  const o = state.options;
  validateTrainOptions(o);
  const tokenizer = loadTokenizer();
  const vaeDir = o.vae ?? DEFAULT_VAE_DIR;
  const vae = o.genBatch > 0 || (o.genPhaseSteps > 0 && o.genPhaseGenBatch > 0) ? loadVae(vaeDir) : null;
  if (vae && vae.config.latent_channels !== model.config.latent_channels) {
    throw new Error(`the VAE in ${vaeDir} has ${vae.config.latent_channels} latent channels, the model expects ${model.config.latent_channels}`);
  }

  const source: ShapesSourceOptions = { ...o, seed: o.dataSeed }; // the data options share their names, but the seed is the dataset's
  if (vae) { // before any work is done: a clip's latent values from its size, [F', C, H / s, W / s]
    const clip = generationDraw(0, source).sample, s = vae.config.spatial_compression;
    checkNoiseBudget(vae.latentFrames(clip.frameCount) * vae.config.latent_channels * (clip.height / s) * (clip.width / s), o);
  }

  const stem = model.model.vision_stem;
  const log = hooks.progress === null ? null : hooks.progress ?? process.stderr;
  const warmUp = !resume && o.init === null && stem !== null && o.visionWarmupSteps > 0;
  if (warmUp) {
    const t0 = performance.now();
    const r = warmUpVisionStem(model, {
      steps: o.visionWarmupSteps, batch: o.visionWarmupBatch, lr: o.visionWarmupLr, dataSeed: o.dataSeed,
      frames: o.frames, understandingFrames: o.understandingFrames, imageShare: o.imageShare,
    }, (step, loss) => log?.write(`\rvision warm-up ${step}/${o.visionWarmupSteps}: loss ${loss.toFixed(3)}   `));
    state.elapsed = (performance.now() - t0) / 1000;
    const acc = Object.entries(r.accuracy).map(([k, v]) => `${k} ${(100 * v).toFixed(1)}%`).join(', ');
    log?.write(`\nvision warm-up: ${o.visionWarmupSteps} steps in ${state.elapsed.toFixed(0)} s; last ${Math.min(100, o.visionWarmupSteps)} steps: ` +
      `loss ${r.loss.toFixed(3)}, object cells right: ${acc}\n`);
    appendMetrics(path.join(out, METRICS_FILE), { step: 0, vision_warmup_loss: r.loss, ...Object.fromEntries(Object.entries(r.accuracy).map(([k, v]) => [`vision_warmup_${k}`, v])), elapsed: state.elapsed });
  }

  setTrainable(model, PARAMETER_GROUPS, false);
  setTrainable(model, o.trainGroups, true);
  const groups = parameterGroups(model);
  const trainable: [string, Tensor][] = PARAMETER_GROUPS.filter((g) => o.trainGroups.includes(g)).flatMap((g) => groups[g]);
  const opt = new AdamW(trainable.map(([, t]) => t), { lr: o.lr, weightDecay: o.weightDecay }, trainable.map(([, t]) => decays(t)));
  restore?.(opt, trainable);

  const progress = hooks.progress === null ? null : new Progress({ total: o.steps, label: 'train', unit: 'tok', stream: hooks.progress }, state.step);
  if (log) {
    log.write(`train: ${trainable.length} trainable tensors (${o.trainGroups.join(', ')}), backend ${backendName()}, ${o.precision} matrix products, ` +
      `${resume ? `resuming at step ${state.step}` : o.init === null ? 'from scratch' : `from the model in ${o.init}`} -> ${out}\n`);
  }
  const checkpoint = () => {
    saveTrainCheckpoint(ckptFile, model, trainable, opt, state);
    writeModelFolder(out, model, o, vaeDir);
    writePlot(out);
  };

  if (warmUp) checkpoint(); // step 0: a run killed from here on resumes without redoing the warm-up

  const sums = { und: 0, gen: 0, n: 0, tokens: 0, startElapsed: state.elapsed };
  const sessionStart = performance.now(), elapsedAtStart = state.elapsed;
  while (state.step < o.steps) {
    const step = state.step;
    const plan = stepPlan(step, o);
    opt.lr = plan.lr;
    opt.zeroGrad();
    let lossUnd = 0, lossGen = 0, tokens = 0;
    for (let micro = 0; micro < o.accum; micro++) {
      if (plan.undCount + plan.attrCount > 0) {
        const draws = Array.from({ length: plan.undCount + plan.attrCount },
          (_, k) => understandingDraw(state.undIndex + k, source, k < plan.undCount ? plan.grounding : ATTRIBUTE_STAGE));
        state.undIndex += plan.undCount + plan.attrCount;
        lossUnd += tidy(() => {
          const groups = understandingBatches(draws, tokenizer, model.config, o.understandingFrames);
          for (const { batch } of groups) tokens += batch.batch * batch.length;
          return withMatmulPrecision(o.precision, () => groupedUnderstandingBackward(model, groups, 1 / o.accum));
        }) / o.accum;
      }
      if (vae && plan.genClips > 0) {
        const draws = Array.from({ length: plan.genClips }, (_, k) => generationDraw(state.genIndex + k, source));
        const rng = new Rng(o.seed, DIFFUSION_STREAM, state.genIndex * NOISE_BLOCKS_PER_CLIP);
        state.genIndex += plan.genClips;
        lossGen += tidy(() => {
          const batch = generationBatch(draws, tokenizer, vae);
          tokens += batch.textIds.length + draws.length * plan.genDraws * batch.noiseTokens;
          return withMatmulPrecision(o.precision, () => {
            const loss = diffusionLoss(model, batch.latents, batch.textIds, batch.textMask, rng, { draws: plan.genDraws });
            ops.scale(loss, plan.genWeight / o.accum).backward();
            return loss.data[0];
          });
        }) / o.accum;
      }
    }
    const norm = gradNorm(opt.params);
    if (!Number.isFinite(lossUnd) || !Number.isFinite(lossGen) || !Number.isFinite(norm)) {
      const message = `step ${step + 1}: non-finite ${!Number.isFinite(lossUnd) ? 'understanding loss' : !Number.isFinite(lossGen) ? 'generation loss' : 'gradient norm'} ` +
        `(und ${lossUnd}, gen ${lossGen}, grad norm ${norm}); stopped without updating. The last good checkpoint (step ${state.step - (state.step % o.checkpointEvery)}) ` +
        `is kept in ${out}; lower --lr or --max-grad-norm and resume from it.`;
      return { status: 'diverged', step, elapsed: state.elapsed, message };
    }
    opt.update(clipFactor(norm, o.maxGradNorm));
    opt.zeroGrad();
    state.step = step + 1;
    state.elapsed = elapsedAtStart + (performance.now() - sessionStart) / 1000;

    sums.und += lossUnd; sums.gen += lossGen; sums.n++; sums.tokens += tokens;
    const figures: Record<string, number> = { step: state.step, loss_und: lossUnd, loss_gen: lossGen, grad_norm: norm, lr: opt.lr, tokens };
    hooks.onStep?.(figures);
    progress?.update(state.step, tokens, { und: lossUnd, gen: lossGen, lr: opt.lr });
    if (state.step % o.logEvery === 0 || state.step === o.steps) {
      appendMetrics(path.join(out, METRICS_FILE), {
        step: state.step, loss_und: sums.und / sums.n, loss_gen: sums.gen / sums.n, grad_norm: norm, lr: opt.lr,
        tokens_per_s: sums.tokens / Math.max(1e-9, state.elapsed - sums.startElapsed), elapsed: state.elapsed,
      });
      Object.assign(sums, { und: 0, gen: 0, n: 0, tokens: 0, startElapsed: state.elapsed });
    }
    if (state.step % o.checkpointEvery === 0 || state.step === o.steps) checkpoint();
  }
  return { status: 'done', step: state.step, elapsed: state.elapsed };
}
