/**
 * Ground-truth scene description of one Shapes-world video, and its random sampler.
 *
 * Coordinates are in pixels with the origin at the top-left corner of the frame, x to the right
 * and y downwards; pixel (i, j) covers [i, i+1) x [j, j+1). Objects are listed in drawing order:
 * later objects are drawn on top of earlier ones (a fixed depth order for the whole video).
 */
import { hashSeed, type SeededRandom } from '../random.js';
import {
  BACKGROUNDS,
  COLOR_WEIGHT,
  COLORS,
  MOTION_DIRECTION,
  MOTIONS,
  SHAPE_WEIGHT,
  SHAPES,
  SIZE_RADIUS_FRACTION,
  SIZES,
  TRAVEL_FRACTION,
  shapeRowSpans,
  type BackgroundColor,
  type Motion,
  type ShapeColor,
  type ShapeKind,
  type ShapeSize,
} from './palette.js';

export interface ShapesObject {
  shape: ShapeKind;
  color: ShapeColor;
  size: ShapeSize;
  motion: Motion;
  /** Half-extent in pixels: the shape fits in the square centre +- radius. */
  radius: number;
  /** Centre (x, y) in pixels for every frame. */
  positions: Array<[number, number]>;
}

export interface ShapesScene {
  width: number;
  height: number;
  frameCount: number;
  background: BackgroundColor;
  /** Drawing order: later objects are drawn on top. */
  objects: ShapesObject[];
}

/** A color-shape combination, e.g. a red circle. */
export interface ColorShapePair {
  color: ShapeColor;
  shape: ShapeKind;
}

/** Constraints the sampler must respect (they come from the split). */
export interface SceneConstraints {
  width: number;
  height: number;
  frameCount: number;
  /** Pairs any object may take. */
  allowedPairs: readonly ColorShapePair[];
  /** When set, one object (at a random depth) is drawn from these pairs; the others from allowedPairs. */
  requiredPairs?: readonly ColorShapePair[];
  /** When set, only scenes whose {@link sceneBucket} passes this test are returned. */
  acceptBucket?: (bucket: number) => boolean;
}

/** Largest fraction of an object's area that may be hidden by objects drawn above it, in any frame. */
export const MAX_HIDDEN_FRACTION = 0.3;
/** Minimum gap in pixels between an object's bounding box and the frame edge, in every frame. */
export const EDGE_MARGIN = 0.5;
const MAX_OBJECTS = 3;
const POSITION_ATTEMPTS = 40;
const ATTRIBUTE_ATTEMPTS = 100_000;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Relative sampling weight of a color-shape pair. */
export function pairWeight(pair: ColorShapePair): number {
  return COLOR_WEIGHT[pair.color] * SHAPE_WEIGHT[pair.shape];
}

/** Every color-shape pair, in palette order. */
export function allPairs(): ColorShapePair[] {
  const out: ColorShapePair[] = [];
  for (const color of COLORS) for (const shape of SHAPES) out.push({ color, shape });
  return out;
}

const samePair = (a: ColorShapePair, b: ColorShapePair): boolean => a.color === b.color && a.shape === b.shape;

/**
 * Samples a scene: 1-3 objects (uniformly many) with distinct color-shape pairs, straight
 * constant-speed trajectories that stay inside the frame, and at most {@link MAX_HIDDEN_FRACTION}
 * of any object hidden in any frame. Deterministic given the generator state.
 */
export function sampleScene(rng: SeededRandom, c: SceneConstraints): ShapesScene {
  const unit = Math.min(c.width, c.height);
  if (!Number.isInteger(c.frameCount) || c.frameCount < 1) throw new Error(`frameCount must be a positive integer, got ${c.frameCount}`);
  const background = rng.pick(BACKGROUNDS);
  const count = rng.intBetween(1, MAX_OBJECTS);
  for (let attempt = 0; attempt < ATTRIBUTE_ATTEMPTS; attempt++) {
    const requiredAt = c.requiredPairs ? rng.int(count) : -1;
    const scene: ShapesScene = { width: c.width, height: c.height, frameCount: c.frameCount, background, objects: [] };
    scene.objects.push(placeObject(rng, drawAttributes(rng, c, scene, requiredAt === 0), c, unit));
    if (c.acceptBucket && !c.acceptBucket(sceneBucket(scene))) continue;
    // Place the other objects bottom to top; each may hide at most MAX_HIDDEN_FRACTION of those below.
    for (let k = 1; k < count; k++) {
      const a = drawAttributes(rng, c, scene, requiredAt === k);
      let placed = false;
      for (let p = 0; p < POSITION_ATTEMPTS && !placed; p++) {
        scene.objects.push(placeObject(rng, a, c, unit));
        placed = topObjectFits(scene);
        if (!placed) scene.objects.pop();
      }
      if (!placed) break;
    }
    if (scene.objects.length === count) return scene;
  }
  throw new Error(`could not place ${count} objects in a ${c.width}x${c.height} frame; is the frame too small?`);
}

