import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HELD_OUT_PAIRS, SPLITS, isHeldOut, sceneBelongsTo, shapesAnnotation, type ShapesAnnotation } from '../../src/data/shapes/index.js';

const texts = (a: ShapesAnnotation): string[] => [a.description, ...a.captions, ...a.questions.flatMap((q) => [q.question, q.answer, ...(q.options ?? [])])];

test('no scene is shared between splits', () => {
  const owner = new Map<string, string>();
  for (const split of SPLITS) {
    for (let i = 0; i < 400; i++) {
      const a = shapesAnnotation(split, i);
      assert.ok(sceneBelongsTo(split, a.scene));
      const key = JSON.stringify(a.scene);
      const seen = owner.get(key);
      assert.ok(seen === undefined || seen === split, `scene of ${split} ${i} also appears in ${seen}`);
      owner.set(key, split);
    }
  }
});

test('bucket membership makes train, val and test disjoint even across seeds', () => {
  for (let i = 0; i < 200; i++) {
    for (const split of ['train', 'val', 'test'] as const) {
      const scene = shapesAnnotation(split, i, { seed: 1 + (i % 3) }).scene;
      for (const other of ['train', 'val', 'test'] as const) assert.equal(sceneBelongsTo(other, scene), other === split);
    }
  }
});

test('held-out color-shape pairs never appear in train, val or test, in scenes or in text', () => {
  const names = HELD_OUT_PAIRS.map((p) => `${p.color} ${p.shape}`);
  for (const split of ['train', 'val', 'test'] as const) {
    for (let i = 0; i < (split === 'train' ? 600 : 300); i++) {
      for (const frames of [9, 1]) {
        const a = shapesAnnotation(split, i, { frames });
        assert.ok(!a.scene.objects.some((o) => isHeldOut(o)), `${split} ${i} contains a held-out pair`);
        for (const t of texts(a)) for (const n of names) assert.ok(!t.includes(n), `${split} ${i} mentions "${n}": ${t}`);
      }
    }
  }
});

test('every compositional scene contains a held-out pair, and all of them occur', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 300; i++) {
    const a = shapesAnnotation('compositional', i);
    const held = a.scene.objects.filter((o) => isHeldOut(o));
    assert.ok(held.length >= 1, `compositional ${i} has no held-out object`);
    for (const o of held) seen.add(`${o.color} ${o.shape}`);
  }
  assert.equal(seen.size, HELD_OUT_PAIRS.length);
});
