/**
 * The quick evaluation of a model folder on a Shapes split (`haploomni eval`): understanding accuracy
 * per question type and POPE metrics over every question of N samples (understanding.ts), and
 * generation prompt fidelity over M single-object scenes (fidelity.ts). Questions are answered greedily
 * in batches with the video prepared by inputs.ts at settings.understanding_frames.
 */
import type { ShapesSplit } from '../data/index.js';
import { answerQuestions, generateVideos, type Pipeline } from '../pipeline/index.js';
import { backendName } from '../tensor/index.js';
import { evaluateFidelity, fidelityItems, type FidelityReport } from './fidelity.js';
import { evaluateUnderstanding, understandingItems, type UnderstandingReport } from './understanding.js';

export interface EvaluationOptions {
  split: ShapesSplit;
  /** Shapes samples whose questions are asked (0: no understanding evaluation) */
  n: number;
  /** videos generated for prompt fidelity (0: no generation evaluation) */
  genN: number;
  /** prompts per understanding batch (default 16) */
  batchSize?: number;
  /** most tokens per answer (default 16: every Shapes answer is a few tokens) */
  maxNewTokens?: number;
  /** prompts per generation batch (default 8) */
  genBatchSize?: number;
  /** DDIM steps and guidance (default: the folder's settings) */
  steps?: number;
  guidanceScale?: number;
  /** seed of the generation noise; batch k uses seed + k (default 0) */
  seed?: number;
  onProgress?: (phase: 'understanding' | 'generation', done: number, total: number) => void;
}

export interface EvaluationReport {
  model: string;
  split: ShapesSplit;
  backend: string;
  understanding: (UnderstandingReport & { seconds: number }) | null;
  generation: (FidelityReport & { seconds: number }) | null;
}

const seconds = (since: number): number => Math.round((performance.now() - since) / 100) / 10;

export function evaluate(pipeline: Pipeline, options: EvaluationOptions): EvaluationReport {
  let understanding: EvaluationReport['understanding'] = null;
  if (options.n > 0) {
    const t0 = performance.now();
    const items = understandingItems(options.split, options.n);
    const report = evaluateUnderstanding(items, (batch) => answerQuestions(pipeline,
      batch.map((item) => ({ video: item.video, question: item.question.question })),
      { batchSize: batch.length, maxNewTokens: options.maxNewTokens ?? 16 }), {
      batchSize: options.batchSize ?? 16,
      onProgress: (done, total) => options.onProgress?.('understanding', done, total),
    });
    understanding = { ...report, seconds: seconds(t0) };
  }
  let generation: EvaluationReport['generation'] = null;
  if (options.genN > 0) {
    const t0 = performance.now();
    const items = fidelityItems(options.split, options.genN);
    let batch = 0;
    const report = evaluateFidelity(items, (prompts) => generateVideos(pipeline, prompts, {
      seed: (options.seed ?? 0) + batch++,
      ...(options.steps !== undefined ? { steps: options.steps } : {}),
      ...(options.guidanceScale !== undefined ? { guidanceScale: options.guidanceScale } : {}),
    }), {
      batchSize: options.genBatchSize ?? 8,
      onProgress: (done, total) => options.onProgress?.('generation', done, total),
    });
    generation = { ...report, seconds: seconds(t0) };
  }
  return { model: pipeline.dir, split: options.split, backend: backendName(), understanding, generation };
}
