/**
 * VAE training on the Shapes world: loss = reconstruction (L1 or MSE on [-1, 1] pixels)
 * + kl_weight * KL(q(z|x) || N(0, I)), with z sampled by reparameterisation; AdamW with linear
 * warmup and cosine decay, global gradient-norm clipping, checkpoints (atomic) every N steps and at
 * the end, exact resume. At the end it measures the latent scaling factor on training videos and
 * the reconstruction PSNR on the test split, and writes the VAE folder + summary.json.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { RgbVideo } from '../data/media/video.js';
import { shapesSample, type ShapesSplit } from '../data/shapes/index.js';
import { AdamW, backendName, clipFactor, gradNorm, noGrad, ops, Rng, tidy, warmupCosine, type Tensor } from '../tensor/index.js';
import { appendMetrics, truncateMetrics } from '../train/metrics.js';
import { formatDuration, Progress } from '../train/progress.js';
import { vaeConfig, type VaeConfig } from './config.js';
import { CHECKPOINT_FILE, loadCheckpoint, saveCheckpoint, type TrainProgress } from './checkpoint.js';
import { psnrBytes, psnrSigned, videosToTensor } from './frames.js';
import { loadVae, saveVae } from './io.js';
import { klDivergence, reconstructionLoss, type ReconstructionLoss } from './loss.js';
import { latentStatistics } from './stats.js';
import { VideoVae } from './vae.js';

export interface VaeTrainOptions {
  steps: number;
  batch: number;
  /** peak learning rate */
  lr: number;
  warmup: number;
  /** final learning rate of the cosine */
  minLr: number;
  weightDecay: number;
  maxGradNorm: number;
  klWeight: number;
  loss: ReconstructionLoss;
  seed: number;
  /** frames per training video (4k+1) */
  frames: number;
  /** frame height = width */
  size: number;
  channels: number;
  latentChannels: number;
  spatialFactor: number;
  normGroups: number;
  checkpointEvery: number;
  logEvery: number;
  /** test videos for the final PSNR */
  evalVideos: number;
  /** training videos whose latent means set the scaling factor */
  statsVideos: number;
  /** store the measured latent mean as shift_factor (else 0) */
  shift: boolean;
  /** start from this VAE folder instead of random weights (its architecture wins over the size options) */
  init: string | null;
  /**
   * train the decoder only: the encoder, hence every latent and the scaling factor, stays exactly as
   * in `init`, so a diffusion model trained on its latents keeps working with the sharper decoder
   */
  freezeEncoder: boolean;
}

export interface TrainResult {
  steps: number;
  trainSeconds: number;
  testPsnr: number;
  scalingFactor: number;
  /** set when training stopped on a non-finite loss */
  diverged?: string;
}

/** The Shapes videos train[from .. from + n). */
export function shapesVideos(split: ShapesSplit, from: number, n: number, o: { frames: number; size: number }): RgbVideo[] {
  return [...Array(n).keys()].map((i) => shapesSample(split, from + i, { frames: o.frames, height: o.size, width: o.size }));
}

export function configFromOptions(o: VaeTrainOptions): VaeConfig {
  return vaeConfig({
    latent_channels: o.latentChannels,
    base_channels: o.channels,
    spatial_compression: o.spatialFactor,
    norm_groups: o.normGroups,
    sample_size: o.size,
    sample_frames: o.frames,
  });
}

/** Mean PSNR (dB) over videos of the encode -> decode round trip through diffusion latents. */
export function reconstructionPsnr(vae: VideoVae, videos: readonly RgbVideo[], batch: number): { mean: number; min: number } {
  const scores: number[] = [];
  for (let i = 0; i < videos.length; i += batch) {
    const chunk = videos.slice(i, i + batch);
    const decoded = tidy(() => vae.decode(vae.encodeVideos(chunk)));
    decoded.forEach((d, k) => scores.push(psnrBytes(d.frames, chunk[k].frames)));
  }
  return { mean: scores.reduce((p, q) => p + q, 0) / scores.length, min: Math.min(...scores) };
}

export interface StepFigures {
  loss: number;
  recon: number;
  kl: number;
  psnr: number;
}

/**
 * One optimiser step on pixels x [B, F, 3, H, W]; returns the figures, or null (leaving the weights
 * untouched) when the loss is not finite.
 */
