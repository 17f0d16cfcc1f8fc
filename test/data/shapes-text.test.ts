import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  COLORS,
  DIRECTION_PHRASES,
  MOTIONS,
  OPTION_LETTERS,
  POPULAR_TOP_K,
  SHAPE_PLURAL,
  SHAPES,
  SIZES,
  canonicalMotionPhrase,
  describeScene,
  popularPairs,
  shapesAnnotation,
  type Motion,
  type ShapesAnnotation,
  type ShapesObject,
  type ShapesScene,
} from '../../src/data/shapes/index.js';

const samples = (n: number, frames = 9): ShapesAnnotation[] => Array.from({ length: n }, (_, i) => shapesAnnotation('train', i, { frames }));
const words = (text: string): string[] => text.toLowerCase().replace(/[?.,:]/g, ' ').split(/\s+/);

test('the canonical description lists objects in drawing order with canonical motion', () => {
  const scene: ShapesScene = {
    width: 32,
    height: 32,
    frameCount: 9,
    background: 'black',
    objects: [
      { shape: 'circle', color: 'red', size: 'small', motion: 'up-left', radius: 4.5, positions: [] },
      { shape: 'square', color: 'orange', size: 'large', motion: 'still', radius: 7, positions: [] },
    ],
  };
  assert.equal(describeScene(scene), 'a small red circle moving up and to the left and a large orange square staying still on a black background');
  assert.equal(describeScene({ ...scene, frameCount: 1 }), 'a small red circle and a large orange square on a black background');
});

const STILL = ['staying still', 'standing still', 'not moving', 'resting in place', 'stays still', 'stands still', 'does not move', 'rests in place'];
const VERBS = ['moving', 'drifting', 'sliding', 'gliding', 'traveling', 'moves', 'drifts', 'slides', 'glides', 'travels'];
const escape = (s: string): string => s.replace(/[-]/g, '\\-');

/** Regex for "<size> <color> <shape> <motion phrase>" as captions must write the object. */
function objectPattern(o: ShapesObject, isVideo: boolean): RegExp {
  const noun = `${o.size} ${o.color} ${o.shape}`;
  if (!isVideo) return new RegExp(`\\b${noun}\\b`);
  const motion = o.motion === 'still' ? STILL.join('|') : `(${VERBS.join('|')}) (${DIRECTION_PHRASES[o.motion as Exclude<Motion, 'still'>].map(escape).join('|')})`;
  return new RegExp(`\\b${noun} (${motion})([ ,.]|$)`);
}

test('every caption names every object with size, color, shape and motion, and the background', () => {
  for (const frames of [9, 1]) {
    for (const a of samples(150, frames)) {
      assert.ok(new Set(a.captions).size >= 3, `captions repeat: ${a.captions.join(' | ')}`);
      for (const caption of [a.description, ...a.captions]) {
        assert.match(caption.toLowerCase(), new RegExp(`${a.scene.background} background|background is ${a.scene.background}`), caption);
        for (const o of a.scene.objects) assert.match(caption, objectPattern(o, frames > 1));
      }
    }
  }
});

/** Objects matching every attribute the question mentions. */
function mentioned(question: string, objects: readonly ShapesObject[]): ShapesObject[] {
  const w = words(question);
  const size = SIZES.find((s) => w.includes(s));
  const color = COLORS.find((c) => w.includes(c));
  const shape = SHAPES.find((s) => w.includes(s));
  const motion = [...MOTIONS]
    .sort((x, y) => canonicalMotionPhrase(y).length - canonicalMotionPhrase(x).length)
    .find((m) => (m === 'still' ? question.includes('not moving') : question.includes(canonicalMotionPhrase(m))));
  return objects.filter((o) => (!size || o.size === size) && (!color || o.color === color) && (!shape || o.shape === shape) && (!motion || o.motion === motion));
}

test('attribute and motion questions refer to exactly one object and answer its attribute', () => {
  const kinds = new Set<string>();
  for (const a of samples(300)) {
    for (const q of a.questions.filter((q) => ['color', 'shape', 'size', 'motion'].includes(q.type))) {
      kinds.add(q.type);
      const target = a.scene.objects[q.object!];
      const attr = q.type as 'color' | 'shape' | 'size' | 'motion';
      assert.equal(q.answer, target[attr]);
      // The referring expression follows "the"; drop the size choices of "Is the X small or large?".
      const ref = q.question.replace(/^.*?the /, '').replace(/ (small or large|large or small)\?$/, '');
      const matches = mentioned(ref, a.scene.objects);
      assert.deepEqual(matches, [target], `"${q.question}" is ambiguous in ${JSON.stringify(a.scene.objects.map((o) => [o.size, o.color, o.shape, o.motion]))}`);
      // namedBy lists exactly the attributes the description uses, never the one asked, and they pick out the object
      const named = q.namedBy!;
      assert.ok(named.length > 0 && !named.includes(attr), `"${q.question}" named by [${named.join(', ')}]`);
      const used: string[] = (['size', 'color', 'shape'] as const).filter((k) => words(ref).includes(target[k]));
      if (attr !== 'motion' && /moving/.test(ref)) used.push('motion'); // (motion questions end in "moving" themselves)
      assert.deepEqual([...named].sort(), [...used].sort(), `"${q.question}" named by [${named.join(', ')}]`);
      assert.deepEqual(a.scene.objects.filter((o) => named.every((k) => o[k] === target[k])), [target]);
    }
  }
  assert.equal(kinds.size, 4);
});