/**
 * Bucket 0-99 of a scene: a hash of its size, background and bottom object (attributes and start
 * position, which with the motion fix its whole trajectory). Being a function of the scene, equal
 * scenes always share a bucket, so splits that own disjoint buckets share no scene. It only looks
 * at the bottom object so the sampler can reject a bucket before placing the others.
 */
export function sceneBucket(scene: ShapesScene): number {
  const o = scene.objects[0];
  const [x, y] = o.positions[0];
  return (
    hashSeed(
      scene.width,
      scene.height,
      scene.frameCount,
      BACKGROUNDS.indexOf(scene.background),
      SHAPES.indexOf(o.shape),
      COLORS.indexOf(o.color),
      SIZES.indexOf(o.size),
      MOTIONS.indexOf(o.motion),
      Math.round(x * 1000),
      Math.round(y * 1000),
    ) % 100
  );
}

type ObjectAttributes = ColorShapePair & { size: ShapeSize; motion: Motion };

const weightCache = new WeakMap<readonly ColorShapePair[], number[]>();

/** Attributes of a new object whose color-shape pair differs from those already in the scene. */
function drawAttributes(rng: SeededRandom, c: SceneConstraints, scene: ShapesScene, required: boolean): ObjectAttributes {
  const pool = required ? c.requiredPairs! : c.allowedPairs;
  let weights = weightCache.get(pool);
  if (!weights) {
    weights = pool.map(pairWeight);
    weightCache.set(pool, weights);
  }
  // Pairs already used get weight 0.
  const available = weights.map((w, i) => (scene.objects.some((o) => samePair(o, pool[i])) ? 0 : w));
  const pair = rng.pickWeighted(pool, available);
  return {
    color: pair.color,
    shape: pair.shape,
    size: rng.pick(SIZES),
    motion: c.frameCount > 1 ? rng.pick(MOTIONS) : 'still',
  };
}

function placeObject(rng: SeededRandom, a: ObjectAttributes, c: SceneConstraints, unit: number): ShapesObject {
  const radius = round3(unit * SIZE_RADIUS_FRACTION[a.size]);
  const travel = unit * TRAVEL_FRACTION;
  const [dx, dy] = MOTION_DIRECTION[a.motion];
  const x0 = startCoordinate(rng, c.width, radius, dx * travel);
  const y0 = startCoordinate(rng, c.height, radius, dy * travel);
  const positions: Array<[number, number]> = [];
  for (let k = 0; k < c.frameCount; k++) {
    const t = c.frameCount > 1 ? k / (c.frameCount - 1) : 0;
    positions.push([round3(x0 + dx * travel * t), round3(y0 + dy * travel * t)]);
  }
  return { shape: a.shape, color: a.color, size: a.size, motion: a.motion, radius, positions };
}

/**
 * A start coordinate (the lowest allowed value plus a whole number of quarter pixels) such that
 * start and start + shift both keep the object inside the frame.
 */
function startCoordinate(rng: SeededRandom, extent: number, radius: number, shift: number): number {
  const lo = radius + EDGE_MARGIN + Math.max(0, -shift);
  const hi = extent - radius - EDGE_MARGIN - Math.max(0, shift);
  if (hi < lo) throw new Error(`frame extent ${extent}px is too small for an object of radius ${radius}px moving ${Math.abs(shift)}px`);
  return lo + rng.int(Math.floor((hi - lo) * 4) + 1) / 4;
}

// Hidden fractions are measured on this many rows across each object, exactly along each row.
const OVERLAP_ROWS = 48;
const rowV = (r: number): number => -1 + (2 * r + 1) / OVERLAP_ROWS;
const spanScratch = new Float64Array(4);

/** Summed row lengths of each shape in its unit frame (the denominator of hidden fractions). */
const SHAPE_ROW_AREA: ReadonlyMap<ShapeKind, number> = new Map(
  SHAPES.map((shape) => {
    let total = 0;
    for (let r = 0; r < OVERLAP_ROWS; r++) {
      const n = shapeRowSpans(shape, rowV(r), spanScratch);
      for (let k = 0; k < n; k++) total += spanScratch[2 * k + 1] - spanScratch[2 * k];
    }
    return [shape, total] as const;
  }),
);

function boxesOverlap(a: ShapesObject, b: ShapesObject, frame: number): boolean {
  const reach = a.radius + b.radius;
  return Math.abs(a.positions[frame][0] - b.positions[frame][0]) < reach && Math.abs(a.positions[frame][1] - b.positions[frame][1]) < reach;
}

