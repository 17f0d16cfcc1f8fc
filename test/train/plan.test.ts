/** The per-step plan: grounding, the cosine over the main steps, and the generation phase at the end. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_TRAIN_OPTIONS, validateTrainOptions } from '../../src/train/options.js';
import { stepPlan } from '../../src/train/plan.js';
import { resumedOptions } from '../../src/train/trainer.js';
import { warmupCosine } from '../../src/tensor/index.js';

const o = { ...DEFAULT_TRAIN_OPTIONS, steps: 1000, genPhaseShare: 0.3, groundingSteps: 100, warmup: 10, attrBatch: 5 };

it('main steps: grounding first, then the full mix, under a cosine that ends where the generation phase starts', () => {
  assert.deepEqual(stepPlan(0, o), { lr: o.lr / 10, undCount: o.groundingBatch, grounding: stepPlan(0, o).grounding, attrCount: 0, genClips: o.genBatch, genDraws: o.genDraws, genWeight: o.genWeight });
  assert.notEqual(stepPlan(0, o).grounding, null);
  assert.equal(stepPlan(100, o).grounding, null);
  assert.equal(stepPlan(100, o).undCount, o.undBatch);
  assert.equal(stepPlan(100, o).attrCount, o.attrBatch); // one-question conversations join the full ones after grounding
  assert.equal(stepPlan(400, o).lr, warmupCosine(400, { peak: o.lr, warmup: 10, total: 700, min: o.minLr }));
  assert.ok(stepPlan(699, o).lr - o.minLr < 1e-5 * o.lr); // the last main step is at the end of the cosine
  // an understanding batch of 0 stays 0 through the grounding steps (a generation-only run)
  assert.equal(stepPlan(0, { ...o, undBatch: 0 }).undCount, 0);
  assert.equal(stepPlan(100, { ...o, undBatch: 0 }).attrCount, 0);
});

it('the last round(share x steps) steps are the generation phase, at a constant rate after a 20-step warmup', () => {
  const first = stepPlan(700, o);
  assert.deepEqual({ ...first, lr: 0 }, { lr: 0, undCount: o.genPhaseUndBatch, grounding: null, attrCount: 0, genClips: o.genPhaseGenBatch, genDraws: o.genPhaseDraws, genWeight: o.genPhaseGenWeight });
  assert.equal(first.lr, o.genPhaseLr / 20);
  assert.equal(stepPlan(719, o).lr, o.genPhaseLr);
  assert.equal(stepPlan(999, o).lr, o.genPhaseLr);
  assert.equal(stepPlan(999, { ...o, genPhaseShare: 0 }).genClips, o.genBatch);
  // the phase wins over grounding when they overlap
  assert.equal(stepPlan(0, { ...o, genPhaseShare: 1 }).grounding, null);
});

it('impossible generation-phase options are named; a run from before the phase resumes without one', () => {
  assert.throws(() => validateTrainOptions({ ...o, genPhaseShare: 1.5 }), /genPhaseShare must be in \[0, 1\], got 1.5/);
  assert.throws(() => validateTrainOptions({ ...o, genPhaseUndBatch: 0, genPhaseGenBatch: 0 }), /generation phase has nothing to train on/);
  assert.throws(() => validateTrainOptions({ ...o, genPhaseLr: 0 }), /genPhaseLr must be positive, got 0/);
  assert.throws(() => validateTrainOptions({ ...o, genPhaseDraws: 0 }), /genPhaseDraws must be a positive integer, got 0/);
  const { genPhaseShare: _, ...before } = o;
  assert.equal(resumedOptions(before, 1200).genPhaseShare, 0);
  assert.equal(resumedOptions(o, 1200).genPhaseShare, 0.3);
  const { attrBatch: __, ...beforeAttr } = o;
  assert.equal(resumedOptions(beforeAttr, 1200).attrBatch, 0);
  assert.throws(() => validateTrainOptions({ ...o, attrBatch: -1 }), /attrBatch must be a non-negative integer, got -1/);
});
