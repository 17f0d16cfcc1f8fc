/** The per-step plan: grounding, the cosine over the main steps, then the generation and attribute phases. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_TRAIN_OPTIONS, validateTrainOptions } from '../../src/train/options.js';
import { stepPlan } from '../../src/train/plan.js';
import { resumedOptions } from '../../src/train/trainer.js';
import { warmupCosine } from '../../src/tensor/index.js';

// main steps 0-599 (grounding 0-99), generation phase 600-799, attribute phase 800-999
const o = { ...DEFAULT_TRAIN_OPTIONS, steps: 1000, genPhaseSteps: 200, attrPhaseSteps: 200, groundingSteps: 100, warmup: 10, attrBatch: 5, attrPhaseLr: 2e-4 };

it('main steps: grounding first, then the full mix, under a cosine that ends where the generation phase starts', () => {
  assert.deepEqual(stepPlan(0, o), { lr: o.lr / 10, undCount: o.groundingBatch, grounding: stepPlan(0, o).grounding, attrCount: 0, genClips: o.genBatch, genDraws: o.genDraws, genWeight: o.genWeight });
  assert.notEqual(stepPlan(0, o).grounding, null);
  assert.equal(stepPlan(100, o).grounding, null);
  assert.equal(stepPlan(100, o).undCount, o.undBatch);
  assert.equal(stepPlan(100, o).attrCount, 0); // one-question conversations belong to the attribute phase only
  assert.equal(stepPlan(400, o).lr, warmupCosine(400, { peak: o.lr, warmup: 10, total: 600, min: o.minLr }));
  assert.ok(stepPlan(599, o).lr - o.minLr < 1e-5 * o.lr); // the last main step is at the end of the cosine
  // an understanding batch of 0 stays 0 through the grounding steps (a generation-only run)
  assert.equal(stepPlan(0, { ...o, undBatch: 0 }).undCount, 0);
});

it('the generation phase follows the main steps, at a constant rate after a 20-step warmup', () => {
  const first = stepPlan(600, o);
  assert.deepEqual({ ...first, lr: 0 }, { lr: 0, undCount: o.genPhaseUndBatch, grounding: null, attrCount: 0, genClips: o.genPhaseGenBatch, genDraws: o.genPhaseDraws, genWeight: o.genPhaseGenWeight });
  assert.equal(first.lr, o.genPhaseLr / 20);
  assert.equal(stepPlan(619, o).lr, o.genPhaseLr);
  assert.equal(stepPlan(799, o).lr, o.genPhaseLr);
  assert.equal(stepPlan(799, { ...o, genPhaseSteps: 0 }).genClips, o.genBatch); // without it, main steps run on
  // the phase wins over grounding when they overlap
  assert.equal(stepPlan(0, { ...o, genPhaseSteps: 800 }).grounding, null);
});

it('the attribute phase ends the run: full and one-question conversations with the main steps\' generation clips', () => {
  const first = stepPlan(800, o);
  assert.deepEqual({ ...first, lr: 0 }, { lr: 0, undCount: o.attrPhaseUndBatch, grounding: null, attrCount: o.attrBatch, genClips: o.genBatch, genDraws: o.genDraws, genWeight: o.genWeight });
  assert.equal(first.lr, o.attrPhaseLr / 20);
  assert.equal(stepPlan(819, o).lr, o.attrPhaseLr);
  assert.equal(stepPlan(999, o).lr, o.attrPhaseLr);
  // without a generation phase it follows the main steps, whose cosine then spans 800 steps
  const noGen = { ...o, genPhaseSteps: 0 };
  assert.equal(stepPlan(799, noGen).attrCount, 0);
  assert.equal(stepPlan(800, noGen).attrCount, o.attrBatch);
  assert.equal(stepPlan(400, noGen).lr, warmupCosine(400, { peak: o.lr, warmup: 10, total: 800, min: o.minLr }));
  // a run that is all attribute phase (a fine-tune from a trained model)
  assert.equal(stepPlan(0, { ...o, genPhaseSteps: 0, attrPhaseSteps: 1000 }).attrCount, o.attrBatch);
});

it('impossible phase options are named', () => {
  assert.throws(() => validateTrainOptions({ ...o, genPhaseSteps: 900 }), /steps must be at least the generation and attribute phases' 900 \+ 200, got 1000/);
  assert.throws(() => validateTrainOptions({ ...o, attrPhaseSteps: -1 }), /attrPhaseSteps must be a non-negative integer, got -1/);
  assert.throws(() => validateTrainOptions({ ...o, genPhaseSteps: 2.5 }), /genPhaseSteps must be a non-negative integer, got 2.5/);
  assert.throws(() => validateTrainOptions({ ...o, genPhaseUndBatch: 0, genPhaseGenBatch: 0 }), /generation phase has nothing to train on/);
  assert.throws(() => validateTrainOptions({ ...o, attrPhaseUndBatch: 0, attrBatch: 0, genBatch: 0 }), /attribute phase has nothing to train on/);
  assert.throws(() => validateTrainOptions({ ...o, genPhaseLr: 0 }), /genPhaseLr must be positive, got 0/);
  assert.throws(() => validateTrainOptions({ ...o, attrPhaseLr: -1e-4 }), /attrPhaseLr must be positive, got -0.0001/);
  assert.throws(() => validateTrainOptions({ ...o, genPhaseDraws: 0 }), /genPhaseDraws must be a positive integer, got 0/);
  assert.throws(() => validateTrainOptions({ ...o, attrBatch: -1 }), /attrBatch must be a non-negative integer, got -1/);
  validateTrainOptions(o);
  validateTrainOptions(DEFAULT_TRAIN_OPTIONS);
});

it('older checkpoints resume as they ran: a share of the steps as the generation phase, no attribute phase', () => {
  const { genPhaseSteps: _g, attrPhaseSteps: _a, attrPhaseUndBatch: _u, attrPhaseLr: _l, attrBatch: _b, ...common } = o;
  const withShare = { ...common, genPhaseShare: 0.3 }; // the generation phase as written before it was a step count
  assert.equal(resumedOptions(withShare, 1200).genPhaseSteps, 360);
  assert.equal(resumedOptions(withShare, 1200).attrPhaseSteps, 0);
  assert.equal('genPhaseShare' in resumedOptions(withShare, 1200), false);
  assert.equal(resumedOptions(common, 1200).genPhaseSteps, 0); // before the generation phase
  assert.equal(resumedOptions({ ...withShare, attrBatch: 0 }, 1200).attrPhaseSteps, 0);
  // one-question conversations were once added to every main step: such a run cannot continue as it ran
  assert.throws(() => resumedOptions({ ...withShare, attrBatch: 12 }, 1200), /added 12 one-question conversations \(--attr-batch\) to every main step/);
  assert.deepEqual(resumedOptions(o, 1200), { ...o, steps: 1200 }); // today's checkpoints keep their options
});
