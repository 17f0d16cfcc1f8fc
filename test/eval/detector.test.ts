/** The analytic detector must read ground-truth Shapes videos correctly almost always. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { shapesSample } from '../../src/data/shapes/index.js';
import { detectObjects, type DetectedObject } from '../../src/eval/detector.js';

/** The same-coloured detection whose track runs closest to the true positions (objects may share a colour). */
function closestUnused(candidates: DetectedObject[], positions: ReadonlyArray<readonly [number, number]>): DetectedObject | undefined {
  let best: DetectedObject | undefined, bestD = Infinity;
  for (const c of candidates) {
    let d = 0, n = 0;
    c.track.forEach(([x, y], f) => { if (Number.isFinite(x) && positions[f]) { d += Math.hypot(x - positions[f][0], y - positions[f][1]); n++; } });
    const mean = n ? d / n : Infinity;
    if (best === undefined || mean < bestD) { best = c; bestD = mean; }
  }
  return best;
}

function accuracyOver(split: 'test' | 'val', n: number, frames: number, maxObjects = 3) {
  const hits = { background: 0, color: 0, shape: 0, size: 0, motion: 0, objects: 0 };
  const misses: string[] = [];
  let scenes = 0;
  for (let i = 0; i < n; i++) {
    const s = shapesSample(split, i, { frames });
    if (s.scene.objects.length > maxObjects) continue;
    scenes++;
    const d = detectObjects(s.frames, s.frameCount, s.height, s.width);
    if (d.background === s.scene.background) hits.background++;
    const used = new Set<DetectedObject>();
    for (const o of s.scene.objects) {
      hits.objects++;
      const found = closestUnused(d.objects.filter((x) => x.color === o.color && !used.has(x)), o.positions);
      if (!found) { misses.push(`${s.id}: no ${o.color} object`); continue; }
      used.add(found);
      hits.color++;
      if (found.shape === o.shape) hits.shape++; else misses.push(`${s.id}: ${o.color} ${o.shape} read as ${found.shape}`);
      if (found.size === o.size) hits.size++;
      if (frames === 1 || found.motion === o.motion) hits.motion++; else misses.push(`${s.id}: ${o.color} ${o.motion} read as ${found.motion}`);
    }
  }
  return { hits, n: scenes, misses };
}

function assertRates(r: ReturnType<typeof accuracyOver>, min: Record<'color' | 'shape' | 'size' | 'motion', number>) {
  const { hits, n, misses } = r;
  assert.ok(hits.background / n >= 0.99, `background ${hits.background}/${n}`);
  for (const k of ['color', 'shape', 'size', 'motion'] as const) {
    assert.ok(hits[k] / hits.objects >= min[k], `${k}: ${hits[k]}/${hits.objects} < ${min[k]}; misses: ${misses.slice(0, 10).join('; ')}`);
  }
}

// Generated videos are judged on single-object prompts: there the detector must be (almost) always right.
it('reads colour, shape, size and motion of single-object test videos (>= 98% each)', () => {
  assertRates(accuracyOver('test', 400, 9, 1), { color: 0.98, shape: 0.98, size: 0.98, motion: 0.98 });
});

// With 2-3 objects, occlusion and same-coloured pairs cost some shape reads.
it('reads every object of multi-object test videos (colour >= 97%, shape/size/motion >= 90%)', () => {
  assertRates(accuracyOver('test', 300, 9), { color: 0.97, shape: 0.9, size: 0.9, motion: 0.9 });
});

it('reads still images (one frame)', () => {
  assertRates(accuracyOver('val', 150, 1), { color: 0.95, shape: 0.88, size: 0.9, motion: 0.95 });
});

it('finds nothing in a blank frame and rejects a wrong buffer size', () => {
  const blank = new Uint8Array(9 * 32 * 32 * 3);
  assert.equal(detectObjects(blank, 9, 32, 32).objects.length, 0);
  assert.throws(() => detectObjects(blank, 8, 32, 32), /do not hold 8 frames/);
});
