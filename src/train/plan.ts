/**
 * What one training step holds, as a function of the step and the options: the learning rate, the
 * understanding conversations (grounding questions in the first `groundingSteps`) and the generation
 * clips. The last P = round(genPhaseShare S) of the S steps are the generation phase (options.ts):
 *   main steps s < S - P:   lr = warmupCosine(s; lr, warmup, S - P, minLr), undBatch (+ attrBatch after grounding) + genBatch x genDraws, genWeight
 *   phase steps s >= S - P: lr = genPhaseLr min(1, (s - (S - P) + 1) / 20),
 *                           genPhaseUndBatch + genPhaseGenBatch x genPhaseDraws, genPhaseGenWeight
 */
import { warmupCosine } from '../tensor/index.js';
import type { TrainOptions } from './options.js';
import { groundingStage, type GroundingStage } from './shapes-source.js';

/** Linear warmup of the generation phase's learning rate, in steps. */
const GEN_PHASE_WARMUP = 20;

export interface StepPlan {
  lr: number;
  /** understanding conversations, and the grounding stage they come from (null: full conversations) */
  undCount: number;
  grounding: GroundingStage | null;
  /** one-question attribute conversations (main steps after the grounding steps) */
  attrCount: number;
  /** generation clips, noise draws per clip, and the weight of their loss */
  genClips: number;
  genDraws: number;
  genWeight: number;
}

export function stepPlan(step: number, o: TrainOptions): StepPlan {
  const mainSteps = o.steps - Math.round(o.genPhaseShare * o.steps);
  if (step >= mainSteps) {
    return {
      lr: o.genPhaseLr * Math.min(1, (step - mainSteps + 1) / GEN_PHASE_WARMUP),
      undCount: o.genPhaseUndBatch, grounding: null, attrCount: 0, genClips: o.genPhaseGenBatch, genDraws: o.genPhaseDraws, genWeight: o.genPhaseGenWeight,
    };
  }
  const grounding = groundingStage(step, o.groundingSteps);
  return {
    lr: warmupCosine(step, { peak: o.lr, warmup: o.warmup, total: mainSteps, min: o.minLr }),
    undCount: o.undBatch === 0 ? 0 : grounding ? o.groundingBatch : o.undBatch, grounding, attrCount: o.undBatch === 0 || grounding ? 0 : o.attrBatch, genClips: o.genBatch, genDraws: o.genDraws, genWeight: o.genWeight,
  };
}
