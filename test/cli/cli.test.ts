import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { decodeGif, decodePng, shapesSample, makeVideo, writeGif } from '../../src/data/index.js';
import { runAsk } from '../../src/cli/ask.js';
import { runDemo } from '../../src/cli/demo.js';
import { runEval } from '../../src/cli/eval.js';
import { runExport } from '../../src/cli/export.js';
import { runGenerate } from '../../src/cli/generate.js';
import { runInfo } from '../../src/cli/info.js';
import type { CommandIO } from '../../src/cli/command.js';
import { answerQuestion, loadPipeline } from '../../src/pipeline/index.js';
import { tempDir, writeTinyModel } from '../pipeline/helpers.js';

type Runner = (argv: string[], io: CommandIO) => Promise<number>;
const COMMANDS: Record<string, Runner> = { ask: runAsk, generate: runGenerate, info: runInfo, eval: runEval, demo: runDemo, export: runExport };

async function run(name: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const io: CommandIO = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } };
  const code = await COMMANDS[name](argv, io);
  return { code, out, err };
}

const { dir, cleanup } = tempDir('haploomni-cli-');
const model = path.join(dir, 'model');
const gif = path.join(dir, 'clip.gif');
before(() => {
  writeTinyModel(model, { seed: 5 });
  const s = shapesSample('test', 1);
  writeGif(gif, makeVideo(s.frames, s.frameCount, s.height, s.width));
});
after(cleanup);

test('--help on every command prints its usage and options', async () => {
  for (const name of Object.keys(COMMANDS)) {
    const r = await run(name, ['--help']);
    assert.equal(r.code, 0, name);
    assert.match(r.out, new RegExp(`^usage: haploomni ${name} \\[options\\]`), name);
    assert.match(r.out, /--model <string>/, name);
  }
});

