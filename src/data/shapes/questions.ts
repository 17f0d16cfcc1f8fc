/**
 * Questions with short canonical answers about a Shapes scene, for understanding training and
 * exact-match evaluation:
 * - attribute: color / shape / size of a uniquely described object ("red", "circle", "small");
 * - motion: direction of an object ("left", "up-right", "still"), videos only;
 * - count: objects, objects of a shape or color, moving objects ("0".."3");
 * - existence: POPE-style "Is there a red circle in the video?" ("yes"/"no"), one yes and one no
 *   question per negative-sampling strategy (random, popular, adversarial), so exactly balanced;
 * - multiple_choice: MVBench-style lettered options, answer "A".."D".
 */
import type { SeededRandom } from '../random.js';
import { COLORS, MOTIONS, SHAPE_PLURAL, SHAPES, SIZES, type ShapeSize } from './palette.js';
import { referTo, type Attribute } from './refer.js';
import { pairWeight, type ColorShapePair, type ShapesScene } from './scene.js';
import { pairsAllowedIn, type ShapesSplit } from './splits.js';
import { canonicalMotionPhrase, withArticle } from './wording.js';

export const QUESTION_TYPES = ['color', 'shape', 'size', 'motion', 'count', 'existence', 'multiple_choice'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** POPE negative-sampling strategies. */
export const POPE_STRATEGIES = ['random', 'popular', 'adversarial'] as const;
export type PopeStrategy = (typeof POPE_STRATEGIES)[number];

/** Multiple-choice tasks (named after the closest MVBench tasks). */
export const MC_TASKS = ['moving_direction', 'object_color', 'object_shape', 'object_count', 'moving_object', 'object_existence'] as const;
export type McTask = (typeof MC_TASKS)[number];
const VIDEO_ONLY_TASKS: readonly McTask[] = ['moving_direction', 'moving_object'];

export const OPTION_LETTERS = ['A', 'B', 'C', 'D'] as const;
/** Last line of every multiple-choice question. */
export const MC_INSTRUCTION = "Answer with the option's letter from the given choices directly.";
/** How many of the most frequent absent objects POPE "popular" negatives are drawn from. */
export const POPULAR_TOP_K = 4;

export interface ShapesQuestion {
  type: QuestionType;
  /** The question as the user would type it (no media placeholder). */
  question: string;
  /** Short canonical answer for exact match: a word, a digit, "yes"/"no" or a letter. */
  answer: string;
  /** Index of the object asked about, when the question is about one object. */
  object?: number;
  /** What a color / shape / size / motion question names its object by ("the small circle": size, shape). */
  namedBy?: Attribute[];
  /** Negative-sampling strategy (existence questions). */
  pope?: PopeStrategy;
  /** Task (multiple-choice questions). */
  task?: McTask;
  /** Options in letter order (multiple-choice questions). */
  options?: string[];
}

const popularCache = new Map<ShapesSplit, readonly ColorShapePair[]>();

/** Pairs allowed in the split, most frequent first (the POPE "popular" ranking). */
export function popularPairs(split: ShapesSplit): readonly ColorShapePair[] {
  let ranked = popularCache.get(split);
  if (!ranked) {
    ranked = pairsAllowedIn(split)
      .map((pair, order) => ({ pair, order, weight: pairWeight(pair) }))
      .sort((a, b) => b.weight - a.weight || a.order - b.order)
      .map((e) => e.pair);
    popularCache.set(split, ranked);
  }
  return ranked;
}

const pairName = (p: ColorShapePair): string => `${p.color} ${p.shape}`;
const medium = (scene: ShapesScene): string => (scene.frameCount > 1 ? 'video' : 'image');
const isPresent = (scene: ShapesScene, p: ColorShapePair): boolean =>
  scene.objects.some((o) => o.color === p.color && o.shape === p.shape);

/** All questions for a scene, in a random order. */
export function askQuestions(rng: SeededRandom, scene: ShapesScene, split: ShapesSplit): ShapesQuestion[] {
  const out: ShapesQuestion[] = [];
  const push = (q: ShapesQuestion | undefined): void => {
    if (q) out.push(q);
  };
  push(attributeQuestion(rng, scene, 'color'));
  push(attributeQuestion(rng, scene, 'shape'));
  push(attributeQuestion(rng, scene, 'size'));
  if (scene.frameCount > 1) push(attributeQuestion(rng, scene, 'motion'));
  push(countQuestion(rng, scene));
  out.push(...existenceQuestions(rng, scene, split));
  push(multipleChoiceQuestion(rng, scene, split));
  return rng.shuffled(out);
}

const ATTRIBUTE_TEMPLATES: Readonly<Record<'color' | 'shape' | 'size' | 'motion', ReadonlyArray<(ref: string) => string>>> = {
  color: [(r) => `What color is the ${r}?`, (r) => `What is the color of the ${r}?`, (r) => `Which color does the ${r} have?`],
  shape: [(r) => `What shape is the ${r}?`, (r) => `What is the shape of the ${r}?`, (r) => `Which shape is the ${r}?`],
  size: [(r) => `What size is the ${r}?`, (r) => `Is the ${r} small or large?`, (r) => `Is the ${r} large or small?`],
  motion: [(r) => `In which direction is the ${r} moving?`, (r) => `Which way is the ${r} moving?`, (r) => `Where is the ${r} going?`],
};

function attributeQuestion(rng: SeededRandom, scene: ShapesScene, attr: 'color' | 'shape' | 'size' | 'motion'): ShapesQuestion | undefined {
  for (const index of rng.shuffled(scene.objects.map((_, i) => i))) {
    const ref = referTo(rng, scene, index, [attr]);
    if (ref === undefined) continue;
    return { type: attr, question: rng.pick(ATTRIBUTE_TEMPLATES[attr])(ref.text), answer: scene.objects[index][attr], object: index, namedBy: [...ref.attributes] };
  }
  return undefined;
}

function countQuestion(rng: SeededRandom, scene: ShapesScene): ShapesQuestion {
  const m = medium(scene);
  const objs = scene.objects;
  const kinds = scene.frameCount > 1 ? (['all', 'shape', 'color', 'moving'] as const) : (['all', 'shape', 'color'] as const);
  const question = (text: string, n: number): ShapesQuestion => ({ type: 'count', question: text, answer: String(n) });
  switch (rng.pick(kinds)) {
    case 'all':
      return question(rng.pick([`How many objects are there?`, `How many objects are in the ${m}?`, `How many shapes can you see?`]), objs.length);
    case 'shape': {
      const shape = rng.chance(0.5) ? rng.pick(objs).shape : rng.pick(SHAPES);
      const plural = SHAPE_PLURAL[shape];
      return question(rng.pick([`How many ${plural} are there?`, `How many ${plural} are in the ${m}?`]), objs.filter((o) => o.shape === shape).length);
    }
    case 'color': {
      const color = rng.chance(0.5) ? rng.pick(objs).color : rng.pick(COLORS);
      return question(
        rng.pick([`How many ${color} objects are there?`, `How many ${color} shapes are in the ${m}?`]),
        objs.filter((o) => o.color === color).length,
      );
    }
    case 'moving': {
      const moving = objs.filter((o) => o.motion !== 'still').length;
      return rng.chance(0.5) ? question('How many objects are moving?', moving) : question('How many objects are not moving?', objs.length - moving);
    }
  }
}

function existenceText(rng: SeededRandom, scene: ShapesScene, thing: string): string {
  const m = medium(scene);
  const a = withArticle(thing);
  return rng.pick([`Is there ${a} in the ${m}?`, `Does the ${m} contain ${a}?`, `Is there ${a} in this ${m}?`]);
}

/** One "yes" and one "no" question per POPE strategy. */
function existenceQuestions(rng: SeededRandom, scene: ShapesScene, split: ShapesSplit): ShapesQuestion[] {
  const absent = pairsAllowedIn(split).filter((p) => !isPresent(scene, p));
  const out: ShapesQuestion[] = [];
  for (const pope of POPE_STRATEGIES) {
    const index = rng.int(scene.objects.length);
    const present = scene.objects[index];
    const positive = rng.chance(0.3) ? `${present.size} ${pairName(present)}` : pairName(present);
    out.push({ type: 'existence', question: existenceText(rng, scene, positive), answer: 'yes', object: index, pope });
    out.push({ type: 'existence', question: existenceText(rng, scene, negativeObject(rng, scene, split, absent, pope)), answer: 'no', pope });
  }
  return out;
}

/** Names an object that is not in the scene, chosen by the POPE strategy. */
function negativeObject(rng: SeededRandom, scene: ShapesScene, split: ShapesSplit, absent: ColorShapePair[], pope: PopeStrategy): string {
  switch (pope) {
    case 'random':
      return pairName(rng.pick(absent));
    case 'popular':
      return pairName(rng.pick(popularPairs(split).filter((p) => !isPresent(scene, p)).slice(0, POPULAR_TOP_K)));
    case 'adversarial': {
      // Near misses of a present object: same shape in another color, same color in another
      // shape, or the right pair with the wrong size.
      const o = rng.pick(scene.objects);
      const sameShape = absent.filter((p) => p.shape === o.shape);
      const sameColor = absent.filter((p) => p.color === o.color);
      const kinds: Array<'shape' | 'color' | 'size'> = ['size'];
      if (sameShape.length > 0) kinds.push('shape');
      if (sameColor.length > 0) kinds.push('color');
      const kind = rng.pick(kinds);
      if (kind === 'size') {
        const wrongSize: ShapeSize = SIZES.find((s) => s !== o.size)!;
        return `${wrongSize} ${pairName(o)}`;
      }
      const pool = kind === 'shape' ? sameShape : sameColor;
      return pairName(rng.pickWeighted(pool, pool.map(pairWeight)));
    }
  }
}

function multipleChoiceQuestion(rng: SeededRandom, scene: ShapesScene, split: ShapesSplit): ShapesQuestion | undefined {
  const tasks = MC_TASKS.filter((t) => scene.frameCount > 1 || !VIDEO_ONLY_TASKS.includes(t));
  for (const task of rng.shuffled(tasks)) {
    const made = multipleChoiceFor(rng, scene, split, task);
    if (!made) continue;
    const options = rng.shuffled([made.correct, ...rng.shuffled(made.distractors).slice(0, OPTION_LETTERS.length - 1)]);
    const lines = options.map((o, i) => `(${OPTION_LETTERS[i]}) ${o}`);
    return {
      type: 'multiple_choice',
      task,
      question: [made.question, ...lines, MC_INSTRUCTION].join('\n'),
      answer: OPTION_LETTERS[options.indexOf(made.correct)],
      options,
      ...(made.object !== undefined ? { object: made.object } : {}),
    };
  }
  return undefined;
}

interface ChoiceParts {
  question: string;
  correct: string;
  /** At least three wrong options, all different from the correct one. */
  distractors: string[];
  object?: number;
}

function multipleChoiceFor(rng: SeededRandom, scene: ShapesScene, split: ShapesSplit, task: McTask): ChoiceParts | undefined {
  const objs = scene.objects;
  const m = medium(scene);
  const absent = pairsAllowedIn(split).filter((p) => !isPresent(scene, p));
  const anyObject = (attr: 'color' | 'shape' | 'motion'): { index: number; ref: string } | undefined => {
    for (const index of rng.shuffled(objs.map((_, i) => i))) {
      const ref = referTo(rng, scene, index, [attr]);
      if (ref !== undefined) return { index, ref: ref.text };
    }
    return undefined;
  };
  switch (task) {
    case 'object_color': {
      const pick = anyObject('color');
      if (!pick) return undefined;
      const correct = objs[pick.index].color;
      return { question: `What color is the ${pick.ref}?`, correct, distractors: COLORS.filter((c) => c !== correct), object: pick.index };
    }
    case 'object_shape': {
      const pick = anyObject('shape');
      if (!pick) return undefined;
      const correct = objs[pick.index].shape;
      return { question: `What shape is the ${pick.ref}?`, correct, distractors: SHAPES.filter((s) => s !== correct), object: pick.index };
    }
    case 'moving_direction': {
      const pick = anyObject('motion');
      if (!pick) return undefined;
      const correct = objs[pick.index].motion;
      return { question: `Which direction is the ${pick.ref} moving?`, correct, distractors: MOTIONS.filter((d) => d !== correct), object: pick.index };
    }
    case 'object_count':
      return { question: `How many objects are in the ${m}?`, correct: String(objs.length), distractors: ['1', '2', '3', '4'].filter((n) => n !== String(objs.length)) };
    case 'moving_object': {
      const unique = objs.map((_, i) => i).filter((i) => objs.every((o, j) => j === i || o.motion !== objs[i].motion));
      if (unique.length === 0) return undefined;
      const index = rng.pick(unique);
      const others = [...objs.filter((_, j) => j !== index).map(pairName), ...absent.map(pairName)];
      return { question: `Which object is ${canonicalMotionPhrase(objs[index].motion)}?`, correct: pairName(objs[index]), distractors: others, object: index };
    }
    case 'object_existence':
      return { question: `Which of these objects appears in the ${m}?`, correct: pairName(rng.pick(objs)), distractors: absent.map(pairName) };
  }
}
