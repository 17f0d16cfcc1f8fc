/**
 * Understanding accuracy on the Shapes world: every question of N samples of a split, asked one per
 * prompt (single turn) about the sample's video, scored per question type:
 *   existence        POPE answer parsing (yes/no) against the truth
 *   multiple_choice  the option letter (MVBench parsing) against the correct letter
 *   others           exact match of the normalised answer (color, shape, size, motion, count)
 * and grouped as attribute (color, shape, size), direction (motion), counting (count) and multiple
 * choice, with POPE accuracy / precision / recall / F1 / yes-ratio overall and per negative-sampling
 * strategy. The questions about one object (color, shape, size, motion) are also scored apart for
 * scenes holding one object and scenes holding several: there the question must name its object
 * ("the red object", "the circle moving left"), so the gap between the two columns measures how far
 * the model binds the description to the right object instead of reading the whole scene. In scenes of
 * several objects they are also scored by what the description names the object by (a question named
 * by size and shape counts under both), which shows which attributes the model can find an object by.
 * Answers come from any function, so the scoring can be checked with an oracle.
 */
import { makeVideo, POPE_STRATEGIES, QUESTION_TYPES, shapesSample, type Attribute, type PopeStrategy, type QuestionType, type RgbVideo, type ShapesQuestion, type ShapesSplit } from '../data/index.js';
import { exactMatch, parseOptionLetter, parsePopeAnswer, popeMetrics, type PopeMetrics } from './metrics.js';

/** One question about one sample's video. */
export interface UnderstandingItem {
  /** index of the Shapes sample in its split */
  sample: number;
  video: RgbVideo;
  question: ShapesQuestion;
  /** objects in the sample's scene */
  objects: number;
}

/** Answers a batch of questions, one answer text per item, in order. */
export type AnswerBatch = (items: readonly UnderstandingItem[]) => string[];

/** Accuracy over `count` questions (null when there were none). */
export interface Accuracy {
  accuracy: number | null;
  count: number;
}

export const UNDERSTANDING_GROUPS = {
  attribute: ['color', 'shape', 'size'],
  direction: ['motion'],
  counting: ['count'],
  multiple_choice: ['multiple_choice'],
} as const satisfies Record<string, readonly QuestionType[]>;
export type UnderstandingGroup = keyof typeof UNDERSTANDING_GROUPS;

/** Question types about one object of the scene, scored apart by the scene's object count. */
export const OBJECT_QUESTION_TYPES = ['color', 'shape', 'size', 'motion'] as const satisfies readonly QuestionType[];
export type ObjectQuestionType = (typeof OBJECT_QUESTION_TYPES)[number];
/** The attributes a question can name its object by, in report order. */
export const NAMING_ATTRIBUTES = ['color', 'shape', 'size', 'motion'] as const satisfies readonly Attribute[];

export interface UnderstandingReport {
  samples: number;
  questions: number;
  groups: Record<UnderstandingGroup, Accuracy>;
  types: Record<QuestionType, Accuracy>;
  /** accuracy of each one-object question type in scenes of one object, and of several */
  byScene: Record<'single' | 'several', Record<ObjectQuestionType, Accuracy>>;
  /** in scenes of several objects: accuracy of each one-object question type whose object is named by each attribute */
  byNaming: Record<ObjectQuestionType, Record<Attribute, Accuracy>>;
  pope: Record<'overall' | PopeStrategy, PopeMetrics>;
}

/** Every question of samples start .. start + n - 1 of the split. */
export function understandingItems(split: ShapesSplit, n: number, start = 0): UnderstandingItem[] {
  const items: UnderstandingItem[] = [];
  for (let sample = start; sample < start + n; sample++) {
    const s = shapesSample(split, sample);
    const video = makeVideo(s.frames, s.frameCount, s.height, s.width);
    for (const question of s.questions) items.push({ sample, video, question, objects: s.scene.objects.length });
  }
  return items;
}