test('counting questions count correctly', () => {
  let zero = 0;
  for (const a of samples(300)) {
    const objs = a.scene.objects;
    for (const q of a.questions.filter((q) => q.type === 'count')) {
      const w = words(q.question);
      let expected: number;
      if (q.question === 'How many objects are moving?') expected = objs.filter((o) => o.motion !== 'still').length;
      else if (q.question === 'How many objects are not moving?') expected = objs.filter((o) => o.motion === 'still').length;
      else if (COLORS.some((c) => w.includes(c))) expected = objs.filter((o) => w.includes(o.color)).length;
      else if (SHAPES.some((s) => w.includes(SHAPE_PLURAL[s]))) expected = objs.filter((o) => w.includes(SHAPE_PLURAL[o.shape])).length;
      else expected = objs.length;
      assert.equal(q.answer, String(expected), q.question);
      if (expected === 0) zero++;
    }
  }
  assert.ok(zero > 10, 'counting should include absent attributes (answer 0)');
});

test('POPE existence questions: balanced yes/no per strategy, correct answers, strategy-specific negatives', () => {
  const ranking = popularPairs('train');
  for (const a of samples(300)) {
    const objs = a.scene.objects;
    const pope = a.questions.filter((q) => q.type === 'existence');
    for (const strategy of ['random', 'popular', 'adversarial'] as const) {
      const qs = pope.filter((q) => q.pope === strategy);
      assert.deepEqual(qs.map((q) => q.answer).sort(), ['no', 'yes']);
      for (const q of qs) {
        const present = mentioned(q.question, objs).length > 0;
        assert.equal(q.answer, present ? 'yes' : 'no', q.question);
        if (q.answer === 'yes') continue;
        const w = words(q.question);
        const color = COLORS.find((c) => w.includes(c))!;
        const shape = SHAPES.find((s) => w.includes(s))!;
        if (strategy === 'popular') {
          const absent = ranking.filter((p) => !objs.some((o) => o.color === p.color && o.shape === p.shape));
          assert.ok(absent.slice(0, POPULAR_TOP_K).some((p) => p.color === color && p.shape === shape), `${q.question} is not a popular negative`);
        }
        if (strategy === 'adversarial') assert.ok(objs.some((o) => o.color === color || o.shape === shape), `${q.question} is not a near miss`);
      }
    }
  }
});

test('multiple-choice questions have four distinct lettered options and the right letter', () => {
  const letters = new Map<string, number>();
  const tasks = new Set<string>();
  for (const a of samples(400)) {
    for (const q of a.questions.filter((q) => q.type === 'multiple_choice')) {
      tasks.add(q.task!);
      const options = q.options!;
      assert.equal(options.length, 4);
      assert.equal(new Set(options).size, 4);
      options.forEach((o, i) => assert.ok(q.question.includes(`(${OPTION_LETTERS[i]}) ${o}\n`)));
      const chosen = options[OPTION_LETTERS.indexOf(q.answer as 'A')];
      letters.set(q.answer, (letters.get(q.answer) ?? 0) + 1);
      const objs = a.scene.objects;
      const pair = (o: ShapesObject): string => `${o.color} ${o.shape}`;
      switch (q.task) {
        case 'object_color':
          assert.equal(chosen, objs[q.object!].color);
          break;
        case 'object_shape':
          assert.equal(chosen, objs[q.object!].shape);
          break;
        case 'moving_direction':
          assert.equal(chosen, objs[q.object!].motion);
          break;
        case 'object_count':
          assert.equal(chosen, String(objs.length));
          break;
        case 'moving_object':
          assert.equal(chosen, pair(objs[q.object!]));
          for (const o of options) if (o !== chosen) assert.ok(!objs.some((x) => pair(x) === o && x.motion === objs[q.object!].motion));
          break;
        case 'object_existence':
          assert.ok(objs.some((o) => pair(o) === chosen));
          for (const o of options) if (o !== chosen) assert.ok(!objs.some((x) => pair(x) === o));
          break;
      }
    }
  }
  assert.equal(tasks.size, 6);
  for (const l of OPTION_LETTERS) assert.ok((letters.get(l) ?? 0) > 60, `letter ${l} is rarely correct: ${[...letters]}`);
});

test('answers are short canonical strings', () => {
  const canonical = new Set<string>([...COLORS, ...SHAPES, ...SIZES, ...MOTIONS, 'yes', 'no', '0', '1', '2', '3', ...OPTION_LETTERS]);
  for (const frames of [9, 1]) for (const a of samples(200, frames)) for (const q of a.questions) assert.ok(canonical.has(q.answer), `${q.question} -> ${q.answer}`);
});