// Scratch intervals: the row of the object below, the covering intervals of the objects above
// (at most two per object), and the covering intervals clipped to one span of the row below.
const belowSpans = new Float64Array(4);
const cover = new Float64Array(4 * 8);
const clipStart = new Float64Array(2 * 8);
const clipEnd = new Float64Array(2 * 8);

/**
 * Fraction of object `i`'s area covered by objects drawn above it in one frame, measured on
 * {@link OVERLAP_ROWS} rows with exact interval arithmetic along each row. Stops early (returning
 * a value above `stopAbove`) once the fraction is known to exceed it.
 */
function hiddenFraction(objects: readonly ShapesObject[], i: number, frame: number, stopAbove = 1): number {
  const below = objects[i];
  const [bx, by] = below.positions[frame];
  // Only rows that some object above reaches can be covered.
  let vLo = Infinity;
  let vHi = -Infinity;
  for (let j = i + 1; j < objects.length; j++) {
    const o = objects[j];
    vLo = Math.min(vLo, (o.positions[frame][1] - o.radius - by) / below.radius);
    vHi = Math.max(vHi, (o.positions[frame][1] + o.radius - by) / below.radius);
  }
  const rFrom = Math.max(0, Math.floor(((vLo + 1) * OVERLAP_ROWS) / 2));
  const rTo = Math.min(OVERLAP_ROWS - 1, Math.ceil(((vHi + 1) * OVERLAP_ROWS) / 2));
  const area = SHAPE_ROW_AREA.get(below.shape)!;
  const stopAt = stopAbove * area;
  let hidden = 0;
  for (let r = rFrom; r <= rTo && hidden <= stopAt; r++) {
    const v = rowV(r);
    const n = shapeRowSpans(below.shape, v, belowSpans);
    if (n === 0) continue;
    const y = by + v * below.radius;
    // Intervals (in the unit frame of the object below) that the objects above cover on this row.
    let m = 0;
    for (let j = i + 1; j < objects.length; j++) {
      const o = objects[j];
      const [ox, oy] = o.positions[frame];
      const k = shapeRowSpans(o.shape, (y - oy) / o.radius, spanScratch);
      for (let s = 0; s < 2 * k; s++) cover[m++] = (ox + spanScratch[s] * o.radius - bx) / below.radius;
    }
    for (let k = 0; k < n; k++) hidden += coveredLength(belowSpans[2 * k], belowSpans[2 * k + 1], m / 2);
  }
  return hidden / area;
}

/** Length of [lo, hi] covered by the union of the first `count` intervals in `cover`. */
function coveredLength(lo: number, hi: number, count: number): number {
  // Clip to [lo, hi] and insertion-sort by start (there are only a handful).
  let n = 0;
  for (let c = 0; c < count; c++) {
    const a = Math.max(lo, cover[2 * c]);
    const b = Math.min(hi, cover[2 * c + 1]);
    if (b <= a) continue;
    let p = n++;
    while (p > 0 && clipStart[p - 1] > a) {
      clipStart[p] = clipStart[p - 1];
      clipEnd[p] = clipEnd[p - 1];
      p--;
    }
    clipStart[p] = a;
    clipEnd[p] = b;
  }
  let total = 0;
  let end = -Infinity;
  for (let p = 0; p < n; p++) {
    if (clipEnd[p] <= end) continue;
    total += clipEnd[p] - Math.max(clipStart[p], end);
    end = clipEnd[p];
  }
  return total;
}

/** Whether the topmost object hides at most MAX_HIDDEN_FRACTION of each object below it, in every frame. */
function topObjectFits(scene: ShapesScene): boolean {
  const objects = scene.objects;
  const top = objects[objects.length - 1];
  for (let i = 0; i < objects.length - 1; i++) {
    // Motion is linear, so overlap peaks where the centres are closest: check that frame first,
    // which settles most rejections with a single estimate.
    let closest = 0;
    let best = Infinity;
    for (let f = 0; f < scene.frameCount; f++) {
      const d = Math.abs(objects[i].positions[f][0] - top.positions[f][0]) + Math.abs(objects[i].positions[f][1] - top.positions[f][1]);
      if (d < best) {
        best = d;
        closest = f;
      }
    }
    for (let k = -1; k < scene.frameCount; k++) {
      const f = k < 0 ? closest : k;
      if (k === closest || !boxesOverlap(objects[i], top, f)) continue;
      if (hiddenFraction(objects, i, f, MAX_HIDDEN_FRACTION) > MAX_HIDDEN_FRACTION) return false;
    }
  }
  return true;
}

/**
 * The largest fraction of any object's area covered by objects drawn above it, over all frames.
 */
export function maxHiddenFraction(scene: ShapesScene): number {
  let worst = 0;
  for (let i = 0; i < scene.objects.length - 1; i++) {
    for (let f = 0; f < scene.frameCount; f++) worst = Math.max(worst, hiddenFraction(scene.objects, i, f));
  }
  return worst;
}