export function trainStep(vae: VideoVae, opt: AdamW, x: Tensor, rng: Rng,
  o: Pick<VaeTrainOptions, 'loss' | 'klWeight' | 'maxGradNorm'> & { freezeEncoder?: boolean }): StepFigures | null {
  const figures = tidy(() => {
    const dist = vae.distribution(x);
    // A frozen encoder's decoder learns to invert the posterior mean: the map diffusion latents imitate.
    const xr = vae.decodePixels(o.freezeEncoder ? dist.mean : vae.sample(dist, rng));
    const recon = reconstructionLoss(o.loss, xr, x);
    const kl = klDivergence(dist);
    const loss = ops.add(recon, ops.scale(kl, o.klWeight));
    const mse = noGrad(() => ops.mseLoss(xr, x).item());
    const f = { loss: loss.item(), recon: recon.item(), kl: kl.item(), psnr: psnrSigned(mse) };
    if (Number.isFinite(f.loss)) loss.backward();
    return f;
  });
  if (!Number.isFinite(figures.loss)) {
    opt.zeroGrad();
    return null;
  }
  opt.update(clipFactor(gradNorm(opt.params), o.maxGradNorm));
  opt.zeroGrad();
  return figures;
}

/** Decay only convolution kernels (not biases or norm parameters). */
function decayFlags(vae: VideoVae): boolean[] {
  return vae.namedParameters().map(([, t]) => t.rank > 1);
}

export interface TrainIo {
  /** where progress lines go (default stderr) */
  log?: (line: string) => void;
  stream?: NodeJS.WriteStream;
}

/**
 * Trains into `out` (fresh, or from out/checkpoint.safetensors when resume), then evaluates and
 * writes the VAE folder. With resume, the stored options are used except `steps` (which may grow).
 */
export function trainVae(out: string, fresh: VaeTrainOptions, resume: boolean, io: TrainIo = {}): TrainResult {
  const log = io.log ?? ((line: string) => process.stderr.write(line + '\n'));
  mkdirSync(out, { recursive: true });
  const ckptFile = path.join(out, CHECKPOINT_FILE), metricsFile = path.join(out, 'metrics.jsonl');
  let vae: VideoVae, progress: TrainProgress<VaeTrainOptions>, opt: AdamW;
  if (resume) {
    if (!existsSync(ckptFile)) throw new Error(`--resume: no checkpoint at ${ckptFile}`);
    const c = loadCheckpoint<VaeTrainOptions>(ckptFile);
    vae = c.vae;
    progress = { ...c.progress, options: { ...c.progress.options, steps: fresh.steps } };
    opt = new AdamW(vae.parameters(), { lr: progress.options.lr, weightDecay: progress.options.weightDecay }, decayFlags(vae));
    opt.loadState(c.optimizer);
    truncateMetrics(metricsFile, progress.step);
    log(`resuming ${out} at step ${progress.step}/${progress.options.steps} (${formatDuration(progress.elapsed)} trained)`);
  } else {
    if (fresh.freezeEncoder && !fresh.init) throw new Error('--freeze-encoder needs --init: a trained VAE whose encoder to keep');
    vae = fresh.init ? loadVae(fresh.init) : new VideoVae(configFromOptions(fresh), fresh.seed);
    progress = { step: 0, dataIndex: 0, rng: new Rng(fresh.seed, 1).state(), elapsed: 0, options: fresh };
    opt = new AdamW(vae.parameters(), { lr: fresh.lr, weightDecay: fresh.weightDecay }, decayFlags(vae));
    truncateMetrics(metricsFile, 0);
  }
  const o = progress.options;
  // A frozen encoder gets no gradient, so AdamW (which skips gradient-less parameters) leaves it untouched.
  if (o.freezeEncoder) for (const t of vae.encoder.parameters()) t.requiresGrad = false;
  const rng = Rng.fromState(progress.rng);
  const c = vae.config, fl = (o.frames - 1) / c.temporal_compression + 1;
  log(`train-vae: ${vae.parameterCount()} parameters, latents [${fl}, ${c.latent_channels}, ${o.size / c.spatial_compression}, ${o.size / c.spatial_compression}] per ${o.frames}x${o.size}x${o.size} video, backend ${backendName()}`);

  const bar = new Progress({ total: o.steps, label: 'train-vae', unit: 'video', stream: io.stream }, progress.step);
  const sessionStart = performance.now(), elapsedBefore = progress.elapsed, firstStep = progress.step;
  const save = (): void => {
    progress.rng = rng.state();
    progress.elapsed = elapsedBefore + (performance.now() - sessionStart) / 1000;
    saveCheckpoint(ckptFile, vae, opt, progress);
  };
  let window: StepFigures[] = [];
  while (progress.step < o.steps) {
    const videos = shapesVideos('train', progress.dataIndex, o.batch, o);
    opt.lr = warmupCosine(progress.step, { peak: o.lr, warmup: o.warmup, total: o.steps, min: o.minLr });
    const f = tidy(() => trainStep(vae, opt, videosToTensor(videos), rng, o));
    if (!f) {
      const why = `loss became non-finite at step ${progress.step + 1}; stopped without saving, the last good checkpoint (${ckptFile}) is kept`;
      log(`train-vae: ${why}`);
      return { steps: progress.step, trainSeconds: progress.elapsed, testPsnr: NaN, scalingFactor: NaN, diverged: why };
    }
    progress.step++;
    progress.dataIndex += o.batch;
    window.push(f);
    const perSec = (progress.step - firstStep) / Math.max(1e-9, bar.elapsed());
    bar.update(progress.step, o.batch, { loss: f.loss, psnr: f.psnr, lr: opt.lr, 'step/s': perSec.toFixed(2) });
    if (progress.step % o.logEvery === 0 || progress.step === o.steps) {
      const avg = (k: keyof StepFigures): number => window.reduce((p, q) => p + q[k], 0) / window.length;
      appendMetrics(metricsFile, { step: progress.step, loss: avg('loss'), recon: avg('recon'), kl: avg('kl'), psnr: avg('psnr'), lr: opt.lr, elapsed: elapsedBefore + bar.elapsed() });
      window = [];
    }
    if (progress.step % o.checkpointEvery === 0 || progress.step === o.steps) save();
  }
  return finish(out, vae, progress, log);
}

