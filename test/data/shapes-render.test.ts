import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BACKGROUND_RGB,
  BACKGROUNDS,
  COLOR_RGB,
  COLORS,
  SHAPES,
  SIZE_RADIUS_FRACTION,
  insideShape,
  renderScene,
  shapeRowSpans,
  shapesSample,
  type ShapeKind,
  type ShapesScene,
} from '../../src/data/shapes/index.js';

const distance = (a: readonly number[], b: readonly number[]): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

test('object colors are well separated from each other and from every background', () => {
  for (const a of COLORS) {
    for (const b of COLORS) if (a < b) assert.ok(distance(COLOR_RGB[a], COLOR_RGB[b]) >= 100, `${a} vs ${b}: ${distance(COLOR_RGB[a], COLOR_RGB[b])}`);
    for (const bg of BACKGROUNDS) assert.ok(distance(COLOR_RGB[a], BACKGROUND_RGB[bg]) >= 140, `${a} on ${bg}`);
  }
  assert.ok(COLORS.length >= 8 && SHAPES.length >= 5);
});

/** A 32x32 grey-level render of one white shape on black, centred at (16 + dx, 16 + dy). */
function render(shape: ShapeKind, dx: number, dy: number, size: 'small' | 'large' = 'small'): Float64Array {
  const scene: ShapesScene = {
    width: 32,
    height: 32,
    frameCount: 1,
    background: 'black',
    objects: [{ shape, color: 'white', size, motion: 'still', radius: 32 * SIZE_RADIUS_FRACTION[size], positions: [[16 + dx, 16 + dy]] }],
  };
  const rgb = renderScene(scene);
  const grey = new Float64Array(32 * 32);
  for (let i = 0; i < grey.length; i++) grey[i] = rgb[i * 3] / COLOR_RGB.white[0];
  return grey;
}

const l2 = (a: Float64Array, b: Float64Array): number => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));
const SHIFTS = [-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1];

/** The shape whose template, at the best quarter-pixel shift, is closest to `img`, and that distance. */
function classify(img: Float64Array, templates: Map<ShapeKind, Float64Array[]>): { shape: ShapeKind; distance: number } {
  let best = { shape: SHAPES[0] as ShapeKind, distance: Infinity };
  for (const [shape, renders] of templates) for (const t of renders) if (l2(img, t) < best.distance) best = { shape, distance: l2(img, t) };
  return best;
}

test('shapes are distinguishable at 32x32: translation-tolerant nearest-template classification is exact', () => {
  for (const size of ['small', 'large'] as const) {
    const templates = new Map(SHAPES.map((s) => [s, SHIFTS.flatMap((dy) => SHIFTS.map((dx) => render(s, dx, dy, size)))] as const));
    for (const shape of SHAPES) {
      // Other shapes stay far away whatever their sub-pixel alignment (at least ~4 pixels' worth of difference).
      const own = render(shape, 0, 0, size);
      for (const [other, renders] of templates) {
        if (other !== shape) assert.ok(Math.min(...renders.map((t) => l2(own, t))) >= 2, `${size} ${shape} looks like a shifted ${other}`);
      }
      // Off-grid positions are still recognised.
      for (const [dx, dy] of [[0.125, 0.375], [-0.375, 0.625], [0.875, -0.125]]) {
        assert.equal(classify(render(shape, dx, dy, size), templates).shape, shape, `${size} ${shape} at (${dx}, ${dy})`);
      }
    }
  }
});

test('rendered pixels follow the scene: topmost object colors at its centre, background far from objects', () => {
  for (let i = 0; i < 60; i++) {
    const s = shapesSample('train', i);
    const { scene } = s;
    const px = (f: number, x: number, y: number): number[] => Array.from(s.frames.subarray(((f * 32 + y) * 32 + x) * 3, ((f * 32 + y) * 32 + x) * 3 + 3));
    for (let f = 0; f < scene.frameCount; f++) {
      const top = scene.objects[scene.objects.length - 1];
      if (top.shape !== 'ring') {
        const [cx, cy] = top.positions[f];
        assert.deepEqual(px(f, Math.floor(cx), Math.floor(cy)), [...COLOR_RGB[top.color]], `sample ${i} frame ${f}`);
      }
      for (let y = 0; y < 32; y += 3) {
        for (let x = 0; x < 32; x += 3) {
          const far = scene.objects.every((o) => Math.abs(x + 0.5 - o.positions[f][0]) > o.radius + 1 || Math.abs(y + 0.5 - o.positions[f][1]) > o.radius + 1);
          if (far) assert.deepEqual(px(f, x, y), [...BACKGROUND_RGB[scene.background]]);
        }
      }
    }
  }
});

test('edges are anti-aliased and every frame fits a 256-color palette', () => {
  let blended = 0;
  for (let i = 0; i < 40; i++) {
    const s = shapesSample('test', i);
    for (let f = 0; f < s.frameCount; f++) {
      const colors = new Set<number>();
      for (let p = f * 3072; p < (f + 1) * 3072; p += 3) colors.add((s.frames[p] << 16) | (s.frames[p + 1] << 8) | s.frames[p + 2]);
      assert.ok(colors.size <= 256);
      blended += colors.size - 1 - s.scene.objects.length;
    }
  }
  assert.ok(blended > 1000, 'expected intermediate edge colors from supersampling');
});

test('row spans and the point test describe the same shapes', () => {
  const spans = new Float64Array(4);
  for (const shape of SHAPES) {
    for (let j = 0; j <= 200; j++) {
      const v = -1.05 + (2.1 * j) / 200 + 1e-7;
      const n = shapeRowSpans(shape, v, spans);
      for (let i = 0; i <= 200; i++) {
        const u = -1.05 + (2.1 * i) / 200 + 1e-7;
        let inSpan = false;
        for (let k = 0; k < n; k++) if (u >= spans[2 * k] && u <= spans[2 * k + 1]) inSpan = true;
        assert.equal(inSpan, insideShape(shape, u, v), `${shape} at (${u}, ${v})`);
      }
    }
  }
});
