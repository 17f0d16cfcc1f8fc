/** `haploomni train`: trains one HaploOmni on mixed understanding + generation batches of the Shapes world. */
import { PARAMETER_GROUPS, type ParameterGroup } from '../model/groups.js';
import type { MatmulPrecision } from '../tensor/index.js';
import type { SsgInit } from '../train/init.js';
import { DEFAULT_TRAIN_OPTIONS as D, validateTrainOptions, type TrainOptions } from '../train/options.js';
import { train } from '../train/trainer.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';

export const TRAIN_SPEC: CommandSpec = {
  usage: 'haploomni train',
  summary:
    'Trains a HaploOmni model on Shapes-world videos generated on the fly: understanding conversations (next-token loss on ' +
    'answers and captions) and text-to-video clips (v-prediction loss on VAE latents, captions dropped for guidance), mixed ' +
    'in every step. --out becomes a model folder (config.json, model.safetensors, pipeline.json, vae/) with checkpoint.safetensors, ' +
    'metrics.jsonl and loss.svg; --resume continues a killed run exactly.',
  options: {
    out: { type: 'string', short: 'o', help: 'run folder (model folder + checkpoint + metrics)', default: 'runs/tiny' },
    model: { type: 'string', help: "model preset ('tiny') or a config.json path", default: D.model },
    init: { type: 'string', help: 'start from this trained model folder (its config and weights; no vision warm-up; fresh optimizer and schedule)' },
    'ssg-init': { type: 'string', help: "multimodal-norm state rows at start: 'identity' (from scratch) or 'reference' (N(0, 1))", choices: ['identity', 'reference'], default: D.ssgInit },
    vae: { type: 'string', help: 'VAE folder whose latents are learnt (default: the shipped assets/vae)' },
    steps: { type: 'int', help: 'optimizer steps (with --resume: the new total)', default: D.steps },
    'und-batch': { type: 'int', help: 'understanding conversations per micro-batch (0 = generation only)', default: D.undBatch },
    'gen-batch': { type: 'int', help: 'generation clips per micro-batch (0 = understanding only)', default: D.genBatch },
    'gen-draws': { type: 'int', help: 'noise draws per generation clip, sharing one pass over its prompt', default: D.genDraws },
    accum: { type: 'int', help: 'micro-batches accumulated per step', default: D.accum },
    lr: { type: 'number', help: 'peak learning rate (AdamW, linear warmup then cosine)', default: D.lr },
    'min-lr': { type: 'number', help: 'learning rate at the end of the cosine', default: D.minLr },
    warmup: { type: 'int', help: 'warmup steps', default: D.warmup },
    'weight-decay': { type: 'number', help: 'decoupled weight decay (matrices only)', default: D.weightDecay },
    'max-grad-norm': { type: 'number', help: 'global gradient-norm clip', default: D.maxGradNorm },
    'gen-weight': { type: 'number', help: 'weight of the diffusion loss against the next-token loss', default: D.genWeight },
    'drop-prompt': { type: 'number', help: 'probability a caption is dropped (classifier-free guidance)', default: D.dropPrompt },
    'gen-single-share': { type: 'number', help: 'share of generation clips from one-object scenes (the rest from any scene)', default: D.genSingleShare },
    'image-share': { type: 'number', help: 'share of understanding examples that are still images', default: D.imageShare },
    'caption-share': { type: 'number', help: 'share of conversations that end with a captioning turn', default: D.captionShare },
    'max-turns': { type: 'int', help: 'most questions per understanding conversation', default: D.maxTurns },
    'gen-phase-steps': { type: 'int', help: 'steps of the generation phase, after the main steps (0 = none)', default: D.genPhaseSteps },
    'gen-phase-und-batch': { type: 'int', help: 'understanding conversations per micro-batch in the generation phase', default: D.genPhaseUndBatch },
    'gen-phase-gen-batch': { type: 'int', help: 'generation clips per micro-batch in the generation phase', default: D.genPhaseGenBatch },
    'gen-phase-draws': { type: 'int', help: 'noise draws per generation clip in the generation phase', default: D.genPhaseDraws },
    'gen-phase-gen-weight': { type: 'number', help: 'weight of the diffusion loss in the generation phase', default: D.genPhaseGenWeight },
    'gen-phase-lr': { type: 'number', help: 'constant learning rate of the generation phase (after a 20-step warmup)', default: D.genPhaseLr },
    'attr-phase-steps': { type: 'int', help: 'steps of the attribute phase, the last of the run (0 = none)', default: D.attrPhaseSteps },
    'attr-phase-und-batch': { type: 'int', help: 'full conversations per micro-batch in the attribute phase', default: D.attrPhaseUndBatch },
    'attr-batch': { type: 'int', help: 'one-question conversations about one object (colour, shape, size, motion, count) per micro-batch in the attribute phase', default: D.attrBatch },
    'attr-phase-lr': { type: 'number', help: 'constant learning rate of the attribute phase (after a 20-step warmup)', default: D.attrPhaseLr },
    'grounding-steps': { type: 'int', help: 'first steps asking one attribute question per clip, no caption (of lone objects, then of any)', default: D.groundingSteps },
    'grounding-batch': { type: 'int', help: 'understanding clips per micro-batch during the grounding steps', default: D.groundingBatch },
    'vision-warmup-steps': { type: 'int', help: 'steps of the vision-stem warm-up before step 0 (models with a vision stem; 0 = none)', default: D.visionWarmupSteps },
    'vision-warmup-batch': { type: 'int', help: 'clips (or stills) per vision warm-up step', default: D.visionWarmupBatch },
    'vision-warmup-lr': { type: 'number', help: 'learning rate of the vision warm-up (constant)', default: D.visionWarmupLr },
    frames: { type: 'int', help: 'frames per Shapes clip (1 + 4k)', default: D.frames },
    'und-frames': { type: 'int', help: 'frames a question shows the model (uniformly sampled)', default: D.understandingFrames },
    train: { type: 'string', help: `comma-separated parameter groups that train (${PARAMETER_GROUPS.join(', ')}), 'all', or 'default' (all but vision_stem, which its warm-up trains)`, default: 'default' },
    precision: { type: 'string', help: "matrix products of the training steps: 'fp32', or 'bf16' (operands rounded to bfloat16, summed in fp32; faster on CPUs with AVX512_BF16)", choices: ['fp32', 'bf16'], default: D.precision },
    seed: { type: 'int', help: 'seed of the weights and every random draw', default: D.seed },
    'data-seed': { type: 'int', help: 'Shapes-world dataset seed', default: D.dataSeed },
    'checkpoint-every': { type: 'int', help: 'steps between checkpoints', default: D.checkpointEvery },
    'log-every': { type: 'int', help: 'steps between metrics.jsonl records', default: D.logEvery },
    resume: { type: 'boolean', help: 'continue the run in --out from its checkpoint (its options are kept; --steps may extend it)' },
  },
};

