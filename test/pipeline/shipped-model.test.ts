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
 * Floors far below what the shipped model measures (`assets/model/eval.txt`, 100 samples) yet above
 * what answering from the question alone gives: the most frequent colour answer (red) is right on 17.5%
 * of test colour questions (400 samples), and a constant "yes" or "no" gets POPE accuracy 0.5.
 */
const MIN_COLOR_ACCURACY = 0.4;
const MIN_POPE_ACCURACY = 0.6;

it('the embedded model reads colours from test videos and answers POPE questions above chance', () => {
  const report = evaluate(loadPipeline(), { split: 'test', n: SAMPLES, genN: 0 });
  const u = report.understanding!;
  const color = u.types.color.accuracy!, pope = u.pope.overall.accuracy;
  assert.ok(u.types.color.count >= 30, `${u.types.color.count} colour questions`);
  assert.ok(color >= MIN_COLOR_ACCURACY, `colour accuracy ${color.toFixed(3)} < ${MIN_COLOR_ACCURACY}`);
  assert.ok(pope >= MIN_POPE_ACCURACY, `POPE accuracy ${pope.toFixed(3)} < ${MIN_POPE_ACCURACY}`);
});
