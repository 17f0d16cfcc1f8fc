/** `haploomni train-vae`: trains the video VAE on the Shapes world and writes a loadable VAE folder. */
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { defaultChannelMult } from '../vae/config.js';
import { trainVae, type VaeTrainOptions } from '../vae/train.js';

export const TRAIN_VAE_SPEC: CommandSpec = {
  usage: 'haploomni train-vae',
  summary:
    'Trains the causal video VAE on Shapes-world train videos (generated on the fly), checkpoints to --out, ' +
    'then measures the latent scaling factor and the test-split PSNR and writes config.json, model.safetensors, ' +
    'metrics.jsonl and summary.json there (a folder loadVae() reads).',
  options: {
    out: { type: 'string', short: 'o', help: 'output folder (checkpoint, weights, metrics)', default: 'runs/vae' },
    steps: { type: 'int', help: 'optimizer steps', default: 3000 },
    batch: { type: 'int', help: 'videos per step', default: 8 },
    lr: { type: 'number', help: 'peak learning rate (AdamW, warmup + cosine)', default: 2e-3 },
    'min-lr': { type: 'number', help: 'final learning rate of the cosine', default: 2e-5 },
    warmup: { type: 'int', help: 'linear warmup steps', default: 100 },
    'weight-decay': { type: 'number', help: 'AdamW decoupled weight decay (conv kernels only)', default: 0.01 },
    'max-grad-norm': { type: 'number', help: 'clip the global gradient norm to this', default: 1 },
    'kl-weight': { type: 'number', help: 'weight of the KL term (per latent element) against the per-pixel reconstruction loss', default: 1e-4 },
    loss: { type: 'string', help: 'reconstruction loss', choices: ['l1', 'mse'], default: 'l1' },
    resume: { type: 'boolean', help: 'continue the run in --out from its checkpoint (its options are kept; --steps may extend it)' },
    seed: { type: 'int', help: 'seed for weights and sampling noise', default: 0 },
    frames: { type: 'int', help: 'frames per training video (4k+1)', default: 9 },
    size: { type: 'int', help: 'frame height and width in pixels', default: 32 },
    channels: { type: 'int', help: 'feature channels at full resolution (doubled at lower ones)', default: 32 },
    'latent-channels': { type: 'int', help: 'latent channels', default: 8 },
    'norm-groups': { type: 'int', help: 'GroupNorm groups (0 = no normalisation)', default: 8 },
    'spatial-factor': { type: 'int', help: 'spatial compression (2, 4, 8, ...)', default: 4 },
    'checkpoint-every': { type: 'int', help: 'steps between checkpoints', default: 100 },
    'log-every': { type: 'int', help: 'steps between metrics.jsonl records', default: 25 },
    'eval-videos': { type: 'int', help: 'test-split videos for the final PSNR', default: 64 },
    'stats-videos': { type: 'int', help: 'training videos for the latent scaling factor', default: 64 },
    shift: { type: 'boolean', help: 'also store the measured latent mean as shift_factor' },
    init: { type: 'string', help: 'start from this trained VAE folder (its architecture is kept)' },
    'freeze-encoder': { type: 'boolean', help: 'with --init: train the decoder only, so latents and scaling factor stay exactly as they were' },
  },
};

const NAME = 'haploomni train-vae';

function positive(name: string, v: number, integer: boolean): void {
  if (!(v > 0) || (integer && !Number.isInteger(v))) throw new UsageError(`${NAME}: --${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
}

/** Validated training options from parsed flags. */
function optionsFrom(a: Record<string, string | number | boolean | undefined>): VaeTrainOptions {
  const o: VaeTrainOptions = {
    steps: a.steps as number,
    batch: a.batch as number,
    lr: a.lr as number,
    minLr: a['min-lr'] as number,
    warmup: a.warmup as number,
    weightDecay: a['weight-decay'] as number,
    maxGradNorm: a['max-grad-norm'] as number,
    klWeight: a['kl-weight'] as number,
    loss: a.loss as 'l1' | 'mse',
    seed: a.seed as number,
    frames: a.frames as number,
    size: a.size as number,
    channels: a.channels as number,
    latentChannels: a['latent-channels'] as number,
    spatialFactor: a['spatial-factor'] as number,
    normGroups: a['norm-groups'] as number,
    checkpointEvery: a['checkpoint-every'] as number,
    logEvery: a['log-every'] as number,
    evalVideos: a['eval-videos'] as number,
    statsVideos: a['stats-videos'] as number,
    shift: Boolean(a.shift),
    init: (a.init as string | undefined) ?? null,
    freezeEncoder: Boolean(a['freeze-encoder']),
  };
  if (o.freezeEncoder && !o.init) throw new UsageError(`${NAME}: --freeze-encoder needs --init DIR (the trained VAE whose encoder to keep)`);
  for (const k of ['steps', 'batch', 'frames', 'size', 'channels', 'latent-channels', 'checkpoint-every', 'log-every', 'eval-videos', 'stats-videos'] as const) {
    positive(k, a[k] as number, true);
  }
  for (const k of ['lr', 'max-grad-norm'] as const) positive(k, a[k] as number, false);
  for (const k of ['min-lr', 'weight-decay', 'kl-weight', 'warmup', 'seed', 'norm-groups'] as const) {
    if ((a[k] as number) < 0) throw new UsageError(`${NAME}: --${k} must not be negative, got ${a[k]}`);
  }
  if ((o.frames - 1) % 4 !== 0) throw new UsageError(`${NAME}: --frames must be 4k+1 (1, 5, 9, 13, ...), got ${o.frames}`);
  try {
    defaultChannelMult(o.spatialFactor, 2);
  } catch (e) {
    throw new UsageError(`${NAME}: --spatial-factor: ${(e as Error).message}`);
  }
  if (o.size < 16 || o.size % o.spatialFactor !== 0) throw new UsageError(`${NAME}: --size must be at least 16 and a multiple of --spatial-factor ${o.spatialFactor}, got ${o.size}`);
  if (o.normGroups > 0 && o.channels % o.normGroups !== 0) throw new UsageError(`${NAME}: --channels must be a multiple of --norm-groups ${o.normGroups}, got ${o.channels}`);
  return o;
}

/** Runs the command; returns the process exit code (0 ok, 1 training failed, 2 bad arguments). */
export async function runTrainVae(argv: string[]): Promise<number> {
  let parsed;
  let options: VaeTrainOptions;
  try {
    parsed = parseArgs(argv, TRAIN_VAE_SPEC);
    if (!parsed) return 0;
    options = optionsFrom(parsed.options);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  try {
    const result = trainVae(parsed.options.out as string, options, Boolean(parsed.options.resume));
    return result.diverged ? 1 : 0;
  } catch (e) {
    process.stderr.write(`${NAME}: ${(e as Error).message}\n`);
    return 1;
  }
}
