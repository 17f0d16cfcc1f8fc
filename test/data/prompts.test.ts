import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildGenerationPrompt, buildGuidanceBatch, leftPad } from '../../src/data/prompts/generation-prompt.js';
import { generationMessages, understandingMessages } from '../../src/data/prompts/messages.js';
import { GENERATION_SYSTEM_PROMPT } from '../../src/data/prompts/system-prompts.js';
import {
  IGNORE_INDEX,
  buildUnderstandingExample,
  buildUnderstandingQuery,
  answerSpansByPrefixes,
  tokenizeConversation,
} from '../../src/data/prompts/understanding-prompt.js';
import { CHATML_TEMPLATE, renderChatML } from '../../src/data/tokenizer/chat-template.js';
import { understandingDraw } from '../../src/train/shapes-source.js';
import { Template } from '@huggingface/jinja';
import { DEFAULT_TOKENIZER_DIR, loadTokenizer, type HaploTokenizer } from '../../src/data/tokenizer/load.js';
import { FIXTURES, tempDir } from './helpers.js';

const tokenizer = loadTokenizer();

test('the generation system prompt is byte-exact with reference §6.4', () => {
  // SHA-256 of the text in haploomni-reference.md §6.4 (with its \n escapes turned into newlines).
  assert.equal(createHash('sha256').update(GENERATION_SYSTEM_PROMPT).digest('hex'), '1bce62857fa2ebd3e4b8e3ae07e39cf2ec5bac8078328632a6396eab6806a133');
  assert.equal(GENERATION_SYSTEM_PROMPT.length, 417);
});

test('the generation prompt is system + user through the chat template, with the assistant header', () => {
  const p = buildGenerationPrompt(tokenizer, 'a small red circle moving left on a black background');
  assert.equal(p.text, `<|im_start|>system\n${GENERATION_SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\na small red circle moving left on a black background<|im_end|>\n<|im_start|>assistant\n`);
  assert.equal(tokenizer.decode(p.ids), p.text);
  assert.deepEqual(generationMessages('x').map((m) => m.role), ['system', 'user']);
  // The Shapes tokenizer learned the system prompt's words too: far fewer tokens than bytes.
  assert.ok(p.ids.length < 120, `${p.ids.length} tokens`);
});

test('left padding and the classifier-free-guidance batch', () => {
  const batch = leftPad([[1, 2, 3], [4]], 0);
  assert.deepEqual(batch.ids, [[1, 2, 3], [0, 0, 4]]);
  assert.deepEqual(batch.attentionMask, [[1, 1, 1], [0, 0, 1]]);
  assert.equal(batch.length, 3);
  const cfg = buildGuidanceBatch(tokenizer, ['a red circle', 'a small blue square moving up on a gray background']);
  assert.equal(cfg.ids.length, 4);
  const empty = buildGenerationPrompt(tokenizer, '').ids;
  const row0 = cfg.ids[0].filter((_, i) => cfg.attentionMask[0][i] === 1);
  assert.deepEqual(row0, empty, 'unconditional rows use the empty prompt');
  assert.ok(cfg.ids[0].slice(0, cfg.length - empty.length).every((id) => id === tokenizer.padId));
  assert.deepEqual(cfg.ids[3], buildGenerationPrompt(tokenizer, 'a small blue square moving up on a gray background').ids.slice(-cfg.length));
});

/** The text of the positions selected by the label mask. */
function labelled(tok: HaploTokenizer, ids: readonly number[], mask: Uint8Array): string {
  return tok.decode(ids.filter((_, i) => mask[i] === 1));
}

test('understanding examples put the placeholder first and train only on answers and their <|im_end|>', () => {
  const ex = buildUnderstandingExample(tokenizer, {
    media: 'video',
    system: 'You are a helpful assistant.',
    turns: [
      { question: 'What color is the circle?', answer: 'red' },
      { question: 'How many objects are there?', answer: '2' },
    ],
  });
  const text = tokenizer.decode(ex.inputIds);
  assert.equal(
    text,
    '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<video>\nWhat color is the circle?<|im_end|>\n' +
      '<|im_start|>assistant\nred<|im_end|>\n<|im_start|>user\nHow many objects are there?<|im_end|>\n<|im_start|>assistant\n2<|im_end|>\n',
  );
  assert.equal(labelled(tokenizer, ex.inputIds, ex.labelMask), 'red<|im_end|>2<|im_end|>');
  assert.deepEqual(ex.mediaPositions, [ex.inputIds.indexOf(tokenizer.videoId)]);
  assert.equal(ex.labels.length, ex.inputIds.length);
  ex.labels.forEach((l, i) => assert.equal(l, ex.labelMask[i] ? ex.inputIds[i] : IGNORE_INDEX));
  // The last token ("\n" after <|im_end|>) is not a target.
  assert.equal(ex.labelMask[ex.labelMask.length - 1], 0);
});

