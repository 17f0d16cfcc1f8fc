/**
 * Referring expressions: short descriptions that pick out exactly one object of a scene
 * ("the red object", "the small circle", "the circle moving left").
 */
import type { SeededRandom } from '../random.js';
import type { ShapesObject, ShapesScene } from './scene.js';
import { canonicalMotionPhrase } from './wording.js';

export type Attribute = 'size' | 'color' | 'shape' | 'motion';

const CANDIDATE_SETS: ReadonlyArray<readonly Attribute[]> = [
  ['shape'],
  ['color'],
  ['size', 'shape'],
  ['color', 'shape'],
  ['size', 'color'],
  ['size', 'color', 'shape'],
  ['motion'],
  ['shape', 'motion'],
  ['color', 'motion'],
];

function matches(o: ShapesObject, target: ShapesObject, attrs: readonly Attribute[]): boolean {
  return attrs.every((a) => o[a] === target[a]);
}

/** Renders an attribute set as a noun phrase without article: "small red object", "circle moving left". */
function render(o: ShapesObject, attrs: readonly Attribute[]): string {
  const words: string[] = [];
  if (attrs.includes('size')) words.push(o.size);
  if (attrs.includes('color')) words.push(o.color);
  words.push(attrs.includes('shape') ? o.shape : 'object');
  if (attrs.includes('motion')) words.push(o.motion === 'still' ? 'that is not moving' : canonicalMotionPhrase(o.motion));
  return words.join(' ');
}

/** A description of one object, and the attributes it names the object by. */
export interface Reference {
  text: string;
  attributes: readonly Attribute[];
}

/**
 * A random unique description of object `index` that does not mention any of `exclude`
 * (the attribute being asked about), or undefined when no such description exists.
 */
export function referTo(rng: SeededRandom, scene: ShapesScene, index: number, exclude: readonly Attribute[]): Reference | undefined {
  const target = scene.objects[index];
  const usable = CANDIDATE_SETS.filter((attrs) => {
    if (attrs.some((a) => exclude.includes(a))) return false;
    if (attrs.includes('motion') && scene.frameCount === 1) return false;
    return scene.objects.every((o, i) => i === index || !matches(o, target, attrs));
  });
  if (usable.length === 0) return undefined;
  const attributes = rng.pick(usable);
  return { text: render(target, attributes), attributes };
}
