/** Philox4x32-10 against Random123's known-answer vectors; reproducibility, resume and distribution checks. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { philox, Rng } from '../../src/tensor/index.js';

it('matches the Random123 known-answer vectors for philox4x32_10', () => {
  const out = new Uint32Array(4);
  philox(0, 0, 0, 0, 0, 0, out);
  assert.deepEqual([...out], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
  philox(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, out);
  assert.deepEqual([...out], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
  philox(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
  assert.deepEqual([...out], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
});

it('same seed gives the same numbers; different seeds and streams differ', () => {
  assert.deepEqual(new Rng(42).normal(10), new Rng(42).normal(10));
  assert.notDeepEqual(new Rng(42).normal(10), new Rng(43).normal(10));
  assert.notDeepEqual(new Rng(42).normal(10), new Rng(42).fork(1).normal(10));
});

it('resumes exactly from a saved state', () => {
  const a = new Rng(7);
  a.uniform(13);
  const saved = a.state();
  const next = a.normal(9);
  assert.deepEqual(Rng.fromState(saved).normal(9), next);
});

it('uniform is in [0, 1) with mean 1/2; normal has mean 0 and variance 1', () => {
  const u = new Rng(1).uniform(200000);
  let mu = 0;
  for (const x of u) { assert.ok(x >= 0 && x < 1); mu += x; }
  assert.ok(Math.abs(mu / u.length - 0.5) < 0.005);
  const z = new Rng(2).normal(200001);
  let m = 0, v = 0;
  for (const x of z) m += x;
  m /= z.length;
  for (const x of z) v += (x - m) ** 2;
  v /= z.length;
  assert.ok(Math.abs(m) < 0.01, `mean ${m}`);
  assert.ok(Math.abs(v - 1) < 0.01, `variance ${v}`);
});

it('permutation is a permutation', () => {
  const p = new Rng(3).permutation(100);
  assert.deepEqual([...p].sort((a, b) => a - b), [...Array(100).keys()]);
  assert.notDeepEqual(p, [...Array(100).keys()]);
});