const NAME = 'haploomni train';

function groupsFrom(spec: string): ParameterGroup[] {
  if (spec === 'all') return [...PARAMETER_GROUPS];
  if (spec === 'default') return [...D.trainGroups];
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(PARAMETER_GROUPS as readonly string[]).includes(n)) throw new UsageError(`${NAME}: --train: unknown group '${n}'; groups: ${PARAMETER_GROUPS.join(', ')} 'all' or 'default'`);
  }
  return names as ParameterGroup[];
}

function optionsFrom(a: Record<string, string | number | boolean | undefined>): TrainOptions {
  const o: TrainOptions = {
    model: a.model as string,
    init: (a.init as string | undefined) ?? null,
    ssgInit: a['ssg-init'] as SsgInit,
    vae: (a.vae as string | undefined) ?? null,
    steps: a.steps as number,
    undBatch: a['und-batch'] as number,
    genBatch: a['gen-batch'] as number,
    genDraws: a['gen-draws'] as number,
    accum: a.accum as number,
    lr: a.lr as number,
    minLr: a['min-lr'] as number,
    warmup: a.warmup as number,
    weightDecay: a['weight-decay'] as number,
    maxGradNorm: a['max-grad-norm'] as number,
    genWeight: a['gen-weight'] as number,
    dropPrompt: a['drop-prompt'] as number,
    genSingleShare: a['gen-single-share'] as number,
    imageShare: a['image-share'] as number,
    captionShare: a['caption-share'] as number,
    maxTurns: a['max-turns'] as number,
    genPhaseSteps: a['gen-phase-steps'] as number,
    genPhaseUndBatch: a['gen-phase-und-batch'] as number,
    genPhaseGenBatch: a['gen-phase-gen-batch'] as number,
    genPhaseDraws: a['gen-phase-draws'] as number,
    genPhaseGenWeight: a['gen-phase-gen-weight'] as number,
    genPhaseLr: a['gen-phase-lr'] as number,
    attrPhaseSteps: a['attr-phase-steps'] as number,
    attrPhaseUndBatch: a['attr-phase-und-batch'] as number,
    attrBatch: a['attr-batch'] as number,
    attrPhaseLr: a['attr-phase-lr'] as number,
    groundingSteps: a['grounding-steps'] as number,
    groundingBatch: a['grounding-batch'] as number,
    visionWarmupSteps: a['vision-warmup-steps'] as number,
    visionWarmupBatch: a['vision-warmup-batch'] as number,
    visionWarmupLr: a['vision-warmup-lr'] as number,
    frames: a.frames as number,
    understandingFrames: a['und-frames'] as number,
    trainGroups: groupsFrom(a.train as string),
    precision: a.precision as MatmulPrecision,
    seed: a.seed as number,
    dataSeed: a['data-seed'] as number,
    checkpointEvery: a['checkpoint-every'] as number,
    logEvery: a['log-every'] as number,
  };
  try {
    validateTrainOptions(o);
  } catch (e) {
    // 'train: genSingleShare must be ...' -> 'haploomni train: --gen-single-share must be ...'
    const message = (e as Error).message.replace(/^train: /, '').replace(/^(\w+) /, (m, key: string) => (key in D ? `${flagOf(key)} ` : m));
    throw new UsageError(`${NAME}: ${message}`);
  }
  return o;
}

/** The command-line flag of a TrainOptions key: camelCase to --kebab-case (understandingFrames is --und-frames). */
function flagOf(key: string): string {
  return key === 'understandingFrames' ? '--und-frames' : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Runs the command; returns the exit code (0 done, 1 failed or diverged, 2 bad arguments). */
export async function runTrain(argv: string[]): Promise<number> {
  let out: string, options: TrainOptions, resume: boolean;
  try {
    const parsed = parseArgs(argv, TRAIN_SPEC);
    if (!parsed) return 0;
    options = optionsFrom(parsed.options);
    out = parsed.options.out as string;
    resume = Boolean(parsed.options.resume);
    if (resume && options.init !== null) throw new UsageError(`${NAME}: --init starts a new run from a trained model and --resume continues a run: pass one of them`);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  try {
    const result = train(out, options, resume);
    if (result.status === 'diverged') {
      process.stderr.write(`${NAME}: ${result.message}\n`);
      return 1;
    }
    process.stderr.write(`${NAME}: ${result.step} steps in ${(result.elapsed / 60).toFixed(1)} min; model folder ${out} ` +
      `(try: haploomni eval --model ${out}; haploomni demo --model ${out})\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`${NAME}: ${(e as Error).message}\n`);
    return 1;
  }
}
