/** Training draws from the Shapes world: deterministic, the full mix, the grounding stages, and resuming across them. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { QuestionType, ShapesQuestion } from '../../src/data/index.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../src/train/options.js';
import { ATTRIBUTE_STAGE, generationDraw, GROUNDING_STAGES, groundingStage, understandingDraw, type ShapesSourceOptions } from '../../src/train/shapes-source.js';
import { resumedOptions } from '../../src/train/trainer.js';

const source: ShapesSourceOptions = { seed: 0, frames: 9, imageShare: 0.15, captionShare: 0.5, maxTurns: 12, dropPrompt: 0.1, genSingleShare: 0.75 };
const typeOf = (questions: readonly ShapesQuestion[], text: string): QuestionType | undefined => questions.find((q) => q.question === text)?.type;

it('grounding stages: every attribute of a lone object, then of an object among several, then the full mix', () => {
  const at = (step: number) => groundingStage(step, 90);
  const all = ['color', 'shape', 'size', 'motion'];
  assert.deepEqual(at(0), { types: all, singleObject: true });
  assert.deepEqual(at(44), { types: all, singleObject: true });
  assert.deepEqual(at(45), { types: all, singleObject: false });
  assert.deepEqual(at(89), { types: all, singleObject: false });
  assert.equal(at(90), null);
  assert.equal(groundingStage(0, 0), null);
});

it('a grounding or attribute draw asks one question of the stage types, without caption, about a one-object scene where the stage says so, the same every time', () => {
  assert.ok(ATTRIBUTE_STAGE.types.includes('count') && !ATTRIBUTE_STAGE.singleObject);
  for (const stage of [...GROUNDING_STAGES, ATTRIBUTE_STAGE]) {
    const seen = new Set<QuestionType>(), scenes = new Set<string>(), objects = new Set<number>();
    for (let index = 0; index < 300; index++) {
      const d = understandingDraw(index, source, stage);
      assert.equal(d.turns.length, 1, `index ${index}`);
      const type = typeOf(d.sample.questions, d.turns[0].question);
      const hasStageType = d.sample.questions.some((q) => stage.types.includes(q.type));
      assert.ok(type && (stage.types.includes(type) || !hasStageType), `index ${index}: ${type} not in [${stage.types.join(', ')}]`);
      seen.add(type);
      objects.add(d.sample.scene.objects.length);
      scenes.add(d.sample.id);
      assert.deepEqual(understandingDraw(index, source, stage), d);
    }
    for (const t of stage.types) assert.ok(seen.has(t), `${t} asked`);
    assert.deepEqual([...objects].sort(), stage.singleObject ? [1] : [1, 2, 3]);
    assert.ok(scenes.size >= 290, `${scenes.size} distinct scenes in 300 draws`);
  }
});

it('a full-mix draw asks 1..maxTurns of the scene questions, then maybe a caption last, the same every time', () => {
  let captions = 0, turns = 0;
  for (let index = 0; index < 200; index++) {
    const d = understandingDraw(index, source);
    const types = d.turns.map((t) => typeOf(d.sample.questions, t.question));
    const asked = types.filter((t) => t !== undefined);
    assert.ok(asked.length >= 1 && asked.length <= source.maxTurns, `index ${index}: ${asked.length} questions`);
    for (const t of d.turns.slice(0, asked.length)) assert.equal(d.sample.questions.find((q) => q.question === t.question)?.answer, t.answer);
    if (asked.length < types.length) {
      captions++;
      assert.equal(types.indexOf(undefined), types.length - 1, 'the caption turn comes last');
      assert.ok(d.sample.captions.includes(d.turns[d.turns.length - 1].answer ?? ''));
    }
    turns += asked.length;
    assert.deepEqual(understandingDraw(index, source), d);
  }
  assert.ok(captions > 70 && captions < 130, `${captions} captions in 200 draws at share 0.5`);
  assert.ok(turns / 200 > 3 && turns / 200 < 8, `${turns / 200} questions per draw on average`);
});

it('a generation draw: a caption or the description of its clip (or the empty prompt), from a one-object scene at the share asked, the same every time', () => {
  const objectCounts = (share: number) => Array.from({ length: 200 }, (_, index) => {
    const d = generationDraw(index, { ...source, genSingleShare: share });
    assert.ok(d.prompt === '' || d.prompt === d.sample.description || d.sample.captions.includes(d.prompt), `index ${index}: '${d.prompt}'`);
    assert.deepEqual(generationDraw(index, { ...source, genSingleShare: share }), d);
    return d.sample.scene.objects.length;
  });
  assert.ok(objectCounts(1).every((n) => n === 1));
  const mixed = objectCounts(0.75).filter((n) => n === 1).length; // 0.75 + 0.25 / 3 of one-object scenes expected
  assert.ok(mixed > 150 && mixed < 185, `${mixed} one-object clips in 200 at share 0.75`);
  const any = objectCounts(0).filter((n) => n === 1).length;
  assert.ok(any > 40 && any < 95, `${any} one-object clips in 200 at share 0 (about a third)`);
  // share 0 draws what runs before the option drew: scene 1e9 + index
  assert.equal(generationDraw(7, { ...source, genSingleShare: 0 }).sample.index, 1_000_000_007);
});

it('a resumed run keeps its stored options; one written before the grounding phase existed resumes without it', () => {
  const { groundingSteps: _, genSingleShare: __, ...before } = { ...DEFAULT_TRAIN_OPTIONS, steps: 500, lr: 1e-3 };
  assert.equal(resumedOptions(before, 800).groundingSteps, 0);
  assert.equal(resumedOptions(before, 800).genSingleShare, 0);
  assert.equal(resumedOptions(before, 800).steps, 800);
  assert.equal(resumedOptions(before, 800).lr, 1e-3);
  assert.equal(resumedOptions({ ...DEFAULT_TRAIN_OPTIONS, groundingSteps: 120 }, 800).groundingSteps, 120);
});
