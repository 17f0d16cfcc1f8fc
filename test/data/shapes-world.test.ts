import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  EDGE_MARGIN,
  MAX_HIDDEN_FRACTION,
  MOTION_DIRECTION,
  insideShape,
  maxHiddenFraction,
  shapesAnnotation,
  shapesSample,
  type ShapesScene,
} from '../../src/data/shapes/index.js';

const sha = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

test('same split, index and options give identical bytes; other indices differ', () => {
  const a = shapesSample('train', 7);
  const b = shapesSample('train', 7);
  assert.deepEqual(a.frames, b.frames);
  assert.equal(JSON.stringify({ ...a, frames: 0 }), JSON.stringify({ ...b, frames: 0 }));
  assert.notDeepEqual(shapesSample('train', 8).frames, a.frames);
  assert.notDeepEqual(shapesSample('train', 7, { seed: 1 }).frames, a.frames);
});

test('default samples are 9 frames of 32x32 RGB with their ground truth', () => {
  const s = shapesSample('train', 0);
  assert.equal(s.frameCount, 9);
  assert.equal(s.height, 32);
  assert.equal(s.width, 32);
  assert.equal(s.frames.length, 9 * 32 * 32 * 3);
  assert.equal(s.scene.frameCount, 9);
  assert.equal(s.id, 'shapes-train-0-0');
  assert.ok(s.captions.length >= 3 && s.questions.length >= 8);
});

// Regression checksums of train sample 0. If the generator changes on purpose, every dataset
// changes: update them (and regenerate the tokenizer, whose merges come from Shapes text).
const PINNED_FRAMES = 'e37e3c9922a0c3d1';
const PINNED_ANNOTATION = '8df76bfd47dd3cd6';
// The annotation without the questions' namedBy (added later, and not text): what the tokenizer was trained on.
const PINNED_TEXT = '1c2043b8d24db68c';

test('the Shapes world is pinned: train sample 0 never changes', () => {
  const s = shapesSample('train', 0);
  const { frames, ...annotation } = s;
  assert.equal(sha(frames).slice(0, 16), PINNED_FRAMES);
  assert.equal(sha(JSON.stringify(annotation)).slice(0, 16), PINNED_ANNOTATION);
  const text = { ...annotation, questions: annotation.questions.map(({ namedBy: _, ...q }) => q) };
  assert.equal(sha(JSON.stringify(text)).slice(0, 16), PINNED_TEXT);
});

function checkTrajectories(scene: ShapesScene): void {
  const travel = 0.375 * Math.min(scene.width, scene.height);
  const step = scene.frameCount > 1 ? travel / (scene.frameCount - 1) : 0;
  for (const o of scene.objects) {
    assert.equal(o.positions.length, scene.frameCount);
    const [dx, dy] = MOTION_DIRECTION[o.motion];
    o.positions.forEach(([x, y], f) => {
      assert.ok(x - o.radius >= EDGE_MARGIN - 1e-6 && x + o.radius <= scene.width - EDGE_MARGIN + 1e-6, `x=${x} r=${o.radius} leaves the frame`);
      assert.ok(y - o.radius >= EDGE_MARGIN - 1e-6 && y + o.radius <= scene.height - EDGE_MARGIN + 1e-6, `y=${y} r=${o.radius} leaves the frame`);
      if (f === 0) return;
      const [px, py] = o.positions[f - 1];
      assert.ok(Math.abs(x - px - dx * step) < 2e-3, `${o.motion}: x step ${x - px}, expected ${dx * step}`);
      assert.ok(Math.abs(y - py - dy * step) < 2e-3, `${o.motion}: y step ${y - py}, expected ${dy * step}`);
    });
  }
}

