/**
 * Training examples drawn from the Shapes world, one per data index (the index is the data position a
 * checkpoint stores; the same index and seed always give the same example).
 *
 * Understanding: a conversation about one video (or, with probability `imageShare`, a one-frame
 * image): 1..maxTurns of its questions in random order, one per turn, sometimes followed by a
 * captioning turn. Several questions per clip amortise its visual tokens. In the grounding phase that
 * opens a run, each draw is instead one attribute question without caption (of one-object scenes
 * first; see GROUNDING_STAGES).
 * Generation: a clip and one of its captions; with probability `dropPrompt` the caption is replaced by
 * the empty prompt, which is what classifier-free guidance's unconditional branch sees. A share
 * `genSingleShare` of the clips hold one object (see ShapesSourceOptions).
 */
import { shapesAnnotation, shapesSample, type ShapesSample } from '../data/index.js';
import type { QuestionAnswer, QuestionType, ShapesQuestion } from '../data/index.js';
import { Rng } from '../tensor/index.js';

/** Ways a user asks for a description; the answer is one of the sample's captions. */
const DESCRIBE_REQUESTS = [
  'Describe the video.',
  'What happens in this video?',
  'Describe what you see.',
  'Give a short description of the video.',
];
const DESCRIBE_IMAGE_REQUESTS = ['Describe the image.', 'What is in this picture?', 'Describe what you see.'];

export interface UnderstandingDraw {
  sample: ShapesSample;
  media: 'video' | 'image';
  turns: QuestionAnswer[];
}

export interface GenerationDraw {
  sample: ShapesSample;
  /** the caption conditioning this clip ('' when dropped for guidance) */
  prompt: string;
}

export interface ShapesSourceOptions {
  /** dataset seed of the Shapes world */
  seed: number;
  /** frames per video */
  frames: number;
  /** share of understanding examples that are still images */
  imageShare: number;
  /** probability that a conversation ends with a captioning turn */
  captionShare: number;
  /**
   * most questions per conversation (the count is uniform in 1..maxTurns). Few turns keep earlier
   * answers from giving later ones away, which would let the model answer from the text alone.
   */
  maxTurns: number;
  /** probability that a generation caption is dropped (classifier-free guidance) */
  dropPrompt: number;
  /**
   * share of generation clips drawn from one-object scenes (the rest from any scene). A caption then
   * describes the whole clip but where the object starts. 700 steps of 12 such clips, fine-tuning a
   * model trained on any scene (whose loss the motion words did not change), took generated-video
   * motion fidelity from 4% to 29% and colour from 71% to 88%; the default run at share 0.75 (6 clips
   * per step) reached colour 79% (71% at share 0), its motion words still without effect.
   */
  genSingleShare: number;
}

/** Stream ids keep the understanding and generation draws independent of each other. */
const UNDERSTANDING_STREAM = 1, GENERATION_STREAM = 2;

/** One stage of the grounding phase: the question types asked, and whether scenes hold one object only. */
export interface GroundingStage {
  types: readonly QuestionType[];
  singleObject: boolean;
}

/**
 * Stages of the grounding phase, half of it each: any attribute of the one object of a scene, then of
 * an object among several. Measured on the tiny preset with the vision stem (initializer_range 0.06),
 * one question per clip, 16 clips per step, accuracy on every test scene: 300 steps of lone objects
 * bring colour 55%, shape 45%, size 63%, motion 42%; the same 300 steps on every scene 48%, 17%,
 * 62%, 10% (shape and motion at the answer prior: to name "the red object's shape" the model must
 * first see shape at all).
 */
export const GROUNDING_STAGES: readonly GroundingStage[] = [
  { types: ['color', 'shape', 'size', 'motion'], singleObject: true },
  { types: ['color', 'shape', 'size', 'motion'], singleObject: false },
];

/** One-question conversations of the attribute phase (options.attrBatch): an attribute of one object of any scene, or a count. */
export const ATTRIBUTE_STAGE: GroundingStage = { types: ['color', 'shape', 'size', 'motion', 'count'], singleObject: false };

/** The grounding stage at `step`, or null once the phase is over. */
export function groundingStage(step: number, groundingSteps: number): GroundingStage | null {
  if (step >= groundingSteps) return null;
  return GROUNDING_STAGES[Math.floor((step * GROUNDING_STAGES.length) / groundingSteps)];
}

