/**
 * What one training step holds, as a function of the step and the options: the learning rate, the
 * understanding conversations (grounding questions in the first `groundingSteps`, one-question
 * conversations in the attribute phase) and the generation clips. Of the S steps, the last A =
 * attrPhaseSteps are the attribute phase and the G = genPhaseSteps before them the generation phase
 * (options.ts); the M = S - G - A steps before those are the main steps:
 *   main steps        s < M:          lr = warmupCosine(s; lr, warmup, M, minLr),
 *                                     undBatch (groundingBatch one-question ones while s < groundingSteps) + genBatch x genDraws, genWeight
 *   generation phase  M <= s < M + G: lr = genPhaseLr min(1, (s - M + 1) / 20),
 *                                     genPhaseUndBatch + genPhaseGenBatch x genPhaseDraws, genPhaseGenWeight
 *   attribute phase   s >= M + G:     lr = attrPhaseLr min(1, (s - M - G + 1) / 20),
 *                                     attrPhaseUndBatch + attrBatch one-question ones + genBatch x genDraws, genWeight
 */
import { warmupCosine } from '../tensor/index.js';
import type { TrainOptions } from './options.js';
import { groundingStage, type GroundingStage } from './shapes-source.js';

/** Linear warmup of each end phase's learning rate, in steps. */
const PHASE_WARMUP = 20;

export interface StepPlan {
  lr: number;
  /** understanding conversations, and the grounding stage they come from (null: full conversations) */
  undCount: number;
  grounding: GroundingStage | null;
  /** one-question attribute conversations (the attribute phase) */
  attrCount: number;
  /** generation clips, noise draws per clip, and the weight of their loss */
  genClips: number;
  genDraws: number;
  genWeight: number;
}

/** lr of an end phase's step `s` steps into it: `peak` after a linear warmup. */
function phaseLr(peak: number, s: number): number {
  return peak * Math.min(1, (s + 1) / PHASE_WARMUP);
}

export function stepPlan(step: number, o: TrainOptions): StepPlan {
  const attrStart = o.steps - o.attrPhaseSteps, mainSteps = attrStart - o.genPhaseSteps;
  if (step >= attrStart) {
    return {
      lr: phaseLr(o.attrPhaseLr, step - attrStart),
      undCount: o.attrPhaseUndBatch, grounding: null, attrCount: o.attrBatch, genClips: o.genBatch, genDraws: o.genDraws, genWeight: o.genWeight,
    };
  }
  if (step >= mainSteps) {
    return {
      lr: phaseLr(o.genPhaseLr, step - mainSteps),
      undCount: o.genPhaseUndBatch, grounding: null, attrCount: 0, genClips: o.genPhaseGenBatch, genDraws: o.genPhaseDraws, genWeight: o.genPhaseGenWeight,
    };
  }
  const grounding = groundingStage(step, o.groundingSteps);
  return {
    lr: warmupCosine(step, { peak: o.lr, warmup: o.warmup, total: mainSteps, min: o.minLr }),
    undCount: o.undBatch === 0 ? 0 : grounding ? o.groundingBatch : o.undBatch, grounding, attrCount: 0, genClips: o.genBatch, genDraws: o.genDraws, genWeight: o.genWeight,
  };
}