test('image placeholders, no system message, and inference queries', () => {
  const ex = buildUnderstandingExample(tokenizer, { media: 'image', turns: [{ question: 'What shape is the red object?', answer: 'square' }] });
  assert.ok(tokenizer.decode(ex.inputIds).startsWith('<|im_start|>user\n<image>\nWhat shape'));
  assert.equal(labelled(tokenizer, ex.inputIds, ex.labelMask), 'square<|im_end|>');
  const q = buildUnderstandingQuery(tokenizer, { media: 'video', turns: [{ question: 'Is there a red circle in the video?' }] });
  assert.ok(q.text.endsWith('<|im_end|>\n<|im_start|>assistant\n'));
  assert.deepEqual(q.ids, tokenizer.encode(q.text));
  assert.throws(() => buildUnderstandingExample(tokenizer, { turns: [{ question: 'q' }] }), /needs an answer/);
  assert.throws(() => understandingMessages([{ question: 'a' }, { question: 'b', answer: 'c' }]), /only the last turn/);
});

test("label masks also work with Qwen2.5's chat template (default system message injected)", () => {
  const { dir, cleanup } = tempDir();
  try {
    copyFileSync(path.join(DEFAULT_TOKENIZER_DIR, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
    copyFileSync(path.join(FIXTURES, 'qwen2.5-instruct-tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
    const qwen = loadTokenizer(dir);
    const ex = tokenizeConversation(qwen, understandingMessages([{ question: 'Q1', answer: 'yes' }, { question: 'Q2', answer: 'no' }], 'image'));
    assert.ok(qwen.decode(ex.inputIds).startsWith('<|im_start|>system\nYou are Qwen'));
    assert.equal(labelled(qwen, ex.inputIds, ex.labelMask), 'yes<|im_end|>no<|im_end|>');
  } finally {
    cleanup();
  }
});

test('tokenising a conversation by pieces gives the labels of encoding every prefix, on Shapes training conversations', () => {
  const source = { seed: 0, frames: 9, imageShare: 0.15, captionShare: 0.5, maxTurns: 12, dropPrompt: 0.1, genSingleShare: 0 };
  for (let index = 0; index < 150; index++) {
    const d = understandingDraw(index, source);
    const messages = understandingMessages(d.turns, d.media);
    const ex = tokenizeConversation(tokenizer, messages);
    assert.deepEqual(ex.inputIds, tokenizer.encode(tokenizer.applyChatTemplate(messages)), `index ${index}`);
    const expected = new Uint8Array(ex.inputIds.length);
    for (const [from, to] of answerSpansByPrefixes(tokenizer, messages, ex.inputIds)) expected.fill(1, from, to);
    assert.deepEqual(ex.labelMask, expected, `index ${index}`);
    assert.equal(labelled(tokenizer, ex.inputIds, ex.labelMask), d.turns.map((t) => `${t.answer}<|im_end|>`).join(''));
  }
});

test('the built-in ChatML template renders exactly as Jinja renders its source', () => {
  const jinja = new Template(CHATML_TEMPLATE);
  const roles = ['system', 'user', 'assistant'];
  for (let n = 0; n < 40; n++) {
    const messages = Array.from({ length: n % 7 }, (_, i) => ({ role: roles[(n + i) % 3], content: `m${n}.${i} {{ x }} <video>\n é` }));
    for (const addGenerationPrompt of [false, true]) {
      assert.equal(renderChatML(messages, { addGenerationPrompt }), jinja.render({ messages, add_generation_prompt: addGenerationPrompt }));
      assert.equal(tokenizer.applyChatTemplate(messages, { addGenerationPrompt }), renderChatML(messages, { addGenerationPrompt }));
    }
  }
});

test('cached encodings are copies: changing a returned array does not change the next result', () => {
  const first = tokenizer.encode('What color is the red object?');
  const again = tokenizer.encode('What color is the red object?');
  assert.deepEqual(again, first);
  first[0] = -1;
  again.push(5);
  assert.deepEqual(tokenizer.encode('What color is the red object?'), [...again.slice(0, -1)]);
  assert.notEqual(tokenizer.encode('What color is the red object?')[0], -1);
});