/** One question of each type the sample has (a random one where it has several), types in random order. */
function questionPerType(rng: Rng, questions: readonly ShapesQuestion[], types?: readonly QuestionType[]): ShapesQuestion[] {
  const byType = new Map<QuestionType, ShapesQuestion[]>();
  for (const q of questions) {
    if (types && !types.includes(q.type)) continue;
    const group = byType.get(q.type);
    if (group) group.push(q);
    else byType.set(q.type, [q]);
  }
  const groups = [...byType.values()];
  return Array.from(rng.permutation(groups.length), (g) => groups[g][rng.int(groups[g].length)]);
}

/**
 * Train-split scene ranges: understanding draw i uses scene i (or, single-object, the first one-object
 * scene from UND_SINGLE_BASE + 8i on); generation draw i uses scene GEN_BASE + i (or the first
 * one-object scene from GEN_SINGLE_BASE + 8i on).
 */
const UND_SINGLE_BASE = 3_000_000_000, GEN_BASE = 1_000_000_000, GEN_SINGLE_BASE = 3_500_000_000, SINGLE_SPACING = 8;

/** The first train-split scene holding one object from `base + 8 index` on. */
function singleObjectScene(base: number, index: number, o: ShapesSourceOptions): number {
  // 1 scene in 3 holds one object; a range of 8 has none with probability (2/3)^8 = 4%, then the search goes on past it
  for (let i = base + SINGLE_SPACING * index; ; i++) {
    if (shapesAnnotation('train', i, { frames: 1, seed: o.seed }).scene.objects.length === 1) return i;
  }
}

/**
 * The understanding example at data index `index` (train split). With `grounding` (a grounding
 * stage), it is one question of one of the stage's types and no caption (or, in the rare scene where
 * no object can be named without the attribute asked, e.g. two same-size circles on a still image
 * asked for colour, or a motion stage's still image, one of its other questions).
 */
export function understandingDraw(index: number, o: ShapesSourceOptions, grounding: GroundingStage | null = null): UnderstandingDraw {
  const rng = new Rng(o.seed, UNDERSTANDING_STREAM, index * 4);
  const [u0, u1, u2, u3] = rng.uniform(4);
  const image = u0 < o.imageShare;
  const scene = grounding?.singleObject ? singleObjectScene(UND_SINGLE_BASE, index, o) : index;
  const sample = shapesSample('train', scene, { frames: image ? 1 : o.frames, seed: o.seed });
  const media = image ? 'image' : 'video';
  const ask = (q: ShapesQuestion): QuestionAnswer => ({ question: q.question, answer: q.answer });
  if (grounding) {
    const asked = questionPerType(rng, sample.questions, grounding.types);
    return { sample, media, turns: (asked.length ? asked : questionPerType(rng, sample.questions)).slice(0, 1).map(ask) };
  }
  const order = rng.permutation(sample.questions.length);
  const count = 1 + Math.floor(u1 * Math.min(o.maxTurns, sample.questions.length));
  const turns = Array.from(order.slice(0, count), (i) => ask(sample.questions[i]));
  if (u2 < o.captionShare) {
    const requests = image ? DESCRIBE_IMAGE_REQUESTS : DESCRIBE_REQUESTS;
    const request = requests[Math.floor(u3 * requests.length)];
    // Last, so the caption (which names every attribute) cannot give the answers to the questions away.
    turns.push({ question: request, answer: sample.captions[rng.int(sample.captions.length)] });
  }
  return { sample, media, turns };
}

/** The generation example at data index `index` (train split). */
export function generationDraw(index: number, o: ShapesSourceOptions): GenerationDraw {
  const rng = new Rng(o.seed, GENERATION_STREAM, index * 4);
  const [u0, u1, u2] = rng.uniform(3);
  const scene = u2 < o.genSingleShare ? singleObjectScene(GEN_SINGLE_BASE, index, o) : GEN_BASE + index;
  const sample = shapesSample('train', scene, { frames: o.frames, seed: o.seed });
  const texts = [sample.description, ...sample.captions];
  return { sample, prompt: u0 < o.dropPrompt ? '' : texts[Math.floor(u1 * texts.length)] };
}
