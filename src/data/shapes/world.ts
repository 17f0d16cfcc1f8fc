/**
 * Shapes world: deterministic procedural videos with ground truth, captions and questions.
 *
 * API (stable; consumed by the trainer and the evaluator):
 *
 *   shapesSample(split, index, options?) -> ShapesSample
 *     split   'train' | 'val' | 'test' | 'compositional' (see splits.ts for what each holds)
 *     index   any non-negative integer; samples are generated on the fly, there is no dataset size
 *     options { frames = 9, height = 32, width = 32, seed = 0 }; frames = 1 gives still images
 *   returns {
 *     id, split, index, seed,
 *     frames: Uint8Array,      // RGB uint8, layout [frameCount, height, width, 3]
 *     frameCount, height, width,
 *     scene: ShapesScene,      // ground truth: background, objects with shape/color/size/motion/radius/positions
 *     description: string,     // canonical caption, e.g. "a small red circle moving left on a black background"
 *     captions: string[],      // CAPTIONS_PER_SAMPLE captions in varied wording
 *     questions: ShapesQuestion[] // {type, question, answer, object?, namedBy?, pope?, task?, options?}
 *   }
 *
 *   shapesAnnotation(split, index, options?) -> the same without `frames` (no rendering; for
 *   corpora, tokenizer training and evaluation bookkeeping).
 *
 * The world: 1-3 objects (palette.ts: 6 shapes, 8 colors, small/large, 8 directions + still) over
 * one of 4 dark backgrounds, drawn with 4x4 supersampling in a fixed depth order. Every object stays
 * inside the frame and moves 0.375 * min(H, W) per axis over the video (1.5 px per frame at 9 frames
 * of 32x32); at most ~30% of an object is ever hidden. The compositional split alone holds the
 * color-shape pairs red triangle, blue ring, green cross and yellow diamond (splits.ts).
 *
 * The same (split, index, options) always gives the same bytes. Generating one default sample takes
 * about half a millisecond of CPU on a slow 2-core machine, so the trainer can call this inside
 * its data loop.
 */
import { SeededRandom, hashSeed } from '../random.js';
import { captionScene, describeScene } from './captions.js';
import { askQuestions, type ShapesQuestion } from './questions.js';
import { renderScene } from './render.js';
import { sampleScene, type ShapesScene } from './scene.js';
import { SPLITS, SPLIT_STREAM, splitConstraints, type ShapesSplit } from './splits.js';

export interface ShapesOptions {
  /** Frames per video (default 9; 1 = still image). */
  frames?: number;
  /** Frame height in pixels (default 32, at least 16). */
  height?: number;
  /** Frame width in pixels (default 32, at least 16). */
  width?: number;
  /** Dataset seed (default 0); different seeds give different datasets with the same splits. */
  seed?: number;
}

export const SHAPES_DEFAULTS: Readonly<Required<ShapesOptions>> = { frames: 9, height: 32, width: 32, seed: 0 };
/** Smallest supported frame side, below which small shapes stop being recognisable. */
export const MIN_SIDE = 16;
export const MAX_SIDE = 1024;
export const MAX_FRAMES = 256;

export interface ShapesAnnotation {
  /** Unique within (split, seed): "shapes-<split>-<seed>-<index>". */
  id: string;
  split: ShapesSplit;
  index: number;
  seed: number;
  frameCount: number;
  height: number;
  width: number;
  scene: ShapesScene;
  description: string;
  captions: string[];
  questions: ShapesQuestion[];
}

export interface ShapesSample extends ShapesAnnotation {
  /** RGB uint8 frames, [frameCount, height, width, 3]. */
  frames: Uint8Array;
}

function resolveOptions(options: ShapesOptions): Required<ShapesOptions> {
  const o = {
    frames: options.frames ?? SHAPES_DEFAULTS.frames,
    height: options.height ?? SHAPES_DEFAULTS.height,
    width: options.width ?? SHAPES_DEFAULTS.width,
    seed: options.seed ?? SHAPES_DEFAULTS.seed,
  };
  const checkInt = (name: string, value: number, lo: number, hi: number): void => {
    if (!Number.isInteger(value) || value < lo || value > hi) throw new Error(`shapes: ${name} must be an integer in [${lo}, ${hi}], got ${value}`);
  };
  checkInt('frames', o.frames, 1, MAX_FRAMES);
  checkInt('height', o.height, MIN_SIDE, MAX_SIDE);
  checkInt('width', o.width, MIN_SIDE, MAX_SIDE);
  checkInt('seed', o.seed, 0, Number.MAX_SAFE_INTEGER);
  return o;
}

/** Ground truth, captions and questions of one sample, without rendering the frames. */
export function shapesAnnotation(split: ShapesSplit, index: number, options: ShapesOptions = {}): ShapesAnnotation {
  if (!SPLITS.includes(split)) throw new Error(`shapes: unknown split "${split}" (expected one of ${SPLITS.join(', ')})`);
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`shapes: index must be a non-negative integer, got ${index}`);
  const o = resolveOptions(options);
  const rng = new SeededRandom(hashSeed(o.seed, SPLIT_STREAM[split], index));
  const constraints = splitConstraints(split, o.width, o.height, o.frames);
  const scene = sampleScene(rng, constraints);
  return {
    id: `shapes-${split}-${o.seed}-${index}`,
    split,
    index,
    seed: o.seed,
    frameCount: o.frames,
    height: o.height,
    width: o.width,
    scene,
    description: describeScene(scene),
    captions: captionScene(rng, scene),
    questions: askQuestions(rng, scene, split),
  };
}

/** One Shapes-world sample: frames, ground truth, captions and questions. */
export function shapesSample(split: ShapesSplit, index: number, options: ShapesOptions = {}): ShapesSample {
  const annotation = shapesAnnotation(split, index, options);
  return { ...annotation, frames: renderScene(annotation.scene) };
}