/** Whether an answer text is right for the question. */
export function isCorrect(question: ShapesQuestion, predicted: string): boolean {
  switch (question.type) {
    case 'existence': return parsePopeAnswer(predicted) === question.answer;
    case 'multiple_choice': return parseOptionLetter(predicted) === question.answer;
    default: return exactMatch(predicted, question.answer);
  }
}

function accuracy(marks: readonly boolean[]): Accuracy {
  return { accuracy: marks.length ? marks.filter(Boolean).length / marks.length : null, count: marks.length };
}

/** Scores answers[i] against items[i]. */
export function scoreUnderstanding(items: readonly UnderstandingItem[], answers: readonly string[]): UnderstandingReport {
  if (answers.length !== items.length) throw new Error(`${answers.length} answers for ${items.length} questions`);
  const marks = items.map((item, i) => ({
    type: item.question.type, single: item.objects === 1, namedBy: item.question.namedBy ?? [], correct: isCorrect(item.question, answers[i]),
  }));
  const ofTypes = (types: readonly QuestionType[], single?: boolean) =>
    accuracy(marks.filter((m) => types.includes(m.type) && (single === undefined || m.single === single)).map((m) => m.correct));
  const byCount = (single: boolean) => Object.fromEntries(OBJECT_QUESTION_TYPES.map((t) => [t, ofTypes([t], single)])) as Record<ObjectQuestionType, Accuracy>;
  const named = (t: ObjectQuestionType, by: Attribute) => accuracy(marks.filter((m) => m.type === t && !m.single && m.namedBy.includes(by)).map((m) => m.correct));
  const byNaming = Object.fromEntries(OBJECT_QUESTION_TYPES.map((t) => [t, Object.fromEntries(NAMING_ATTRIBUTES.map((a) => [a, named(t, a)]))])) as
    Record<ObjectQuestionType, Record<Attribute, Accuracy>>;
  const pope = (strategy?: PopeStrategy) => popeMetrics(items.flatMap((item, i) => {
    const q = item.question;
    if (q.type !== 'existence' || (strategy && q.pope !== strategy)) return [];
    return [{ predicted: parsePopeAnswer(answers[i]), truth: q.answer as 'yes' | 'no' }];
  }));
  const groups = Object.fromEntries(Object.entries(UNDERSTANDING_GROUPS).map(([g, types]) => [g, ofTypes(types)])) as Record<UnderstandingGroup, Accuracy>;
  const types = Object.fromEntries(QUESTION_TYPES.map((t) => [t, ofTypes([t])])) as Record<QuestionType, Accuracy>;
  const byStrategy = Object.fromEntries(POPE_STRATEGIES.map((s) => [s, pope(s)])) as Record<PopeStrategy, PopeMetrics>;
  return {
    samples: new Set(items.map((i) => i.sample)).size,
    questions: items.length,
    groups, types,
    byScene: { single: byCount(true), several: byCount(false) },
    byNaming,
    pope: { overall: pope(), ...byStrategy },
  };
}

/**
 * Answers every item, `batchSize` per call to `answer` (items of similar question length together,
 * so a batch pads little), then scores; `onProgress` hears the questions answered so far.
 */
export function evaluateUnderstanding(items: readonly UnderstandingItem[], answer: AnswerBatch,
  options: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {}): UnderstandingReport {
  const batchSize = options.batchSize ?? 16;
  const order = items.map((_, i) => i).sort((a, b) => items[a].question.question.length - items[b].question.question.length || a - b);
  const answers = new Array<string>(items.length);
  for (let start = 0; start < order.length; start += batchSize) {
    const chunk = order.slice(start, start + batchSize);
    const got = answer(chunk.map((i) => items[i]));
    if (got.length !== chunk.length) throw new Error(`the answer function gave ${got.length} answers for ${chunk.length} questions`);
    chunk.forEach((i, k) => { answers[i] = got[k]; });
    options.onProgress?.(Math.min(start + batchSize, order.length), order.length);
  }
  return scoreUnderstanding(items, answers);
}
