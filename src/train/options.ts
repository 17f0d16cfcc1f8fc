/** Options of a training run (stored in its checkpoint; a resumed run keeps them, except `steps`). */
import { PARAMETER_GROUPS, type ParameterGroup } from '../model/groups.js';
import type { MatmulPrecision } from '../tensor/index.js';
import { SSG_INITS, type SsgInit } from './init.js';

export interface TrainOptions {
  /** model preset ('tiny') or a config.json path */
  model: string;
  /**
   * a model folder (made by train or export) whose config and weights the run starts from instead of
   * fresh weights (`model` and `ssgInit` are then unused, and its trained vision stem skips the warm-up);
   * the optimizer, schedule and data start anew. null: from scratch
   */
  init: string | null;
  /** start of the multimodal-norm state rows: 'identity' (from scratch, see init.ts) or the reference's N(0, 1) */
  ssgInit: SsgInit;
  /** VAE folder whose latents the generation path learns (default: the shipped assets/vae) */
  vae: string | null;
  /** optimizer steps */
  steps: number;
  /** understanding conversations and generation clips per micro-batch (their ratio is the data mix) */
  undBatch: number;
  genBatch: number;
  /**
   * noise draws per generation clip: each clip's latents are noised R times (t stratified over R
   * slices of the schedule) and the R draws share one pass over the prompt (diffusion/loss.ts). The
   * default 3 clips x 2 draws costs 21% less per step than 6 clips x 1 (0.32 against 0.41 s here) and
   * generated as well (these are the main steps; the generation phase has its own, genPhaseDraws)
   */
  genDraws: number;
  /** micro-batches whose gradients are summed into one step */
  accum: number;
  /** peak and final learning rate of the warmup + cosine schedule, and the warmup steps */
  lr: number;
  minLr: number;
  warmup: number;
  /** AdamW decoupled weight decay, applied to matrices only (not norms, biases, embeddings' gates) */
  weightDecay: number;
  /** global gradient-norm clip */
  maxGradNorm: number;
  /** loss = understanding CE + genWeight * diffusion MSE */
  genWeight: number;
  /** probability a generation caption is replaced by the empty prompt (classifier-free guidance) */
  dropPrompt: number;
  /** share of generation clips from one-object scenes (the rest from any scene; shapes-source.ts says what it measured) */
  genSingleShare: number;
  /** share of understanding examples that are still images, and of conversations ending with a caption turn */
  imageShare: number;
  captionShare: number;
  /** most questions per understanding conversation */
  maxTurns: number;
  /**
   * first steps of the run that ask one attribute question per clip, no caption, `groundingBatch`
   * clips per micro-batch (a short conversation costs about a third of a full one): every attribute
   * of lone objects, then of objects among several (GROUNDING_STAGES in shapes-source.ts, with what
   * was measured).
   */
  groundingSteps: number;
  groundingBatch: number;
  /**
   * steps, clips per step and learning rate of the vision-stem warm-up that runs before step 0 when
   * the model has a vision stem (train/vision-warmup.ts); 0 steps = none (then train the group
   * vision_stem, or the stem keeps its random weights). The default: about 40 seconds here; its cells
   * then tell colour 88%, shape 85%, size 91% and motion 86% of the objects on them
   */
  visionWarmupSteps: number;
  visionWarmupBatch: number;
  visionWarmupLr: number;
  /**
   * the generation phase: `genPhaseSteps` steps after the main steps hold `genPhaseUndBatch`
   * conversations and `genPhaseGenBatch` clips of `genPhaseDraws` draws each, the diffusion loss weighted
   * `genPhaseGenWeight`, at a constant `genPhaseLr` after a 20-step warmup (the cosine of `lr` spans the
   * main steps; plan.ts). Mixed steps teach the generator colour but not motion; steps where generation
   * has most of the update do. 2400 such steps took generated motion from 10% to 67% (README)
   */
  genPhaseSteps: number;
  genPhaseUndBatch: number;
  genPhaseGenBatch: number;
  genPhaseDraws: number;
  genPhaseGenWeight: number;
  genPhaseLr: number;
  /**
   * the attribute phase: the last `attrPhaseSteps` steps, after the generation phase, hold
   * `attrPhaseUndBatch` full conversations, `attrBatch` one-question conversations about one object of
   * any scene (its colour, shape, size or motion, or a count; ATTRIBUTE_STAGE in shapes-source.ts) and
   * the main steps' generation clips (`genBatch` x `genDraws`, weight `genWeight`), at a constant
   * `attrPhaseLr` after a 20-step warmup. In full conversations the loss is spread over captions and
   * six existence questions a clip; one-question conversations put it on finding the object a question
   * describes. They teach it only once the model has learnt the rest: in the main steps (2 full + 12 of
   * them) they did not; 1600 steps of these after a full run took colour questions from 67% to 77%
   * with the rest kept, and the generation clips keep what the generator learnt. Not in the default
   * run (0 steps): it does not fit in the 45 minutes beside the generation phase, and making room by
   * shortening the main steps and the generation phase cost the generator its motion (README)
   */
  attrPhaseSteps: number;
  attrPhaseUndBatch: number;
  attrBatch: number;
  attrPhaseLr: number;
  /** frames per Shapes clip, and frames a question shows the model */
  frames: number;
  understandingFrames: number;
  /** parameter groups that train (the rest stay frozen; by default all but vision_stem, which its warm-up trains) */
  trainGroups: ParameterGroup[];
  /**
   * precision of the matrix products of the model's forward and backward in the training steps
   * (tensor/precision.ts): 'fp32', or 'bf16' (operands rounded to bfloat16, summed in float32; twice the
   * FMA rate on CPUs with AVX512_BF16). Data preparation (the VAE's latents), the vision warm-up, the
   * optimizer and evaluation stay in float32
   */
  precision: MatmulPrecision;
  /** seed of the weights and of every random draw; Shapes-world dataset seed */
  seed: number;
  dataSeed: number;
  /** steps between checkpoints, and between metrics records */
  checkpointEvery: number;
  logEvery: number;
}