/** Measures the scaling factor, evaluates test PSNR and writes the VAE folder and summary.json. */
function finish(out: string, vae: VideoVae, progress: TrainProgress<VaeTrainOptions>, log: (line: string) => void): TrainResult {
  const o = progress.options;
  const stats = latentStatistics(vae, shapesVideos('train', 0, o.statsVideos, o), o.batch);
  // With a frozen encoder the latents are those of `init`: keep its factors bit for bit.
  const config: VaeConfig = o.freezeEncoder ? { ...vae.config } : { ...vae.config, scaling_factor: 1 / stats.std, shift_factor: o.shift ? stats.mean : 0 };
  Object.assign(vae.config, config);
  const evalStart = performance.now();
  const psnr = reconstructionPsnr(vae, shapesVideos('test', 0, o.evalVideos, o), o.batch);
  saveVae(vae, out, config);
  const summary = {
    test_psnr_db: psnr.mean,
    test_psnr_min_db: psnr.min,
    test_videos: o.evalVideos,
    train_seconds: progress.elapsed,
    eval_seconds: (performance.now() - evalStart) / 1000,
    steps: progress.step,
    videos_seen: progress.dataIndex,
    backend: backendName(),
    parameters: vae.parameterCount(),
    latent_mean: stats.mean,
    latent_std: stats.std,
    scaling_factor: config.scaling_factor,
    shift_factor: config.shift_factor,
    options: o,
  };
  writeFileAtomic(path.join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  appendMetrics(path.join(out, 'metrics.jsonl'), { step: progress.step, test_psnr: psnr.mean, train_seconds: progress.elapsed });
  log(`train-vae: test PSNR ${psnr.mean.toFixed(2)} dB (min ${psnr.min.toFixed(2)}) over ${o.evalVideos} videos; scaling factor ${config.scaling_factor.toPrecision(6)}; trained ${formatDuration(progress.elapsed)}; wrote ${out}`);
  return { steps: progress.step, trainSeconds: progress.elapsed, testPsnr: psnr.mean, scalingFactor: config.scaling_factor };
}
