/**
 * Captions of a Shapes scene: a canonical description (used as the generation prompt for
 * evaluation) and several captions in varied wording (templates, synonyms, word order).
 */
import type { SeededRandom } from '../random.js';
import type { ShapesScene } from './scene.js';
import {
  NUMBER_WORDS,
  canonicalMotionPhrase,
  capitalize,
  joinList,
  motionPhrase,
  objectNoun,
  withArticle,
} from './wording.js';

/** Number of varied captions produced per sample. */
export const CAPTIONS_PER_SAMPLE = 4;

const BACKGROUND_PREPOSITIONS = ['on', 'over', 'against'] as const;

/**
 * The canonical description: objects in drawing order, "size color shape" + canonical motion,
 * then the background. E.g. "a small red circle moving left and a large blue square moving up
 * and to the right on a black background". Still images omit motion.
 */
export function describeScene(scene: ShapesScene): string {
  const isVideo = scene.frameCount > 1;
  const parts = scene.objects.map((o) => withArticle(objectNoun(o)) + (isVideo ? ` ${canonicalMotionPhrase(o.motion)}` : ''));
  return `${joinList(parts)} on ${withArticle(scene.background)} background`;
}

interface CaptionParts {
  /** Noun phrases with participle motion: "a small red circle drifting left". */
  participles: string[];
  /** Finite clauses: "a small red circle drifts left" (videos) or noun phrases (images). */
  clauses: string[];
  background: string;
  backgroundPhrase: string;
  count: number;
  isVideo: boolean;
  oxford: boolean;
}

type Template = (p: CaptionParts) => string;

const TEMPLATES: readonly Template[] = [
  (p) => `${joinList(p.participles, p.oxford)} ${p.backgroundPhrase}`,
  (p) =>
    p.isVideo
      ? `${capitalize(joinList(p.clauses, p.oxford))}. The background is ${p.background}.`
      : `${capitalize(joinList(p.participles, p.oxford))} ${p.count > 1 ? 'are' : 'is'} shown ${p.backgroundPhrase}.`,
  (p) =>
    p.isVideo
      ? `On ${withArticle(p.background)} background, ${joinList(p.clauses, p.oxford)}.`
      : `On ${withArticle(p.background)} background, there ${p.count > 1 ? 'are' : 'is'} ${joinList(p.participles, p.oxford)}.`,
  (p) => `${capitalize(p.background)} background with ${joinList(p.participles, p.oxford)}.`,
  (p) =>
    p.count > 1
      ? `There are ${NUMBER_WORDS[p.count]} objects: ${joinList(p.participles, p.oxford)}, ${p.backgroundPhrase}.`
      : `There is ${p.participles[0]} ${p.backgroundPhrase}.`,
  (p) => `${p.isVideo ? 'A video' : 'An image'} of ${joinList(p.participles, p.oxford)} ${p.backgroundPhrase}.`,
];

/** {@link CAPTIONS_PER_SAMPLE} captions, each from a different template, with random synonyms. */
export function captionScene(rng: SeededRandom, scene: ShapesScene): string[] {
  const isVideo = scene.frameCount > 1;
  const templates = rng.shuffled(TEMPLATES).slice(0, CAPTIONS_PER_SAMPLE);
  return templates.map((template) => {
    const participles: string[] = [];
    const clauses: string[] = [];
    for (const o of scene.objects) {
      const noun = withArticle(objectNoun(o));
      participles.push(isVideo ? `${noun} ${motionPhrase(rng, o.motion, 'participle')}` : noun);
      clauses.push(isVideo ? `${noun} ${motionPhrase(rng, o.motion, 'finite')}` : noun);
    }
    const preposition = rng.pick(BACKGROUND_PREPOSITIONS);
    return template({
      participles,
      clauses,
      background: scene.background,
      backgroundPhrase: `${preposition} ${withArticle(scene.background)} background`,
      count: scene.objects.length,
      isVideo,
      oxford: rng.chance(0.5),
    });
  });
}
