import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runDataCommand } from '../../src/cli/data.js';
import { captureIO, tempDir } from './helpers.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = captureIO();
  const code = await runDataCommand(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

test('--help documents both subcommands', async () => {
  const top = await run(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.out, /check <manifest>/);
  assert.match(top.out, /shapes/);
  const check = await run(['check', '--help']);
  assert.equal(check.code, 0);
  assert.match(check.out, /--kind <understanding\|generation>[\s\S]*--no-decode/);
  const shapes = await run(['shapes', '--help']);
  assert.equal(shapes.code, 0);
  assert.match(shapes.out, /--out <string>[\s\S]*--n <int>[\s\S]*--split <train\|val\|test\|compositional>[\s\S]*--seed[\s\S]*--frames[\s\S]*--size/);
});

test('wrong arguments give one-line errors naming the problem and exit code 2', async () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /usage: haploomni data/],
    [['frob'], /unknown command "frob"/],
    [['check'], /missing <manifest>/],
    [['check', 'a.jsonl', 'b.jsonl'], /unexpected argument 'b\.jsonl'/],
    [['check', 'a.jsonl', '--kind', 'video'], /--kind must be one of understanding, generation, got 'video'/],
    [['shapes', '--n', '3'], /missing required option --out/],
    [['shapes', '--out', 'x'], /missing required option --n/],
    [['shapes', '--out', 'x', '--n', 'three'], /--n needs an integer, got 'three'/],
    [['shapes', '--out', 'x', '--n', '0'], /--n must be from 1 to 10000000, got 0/],
    [['shapes', '--out', 'x', '--n', '2', '--size', '8'], /--size must be from 16 to 1024, got 8/],
    [['shapes', '--out', 'x', '--n', '2', '--split', 'dev'], /--split must be one of train, val, test, compositional, got 'dev'/],
    [['shapes', '--out', 'x', '--n', '2', '--colour', 'red'], /unknown option --colour/],
    [['shapes', '--out', 'x', '--n'], /--n needs a value/],
  ];
  for (const [argv, pattern] of cases) {
    const r = await run(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, pattern);
    if (argv.length > 0) assert.equal(r.err.trim().split('\n').length, 1, `not one line: ${r.err}`);
  }
});

test('data shapes writes a dataset that data check accepts; data check exits 1 listing every problem', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = path.join(dir, 'shapes');
    const made = await run(['shapes', '--out', out, '--n', '3', '--split', 'test', '--seed', '5', '--frames', '5', '--size', '24']);
    assert.equal(made.code, 0, made.err);
    assert.match(made.out, /wrote 3 test samples \(5-frame 24x24 videos\)/);
    const ok = await run(['check', path.join(out, 'understanding.jsonl')]);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /understanding dataset, 3 records, 3 valid \(0 images, 3 videos, 0 text-only\)\nno problems found/);
    const gen = await run(['check', path.join(out, 'generation.jsonl'), '--kind', 'generation']);
    assert.equal(gen.code, 0);
    const bad = path.join(out, 'bad.jsonl');
    writeFileSync(bad, '{"video": "media/nope.gif", "caption": "x"}\n{"video": "media/shapes-test-5-0.gif"}\n');
    const r = await run(['check', bad, '--kind', 'generation']);
    assert.equal(r.code, 1);
    assert.match(r.out, /2 problems:\n.*bad\.jsonl:1: missing media file media\/nope\.gif.*\n.*bad\.jsonl:2: missing field "caption"/);
    const missing = await run(['check', path.join(dir, 'none.jsonl')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /none\.jsonl: manifest not found/);
  } finally {
    cleanup();
  }
});
