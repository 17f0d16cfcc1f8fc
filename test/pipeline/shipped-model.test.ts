/**
 * The embedded model (assets/model) loads and answers from the pixels better than the answer priors,
 * so a regression in the engine, the model code, the pipeline or the weights is caught.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { evaluate } from '../../src/eval/evaluate.js';
import { loadPipeline } from '../../src/pipeline/index.js';

/** Test-split samples whose questions are asked (fixed: the same questions on every run). */
const SAMPLES = 40;
/**
 * Floors below what the shipped model measures on these 40 samples (colour 0.8, shape 0.875, motion
 * 0.925, POPE 0.983; `assets/model/eval.txt` has 100 samples) yet well above what answering from the
 * question alone gives. The most frequent answer of each type, over 400 test samples: colour "red"
 * 17.5%, shape "circle" 26.5%, motion "left" 15.2%; a constant "yes" or "no" gets POPE accuracy 0.5.
 */
const MIN_ACCURACY = { color: 0.7, shape: 0.75, motion: 0.8 } as const;
const MIN_POPE_ACCURACY = 0.85;

it('the embedded model reads colour, shape and motion from test videos and answers POPE questions above chance', () => {
  const report = evaluate(loadPipeline(), { split: 'test', n: SAMPLES, genN: 0 });
  const u = report.understanding!;
  for (const [type, floor] of Object.entries(MIN_ACCURACY) as [keyof typeof MIN_ACCURACY, number][]) {
    const { accuracy, count } = u.types[type];
    assert.ok(count >= 30, `${count} ${type} questions`);
    assert.ok(accuracy! >= floor, `${type} accuracy ${accuracy!.toFixed(3)} < ${floor}`);
  }
  const pope = u.pope.overall.accuracy;
  assert.ok(pope >= MIN_POPE_ACCURACY, `POPE accuracy ${pope.toFixed(3)} < ${MIN_POPE_ACCURACY}`);
});