test('objects stay inside the frame and move a constant 1.5 px per frame along their direction', () => {
  const counts = new Set<number>();
  const motions = new Set<string>();
  for (let i = 0; i < 300; i++) {
    const { scene } = shapesAnnotation('train', i);
    checkTrajectories(scene);
    counts.add(scene.objects.length);
    for (const o of scene.objects) motions.add(o.motion);
    const pairs = scene.objects.map((o) => `${o.color} ${o.shape}`);
    assert.equal(new Set(pairs).size, pairs.length, 'color-shape pairs repeat within a scene');
  }
  assert.deepEqual([...counts].sort(), [1, 2, 3]);
  assert.equal(motions.size, 9);
  const step = shapesAnnotation('train', 0).scene;
  assert.equal(0.375 * step.width / (step.frameCount - 1), 1.5);
});

/** Hidden fraction of every object in every frame on a fine 32x32 grid (independent of the sampler's estimate). */
function fineHiddenFraction(scene: ShapesScene): number {
  let worst = 0;
  scene.objects.forEach((below, i) => {
    for (let f = 0; f < scene.frameCount; f++) {
      let inside = 0;
      let hidden = 0;
      for (let a = 0; a < 32; a++) {
        for (let b = 0; b < 32; b++) {
          const u = -1 + (2 * a + 1) / 32;
          const v = -1 + (2 * b + 1) / 32;
          if (!insideShape(below.shape, u, v)) continue;
          inside++;
          const x = below.positions[f][0] + u * below.radius;
          const y = below.positions[f][1] + v * below.radius;
          if (scene.objects.slice(i + 1).some((o) => insideShape(o.shape, (x - o.positions[f][0]) / o.radius, (y - o.positions[f][1]) / o.radius))) hidden++;
        }
      }
      worst = Math.max(worst, hidden / inside);
    }
  });
  return worst;
}

test('no object is more than about 30% hidden in any frame', () => {
  for (let i = 0; i < 150; i++) {
    const { scene } = shapesAnnotation('val', i);
    assert.ok(maxHiddenFraction(scene) <= MAX_HIDDEN_FRACTION, `val ${i}: ${maxHiddenFraction(scene)}`);
    // The sampler measures on 48 rows; the true fraction may exceed the bound only slightly.
    assert.ok(fineHiddenFraction(scene) <= MAX_HIDDEN_FRACTION + 0.03, `val ${i}: ${fineHiddenFraction(scene)}`);
  }
});

test('object counts are spread evenly over 1, 2 and 3', () => {
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 600; i++) counts[shapesAnnotation('train', i).scene.objects.length]++;
  for (const n of [1, 2, 3]) assert.ok(counts[n] > 150 && counts[n] < 250, `counts ${counts}`);
});

test('one-frame samples are still images without motion questions', () => {
  for (let i = 0; i < 50; i++) {
    const s = shapesSample('test', i, { frames: 1 });
    assert.equal(s.frameCount, 1);
    assert.equal(s.frames.length, 32 * 32 * 3);
    assert.ok(s.scene.objects.every((o) => o.motion === 'still'));
    assert.ok(s.questions.every((q) => q.type !== 'motion' && q.task !== 'moving_direction' && q.task !== 'moving_object'));
    assert.ok(!/moving|video/.test(s.description), s.description);
  }
});

test('other resolutions and frame counts keep the same rules', () => {
  for (let i = 0; i < 40; i++) {
    const s = shapesSample('train', i, { frames: 17, height: 64, width: 48 });
    assert.equal(s.frames.length, 17 * 64 * 48 * 3);
    checkTrajectories(s.scene);
  }
});

test('bad options are rejected with errors naming the option', () => {
  assert.throws(() => shapesSample('train', 0, { frames: 0 }), /frames must be an integer/);
  assert.throws(() => shapesSample('train', 0, { height: 8 }), /height must be an integer in \[16/);
  assert.throws(() => shapesSample('train', -1), /index must be a non-negative integer/);
  assert.throws(() => shapesSample('bogus' as 'train', 0), /unknown split "bogus"/);
});
