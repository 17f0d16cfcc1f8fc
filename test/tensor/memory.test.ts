/** tidy scopes release intermediates, buffers are reused, and a training loop's memory stays flat. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AdamW, clearPool, fromBuffer, keep, ops, parameter, pooledMemoryBytes, Rng, tensor, tidy, zeros, type Tensor } from '../../src/tensor/index.js';

it('tidy disposes what it created except the result', () => {
  let inner: Tensor | undefined;
  const x = tensor([1, 2, 3]);
  const y = tidy(() => {
    inner = ops.scale(x, 2);
    return ops.add(inner, x);
  });
  assert.ok(inner?.disposed);
  assert.ok(!y.disposed && !x.disposed);
  assert.deepEqual(y.toArray(), [3, 6, 9]);
  assert.throws(() => inner!.data, /used after it was disposed/);
});

it('keep lets a tensor outlive its scope; nested scopes hand results outward', () => {
  let kept: Tensor | undefined;
  const outer = tidy(() => {
    const mid = tidy(() => {
      kept = keep(tensor([5]));
      return tensor([1]);
    });
    assert.ok(!mid.disposed);
    return 0;
  });
  assert.equal(outer, 0);
  assert.ok(kept && !kept.disposed);
});

it('tidy releases even when the function throws', () => {
  let t: Tensor | undefined;
  assert.throws(() => tidy(() => { t = tensor([1]); throw new Error('boom'); }), /boom/);
  assert.ok(t?.disposed);
});

it('a training step inside tidy reuses pooled buffers: the pool stops growing after the first steps', () => {
  clearPool();
  const rng = new Rng(0);
  const w = parameter(rng.normal(64 * 32), [64, 32], 'w');
  const b = parameter(new Float32Array(64), [64], 'b');
  const opt = new AdamW([w, b], { lr: 1e-2 });
  const x = tensor(rng.normal(16 * 32), [16, 32]);
  const targets = Int32Array.from({ length: 16 }, (_, i) => i % 64);
  const sizes: number[] = [];
  for (let step = 0; step < 8; step++) {
    tidy(() => {
      const loss = ops.crossEntropy(ops.gelu(ops.linear(x, w, b)), targets);
      loss.backward();
    });
    opt.update();
    opt.zeroGrad();
    sizes.push(pooledMemoryBytes());
  }
  assert.ok(sizes[2] > 0, 'disposed buffers return to the pool');
  assert.deepEqual(sizes.slice(2), new Array(sizes.length - 2).fill(sizes[2]), `pool sizes ${sizes.join(', ')}`);
});

it('steps whose tensor sizes change every time (batches of varying length) reuse the pool instead of growing it', () => {
  clearPool();
  const rng = new Rng(1);
  const w = parameter(rng.normal(32 * 32), [32, 32], 'w');
  const sizes: number[] = [];
  for (let step = 0; step < 122; step++) {
    const length = 40 + ((step * 37) % 61); // every length in 40..100 once in the first 61 steps, then again
    tidy(() => {
      const x = tensor(rng.normal(4 * length * 32), [4, length, 32]);
      ops.sum(ops.silu(ops.linear(x, w, null))).backward();
    });
    w.grad = null;
    sizes.push(pooledMemoryBytes());
  }
  // size classes: 4 x 40..100 x 32 floats fall into a handful of classes, so the pool is flat once each was
  // seen (exact sizes: it grew until step 61, with each new length)
  assert.equal(sizes[121], sizes[30], `pool sizes ${sizes.join(', ')}`);
});

it('the pool hands out exact lengths and never takes back an array it did not allocate (a caller\'s, or a view of one)', () => {
  clearPool();
  const t = zeros([3, 5]);
  assert.equal(t.data.length, 15);
  const mine = new Float32Array(32);
  const foreign = [fromBuffer(mine, [32]), fromBuffer(mine.subarray(0, 16), [16])];
  for (const f of foreign) f.dispose();
  t.dispose();
  assert.ok(pooledMemoryBytes() > 0, 'the allocated buffer went back');
  for (let i = 0; i < 8; i++) tensor(new Array(16).fill(7), [16]); // reuses pooled buffers only
  for (let i = 0; i < 8; i++) zeros([32]).data.fill(9);
  assert.deepEqual([...mine], new Array(32).fill(0), "the caller's array was not reused");
});
