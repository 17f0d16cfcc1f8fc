/** A tiny transformer trained for a few steps gives the same losses on every backend. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PeerTransformer, randomBatch, type TransformerSizes } from '../../bench/workloads/transformer.js';
import { availableBackends, nativeUnavailableReason, tidy, withBackend } from '../../src/tensor/index.js';

const SIZES: TransformerSizes = { d: 32, heads: 4, layers: 2, seq: 24, batch: 3, vocab: 40, prefix: 8, block: 8 };

function trainLosses(steps: number): number[] {
  const model = new PeerTransformer(SIZES, 11);
  const opt = model.optimizer();
  const { ids, targets } = randomBatch(SIZES, 5);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push(tidy(() => {
      const loss = model.loss(ids, targets);
      loss.backward();
      return loss.item();
    }));
    opt.update();
    opt.zeroGrad();
  }
  return losses;
}

it('js training losses decrease', () => {
  const losses = withBackend('js', () => trainLosses(6));
  assert.ok(losses[5] < losses[0] - 0.3, `losses ${losses.join(', ')}`);
});

it('native and js give the same training losses', (t) => {
  if (!availableBackends().includes('native')) {
    t.skip(`native backend unavailable: ${nativeUnavailableReason()}`);
    return;
  }
  const js = withBackend('js', () => trainLosses(6));
  const native = withBackend('native', () => trainLosses(6));
  js.forEach((l, i) => assert.ok(Math.abs(l - native[i]) <= 2e-4 * Math.max(1, Math.abs(l)), `step ${i}: js ${l} vs native ${native[i]}`));
});