export const DEFAULT_TRAIN_OPTIONS: Readonly<TrainOptions> = {
  model: 'tiny',
  init: null,
  ssgInit: 'identity',
  vae: null,
  steps: 6400,
  undBatch: 6,
  genBatch: 3,
  genDraws: 2,
  accum: 1,
  lr: 5e-4,
  minLr: 2.5e-5,
  warmup: 100,
  weightDecay: 0.01,
  maxGradNorm: 1,
  genWeight: 1,
  dropPrompt: 0.1,
  genSingleShare: 0.75,
  imageShare: 0.15,
  captionShare: 0.5,
  maxTurns: 12,
  groundingSteps: 600,
  groundingBatch: 16,
  visionWarmupSteps: 1200,
  visionWarmupBatch: 8,
  visionWarmupLr: 2e-3,
  genPhaseSteps: 2400,
  genPhaseUndBatch: 6,
  genPhaseGenBatch: 6,
  genPhaseDraws: 4,
  genPhaseGenWeight: 4,
  genPhaseLr: 3e-4,
  attrPhaseSteps: 0,
  attrPhaseUndBatch: 4,
  attrBatch: 12,
  attrPhaseLr: 3e-4,
  frames: 9,
  understandingFrames: 5,
  trainGroups: PARAMETER_GROUPS.filter((g) => g !== 'vision_stem'),
  precision: 'fp32',
  seed: 0,
  dataSeed: 0,
  checkpointEvery: 100,
  logEvery: 10,
};

/** Throws an error naming the first impossible option. */
export function validateTrainOptions(o: TrainOptions): void {
  const bad = (m: string): never => { throw new Error(`train: ${m}`); };
  for (const k of ['steps', 'genDraws', 'genPhaseDraws', 'accum', 'checkpointEvery', 'logEvery', 'frames', 'understandingFrames', 'maxTurns'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) bad(`${k} must be a positive integer, got ${o[k]}`);
  }
  for (const k of ['undBatch', 'genBatch', 'genPhaseSteps', 'genPhaseUndBatch', 'genPhaseGenBatch', 'attrPhaseSteps', 'attrPhaseUndBatch', 'attrBatch', 'warmup', 'groundingSteps', 'groundingBatch', 'visionWarmupSteps', 'seed', 'dataSeed'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 0) bad(`${k} must be a non-negative integer, got ${o[k]}`);
  }
  if (o.undBatch + o.genBatch === 0) bad('undBatch and genBatch are both 0: nothing to train on');
  if (!(o.lr > 0)) bad(`lr must be positive, got ${o.lr}`);
  if (o.genPhaseSteps + o.attrPhaseSteps > o.steps) bad(`steps must be at least the generation and attribute phases' ${o.genPhaseSteps} + ${o.attrPhaseSteps}, got ${o.steps}`);
  if (o.genPhaseSteps > 0 && o.genPhaseUndBatch + o.genPhaseGenBatch === 0) bad('genPhaseUndBatch and genPhaseGenBatch are both 0: the generation phase has nothing to train on');
  if (o.attrPhaseSteps > 0 && o.attrPhaseUndBatch + o.attrBatch + o.genBatch === 0) bad('attrPhaseUndBatch, attrBatch and genBatch are all 0: the attribute phase has nothing to train on');
  if (!(o.genPhaseLr > 0)) bad(`genPhaseLr must be positive, got ${o.genPhaseLr}`);
  if (!(o.attrPhaseLr > 0)) bad(`attrPhaseLr must be positive, got ${o.attrPhaseLr}`);
  if (!(o.visionWarmupLr > 0)) bad(`visionWarmupLr must be positive, got ${o.visionWarmupLr}`);
  if (!Number.isInteger(o.visionWarmupBatch) || o.visionWarmupBatch < 1) bad(`visionWarmupBatch must be a positive integer, got ${o.visionWarmupBatch}`);
  if (!(o.minLr >= 0 && o.minLr <= o.lr)) bad(`minLr must be in [0, lr], got ${o.minLr}`);
  for (const k of ['weightDecay', 'genWeight', 'genPhaseGenWeight'] as const) if (!(o[k] >= 0)) bad(`${k} must be non-negative, got ${o[k]}`);
  if (!(o.maxGradNorm > 0)) bad(`maxGradNorm must be positive, got ${o.maxGradNorm}`);
  for (const k of ['dropPrompt', 'genSingleShare', 'imageShare', 'captionShare'] as const) if (!(o[k] >= 0 && o[k] <= 1)) bad(`${k} must be in [0, 1], got ${o[k]}`);
  if ((o.frames - 1) % 4 !== 0) bad(`frames must be 1 + a multiple of 4 (the VAE groups frames by 4), got ${o.frames}`);
  if (!SSG_INITS.includes(o.ssgInit)) bad(`ssgInit must be one of ${SSG_INITS.join(', ')}, got '${o.ssgInit}'`);
  if (o.trainGroups.length === 0) bad('no parameter group is trainable');
  if (o.precision !== 'fp32' && o.precision !== 'bf16') bad(`precision must be 'fp32' or 'bf16', got '${String(o.precision)}'`);
  for (const g of o.trainGroups) if (!(PARAMETER_GROUPS as readonly string[]).includes(g)) bad(`unknown parameter group '${g}' (groups: ${PARAMETER_GROUPS.join(', ')})`);
}
