/**
 * Writes Shapes-world samples to disk in the same formats users bring their own data in:
 *
 *   DIR/media/<id>.gif        animated GIF (exact colors), or <id>.png for one-frame images
 *   DIR/scenes/<id>.json      ground truth: scene, description, captions, questions
 *   DIR/understanding.jsonl   LLaVA records, one multi-turn conversation per sample (all questions)
 *   DIR/generation.jsonl      { id, video | image, caption } with the canonical description
 *
 * Every file is written atomically; the manifests are written last, so an interrupted export never
 * leaves a manifest that points to missing media.
 */
import path from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import { encodeGif, DEFAULT_FPS } from '../media/gif-encode.js';
import { encodePng } from '../media/png.js';
import { mediaPlaceholder } from '../prompts/messages.js';
import type { ShapesSplit } from '../shapes/splits.js';
import { shapesSample, type ShapesOptions, type ShapesSample } from '../shapes/world.js';

export const UNDERSTANDING_MANIFEST = 'understanding.jsonl';
export const GENERATION_MANIFEST = 'generation.jsonl';

export interface ShapesExportOptions extends ShapesOptions {
  outDir: string;
  split: ShapesSplit;
  /** Number of samples. */
  count: number;
  /** First sample index (default 0). */
  start?: number;
  /** Called after each sample with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface ShapesExportResult {
  understandingManifest: string;
  generationManifest: string;
  samples: number;
}

/** The LLaVA conversation of a sample: the media placeholder, then every question in order. */
export function shapesConversation(sample: Pick<ShapesSample, 'questions' | 'frameCount'>): Array<{ from: 'human' | 'gpt'; value: string }> {
  const placeholder = mediaPlaceholder(sample.frameCount > 1 ? 'video' : 'image');
  return sample.questions.flatMap((q, i) => [
    { from: 'human' as const, value: i === 0 ? `${placeholder}\n${q.question}` : q.question },
    { from: 'gpt' as const, value: q.answer },
  ]);
}

/** Writes `count` samples of a split; returns the manifest paths. */
export function writeShapesDataset(options: ShapesExportOptions): ShapesExportResult {
  const { outDir, split, count, start = 0, onProgress, ...shapes } = options;
  if (!Number.isInteger(count) || count < 1) throw new Error(`shapes export: count must be a positive integer, got ${count}`);
  const understanding: string[] = [];
  const generation: string[] = [];
  for (let k = 0; k < count; k++) {
    const sample = shapesSample(split, start + k, shapes);
    const isVideo = sample.frameCount > 1;
    const mediaKey = isVideo ? 'video' : 'image';
    const mediaPath = `media/${sample.id}.${isVideo ? 'gif' : 'png'}`;
    const bytes = isVideo ? encodeGif(sample, { fps: DEFAULT_FPS }) : encodePng(sample.frames, sample.height, sample.width);
    writeFileAtomic(path.join(outDir, mediaPath), bytes);
    const { frames: _frames, ...annotation } = sample;
    writeFileAtomic(path.join(outDir, 'scenes', `${sample.id}.json`), JSON.stringify(annotation, null, 2) + '\n');
    understanding.push(JSON.stringify({ id: sample.id, [mediaKey]: mediaPath, conversations: shapesConversation(sample) }));
    generation.push(JSON.stringify({ id: sample.id, [mediaKey]: mediaPath, caption: sample.description }));
    onProgress?.(k + 1, count);
  }
  const understandingManifest = path.join(outDir, UNDERSTANDING_MANIFEST);
  const generationManifest = path.join(outDir, GENERATION_MANIFEST);
  writeFileAtomic(understandingManifest, understanding.join('\n') + '\n');
  writeFileAtomic(generationManifest, generation.join('\n') + '\n');
  return { understandingManifest, generationManifest, samples: count };
}