test('wrong arguments: one line saying what to do, exit code 2', async () => {
  const cases: [string, string[], RegExp][] = [
    ['ask', ['--model', model, 'what?'], /give exactly one of --video FILE or --image FILE/],
    ['ask', ['--model', model, '--video', gif, '--image', gif, 'what?'], /give exactly one of --video FILE or --image FILE/],
    ['ask', ['--model', model, '--video', gif], /missing <question\.\.\.>/],
    ['ask', ['--model', model, '--video', gif, '--temperature', '-1', 'q'], /--temperature must be 0 or more, got -1/],
    ['generate', ['--model', model, 'a red circle', '--frames', 'abc'], /--frames needs an integer, got 'abc'/],
    ['generate', ['--model', model, 'a red circle', '--frames', '0'], /--frames must be an integer from 1 to 257, got 0/],
    ['generate', ['--model', model, 'a red circle', '--frames', '6'], /--frames must be 1 \+ a multiple of 4 \(1, 5, 9, \.\.\.\), got 6/],
    ['generate', ['--model', model, 'a red circle', '-o', 'x.txt'], /-o must end in \.gif or \.mp4/],
    ['generate', ['--model', model, 'a', '--grid', 'g.gif'], /--grid must end in \.png/],
    ['eval', ['--model', model, '--split', 'dev'], /--split must be one of train, val, test, compositional, got 'dev'/],
    ['eval', ['--model', model, '--n', '0', '--gen-n', '0'], /nothing to evaluate/],
    ['export', ['--model', model], /missing required option --out DIR/],
    ['export', ['--model', model, '--out', dir, '--dtype', 'bf16'], /--dtype must be one of f16, f32, got 'bf16'/],
    ['info', ['--model', model, '--colour'], /unknown option --colour/],
  ];
  for (const [name, argv, pattern] of cases) {
    const r = await run(name, argv);
    assert.equal(r.code, 2, `${name} ${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, pattern);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
});

test('missing or broken files: one line naming the file, exit code 1', async () => {
  mkdirSync(path.join(dir, 'empty'));
  const cases: [string, string[], RegExp][] = [
    ['ask', ['--model', path.join(dir, 'none'), '--video', gif, 'q'], /^haploomni ask: model folder .*none does not exist: pass --model a folder made by `haploomni train` or `haploomni export`$/],
    ['ask', ['--model', model, '--video', path.join(dir, 'missing.gif'), 'q'], /^haploomni ask: .*missing\.gif: file not found$/],
    ['ask', ['--model', model, '--image', model, 'q'], /model: is a directory/],
    ['info', ['--model', path.join(dir, 'empty')], /empty is not a model folder: config\.json is missing/],
    ['generate', ['--model', path.join(dir, 'empty'), 'x'], /empty is not a model folder/],
  ];
  for (const [name, argv, pattern] of cases) {
    const r = await run(name, argv);
    assert.equal(r.code, 1, `${name} ${argv.join(' ')}: ${r.err}`);
    assert.match(r.err.trim(), pattern);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
});

test('ask streams the pipeline answer; generate writes a GIF per prompt and a grid', async () => {
  const question = 'What color is the circle?';
  const r = await run('ask', ['--model', model, '--video', gif, '--max-new-tokens', '6', question]);
  assert.equal(r.code, 0, r.err);
  const s = shapesSample('test', 1);
  const expected = answerQuestion(loadPipeline(model), { video: makeVideo(s.frames, s.frameCount, s.height, s.width), question }, { maxNewTokens: 6 });
  assert.equal(r.out, expected + '\n');

  const out = path.join(dir, 'gen', 'v.gif'), grid = path.join(dir, 'gen', 'grid.png');
  const g = await run('generate', ['--model', model, 'a red circle', 'a blue ring', '-o', out, '--grid', grid, '--frames', '5', '--steps', '1']);
  assert.equal(g.code, 0, g.err);
  for (const k of [1, 2]) {
    const file = path.join(dir, 'gen', `v-${k}.gif`);
    assert.match(g.out, new RegExp(`v-${k}\\.gif  \\(5 frames, 32x32\\)`));
    assert.equal(decodeGif(readFileSync(file), file).frameCount, 5);
  }
  const png = decodePng(readFileSync(grid), grid);
  assert.deepEqual([png.height, png.width], [2 * 32 + 1, 5 * 32 + 4]);
});

test('export writes F16 weights that info reports; eval --json gives every figure in [0, 1]', async () => {
  const out = path.join(dir, 'half');
  const e = await run('export', ['--model', model, '--out', out]);
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /model\.safetensors \(F16, [\d.]+ MB\), config\.json, pipeline\.json, vae\//);
  assert.ok(existsSync(path.join(out, 'vae', 'model.safetensors')));
  const i = await run('info', ['--model', out]);
  assert.equal(i.code, 0, i.err);
  assert.match(i.out, /weights +model\.safetensors: F16 \(\d+ tensors\)/);
  assert.match(i.out, /total +2,7\d\d,\d\d\d/);
  assert.match(i.out, /patch 8, conv stem 32-64-64/);
  assert.match(i.out, /backend +(native|js)/);

  const r = await run('eval', ['--model', out, '--n', '1', '--gen-n', '1', '--steps', '1', '--json']);
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(r.out) as Record<string, unknown>;
  assert.deepEqual(Object.keys(report), ['model', 'split', 'backend', 'understanding', 'generation']);
  const u = report.understanding as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(u.groups), ['attribute', 'direction', 'counting', 'multiple_choice']);
  assert.deepEqual(Object.keys(u.types), ['color', 'shape', 'size', 'motion', 'count', 'existence', 'multiple_choice']);
  assert.deepEqual(Object.keys(u.pope), ['overall', 'random', 'popular', 'adversarial']);
  assert.deepEqual(Object.keys(report.generation as object), ['videos', 'color', 'shape', 'motion', 'all', 'detected', 'seconds']);
  const counts = new Set(['count', 'samples', 'questions', 'videos', 'seconds']);
  let figures = 0;
  const walk = (v: unknown, key: string): void => {
    if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    else if (typeof v === 'number' && !counts.has(key)) {
      figures++;
      assert.ok(v >= 0 && v <= 1, `${key} = ${v}`);
    }
  };
  walk(report, '');
  assert.ok(figures >= 4 + 7 + 4 * 5 + 5, `${figures} figures`);
});

test('demo asks about test videos and generates from its prompts, printing every file it wrote', async () => {
  const out = path.join(dir, 'demo');
  const r = await run('demo', ['--model', model, '--out', out, '--videos', '1', '--steps', '1']);
  assert.equal(r.code, 0, r.err);
  const s = shapesSample('test', 0);
  assert.ok(r.out.includes(`${path.join(out, 'video-1.gif')}  (${s.description})`), r.out);
  assert.match(r.out, /\(truth: \w+\) [✓✗]/);
  for (const file of ['video-1.gif', 'generated-1.gif', 'generated-2.gif', 'generated-3.gif', 'generated.png']) {
    assert.ok(existsSync(path.join(out, file)), file);
    assert.ok(r.out.includes(path.join(out, file)), file);
  }
});
