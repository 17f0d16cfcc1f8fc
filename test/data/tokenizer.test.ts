import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { shapesAnnotation } from '../../src/data/shapes/world.js';
import { CHATML_TEMPLATE } from '../../src/data/tokenizer/chat-template.js';
import { DEFAULT_TOKENIZER_DIR, loadTokenizer } from '../../src/data/tokenizer/load.js';
import { SPECIAL_TOKENS } from '../../src/data/tokenizer/special-tokens.js';
import { buildShapesTokenizerFiles, countWords } from '../../src/data/tokenizer/train-bpe.js';
import { learnMerges } from '../../src/data/tokenizer/bpe-trainer.js';
import { FIXTURES, ROOT, tempDir } from './helpers.js';

const tokenizer = loadTokenizer();

test('the shipped tokenizer is in assets/tokenizer with a few hundred tokens and the special tokens last', () => {
  assert.equal(path.resolve(DEFAULT_TOKENIZER_DIR), path.join(ROOT, 'assets', 'tokenizer'));
  assert.ok(tokenizer.vocabSize > 256 && tokenizer.vocabSize < 1024, `vocab ${tokenizer.vocabSize}`);
  SPECIAL_TOKENS.forEach((t, i) => assert.equal(tokenizer.tokenId(t), tokenizer.vocabSize - SPECIAL_TOKENS.length + i));
  assert.equal(tokenizer.eosId, tokenizer.tokenId('<|endoftext|>'));
  assert.equal(tokenizer.padId, tokenizer.tokenId('<|endoftext|>'));
  assert.equal(tokenizer.imageId, tokenizer.tokenId('<image>'));
  assert.equal(tokenizer.videoId, tokenizer.tokenId('<video>'));
  assert.deepEqual([...tokenizer.stopIds].sort(), [tokenizer.imEndId, tokenizer.eosId].sort());
  assert.throws(() => tokenizer.tokenId('<nope>'), /"<nope>" is not in the vocabulary/);
});

test('special tokens in text encode to single ids and decode back', () => {
  for (const t of SPECIAL_TOKENS) assert.deepEqual(tokenizer.encode(t), [tokenizer.tokenId(t)]);
  const ids = tokenizer.encode('<video>\nIs there a red circle?');
  assert.equal(ids[0], tokenizer.videoId);
  assert.equal(ids.filter((id) => id === tokenizer.videoId).length, 1);
  assert.equal(tokenizer.decode(ids), '<video>\nIs there a red circle?');
  assert.equal(tokenizer.decode(ids, { skipSpecialTokens: true }), '\nIs there a red circle?');
});

test('encode/decode round-trips arbitrary text, including bytes outside the Shapes vocabulary', () => {
  const texts = [
    'a small red circle moving left on a black background',
    'A large blue square drifts up and to the right.',
    "It's 3 o'clock: héllo wörld — 你好 😀\n\n\ttabs  and  spaces ",
    '<|im_start|>user\n<image>\nWhat color?<|im_end|>\n<|im_start|>assistant\nred<|im_end|>',
    '',
  ];
  for (const t of texts) assert.equal(tokenizer.decode(tokenizer.encode(t)), t);
  assert.ok(tokenizer.encode('😀').length === 4, 'an emoji outside the vocabulary falls back to its 4 bytes');
});

test('every word of fresh Shapes samples (other splits, videos and images) is a single token', () => {
  const vocab = JSON.parse(readFileSync(path.join(DEFAULT_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')).model.vocab as Record<string, number>;
  const texts: string[] = [];
  for (const split of ['val', 'test', 'compositional'] as const) {
    for (let i = 0; i < 100; i++) {
      for (const frames of [9, 1]) {
        const a = shapesAnnotation(split, i, { frames });
        texts.push(a.description, ...a.captions, ...a.questions.flatMap((q) => [q.question, q.answer]));
      }
    }
  }
  const words = countWords(texts, SPECIAL_TOKENS);
  assert.ok(words.size > 100);
  for (const w of words.keys()) assert.ok(w in vocab, `pre-token ${JSON.stringify(w)} is not a single token`);
  // The same through the tokenizer itself: a caption costs one token per word.
  const caption = 'a small red circle moving left on a black background';
  assert.equal(tokenizer.encode(caption).length, caption.split(' ').length);
});

test('the BPE trainer regenerates the shipped files byte for byte', () => {
  const files = buildShapesTokenizerFiles();
  assert.equal(files.tokenizerJson, readFileSync(path.join(DEFAULT_TOKENIZER_DIR, 'tokenizer.json'), 'utf8'));
  assert.equal(files.tokenizerConfig, readFileSync(path.join(DEFAULT_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8'));
});

test('merge learning merges the most frequent pair first and stops when words are single tokens', () => {
  const merges = learnMerges(new Map([['abab', 3], ['ab', 1], ['c', 5]]));
  assert.deepEqual(merges, [['a', 'b'], ['ab', 'ab']]);
  assert.deepEqual(learnMerges(new Map([['xyz', 1]]), { maxMerges: 1 }), [['x', 'y']]);
});

test('the ChatML template renders Qwen2.5-style turns with an optional generation prompt', () => {
  const messages = [
    { role: 'system', content: 'sys' },
    { role: 'user', content: '<video>\nWhat color is the circle?' },
    { role: 'assistant', content: 'red' },
  ];
  assert.equal(tokenizer.chatTemplate, CHATML_TEMPLATE);
  assert.equal(
    tokenizer.applyChatTemplate(messages),
    '<|im_start|>system\nsys<|im_end|>\n<|im_start|>user\n<video>\nWhat color is the circle?<|im_end|>\n<|im_start|>assistant\nred<|im_end|>\n',
  );
  assert.ok(tokenizer.applyChatTemplate(messages.slice(0, 2), { addGenerationPrompt: true }).endsWith('<|im_start|>assistant\n'));
});

test("the same loader renders Qwen2.5's real chat template", () => {
  const { dir, cleanup } = tempDir();
  try {
    copyFileSync(path.join(DEFAULT_TOKENIZER_DIR, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
    copyFileSync(path.join(FIXTURES, 'qwen2.5-instruct-tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
    const qwen = loadTokenizer(dir);
    assert.equal(qwen.eosId, qwen.imEndId, 'Qwen2.5-Instruct ends sequences with <|im_end|>');
    assert.equal(
      qwen.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true }),
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
    assert.equal(
      qwen.applyChatTemplate([
        { role: 'system', content: 'S' },
        { role: 'user', content: 'Q' },
        { role: 'assistant', content: 'A' },
      ]),
      '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n',
    );
  } finally {
    cleanup();
  }
});

test('loading errors name the file and the problem', () => {
  const { dir, cleanup } = tempDir();
  try {
    assert.throws(() => loadTokenizer(dir), /tokenizer\.json: file not found/);
    writeFileSync(path.join(dir, 'tokenizer.json'), '{ not json');
    assert.throws(() => loadTokenizer(dir), /tokenizer\.json is not valid JSON/);
    copyFileSync(path.join(DEFAULT_TOKENIZER_DIR, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
    const bare = loadTokenizer(dir);
    assert.throws(() => bare.applyChatTemplate([{ role: 'user', content: 'x' }]), /has no chat_template/);
  } finally {
    cleanup();
  }
});
