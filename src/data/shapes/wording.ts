/**
 * Shared English wording for Shapes captions and questions: noun phrases, motion phrases with
 * synonyms, articles and list joining.
 */
import type { SeededRandom } from '../random.js';
import type { Motion } from './palette.js';
import type { ShapesObject } from './scene.js';

/** Direction phrases per motion; the first one is canonical. */
export const DIRECTION_PHRASES: Readonly<Record<Exclude<Motion, 'still'>, readonly string[]>> = {
  left: ['left', 'to the left', 'leftward'],
  right: ['right', 'to the right', 'rightward'],
  up: ['up', 'upward'],
  down: ['down', 'downward'],
  'up-left': ['up and to the left', 'up-left', 'diagonally up and left', 'toward the upper left'],
  'up-right': ['up and to the right', 'up-right', 'diagonally up and right', 'toward the upper right'],
  'down-left': ['down and to the left', 'down-left', 'diagonally down and left', 'toward the lower left'],
  'down-right': ['down and to the right', 'down-right', 'diagonally down and right', 'toward the lower right'],
};

/** Movement verbs, as participle and finite (third person) forms; the first pair is canonical. */
const MOVE_VERBS: ReadonlyArray<readonly [string, string]> = [
  ['moving', 'moves'],
  ['drifting', 'drifts'],
  ['sliding', 'slides'],
  ['gliding', 'glides'],
  ['traveling', 'travels'],
];

/** Phrases for an object that does not move; the first pair is canonical. */
const STILL_PHRASES: ReadonlyArray<readonly [string, string]> = [
  ['staying still', 'stays still'],
  ['standing still', 'stands still'],
  ['not moving', 'does not move'],
  ['resting in place', 'rests in place'],
];

export const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four'] as const;

/** "a" or "an" for the word that follows. */
export function article(nextWord: string): 'a' | 'an' {
  return /^[aeiou]/i.test(nextWord) ? 'an' : 'a';
}

/** Prefixes a phrase with its indefinite article: "an orange circle". */
export function withArticle(phrase: string): string {
  return `${article(phrase)} ${phrase}`;
}

/** Upper-cases the first letter. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "size color shape", e.g. "small red circle". */
export function objectNoun(o: Pick<ShapesObject, 'size' | 'color' | 'shape'>): string {
  return `${o.size} ${o.color} ${o.shape}`;
}

/** Canonical participle motion phrase: "moving up and to the left", "staying still". */
export function canonicalMotionPhrase(motion: Motion): string {
  return motion === 'still' ? STILL_PHRASES[0][0] : `${MOVE_VERBS[0][0]} ${DIRECTION_PHRASES[motion][0]}`;
}

/** A randomly worded motion phrase, participle ("drifting left") or finite ("drifts left"). */
export function motionPhrase(rng: SeededRandom, motion: Motion, form: 'participle' | 'finite'): string {
  const k = form === 'participle' ? 0 : 1;
  if (motion === 'still') return rng.pick(STILL_PHRASES)[k];
  return `${rng.pick(MOVE_VERBS)[k]} ${rng.pick(DIRECTION_PHRASES[motion])}`;
}

/** "a", "a and b", "a, b and c" (optionally with an Oxford comma). */
export function joinList(items: readonly string[], oxfordComma = false): string {
  if (items.length <= 1) return items.join('');
  if (items.length === 2) return `${items[0]} and ${items[1]}`;
  return `${items.slice(0, -1).join(', ')}${oxfordComma ? ',' : ''} and ${items[items.length - 1]}`;
}
