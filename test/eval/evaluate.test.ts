import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeVideo, shapesSample, type RgbVideo } from '../../src/data/index.js';
import { evaluateFidelity, fidelityItems, scoreFidelity } from '../../src/eval/fidelity.js';
import { formatReport } from '../../src/eval/report.js';
import { evaluateUnderstanding, isCorrect, scoreUnderstanding, understandingItems, type UnderstandingItem } from '../../src/eval/understanding.js';

const items = understandingItems('test', 4);
const oracle = (batch: readonly UnderstandingItem[]) => batch.map((i) => i.question.answer);

test('an oracle scores 1 everywhere, in any batching; every question is asked once', () => {
  const seen: UnderstandingItem[] = [];
  const r = evaluateUnderstanding(items, (batch) => {
    assert.ok(batch.length <= 5);
    seen.push(...batch);
    return oracle(batch);
  }, { batchSize: 5 });
  assert.equal(seen.length, items.length);
  assert.equal(new Set(seen).size, items.length);
  assert.equal(r.samples, 4);
  assert.equal(r.questions, items.length);
  for (const a of [...Object.values(r.groups), ...Object.values(r.types)]) assert.equal(a.accuracy, 1);
  assert.equal(r.types.existence.count, 4 * 6);
  assert.equal(r.groups.attribute.count, r.types.color.count + r.types.shape.count + r.types.size.count);
  for (const strategy of ['overall', 'random', 'popular', 'adversarial'] as const) {
    const p = r.pope[strategy];
    assert.deepEqual([p.accuracy, p.precision, p.recall, p.f1, p.yesRatio], [1, 1, 1, 1, 0.5], strategy);
  }
  assert.equal(r.pope.random.count, 8);
});

test('an always-yes answerer gets the POPE figures of a constant guess; a colour-only one only its share', () => {
  const yes = scoreUnderstanding(items, items.map(() => 'Yes, there is.'));
  assert.deepEqual([yes.pope.overall.accuracy, yes.pope.overall.precision, yes.pope.overall.recall, yes.pope.overall.yesRatio], [0.5, 0.5, 1, 1]);
  assert.equal(yes.groups.attribute.accuracy, 0);
  assert.equal(yes.byScene.several.color.accuracy, 0);
  const colourOnly = scoreUnderstanding(items, items.map((i) => (i.question.type === 'color' ? i.question.answer : 'purple')));
  assert.equal(colourOnly.types.color.accuracy, 1);
  assert.equal(colourOnly.groups.attribute.accuracy, colourOnly.types.color.count / colourOnly.groups.attribute.count);
  assert.equal(colourOnly.groups.direction.accuracy, 0);
  assert.equal(colourOnly.pope.overall.yesRatio, 1); // "purple" has no "no" in it: POPE reads it as yes
});

test('one-object questions are scored apart for scenes of one object and of several', () => {
  const many = understandingItems('test', 24);
  const single = (i: UnderstandingItem) => shapesSample('test', i.sample).scene.objects.length === 1;
  assert.ok(many.some(single) && many.some((i) => !single(i)), 'the first 24 test scenes hold both kinds');
  for (const i of many) assert.equal(i.objects, shapesSample('test', i.sample).scene.objects.length);
  // right on lone objects only: 1 in the one-object column, 0 in the other, and the type's total is their mix
  const r = scoreUnderstanding(many, many.map((i) => (single(i) ? i.question.answer : 'wrong')));
  for (const t of ['color', 'shape', 'size', 'motion'] as const) {
    const one = r.byScene.single[t], several = r.byScene.several[t];
    assert.equal(one.accuracy, 1, t);
    assert.equal(several.accuracy, 0, t);
    assert.equal(one.count + several.count, r.types[t].count, t);
    assert.equal(r.types[t].accuracy, one.count / r.types[t].count, t);
  }
  const report = formatReport({ model: 'm', split: 'test', backend: 'js', understanding: { ...r, seconds: 0 }, generation: null });
  assert.match(report, /color\s+100\.0% \(\d+\)\s+0\.0% \(\d+\)/);
});

