/** Understanding micro-batches split into length groups: the grouping is optimal, and the weighted group losses are the one-batch loss. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadTokenizer } from '../../src/data/index.js';
import { PARAMETER_GROUPS, setTrainable } from '../../src/model/groups.js';
import { HaploOmni } from '../../src/model/haploomni.js';
import { presetConfig } from '../../src/model/presets.js';
import { Rng } from '../../src/tensor/index.js';
import { lengthGroups, understandingBatches } from '../../src/train/batches.js';
import { understandingDraw, type ShapesSourceOptions } from '../../src/train/shapes-source.js';
import { groupedUnderstandingBackward } from '../../src/train/trainer.js';
import { allclose } from '../helpers/allclose.js';

/** Cost of a grouping as lengthGroups defines it. */
const costOf = (groups: number[][], lengths: number[], c: number): number =>
  groups.reduce((sum, g) => sum + g.length * Math.max(...g.map((i) => lengths[i])) + c, 0);

/** The cheapest cost over every way to cut the sorted rows into contiguous groups (2^(n-1) of them). */
function bruteForce(lengths: number[], c: number): number {
  const sorted = [...lengths].sort((a, b) => a - b), n = sorted.length;
  let best = Infinity;
  for (let cuts = 0; cuts < 1 << (n - 1); cuts++) {
    let cost = 0, start = 0;
    for (let j = 1; j <= n; j++) {
      if (j === n || (cuts >> (j - 1)) & 1) { cost += (j - start) * sorted[j - 1] + c; start = j; }
    }
    best = Math.min(best, cost);
  }
  return best;
}

it('lengthGroups partitions the rows, sorted by length, at the least cost', () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 60; trial++) {
    const n = 1 + rng.int(8), c = [0, 40, 150, 1e6][trial % 4];
    const lengths = Array.from({ length: n }, () => 20 + rng.int(400));
    const groups = lengthGroups(lengths, c);
    assert.deepEqual(groups.flat().sort((a, b) => a - b), lengths.map((_, i) => i), 'every row once');
    const flat = groups.flat().map((i) => lengths[i]);
    assert.deepEqual(flat, [...flat].sort((a, b) => a - b), 'groups are runs of the sorted lengths');
    assert.equal(costOf(groups, lengths, c), bruteForce(lengths, c), `lengths ${lengths}, cost ${c}`);
  }
  assert.equal(lengthGroups([100, 300, 120], 1e6).length, 1, 'a large group cost keeps one batch');
  assert.deepEqual(lengthGroups([120, 400, 130, 390], 150), [[0, 2], [3, 1]]);
});

it('the trainer\'s group-weighted loss and gradients equal those of one padded batch', () => {
  const config = presetConfig('tiny');
  const model = new HaploOmni(config, { seed: 2 });
  setTrainable(model, PARAMETER_GROUPS, true);
  const source: ShapesSourceOptions = { seed: 0, frames: 9, imageShare: 0.15, captionShare: 0.5, maxTurns: 12, dropPrompt: 0.1, genSingleShare: 0.75 };
  const draws = Array.from({ length: 5 }, (_, k) => understandingDraw(40 + k, source, null));
  const tokenizer = loadTokenizer();
  const params = model.parameters();
  /** Weighted loss and every parameter's gradient for the given grouping. */
  const run = (groupCost: number): { loss: number; groups: number; grads: Float32Array[] } => {
    for (const p of params) { p.grad?.dispose(); p.grad = null; }
    const groups = understandingBatches(draws, tokenizer, config, 5, groupCost);
    const loss = groupedUnderstandingBackward(model, groups, 1);
    return { loss, groups: groups.length, grads: params.map((p) => (p.grad ? p.grad.data.slice() : new Float32Array(p.size))) };
  };
  const one = run(1e9), split = run(0);
  assert.equal(one.groups, 1);
  assert.equal(split.groups, 5, 'group cost 0: every conversation alone');
  allclose([split.loss], [one.loss], { rtol: 1e-5 }, 'loss');
  params.forEach((p, i) => allclose(split.grads[i], one.grads[i], { rtol: 2e-3, atol: 2e-6 }, `grad ${p.name}`));
});
