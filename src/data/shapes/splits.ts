/**
 * Dataset splits of the Shapes world and the color-shape pairs held out for the compositional split.
 *
 * - train / val / test never share a scene: each scene falls in a hash bucket that is a function
 *   of the scene ({@link sceneBucket}; buckets 0-79 train, 80-89 val, 90-99 test), so the splits
 *   are disjoint by construction, whatever the seeds. Each split also draws from its own seed stream.
 * - compositional: every scene contains at least one {@link HELD_OUT_PAIRS} object (red triangle,
 *   blue ring, green cross, yellow diamond). These pairs never occur in train, val or test — not in
 *   scenes and not in any caption or question — while each of their colors and shapes does occur
 *   there with other partners.
 */
import { allPairs, sceneBucket, type ColorShapePair, type SceneConstraints, type ShapesScene } from './scene.js';

export const SPLITS = ['train', 'val', 'test', 'compositional'] as const;
export type ShapesSplit = (typeof SPLITS)[number];

/** Color-shape pairs that appear only in the compositional split. */
export const HELD_OUT_PAIRS: readonly ColorShapePair[] = [
  { color: 'red', shape: 'triangle' },
  { color: 'blue', shape: 'ring' },
  { color: 'green', shape: 'cross' },
  { color: 'yellow', shape: 'diamond' },
];

/** True if the pair is reserved for the compositional split. */
export function isHeldOut(pair: ColorShapePair): boolean {
  return HELD_OUT_PAIRS.some((p) => p.color === pair.color && p.shape === pair.shape);
}

/** Pairs that may appear in a split (all pairs for compositional, the others otherwise). */
export function pairsAllowedIn(split: ShapesSplit): ColorShapePair[] {
  return split === 'compositional' ? allPairs() : allPairs().filter((p) => !isHeldOut(p));
}

/** Small integer identifying each split's seed stream. */
export const SPLIT_STREAM: Readonly<Record<ShapesSplit, number>> = { train: 1, val: 2, test: 3, compositional: 4 };

const BUCKETS: Readonly<Record<Exclude<ShapesSplit, 'compositional'>, readonly [number, number]>> = {
  train: [0, 80],
  val: [80, 90],
  test: [90, 100],
};

/** Whether a scene may belong to the split (compositional scenes are disjoint by their pairs). */
export function sceneBelongsTo(split: ShapesSplit, scene: ShapesScene): boolean {
  return split === 'compositional' || inBucketRange(split, sceneBucket(scene));
}

function inBucketRange(split: Exclude<ShapesSplit, 'compositional'>, bucket: number): boolean {
  const [lo, hi] = BUCKETS[split];
  return bucket >= lo && bucket < hi;
}

/** Sampler constraints for a split at a given resolution. */
export function splitConstraints(split: ShapesSplit, width: number, height: number, frameCount: number): SceneConstraints {
  return {
    width,
    height,
    frameCount,
    allowedPairs: pairsAllowedIn(split),
    ...(split === 'compositional'
      ? { requiredPairs: HELD_OUT_PAIRS }
      : { acceptBucket: (bucket: number) => inBucketRange(split, bucket) }),
  };
}