test('questions about one object among several are scored by what names the object', () => {
  const many = understandingItems('test', 40);
  // right only where the description uses the object's colour
  const r = scoreUnderstanding(many, many.map((i) => (i.question.namedBy?.includes('color') ? i.question.answer : 'wrong')));
  for (const t of ['color', 'shape', 'size', 'motion'] as const) {
    assert.equal(r.byNaming[t][t].count, 0, `${t} questions never name their object by ${t}`);
    for (const a of ['color', 'shape', 'size', 'motion'] as const) {
      const asked = many.filter((i) => i.question.type === t && i.objects > 1 && i.question.namedBy!.includes(a));
      assert.equal(r.byNaming[t][a].count, asked.length, `${t} by ${a}`);
      if (asked.length === 0) continue;
      const right = asked.filter((i) => i.question.namedBy!.includes('color')).length;
      assert.equal(r.byNaming[t][a].accuracy, right / asked.length, `${t} by ${a}`);
    }
  }
  assert.equal(r.byNaming.shape.color.accuracy, 1);
  assert.ok(r.byNaming.color.shape.count > 0 && r.byNaming.color.shape.accuracy === 0);
  const report = formatReport({ model: 'm', split: 'test', backend: 'js', understanding: { ...r, seconds: 0 }, generation: null });
  assert.match(report, /several, named by\s+color\s+shape\s+size\s+motion/);
  assert.match(report, /\n  shape\s+100\.0% \(\d+\)\s+-\s+\d+\.\d% \(\d+\)/); // shape questions: by colour all right, never by shape
});

test('answers are parsed the way each benchmark parses them', () => {
  const q = (type: 'existence' | 'multiple_choice' | 'count' | 'motion', answer: string) => ({ type, question: '', answer });
  assert.ok(isCorrect(q('existence', 'no'), 'No, there is not.'));
  assert.ok(!isCorrect(q('existence', 'no'), 'Yes. No.'));
  assert.ok(isCorrect(q('multiple_choice', 'B'), '(B) red'));
  assert.ok(!isCorrect(q('multiple_choice', 'B'), 'red'));
  assert.ok(isCorrect(q('count', '2'), ' 2.'));
  assert.ok(isCorrect(q('motion', 'up-left'), 'Up-left'));
  assert.ok(!isCorrect(q('motion', 'up-left'), 'left'));
  assert.throws(() => scoreUnderstanding(items, ['x']), /1 answers for \d+ questions/);
});

test('fidelity: the true scenes read back right, blank frames read back nothing', () => {
  const wanted = fidelityItems('test', 5);
  assert.equal(wanted.length, 5);
  for (const w of wanted) {
    const a = shapesSample('test', w.sample);
    assert.equal(a.scene.objects.length, 1);
    assert.ok(a.captions.includes(w.prompt));
  }
  const render = (prompts: readonly string[]): RgbVideo[] => prompts.map((p) => {
    const w = wanted.find((i) => i.prompt === p)!;
    const s = shapesSample('test', w.sample);
    return makeVideo(s.frames, s.frameCount, s.height, s.width);
  });
  const truth = evaluateFidelity(wanted, render, { batchSize: 2 });
  assert.deepEqual(truth, { videos: 5, color: 1, shape: 1, motion: 1, all: 1, detected: 1 });
  const blank = scoreFidelity(wanted, wanted.map(() => makeVideo(new Uint8Array(9 * 32 * 32 * 3), 9, 32, 32)));
  assert.deepEqual(blank, { videos: 5, color: 0, shape: 0, motion: 0, all: 0, detected: 0 });
  // Each prompt judged against another scene's video: only coincidences match.
  const shifted = scoreFidelity(wanted, render(wanted.map((_, i) => wanted[(i + 1) % 5].prompt)));
  const coincide = (k: 'color' | 'shape' | 'motion') => wanted.filter((w, i) => w.object[k] === wanted[(i + 1) % 5].object[k]).length / 5;
  assert.deepEqual([shifted.color, shifted.shape, shifted.motion], [coincide('color'), coincide('shape'), coincide('motion')]);
});
