/**
 * Generation prompt fidelity on the Shapes world: for M scenes of a split that hold exactly one
 * object, a video is generated from one of the scene's captions and read back with the analytic
 * detector; the largest detected object is compared with the prompt's object. Reported: the share of
 * videos whose colour, shape and motion direction match (each, and all three), and the share in
 * which any object was detected. Videos come from any function, so the scoring can be checked by
 * rendering the true scenes.
 */
import { CAPTIONS_PER_SAMPLE, shapesAnnotation, type RgbVideo, type ShapesObject, type ShapesSplit } from '../data/index.js';
import { detectObjects } from './detector.js';

/** One prompt and the object it asks for. */
export interface FidelityItem {
  /** index of the Shapes scene in its split */
  sample: number;
  prompt: string;
  object: ShapesObject;
}

/** Generates one video per prompt, in order. */
export type VideoBatch = (prompts: readonly string[]) => RgbVideo[];

export interface FidelityReport {
  videos: number;
  /** shares in [0, 1] (null when no video was made) */
  color: number | null;
  shape: number | null;
  motion: number | null;
  all: number | null;
  detected: number | null;
}

/** How far past `start` to look for single-object scenes before giving up (about a third of scenes have one). */
const SEARCH_FACTOR = 50;

/** The first m single-object scenes from index `start`; the k-th uses caption k mod the captions per sample. */
export function fidelityItems(split: ShapesSplit, m: number, start = 0): FidelityItem[] {
  const items: FidelityItem[] = [];
  for (let sample = start; items.length < m; sample++) {
    if (sample - start > SEARCH_FACTOR * m) throw new Error(`only ${items.length} of the ${split} scenes ${start}..${sample} hold a single object, ${m} wanted`);
    const a = shapesAnnotation(split, sample);
    if (a.scene.objects.length !== 1) continue;
    items.push({ sample, prompt: a.captions[items.length % CAPTIONS_PER_SAMPLE], object: a.scene.objects[0] });
  }
  return items;
}

/** What the detector reads from a video, against the wanted object. */
export function judgeVideo(video: RgbVideo, object: ShapesObject): { detected: boolean; color: boolean; shape: boolean; motion: boolean } {
  const found = detectObjects(video.frames, video.frameCount, video.height, video.width).objects[0];
  if (!found) return { detected: false, color: false, shape: false, motion: false };
  return { detected: true, color: found.color === object.color, shape: found.shape === object.shape, motion: found.motion === object.motion };
}

/** Scores videos[i] against items[i]. */
export function scoreFidelity(items: readonly FidelityItem[], videos: readonly RgbVideo[]): FidelityReport {
  if (videos.length !== items.length) throw new Error(`${videos.length} videos for ${items.length} prompts`);
  const judged = items.map((item, i) => judgeVideo(videos[i], item.object));
  const share = (pick: (j: (typeof judged)[number]) => boolean) => (judged.length ? judged.filter(pick).length / judged.length : null);
  return {
    videos: items.length,
    color: share((j) => j.color),
    shape: share((j) => j.shape),
    motion: share((j) => j.motion),
    all: share((j) => j.color && j.shape && j.motion),
    detected: share((j) => j.detected),
  };
}

/** Generates `batchSize` videos per call to `generate`, then scores; `onProgress` hears the videos made so far. */
export function evaluateFidelity(items: readonly FidelityItem[], generate: VideoBatch,
  options: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {}): FidelityReport {
  const batchSize = options.batchSize ?? 8;
  const videos: RgbVideo[] = [];
  for (let start = 0; start < items.length; start += batchSize) {
    const prompts = items.slice(start, start + batchSize).map((i) => i.prompt);
    const made = generate(prompts);
    if (made.length !== prompts.length) throw new Error(`the generate function gave ${made.length} videos for ${prompts.length} prompts`);
    videos.push(...made);
    options.onProgress?.(videos.length, items.length);
  }
  return scoreFidelity(items, videos);
}
